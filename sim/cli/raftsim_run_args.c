/* raftsim_run_args.c: the options of `raftsim run` (raftsim_run.h): their
 * table, the one place they are named and described, and the checks that
 * turn them into a plan.
 *
 * Invariant: every complaint names an option by its table's long name
 * (raftsim_run_opt), and nothing here runs a simulation or writes a file.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/cli/raftsim_run.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim_time_text.h"

void raftsim_run_args_init(struct raftsim_run_args *a)
{
    *a = (struct raftsim_run_args){0};
    const GOptionEntry entries[] = {
        {"seed", 's', 0, G_OPTION_ARG_STRING, &a->seed,
         "Use seed N instead of the file's", "N"},
        {"trace", 't', 0, G_OPTION_ARG_FILENAME, &a->trace,
         "Write every event as JSON lines to FILE (-: to stdout, and the "
         "report to stderr)",
         "FILE.jsonl"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet,
         "Print only PASS or the failures", NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &a->verbose,
         "Also print every check and every skipped step", NULL},
        {"png", 0, 0, G_OPTION_ARG_FILENAME, &a->png,
         "Draw the timeline as PNG into OUT", "OUT.png"},
        {"svg", 0, 0, G_OPTION_ARG_FILENAME, &a->svg,
         "Draw the timeline as SVG into OUT", "OUT.svg"},
        {"pdf", 0, 0, G_OPTION_ARG_FILENAME, &a->pdf,
         "Draw the timeline as PDF into OUT", "OUT.pdf"},
        {"messages", 'm', 0, G_OPTION_ARG_STRING, &a->messages,
         "Messages drawn: all, no-heartbeats or none (default: by density)",
         "WHICH"},
        {"from", 0, 0, G_OPTION_ARG_STRING, &a->from,
         "Timeline and frames window start, e.g. 1.5s", "T"},
        {"to", 0, 0, G_OPTION_ARG_STRING, &a->to,
         "Timeline and frames window end, e.g. 3s", "T"},
        {"width", 'w', 0, G_OPTION_ARG_STRING, &a->width,
         "Timeline width in pixels, 640 to 16000 (default: from the content)",
         "PX"},
        {"log-png", 0, 0, G_OPTION_ARG_FILENAME, &a->log_png,
         "Draw every node's log as PNG into OUT", "OUT.png"},
        {"at", 0, 0, G_OPTION_ARG_STRING, &a->at,
         "Virtual time of the log diagram (default: the end)", "T"},
        {"plots", 0, 0, G_OPTION_ARG_FILENAME, &a->plots,
         "Write latency and throughput over time into DIR", "DIR"},
        {"plots-format", 0, 0, G_OPTION_ARG_STRING, &a->plots_format,
         "Format of the --plots pictures: png (default), svg or pdf", "F"},
        {"log-from", 0, 0, G_OPTION_ARG_STRING, &a->log_from,
         "First log index the log diagram draws (default: as far back as "
         "800 columns reach from --log-to)",
         "I"},
        {"log-to", 0, 0, G_OPTION_ARG_STRING, &a->log_to,
         "Last log index the log diagram draws (default: the last)", "J"},
        {"frames", 0, 0, G_OPTION_ARG_FILENAME, &a->frames,
         "Write timeline and log frames into DIR (with --every)", "DIR"},
        {"every", 0, 0, G_OPTION_ARG_STRING, &a->every,
         "Virtual time between frames, e.g. 100ms", "D"},
        {"window", 0, 0, G_OPTION_ARG_STRING, &a->window,
         "With --frames: each timeline frame shows the last D of virtual time",
         "D"},
        {"html", 0, 0, G_OPTION_ARG_FILENAME, &a->html,
         "Write the run's replay page (one self-contained HTML file) into OUT",
         "OUT.html"},
    };
    RAFTSIM_OPTIONS_KEEP(a->entries, entries);
}

/* The long name of the option that fills `field` (a member of a), for
 * complaints ("--%s"): "seed". */
const char *raftsim_run_opt(const struct raftsim_run_args *a, const void *field)
{
    return raftsim_option_name(a->entries, field);
}

void raftsim_run_args_clear(struct raftsim_run_args *a)
{
    gchar **owned[] = {&a->seed,   &a->trace,    &a->png,          &a->svg,
                       &a->pdf,    &a->messages, &a->from,         &a->to,
                       &a->width,  &a->log_png,  &a->at,           &a->log_from,
                       &a->log_to, &a->plots,    &a->plots_format, &a->frames,
                       &a->every,  &a->window,   &a->html};
    for (size_t i = 0; i < G_N_ELEMENTS(owned); i++)
        g_clear_pointer(owned[i], g_free);
    raftsim_budget_args_clear(&a->budget);
}

/* Parses --log-from I and --log-to J (each optional, only with --log-png)
 * into *from and *to; complains and returns false on a bad window. */
static bool log_window_parse(const struct raftsim_run_args *a,
                             uint64_t *from,
                             uint64_t *to)
{
    const char *lf = raftsim_run_opt(a, &a->log_from),
               *lt = raftsim_run_opt(a, &a->log_to);
    if ((a->log_from || a->log_to) && !a->log_png) {
        raftsim_complain("run", "--%s and --%s need --%s", lf, lt,
                         raftsim_run_opt(a, &a->log_png));
        return false;
    }
    if (a->log_from && (!raftsim_parse_u64(a->log_from, from) || *from == 0)) {
        raftsim_complain("run", "--%s: not a log index from 1: %s", lf,
                         a->log_from);
        return false;
    }
    if (a->log_to && (!raftsim_parse_u64(a->log_to, to) || *to == 0)) {
        raftsim_complain("run", "--%s: not a log index from 1: %s", lt,
                         a->log_to);
        return false;
    }
    if (a->log_from && a->log_to && *from > *to) {
        raftsim_complain("run",
                         "--%s %s is after --%s %s: the window would be empty",
                         lf, a->log_from, lt, a->log_to);
        return false;
    }
    if (a->log_from && a->log_to && *to - *from >= VIZ_LOG_MAX_COLUMNS) {
        raftsim_complain("run",
                         "--%s %s --%s %s: %" G_GUINT64_FORMAT
                         " indices, more than the %d a log diagram draws",
                         lf, a->log_from, lt, a->log_to, *to - *from + 1,
                         VIZ_LOG_MAX_COLUMNS);
        return false;
    }
    return true;
}

/* --at, --from and --to name instants of the run: none may lie after its end
 * (run_us). Complains about the first that does. */
bool raftsim_run_times_within(const struct raftsim_run_args *a,
                              uint64_t run_us,
                              uint64_t at_us,
                              const struct viz_options *v)
{
    gchar *const *option = NULL;
    if (a->at && at_us > run_us)
        option = &a->at;
    else if (a->from && v->from_us >= run_us)
        option = &a->from;
    else if (a->to && v->to_us > run_us)
        option = &a->to;
    if (option == NULL)
        return true;
    GString *end = g_string_new(NULL);
    sim_time_text_human(end, run_us);
    raftsim_complain("run", "--%s %s is after the end of the run (%s)",
                     raftsim_run_opt(a, option), *option, end->str);
    g_string_free(end, TRUE);
    return false;
}

/* Parses argv into a (entries and the shared colour and budget options)
 * and checks there is one file; complains and returns false otherwise. */
bool raftsim_run_args_parse(struct raftsim_run_args *a,
                            GOptionContext *ctx,
                            int *argc,
                            char ***argv)
{
    const char *summary =
        "Runs the scenario FILE (- reads standard input) and prints what\n"
        "happened: leaders, log, messages, clients, checks,\n"
        "linearizability and the trace hash.\n"
        "Exit status: 0 passed, 1 a check or safety property failed,\n"
        "2 invalid input or command line, or an output not written,\n"
        "3 the run exceeded a budget (--max-events, --max-memory,\n"
        "--max-wall) and was stopped.";
    if (!raftsim_options_parse("run", ctx, summary, a->entries, &a->budget,
                               false, argc, argv))
        return false;
    if (*argc != 2) {
        raftsim_complain("run", *argc < 2
                                    ? "no scenario file given (see --help)"
                                    : "exactly one scenario file expected");
        return false;
    }
    return true;
}

/* Parses the duration option `field` of a into *out_us, if given;
 * complains (`like`: an example) and returns false when malformed. */
static bool run_duration(const struct raftsim_run_args *a,
                         gchar *const *field,
                         const char *like,
                         uint64_t *out_us)
{
    if (*field && !raftsim_parse_duration(*field, out_us)) {
        raftsim_complain("run", "--%s: not a duration like %s: %s",
                         raftsim_run_opt(a, field), like, *field);
        return false;
    }
    return true;
}

/* The seed and the timeline's view: --seed, --messages, --from, --to,
 * --width. */
bool raftsim_run_check_view(const struct raftsim_run_args *a,
                            struct raftsim_run_plan *p,
                            struct viz_options *v)
{
    if (a->quiet && a->verbose) {
        raftsim_complain("run", "--%s and --%s exclude each other",
                         raftsim_run_opt(a, &a->quiet),
                         raftsim_run_opt(a, &a->verbose));
        return false;
    }
    p->has_seed = a->seed != NULL;
    if (a->seed && !raftsim_parse_u64(a->seed, &p->seed)) {
        raftsim_complain("run", "--%s: not an unsigned integer: %s",
                         raftsim_run_opt(a, &a->seed), a->seed);
        return false;
    }
    if (a->messages && !viz_messages_parse(a->messages, &v->messages)) {
        raftsim_complain("run",
                         "--%s: expected all, no-heartbeats or none, not %s",
                         raftsim_run_opt(a, &a->messages), a->messages);
        return false;
    }
    if (!run_duration(a, &a->from, "1.5s", &v->from_us) ||
        !run_duration(a, &a->to, "3s", &v->to_us))
        return false;
    if (a->to && v->to_us <= v->from_us) {
        raftsim_complain("run", "--%s must be after --%s",
                         raftsim_run_opt(a, &a->to),
                         raftsim_run_opt(a, &a->from));
        return false;
    }
    uint64_t width = 0;
    if (a->width && (!raftsim_parse_u64(a->width, &width) ||
                     width < VIZ_WIDTH_MIN_PX || width > VIZ_WIDTH_MAX_PX)) {
        raftsim_complain("run", "--%s: not a width from %d to %d: %s",
                         raftsim_run_opt(a, &a->width), VIZ_WIDTH_MIN_PX,
                         VIZ_WIDTH_MAX_PX, a->width);
        return false;
    }
    if (a->width)
        v->width_px = (int)width;
    return true;
}

/* The pictures' instants and periods: --at, --log-from and --log-to, --frames
 * with --every and --window, --plots-format. */
bool raftsim_run_check_pictures(const struct raftsim_run_args *a,
                                struct raftsim_run_plan *p,
                                struct raftsim_run_ctx *rc)
{
    if (!run_duration(a, &a->at, "2s", &p->at_us))
        return false;
    if (a->at && !a->log_png)
        raftsim_complain("run", "note: --%s only matters with --%s",
                         raftsim_run_opt(a, &a->at),
                         raftsim_run_opt(a, &a->log_png));
    if (!log_window_parse(a, &rc->log_from, &rc->log_to))
        return false;
    if ((a->frames != NULL) != (a->every != NULL)) {
        raftsim_complain("run", "--%s and --%s go together",
                         raftsim_run_opt(a, &a->frames),
                         raftsim_run_opt(a, &a->every));
        return false;
    }
    if (a->window && !a->frames) {
        raftsim_complain("run", "--%s: only with --%s",
                         raftsim_run_opt(a, &a->window),
                         raftsim_run_opt(a, &a->frames));
        return false;
    }
    if (a->window && (!raftsim_parse_duration(a->window, &rc->window_us) ||
                      rc->window_us == 0)) {
        raftsim_complain("run", "--%s: not a positive duration",
                         raftsim_run_opt(a, &a->window));
        return false;
    }
    if (a->every &&
        (!raftsim_parse_duration(a->every, &p->every_us) || p->every_us == 0)) {
        raftsim_complain("run", "--%s: not a positive duration: %s",
                         raftsim_run_opt(a, &a->every), a->every);
        return false;
    }
    p->plots_format = VIZ_FORMAT_PNG;
    if (a->plots_format && !a->plots) {
        raftsim_complain("run", "--%s: only with --%s",
                         raftsim_run_opt(a, &a->plots_format),
                         raftsim_run_opt(a, &a->plots));
        return false;
    }
    if (a->plots_format &&
        !viz_format_parse(a->plots_format, &p->plots_format)) {
        raftsim_complain("run", "--%s: expected png, svg or pdf, not %s",
                         raftsim_run_opt(a, &a->plots_format), a->plots_format);
        return false;
    }
    return true;
}
