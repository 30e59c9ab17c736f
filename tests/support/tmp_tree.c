/* tmp_tree.c: see tmp_tree.h. */
#include "tests/support/tmp_tree.h"

#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>

char *tmp_tree_make(const char *template)
{
    GError *err = NULL;
    char *dir = g_dir_make_tmp(template, &err);
    cr_assert_not_null(dir, "%s: %s", template, err ? err->message : "?");
    return dir;
}

char *tmp_tree_write(const char *dir, const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);
    char *parent = g_path_get_dirname(path);
    cr_assert_eq(g_mkdir_with_parents(parent, 0755), 0, "%s", parent);
    g_free(parent);
    cr_assert(g_file_set_contents(path, text, -1, NULL), "%s", path);
    return path;
}

static void remove_below(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
            !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
            remove_below(p);
        else
            g_remove(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
}

void tmp_tree_remove(char *dir)
{
    remove_below(dir);
    g_free(dir);
}
