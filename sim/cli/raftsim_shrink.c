/* raftsim_shrink.c: `raftsim shrink FILE`: reduce a failing scenario to a
 * small one that fails with the same property, and write it next to the
 * input (x.scn -> x.min.scn).
 *
 * Invariant: the shrunk file is written only after the search has finished
 * and the result fails with the input's property (scn_shrink guarantees
 * it); a file that cannot be written is exit status 2, never 0. Each
 * candidate runs in a forked child unless --in-process, so a core that
 * aborts on some candidate does not end the command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_outcome.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_run.h"
#include "scenarios/lang/scn_shrink.h"
#include "sim/cli/raftsim_cli.h"
#include "sim/sim_time_text.h"

/* Prints the outcome line "WHAT PROPERTY at TIME: DETAIL", the property
 * in red when colour is on. */
static void print_outcome(const char *what, const struct scn_outcome *o)
{
    bool color = raftsim_use_color(stdout);
    GString *t = g_string_new(NULL);
    sim_time_text_human(t, o->time_us);
    printf("%s %s%s%s at %s: %s\n", what,
           raftsim_color(color, RAFTSIM_COLOR_RED), o->property,
           raftsim_color(color, RAFTSIM_COLOR_RESET), t->str,
           o->detail ? o->detail : "");
    g_string_free(t, TRUE);
}

/* The trace hash of the scenario file `text` (borrowed) named `name`, as
 * `raftsim run` would print it; false when it does not parse or run. */
static bool text_hash(const char *name, const GString *text, uint64_t *hash)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *sc = NULL;
    bool ok = scn_parse_buffer(name, text->str, text->len, &sc, diags) ==
              SCN_OK;
    struct scn_outcome o = {0};
    ok = ok && scn_outcome_run(sc, 0, &o) == SCN_OK;
    if (ok)
        *hash = o.trace_hash;
    scn_outcome_clear(&o);
    scn_scenario_free(sc);
    g_ptr_array_free(diags, TRUE);
    return ok;
}

/* The shrunk file's text, recording (`trace-hash HASH by "BUILD"`) the
 * hash of that very file's run: check events carry their line, so the hash
 * is taken from the written text, first with a placeholder of the same
 * width so that every line stays where it ends up. A run that ended its
 * process (`crash`) records none. */
static void shrunk_text(struct scn_shrink_result *r,
                        const char *path,
                        const char *out_path,
                        GString *text)
{
    struct scn_scenario *sc = r->scenario;
    g_free(sc->trace_build);
    sc->trace_build = NULL;
    sc->trace_hash = 0;
    sc->has_trace_hash = strcmp(r->outcome.property, "crash") != 0;
    if (sc->has_trace_hash)
        sc->trace_build = g_strdup(raftsim_build());
    scn_shrink_write(r, path, out_path, text);
    if (!sc->has_trace_hash)
        return;
    sc->has_trace_hash = text_hash(out_path, text, &sc->trace_hash);
    g_string_truncate(text, 0);
    scn_shrink_write(r, path, out_path, text);
}

/* Shrinks sc (borrowed) and writes the result to out_path (borrowed). */
static int shrink_and_write(const char *path,
                            const struct scn_scenario *sc,
                            const struct scn_shrink_options *o,
                            const char *out_path,
                            bool quiet)
{
    struct scn_shrink_result r;
    int64_t start = raftsim_wall_us();
    if (scn_shrink(sc, o, &r) != SCN_OK) {
        if (r.original.passed)
            printf(
                "%s %spasses%s: there is no failure to shrink\n", path,
                raftsim_color(raftsim_use_color(stdout), RAFTSIM_COLOR_GREEN),
                raftsim_color(raftsim_use_color(stdout), RAFTSIM_COLOR_RESET));
        else
            raftsim_complain("shrink", "%s: the engine refused it", path);
        int status =
            r.original.passed ? RAFTSIM_EXIT_FAILED : RAFTSIM_EXIT_INVALID;
        scn_shrink_result_clear(&r);
        return status;
    }
    GString *wall = g_string_new(NULL);
    sim_time_text_human(wall, (uint64_t)(raftsim_wall_us() - start));
    GString *text = g_string_new(NULL);
    shrunk_text(&r, path, out_path, text);
    GError *err = NULL;
    int status = RAFTSIM_EXIT_OK;
    if (!g_file_set_contents(out_path, text->str, (gssize)text->len, &err)) {
        raftsim_complain("shrink", "%s", err->message);
        g_error_free(err);
        status = RAFTSIM_EXIT_INVALID;
    } else {
        if (!quiet)
            print_outcome(path, &r.original);
        printf("%s: %" PRIu32 " statement%s, %" PRIu32 " node%s -> %" PRIu32
               " statement%s, %" PRIu32 " node%s (%" PRIu64
               " candidate run%s, %s%s)\n",
               out_path, r.steps_before, raftsim_plural(r.steps_before),
               r.nodes_before, raftsim_plural(r.nodes_before), r.steps_after,
               raftsim_plural(r.steps_after), r.nodes_after,
               raftsim_plural(r.nodes_after), r.runs, raftsim_plural(r.runs),
               wall->str, r.out_of_runs ? ", budget exhausted" : "");
        if (!quiet) {
            print_outcome(out_path, &r.outcome);
            printf("replay: raftsim run %s\n", out_path);
        }
    }
    g_string_free(text, TRUE);
    g_string_free(wall, TRUE);
    scn_shrink_result_clear(&r);
    return status;
}

int raftsim_shrink_file(const char *path,
                        const struct scn_shrink_options *options,
                        const uint64_t *seed,
                        const char *out_path,
                        bool quiet)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *sc = raftsim_load(path, diags);
    int status = RAFTSIM_EXIT_INVALID;
    if (!sc) {
        scn_diags_print(diags, stderr);
    } else {
        if (seed) {
            sc->seed = *seed;
            sc->has_seed = true;
        }
        char *default_out = scn_shrink_output_name(path);
        status = shrink_and_write(path, sc, options,
                                  out_path ? out_path : default_out, quiet);
        g_free(default_out);
    }
    scn_scenario_free(sc);
    g_ptr_array_free(diags, TRUE);
    return status;
}

/* The option of `entries` that fills *field, when given, into *value: a
 * positive integer; complains and returns false otherwise. */
static bool positive_option(const GOptionEntry *entries,
                            gchar *const *field,
                            uint64_t *value)
{
    if (!*field || (raftsim_parse_u64(*field, value) && *value > 0))
        return true;
    raftsim_complain("shrink", "--%s: not a positive integer: %s",
                     raftsim_option_name(entries, field), *field);
    return false;
}

int raftsim_shrink_main(int argc, char **argv)
{
    gchar *out_path = NULL, *budget_text = NULL, *events_text = NULL,
          *seed_text = NULL;
    gboolean in_process = FALSE, quiet = FALSE;
    GOptionEntry entries[] = {
        {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path,
         "Write the shrunk scenario to OUT (default: FILE with .min.scn)",
         "OUT"},
        {"budget", 0, 0, G_OPTION_ARG_STRING, &budget_text,
         "Candidate runs at most (default 3000)", "RUNS"},
        {"max-events", 0, 0, G_OPTION_ARG_STRING, &events_text,
         "Events per candidate run at most (default: 4 x the input's run "
         "+ 100000)",
         "N"},
        {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
         "Shrink the run of this seed (written into the shrunk file)", "S"},
        {"in-process", 0, 0, G_OPTION_ARG_NONE, &in_process,
         "Run candidates in this process instead of a forked child each", NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
         "Print only the one-line summary", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx = g_option_context_new("FILE - shrink a failure");
    const char *summary =
        "Reduces a failing scenario to a small one that fails with the same\n"
        "property: ends the run just after the failure, deletes statements,\n"
        "removes nodes it does not need, and simplifies the rest. Writes the\n"
        "result with a header saying what fails, where and when. Exit\n"
        "status: 0 written, 1 FILE does not fail, 2 invalid input or\n"
        "command line, or the result could not be written.";
    int status = RAFTSIM_EXIT_INVALID;
    struct scn_shrink_options o;
    scn_shrink_options_init(&o);
    uint64_t seed = 0;

    if (!raftsim_options_parse("shrink", ctx, summary, entries, NULL, false,
                               &argc, &argv))
        goto out;
    if (argc != 2) {
        raftsim_complain("shrink", "expected one FILE (see --help)");
        goto out;
    }
    if (!positive_option(entries, &budget_text, &o.max_runs) ||
        !positive_option(entries, &events_text, &o.max_events))
        goto out;
    if (seed_text && !raftsim_parse_u64(seed_text, &seed)) {
        raftsim_complain("shrink", "--%s: not an unsigned integer: %s",
                         raftsim_option_name(entries, &seed_text), seed_text);
        goto out;
    }
    o.isolate = !in_process;
    status = raftsim_shrink_file(argv[1], &o, seed_text ? &seed : NULL,
                                 out_path, quiet);
out:
    g_option_context_free(ctx);
    g_free(out_path);
    g_free(budget_text);
    g_free(events_text);
    g_free(seed_text);
    return status;
}
