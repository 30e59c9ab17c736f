/* raftsim_main.c: the `raftsim` command: picks a subcommand from a table.
 *
 * Invariant: the table is the only list of subcommands; `raftsim --help`
 * prints it, and dispatch looks a name up in it, so adding a subcommand is
 * one file plus one row here. A row whose function is not linked in (the
 * weak reference below resolves to NULL) does not exist for the user.
 * Whatever a subcommand printed is flushed and checked here, once: no
 * command exits 0 after a failed write to its standard output.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "sim/cli/raftsim_cli.h"

#ifndef RAFTSIM_VERSION
#define RAFTSIM_VERSION "unknown"
#endif

/* Linked only when sim/cli/raftsim_fuzz.c is part of the build. */
extern int raftsim_fuzz_main(int argc, char **argv) __attribute__((weak));

static const struct raftsim_command commands[] = {
    {"run", "run one scenario and report what happened", raftsim_run_main},
    {"check", "run scenarios and report pass or fail for each",
     raftsim_check_main},
    {"fuzz", "run randomized scenarios and keep the failing ones",
     raftsim_fuzz_main},
    {"shrink", "reduce a failing scenario to a small one that fails alike",
     raftsim_shrink_main},
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: raftsim COMMAND [OPTION...] [ARGUMENT...]\n"
            "\n"
            "A deterministic simulator of Raft clusters driven by scenario "
            "files.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        if (commands[i].main)
            fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "Options:\n"
            "  -h, --help     show this help\n"
            "  --version      show the version\n"
            "\n"
            "`raftsim COMMAND --help` describes a command's options.\n"
            "Exit status: 0 all passed, 1 a check or safety property "
            "failed,\n"
            "2 invalid input or command line, or an output not written,\n"
            "3 a run exceeded its budget of events, memory or wall time.\n");
}

/* Flushes and closes the standard output after `name` ran: output lost to a
 * full disk or a closed descriptor must not end in success, so a failed
 * write, flush or close turns `status` into RAFTSIM_EXIT_INVALID with the
 * OS reason. */
static int finish_stdout(const char *name, int status)
{
    bool failed = ferror(stdout) != 0;
    errno = 0;
    if (fflush(stdout) != 0)
        failed = true;
    int reason = errno;
    if (fclose(stdout) != 0) {
        failed = true;
        if (reason == 0)
            reason = errno;
    }
    if (!failed)
        return status;
    fprintf(stderr, "raftsim %s: cannot write the standard output: %s\n", name,
            reason ? g_strerror(reason) : "a write failed");
    return RAFTSIM_EXIT_INVALID;
}

int main(int argc, char **argv)
{
    /* Only the character set, so that help text shows as written; numbers
     * keep the C locale's format in every output. */
    setlocale(LC_CTYPE, "");
    if (argc < 2) {
        usage(stderr);
        return RAFTSIM_EXIT_INVALID;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        strcmp(name, "help") == 0) {
        usage(stdout);
        return finish_stdout("help", RAFTSIM_EXIT_OK);
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("raftsim %s\n", RAFTSIM_VERSION);
        return finish_stdout("version", RAFTSIM_EXIT_OK);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (commands[i].main && strcmp(commands[i].name, name) == 0) {
            char *prgname = g_strdup_printf("raftsim %s", name);
            g_set_prgname(prgname);
            g_free(prgname);
            return finish_stdout(name, commands[i].main(argc - 1, argv + 1));
        }
    }
    fprintf(stderr, "raftsim: unknown command '%s'\n\n", name);
    usage(stderr);
    return RAFTSIM_EXIT_INVALID;
}
