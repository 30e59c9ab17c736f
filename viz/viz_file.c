/* viz_file.c: writing a result file (a picture, a trace) to the path the
 * user named.
 *
 * Invariant: a result lands at the file the path names once symbolic links
 * are followed, never in place of a link, a FIFO or a device; and only
 * complete: the bytes go to a temporary file in the target's directory,
 * renamed onto the target after every write, the flush and the close
 * succeeded, and removed otherwise. On failure errno holds the OS reason.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "viz/viz.h"

/* Links followed before giving up, as the kernel does (ELOOP). */
#define LINKS_MAX 40

/* The target of the link at `path` (a new string), relative links read
 * from the link's own directory; NULL with errno on failure. */
static char *link_target(const char *path)
{
    GError *err = NULL;
    char *to = g_file_read_link(path, &err);
    if (!to) {
        g_error_free(err);
        errno = EIO;
        return NULL;
    }
    if (g_path_is_absolute(to))
        return to;
    char *dir = g_path_get_dirname(path);
    char *full = g_build_filename(dir, to, NULL);
    g_free(dir);
    g_free(to);
    return full;
}

int viz_output_target(const char *path, char **target)
{
    char *p = g_strdup(path);
    for (int links = 0; links <= LINKS_MAX; links++) {
        struct stat st;
        if (lstat(p, &st) != 0) {
            if (errno != ENOENT)
                break;
            /* A new file: its directory must exist. */
            char *dir = g_path_get_dirname(p);
            bool dir_ok = stat(dir, &st) == 0;
            if (dir_ok && !S_ISDIR(st.st_mode)) {
                dir_ok = false;
                errno = ENOTDIR;
            }
            int saved = errno;
            g_free(dir);
            errno = saved;
            if (!dir_ok)
                break;
            *target = p;
            return VIZ_OK;
        }
        if (S_ISREG(st.st_mode)) {
            *target = p;
            return VIZ_OK;
        }
        if (!S_ISLNK(st.st_mode)) {
            g_free(p);
            return VIZ_ENOTFILE;
        }
        char *next = link_target(p);
        g_free(p);
        if (!next)
            return VIZ_EIO;
        p = next;
        errno = ELOOP;
    }
    int saved = errno;
    g_free(p);
    errno = saved;
    return VIZ_EIO;
}

int viz_output_open(struct viz_output *o, const char *path)
{
    memset(o, 0, sizeof(*o));
    int code = viz_output_target(path, &o->target);
    if (code != VIZ_OK)
        return code;
    char *dir = g_path_get_dirname(o->target);
    char *base = g_path_get_basename(o->target);
    char *name = g_strdup_printf(".%s.XXXXXX", base);
    o->temp = g_build_filename(dir, name, NULL);
    g_free(name);
    g_free(base);
    g_free(dir);
    int fd = g_mkstemp_full(o->temp, O_RDWR, 0666);
    if (fd >= 0)
        o->fp = fdopen(fd, "wb");
    if (!o->fp) {
        int saved = errno;
        if (fd >= 0) {
            close(fd);
            g_unlink(o->temp);
        }
        g_free(o->temp);
        g_free(o->target);
        memset(o, 0, sizeof(*o));
        errno = saved;
        return VIZ_EIO;
    }
    return VIZ_OK;
}

/* Frees o's strings, keeping errno. */
static void output_clear(struct viz_output *o)
{
    int saved = errno;
    g_free(o->temp);
    g_free(o->target);
    memset(o, 0, sizeof(*o));
    errno = saved;
}

void viz_output_discard(struct viz_output *o)
{
    if (!o->temp)
        return;
    int saved = errno;
    if (o->fp)
        fclose(o->fp);
    g_unlink(o->temp);
    errno = saved;
    output_clear(o);
}

int viz_output_commit(struct viz_output *o)
{
    /* A replaced file is synced first, so that a crash leaves the old one
     * or the new one, never an empty one. */
    bool replacing = g_file_test(o->target, G_FILE_TEST_EXISTS);
    errno = 0;
    bool ok = fflush(o->fp) == 0 && !ferror(o->fp);
    if (ok && replacing)
        ok = fsync(fileno(o->fp)) == 0;
    int saved = errno;
    FILE *fp = o->fp;
    o->fp = NULL;
    if (fclose(fp) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(o->temp, o->target) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        g_unlink(o->temp);
        errno = saved ? saved : EIO;
        output_clear(o);
        return VIZ_EIO;
    }
    output_clear(o);
    return VIZ_OK;
}

int viz_output_write_all(const char *path, const void *data, size_t len)
{
    struct viz_output out;
    int code = viz_output_open(&out, path);
    if (code != VIZ_OK)
        return code;
    if (fwrite(data, 1, len, out.fp) != len) {
        viz_output_discard(&out);
        return VIZ_EIO;
    }
    return viz_output_commit(&out);
}
