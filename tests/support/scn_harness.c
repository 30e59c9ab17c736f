/* scn_harness.c: see scn_harness.h. */
#include "tests/support/scn_harness.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "scenarios/lang/scn_print.h"

/* Every diagnostic in `diags`, formatted, one per line. */
static char *diags_text(const GPtrArray *diags)
{
    GString *all = g_string_new(NULL);
    for (guint i = 0; i < diags->len; i++) {
        char *line = scn_diag_format(g_ptr_array_index(diags, i));
        g_string_append_printf(all, "%s\n", line);
        g_free(line);
    }
    return g_string_free(all, FALSE);
}

/* Fails the test, logging the diagnostics, unless rc is SCN_OK. */
static struct scn_scenario *accepted(int rc,
                                     struct scn_scenario *s,
                                     GPtrArray *diags,
                                     const char *what)
{
    if (diags->len) {
        char *all = diags_text(diags);
        cr_log_error("%s", all);
        g_free(all);
    }
    cr_assert_eq(rc, SCN_OK, "rejected:\n%s", what);
    cr_assert_not_null(s);
    g_ptr_array_free(diags, TRUE);
    return s;
}

struct scn_scenario *sh_parse_named(const char *name, const char *text)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = NULL;
    int rc = scn_parse_buffer(name, text, strlen(text), &s, diags);
    return accepted(rc, s, diags, text);
}

struct scn_scenario *sh_parse(const char *text)
{
    return sh_parse_named(SH_FILE_NAME, text);
}

struct scn_scenario *sh_parse_path(const char *path)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = NULL;
    int rc = scn_parse_file(path, &s, diags);
    return accepted(rc, s, diags, path);
}

char *sh_parse_errors_len(const char *text, size_t len)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = (struct scn_scenario *)&s;
    int rc = scn_parse_buffer(SH_FILE_NAME, text, len, &s, diags);
    cr_assert_eq(rc, SCN_EINVAL, "accepted:\n%.*s", (int)len, text);
    cr_assert_null(s, "a rejected input must return no scenario");
    cr_assert_gt(diags->len, 0);
    char *all = diags_text(diags);
    g_ptr_array_free(diags, TRUE);
    return all;
}

char *sh_parse_errors(const char *text)
{
    return sh_parse_errors_len(text, strlen(text));
}

char *sh_print(const struct scn_scenario *s)
{
    GString *out = g_string_new(NULL);
    scn_print(s, out);
    return g_string_free(out, FALSE);
}

struct scn_run_result *sh_run(const char *text, const struct scn_run_options *o)
{
    struct scn_run_options recorded;
    if (!o) {
        scn_run_options_init(&recorded);
        recorded.record_events = true;
        o = &recorded;
    }
    struct scn_scenario *s = sh_parse(text);
    struct scn_run_result *r = NULL;
    cr_assert_eq(scn_run(s, o, &r), SCN_OK, "the runner refused:\n%s", text);
    cr_assert_not_null(r);
    scn_scenario_free(s);
    return r;
}

struct scn_run_result *sh_run_seed(const char *text, uint64_t seed)
{
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.record_events = true;
    o.has_seed = true;
    o.seed = seed;
    return sh_run(text, &o);
}

void sh_assert_passed(const struct scn_run_result *r)
{
    GString *all = g_string_new(NULL);
    for (guint i = 0; i < r->failures->len; i++) {
        const struct scn_failure *f = g_ptr_array_index(r->failures, i);
        g_string_append_printf(all, "line %" PRIu32 ": %s\n", f->line,
                               f->message);
    }
    cr_assert(r->passed, "failed:\n%s", all->str);
    g_string_free(all, TRUE);
}
