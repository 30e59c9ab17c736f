/* program.c: spawning the command binaries for tests (see program.h). */
#define _POSIX_C_SOURCE 200809L

#include "tests/support/program.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *program_path(const char *name)
{
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    cr_assert_not_null(exe);
    char *tests_dir = g_path_get_dirname(exe);
    char *build_dir = g_path_get_dirname(tests_dir);
    char *path = g_build_filename(build_dir, name, NULL);
    g_free(build_dir);
    g_free(tests_dir);
    g_free(exe);
    cr_assert(g_file_test(path, G_FILE_TEST_IS_EXECUTABLE),
              "%s is missing: build it before the tests", path);
    return path;
}

struct program_outcome program_run(const char *name, const char *const *args)
{
    return program_run_with(name, args, NULL, NULL);
}

/* g_spawn's child setup, run in the child just before exec: the file named
 * by `data` becomes the standard input. */
static void stdin_from(gpointer data)
{
    int fd = open(data, O_RDONLY);
    if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
        _exit(127);
    close(fd);
}

struct program_outcome program_run_with(const char *name,
                                        const char *const *args,
                                        const char *const *env,
                                        const char *stdin_path)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, program_path(name));
    for (size_t i = 0; args[i]; i++)
        g_ptr_array_add(argv, g_strdup(args[i]));
    g_ptr_array_add(argv, NULL);
    char **envp = g_get_environ();
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq) {
            envp = g_environ_unsetenv(envp, env[i]);
            continue;
        }
        char *var = g_strndup(env[i], (gsize)(eq - env[i]));
        envp = g_environ_setenv(envp, var, eq + 1, TRUE);
        g_free(var);
    }
    struct program_outcome o = {0};
    int wait_status = 0;
    GError *err = NULL;
    gboolean ok =
        g_spawn_sync(NULL, (char **)argv->pdata, envp, G_SPAWN_DEFAULT,
                     stdin_path ? stdin_from : NULL, (gpointer)stdin_path,
                     &o.out, &o.err, &wait_status, &err);
    cr_assert(ok, "spawn failed: %s", err ? err->message : "?");
    o.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    g_strfreev(envp);
    g_ptr_array_free(argv, TRUE);
    return o;
}

void program_outcome_clear(struct program_outcome *o)
{
    g_free(o->out);
    g_free(o->err);
}
