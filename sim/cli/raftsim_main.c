/* raftsim_main.c: the `raftsim` command: picks a subcommand from a table.
 *
 * Invariant: the table is the only list of subcommands; `raftsim --help`
 * prints it, and dispatch looks a name up in it, so adding a subcommand is
 * one file plus one row here.
 * Whatever a subcommand printed is flushed and checked here, once: no
 * command exits 0 after a failed write to its standard output.
 * `raftsim help CMD` is dispatched as `raftsim CMD --help`, so each command's
 * help has one source; a mistyped name gets the nearest row as a suggestion.
 */
#include <errno.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "sim/cli/raftsim_cli.h"

#ifndef RAFTSIM_VERSION
#define RAFTSIM_VERSION "unknown"
#endif
/* Where `make install` puts the scenario library and the language
 * reference (the Makefile passes $(PREFIX)/share/raftsim). */
#ifndef RAFTSIM_DATADIR
#define RAFTSIM_DATADIR "/usr/local/share/raftsim"
#endif

static const struct raftsim_command commands[] = {
    {"run", "run one scenario and report what happened", raftsim_run_main},
    {"check", "run scenarios and report pass or fail for each",
     raftsim_check_main},
    {"fuzz", "run randomized scenarios and keep the failing ones",
     raftsim_fuzz_main},
    {"shrink", "reduce a failing scenario to a small one that fails alike",
     raftsim_shrink_main},
    {"validate",
     "parse scenarios only: report errors or print the canonical form",
     raftsim_validate_main},
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
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "Options:\n"
            "  -h, --help     show this help\n"
            "  -V, --version  show the version\n"
            "\n"
            "`raftsim COMMAND --help` or `raftsim help COMMAND` describes a "
            "command's options.\n"
            "Exit status: 0 all passed, 1 a check or safety property "
            "failed,\n"
            "2 invalid input or command line, or an output not written,\n"
            "3 a run exceeded its budget of events, memory or wall time.\n"
            "\n"
            "Installed files (make install; in the source tree: scenarios/, "
            "docs/):\n"
            "  " RAFTSIM_DATADIR "/scenarios/*.scn  the scenario library\n"
            "  " RAFTSIM_DATADIR "/scenario-language.md  the language "
            "reference\n"
            "  man raftsim    the manual page\n");
}

/* Flushes and closes the standard output after `name` ran: output lost to a
 * full disk or a closed descriptor must not end in success, so a failed
 * write, flush or close turns `status` into RAFTSIM_EXIT_INVALID with the
 * OS reason. */
static int finish_stdout(const char *name, int status)
{
    bool failed = ferror(stdout) != 0;
    /* A write that failed while the command ran left its reason in errno,
     * unless something since changed it; it is the best one there is. */
    int earlier = failed ? errno : 0;
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
    if (reason == 0)
        reason = earlier;
    fprintf(stderr, "raftsim %s: cannot write the standard output: %s\n", name,
            reason ? g_strerror(reason) : "a write failed");
    return RAFTSIM_EXIT_INVALID;
}

/* The edit distance between a and b (insertions, deletions, substitutions
 * and swaps of neighbours each cost 1), capped at 9: only small distances
 * matter for a suggestion. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 16 || lb > 16)
        return 9;
    size_t d[17][17];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            best = MIN(best, d[i - 1][j] + 1);
            best = MIN(best, d[i][j - 1] + 1);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                best = MIN(best, d[i - 2][j - 2] + 1);
            d[i][j] = best;
        }
    }
    return MIN(d[la][lb], (size_t)9);
}

/* The command `name` most likely meant: the nearest row within distance 2
 * (1 for names of up to 3 letters), or a row it is a prefix of; NULL if
 * none. Ties go to the earlier row, so the answer never depends on more than
 * the table. */
static const char *suggest_command(const char *name)
{
    const char *best = NULL;
    size_t best_d = strlen(name) <= 3 ? 2 : 3;
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        size_t d = edit_distance(name, commands[i].name);
        if (name[0] && g_str_has_prefix(commands[i].name, name))
            d = MIN(d, (size_t)1);
        if (d < best_d) {
            best_d = d;
            best = commands[i].name;
        }
    }
    return best;
}

static const struct raftsim_command *find_command(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    const char *guess = suggest_command(name);
    if (guess) {
        fprintf(stderr,
                "raftsim: unknown command '%s'; did you mean '%s'?\n"
                "Run 'raftsim --help' for the list of commands.\n",
                name, guess);
    } else {
        fprintf(stderr, "raftsim: unknown command '%s'\n\n", name);
        usage(stderr);
    }
    return RAFTSIM_EXIT_INVALID;
}

static int run_command(const struct raftsim_command *c, int argc, char **argv)
{
    char *prgname = g_strdup_printf("raftsim %s", c->name);
    g_set_prgname(prgname);
    g_free(prgname);
    return finish_stdout(c->name, c->main(argc, argv));
}

/* A campaign (fuzz, check, shrink) runs hundreds of runs back to back in one
 * process, each freeing what it allocated. By default glibc hands the free
 * top of the heap back to the kernel past 128 KiB, and the next run faults
 * the same pages in again: about 7 % of `raftsim fuzz`'s CPU time and five
 * in six of its page faults (docs/cost-round-13.md, "The heap between
 * runs"). Up to 64 MiB of free heap is kept instead; a run's peak is
 * unchanged. Nothing the runs compute depends on it. */
static void keep_heap_between_runs(void)
{
#ifdef M_TRIM_THRESHOLD
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

int main(int argc, char **argv)
{
    keep_heap_between_runs();
    /* Only the character set, so that help text shows as written; numbers
     * keep the C locale's format in every output. */
    setlocale(LC_CTYPE, "");
    if (argc < 2) {
        usage(stderr);
        return RAFTSIM_EXIT_INVALID;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 && argc >= 3) {
        /* `raftsim help CMD` is `raftsim CMD --help`. */
        const struct raftsim_command *c = find_command(argv[2]);
        if (!c)
            return unknown_command(argv[2]);
        char *help_argv[] = {argv[2], (char *)"--help", NULL};
        return run_command(c, 2, help_argv);
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        strcmp(name, "help") == 0) {
        usage(stdout);
        return finish_stdout("help", RAFTSIM_EXIT_OK);
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0 ||
        strcmp(name, "version") == 0) {
        printf("raftsim %s\n", RAFTSIM_VERSION);
        return finish_stdout("version", RAFTSIM_EXIT_OK);
    }
    const struct raftsim_command *c = find_command(name);
    if (c)
        return run_command(c, argc - 1, argv + 1);
    return unknown_command(name);
}
