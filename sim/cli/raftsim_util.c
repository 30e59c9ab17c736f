/* raftsim_util.c: helpers every subcommand shares.
 *
 * Invariant: nothing here depends on anything but its arguments and, for
 * colour only, whether the output is a terminal and the environment's
 * NO_COLOR and TERM; no result of a simulation depends on these.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_print.h"
#include "sim/cli/raftsim_cli.h"
#include "sim/sim_time_text.h"

/* The command's --color choice; one per process, since a process runs one
 * command. */
static enum raftsim_color_mode color_mode = RAFTSIM_COLOR_MODE_AUTO;

bool raftsim_use_color(FILE *out)
{
    if (color_mode != RAFTSIM_COLOR_MODE_AUTO)
        return color_mode == RAFTSIM_COLOR_MODE_ALWAYS;
    /* NO_COLOR counts only when set to something (no-color.org). */
    const char *no_color = getenv("NO_COLOR");
    if (no_color != NULL && no_color[0] != '\0')
        return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(fileno(out)) == 1;
}

/* Parses "auto", "always" or "never" into *out; false, *out unchanged,
 * otherwise. */
static bool raftsim_color_mode_parse(const char *text,
                                     enum raftsim_color_mode *out)
{
    static const char *const names[] = {"auto", "always", "never"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (text && strcmp(text, names[i]) == 0) {
            *out = (enum raftsim_color_mode)i;
            return true;
        }
    }
    return false;
}

/* GOption's callback for --color=WHEN. */
static gboolean color_option(const gchar *name,
                             const gchar *value,
                             gpointer data,
                             GError **error)
{
    (void)name;
    (void)data;
    if (raftsim_color_mode_parse(value, &color_mode))
        return TRUE;
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--color: expected auto, always or never, not '%s'", value);
    return FALSE;
}

void raftsim_color_add_option(GOptionContext *ctx)
{
    /* GOption stores the callback in a data pointer; ISO C has no cast
     * between the two, POSIX guarantees they have the same size. */
    GOptionArgFunc callback = color_option;
    gpointer data = NULL;
    G_STATIC_ASSERT(sizeof(callback) == sizeof(data));
    memcpy(&data, &callback, sizeof(data));
    GOptionEntry entries[] = {
        {"color", 0, 0, G_OPTION_ARG_CALLBACK, data,
         "Colour the verdicts: auto (default: on a terminal, unless NO_COLOR "
         "is set and not empty), always or never",
         "WHEN"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_option_context_add_main_entries(ctx, entries, NULL);
}

const char *raftsim_plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

const char *raftsim_color(bool enabled, enum raftsim_color color)
{
    if (!enabled)
        return "";
    switch (color) {
    case RAFTSIM_COLOR_RESET:
        return "\033[0m";
    case RAFTSIM_COLOR_GREEN:
        return "\033[32m";
    case RAFTSIM_COLOR_RED:
        return "\033[31m";
    case RAFTSIM_COLOR_YELLOW:
        return "\033[33m";
    case RAFTSIM_COLOR_BOLD:
        return "\033[1m";
    case RAFTSIM_COLOR_DIM:
        return "\033[2m";
    }
    return "";
}

/* The entry of `entries` named `name` ("jobs") or, when name is NULL,
 * with the short name `short_name`; NULL when there is none. */
static const GOptionEntry *option_entry(const GOptionEntry *entries,
                                        const char *name,
                                        char short_name)
{
    for (const GOptionEntry *e = entries; e->long_name; e++)
        if (name ? strcmp(e->long_name, name) == 0
                 : short_name != 0 && e->short_name == short_name)
            return e;
    return NULL;
}

/* Whether the option in `arg` ("-j", "--jobs") is one of `entries` and
 * takes its value from the next argument. */
static bool takes_next_value(const GOptionEntry *entries, const char *arg)
{
    const GOptionEntry *e = NULL;
    if (arg[0] == '-' && arg[1] == '-' && !strchr(arg, '='))
        e = option_entry(entries, arg + 2, 0);
    else if (arg[0] == '-' && arg[1] != '\0' && arg[1] != '-' &&
             arg[2] == '\0')
        e = option_entry(entries, NULL, arg[1]);
    return e && e->arg != G_OPTION_ARG_NONE;
}

/* GOption reads "-j2" as a group of short options, not as -j with the value
 * 2; this copies argv (pointers borrowed) with each such argument split
 * into "-j" and "2" (new strings, appended to `owned`), up to a "--" and
 * never inside another option's value. */
static GPtrArray *split_attached_values(const GOptionEntry *entries,
                                        int argc,
                                        char **argv,
                                        GPtrArray *owned)
{
    GPtrArray *out = g_ptr_array_new();
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const GOptionEntry *e =
            i > 0 && arg[0] == '-' && arg[1] != '\0' && arg[1] != '-'
                ? option_entry(entries, NULL, arg[1])
                : NULL;
        if (e && e->arg != G_OPTION_ARG_NONE && arg[2] != '\0') {
            char *flag = g_strndup(arg, 2);
            char *value = g_strdup(arg + 2);
            g_ptr_array_add(owned, flag);
            g_ptr_array_add(owned, value);
            g_ptr_array_add(out, flag);
            g_ptr_array_add(out, value);
            continue;
        }
        g_ptr_array_add(out, argv[i]);
        if (i > 0 && strcmp(arg, "--") == 0) {
            while (++i < argc)
                g_ptr_array_add(out, argv[i]);
        } else if (i > 0 && i + 1 < argc && takes_next_value(entries, arg)) {
            g_ptr_array_add(out, argv[++i]);
        }
    }
    g_ptr_array_add(out, NULL);
    return out;
}

bool raftsim_options_parse(const char *command,
                           GOptionContext *ctx,
                           const char *summary,
                           const GOptionEntry *entries,
                           struct raftsim_budget_args *budget,
                           bool per_seed,
                           int *argc,
                           char ***argv)
{
    g_option_context_set_summary(ctx, summary);
    g_option_context_add_main_entries(ctx, entries, NULL);
    raftsim_color_add_option(ctx);
    if (budget)
        raftsim_budget_add_options(ctx, budget, per_seed);
    /* Parse a copy with attached short values split; what is left over
     * (the operands) are argv's own strings, copied back into argv. */
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *split = split_attached_values(entries, *argc, *argv, owned);
    int n = (int)split->len - 1;
    char **args = (char **)split->pdata;
    GError *err = NULL;
    bool ok = g_option_context_parse(ctx, &n, &args, &err);
    if (ok) {
        SIM_ASSERT(n <= *argc, "GOption only removes arguments");
        for (int i = 0; i < n; i++)
            (*argv)[i] = args[i];
        (*argv)[n] = NULL;
        *argc = n;
    } else {
        raftsim_complain(command, "%s", err->message);
        g_error_free(err);
    }
    g_ptr_array_free(split, TRUE);
    g_ptr_array_free(owned, TRUE);
    return ok;
}

const char *raftsim_option_name(const GOptionEntry *entries, const void *field)
{
    for (const GOptionEntry *e = entries; e->long_name; e++)
        if (e->arg_data == field)
            return e->long_name;
    SIM_ASSERT(false, "no option entry fills this field");
    return "";
}

bool raftsim_parse_u64(const char *text, uint64_t *out)
{
    if (!text || !*text)
        return false;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return false;
        v = v * 10u + d;
    }
    *out = v;
    return true;
}

bool raftsim_parse_duration(const char *text, uint64_t *out_us)
{
    return text && scn_parse_duration(text, out_us);
}

struct scn_scenario *raftsim_load(const char *path, GPtrArray *diags)
{
    struct scn_scenario *sc = NULL;
    int rc = strcmp(path, "-") == 0
                 ? scn_parse_stream(stdin, RAFTSIM_STDIN_NAME, &sc, diags)
                 : scn_parse_file(path, &sc, diags);
    if (rc != SCN_OK) {
        scn_scenario_free(sc);
        return NULL;
    }
    return sc;
}

bool raftsim_stdin_at_most_once(const char *command, int argc, char **argv)
{
    int uses = 0;
    for (int i = 1; i < argc; i++)
        uses += strcmp(argv[i], "-") == 0;
    if (uses > 1)
        raftsim_complain(command, "- (standard input) given more than once");
    return uses <= 1;
}

void raftsim_json_string(GString *out, const char *text)
{
    /* JSON is UTF-8: a file name's stray bytes become U+FFFD. */
    char *valid = text ? g_utf8_make_valid(text, -1) : NULL;
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)valid; p && *p; p++) {
        switch (*p) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        default:
            if (*p < 0x20)
                g_string_append_printf(out, "\\u%04x", (unsigned)*p);
            else
                g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
    g_free(valid);
}

void raftsim_complain(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "raftsim %s: ", command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int64_t raftsim_wall_us(void)
{
    return g_get_monotonic_time();
}

/* Parses a size in bytes: digits, then nothing or one of K, M, G, T
 * (powers of 1024), optionally followed by `B` or `iB` ("512M", "2GiB").
 * False, and *out unchanged, when malformed or above 2^64 - 1. */
static bool raftsim_parse_size(const char *text, uint64_t *out)
{
    static const char *const units = "KMGT";
    if (!text || !*text)
        return false;
    const char *p = text;
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return false;
        v = v * 10u + d;
    }
    if (p == text)
        return false;
    const char *u = *p ? strchr(units, g_ascii_toupper(*p)) : NULL;
    if (u) {
        p++;
        unsigned shift = 10u * (unsigned)(u - units + 1);
        if (v > (UINT64_MAX >> shift))
            return false;
        v <<= shift;
        if (*p == 'i')
            p++;
    }
    if (*p == 'B')
        p++;
    if (*p)
        return false;
    *out = v;
    return true;
}

void raftsim_budget_add_options(GOptionContext *ctx,
                                struct raftsim_budget_args *a,
                                bool per_seed)
{
    /* A run over a budget stops with exit 3; a fuzz seed over one is that
     * seed's `budget` failure, and its event default is the campaign's. */
    static const char *const run_help[3] = {
        "Stop a run after N events, exit 3 (default 100000000; 0: none)",
        "Stop a run holding more than SIZE, exit 3 (default 1G; 0: none)",
        "Stop a run after D of wall time, exit 3 (default 600s; 0s: none)",
    };
    static const char *const seed_help[3] = {
        "Fail a seed as budget after N events (default 5000000; 0: none)",
        "Fail a seed as budget holding more than SIZE (default 1G; 0: none)",
        "Fail a seed as budget after D of wall time (default 600s; 0s: none)",
    };
    const char *const *help = per_seed ? seed_help : run_help;
    GOptionEntry entries[] = {
        {"max-events", 0, 0, G_OPTION_ARG_STRING, &a->max_events, help[0],
         "N"},
        {"max-memory", 0, 0, G_OPTION_ARG_STRING, &a->max_memory, help[1],
         "SIZE"},
        {"max-wall", 0, 0, G_OPTION_ARG_STRING, &a->max_wall, help[2], "D"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_option_context_add_main_entries(ctx, entries, NULL);
}

bool raftsim_budget_parse(const char *command,
                          const struct raftsim_budget_args *a,
                          struct scn_budget *out,
                          int64_t *wall_us)
{
    scn_budget_init(out);
    *wall_us = RAFTSIM_MAX_WALL_US_DEFAULT;
    if (a->max_events && !raftsim_parse_u64(a->max_events, &out->max_events)) {
        raftsim_complain(command, "--max-events: not an unsigned integer: %s",
                         a->max_events);
        return false;
    }
    if (a->max_memory &&
        !raftsim_parse_size(a->max_memory, &out->max_memory_bytes)) {
        raftsim_complain(command,
                         "--max-memory: not a size like 512M or 2G: %s",
                         a->max_memory);
        return false;
    }
    uint64_t wall = 0;
    if (a->max_wall) {
        if (!raftsim_parse_duration(a->max_wall, &wall)) {
            raftsim_complain(command, "--max-wall: not a duration like 60s: %s",
                             a->max_wall);
            return false;
        }
        *wall_us = (int64_t)wall;
    }
    return true;
}

void raftsim_budget_args_clear(struct raftsim_budget_args *a)
{
    g_free(a->max_events);
    g_free(a->max_memory);
    g_free(a->max_wall);
    memset(a, 0, sizeof(*a));
}

static bool deadline_interrupt(void *ctx)
{
    struct raftsim_deadline *d = ctx;
    if (d->watch && ferror(d->watch))
        return true;
    if (raftsim_wall_us() < d->until_us)
        return false;
    d->passed = true;
    return true;
}

void raftsim_deadline_start(struct raftsim_deadline *d,
                            int64_t wall_us,
                            struct scn_budget *b)
{
    int64_t now = raftsim_wall_us();
    d->until_us =
        wall_us > 0 && wall_us < INT64_MAX - now ? now + wall_us : INT64_MAX;
    d->passed = false;
    b->interrupt = deadline_interrupt;
    b->interrupt_ctx = d;
}

void raftsim_budget_complain(const char *command,
                             const char *file,
                             const struct scn_run_result *res,
                             const struct scn_budget *b,
                             const struct raftsim_deadline *d,
                             int64_t wall_us)
{
    GString *at = g_string_new(NULL);
    sim_time_text_human(at, res->end_us);
    switch (res->budget_exceeded) {
    case SCN_BUDGET_EVENTS:
        raftsim_complain(command,
                         "%s: stopped at %s: the run exceeded its budget of "
                         "%" PRIu64 " event%s (raise it with --max-events)",
                         file, at->str, b->max_events,
                         raftsim_plural(b->max_events));
        break;
    case SCN_BUDGET_MEMORY:
        raftsim_complain(command,
                         "%s: stopped at %s after %" PRIu64
                         " event%s: the run held about %" PRIu64
                         " bytes, over its memory budget of %" PRIu64
                         " bytes (raise it with --max-memory)",
                         file, at->str, res->events,
                         raftsim_plural(res->events), res->memory_bytes,
                         b->max_memory_bytes);
        break;
    case SCN_BUDGET_INTERRUPTED:
        if (d && d->passed) {
            GString *wall = g_string_new(NULL);
            sim_time_text_duration(wall, wall_us > 0 ? (uint64_t)wall_us : 0);
            raftsim_complain(command,
                             "%s: stopped at %s after %" PRIu64
                             " event%s: the run exceeded its wall-time budget "
                             "of %s (raise it with --max-wall)",
                             file, at->str, res->events,
                             raftsim_plural(res->events), wall->str);
            g_string_free(wall, TRUE);
        }
        break;
    case SCN_BUDGET_NONE:
        break;
    }
    g_string_free(at, TRUE);
}
