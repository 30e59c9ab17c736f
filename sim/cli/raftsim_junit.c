/* raftsim_junit.c: JUnit XML reports (raftsim_junit.h).
 *
 * Invariant: every byte of text that reaches the file passes through
 * raftsim_junit_escape(), so no file name or message can break the XML,
 * and the suite's counts are incremented only by raftsim_junit_add(), next
 * to the case they count.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/cli/raftsim_junit.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/raftsim_cli.h"
#include "viz/viz.h"

void raftsim_junit_init(struct raftsim_junit *j)
{
    memset(j, 0, sizeof(*j));
    j->cases = g_string_new(NULL);
    j->properties = g_string_new(NULL);
}

void raftsim_junit_clear(struct raftsim_junit *j)
{
    if (j->cases)
        g_string_free(j->cases, TRUE);
    if (j->properties)
        g_string_free(j->properties, TRUE);
    memset(j, 0, sizeof(*j));
}

/* True for a code point XML 1.0 allows in a document (section 2.2). */
static bool xml_char(gunichar c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Appends `text` (borrowed; NULL: nothing) to `out` escaped for XML
 * character data or a quoted attribute value. */
static void raftsim_junit_escape(GString *out, const char *text)
{
    if (!text)
        return;
    char *valid = g_utf8_make_valid(text, -1);
    for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        switch (c) {
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '"':
            g_string_append(out, "&quot;");
            break;
        case '\'':
            g_string_append(out, "&apos;");
            break;
        /* As references, so that attribute values keep them. */
        case '\n':
            g_string_append(out, "&#10;");
            break;
        case '\r':
            g_string_append(out, "&#13;");
            break;
        case '\t':
            g_string_append(out, "&#9;");
            break;
        default:
            g_string_append_unichar(out, xml_char(c) ? c : 0xFFFD);
        }
    }
    g_free(valid);
}

/* Appends ` name="value"` (value escaped); nothing when value is NULL. */
static void attribute(GString *out, const char *name, const char *value)
{
    if (!value)
        return;
    g_string_append_printf(out, " %s=\"", name);
    raftsim_junit_escape(out, value);
    g_string_append_c(out, '"');
}

/* Seconds with microsecond precision, as JUnit's time attribute has it;
 * printed from integers so that no locale changes the decimal point. */
static void seconds(GString *out, int64_t us)
{
    if (us < 0)
        us = 0;
    g_string_append_printf(out, "%" PRId64 ".%06" PRId64, us / 1000000,
                           us % 1000000);
}

void raftsim_junit_property(struct raftsim_junit *j,
                            const char *name,
                            const char *value)
{
    g_string_append(j->properties, "      <property");
    attribute(j->properties, "name", name);
    attribute(j->properties, "value", value);
    g_string_append(j->properties, "/>\n");
}

void raftsim_junit_property_u64(struct raftsim_junit *j,
                                const char *name,
                                uint64_t value)
{
    char text[24];
    g_snprintf(text, sizeof(text), "%" PRIu64, value);
    raftsim_junit_property(j, name, text);
}

void raftsim_junit_add(struct raftsim_junit *j,
                       const struct raftsim_junit_case *c)
{
    GString *o = j->cases;
    g_string_append(o, "    <testcase");
    attribute(o, "classname", c->classname);
    attribute(o, "name", c->name);
    attribute(o, "file", c->file);
    if (c->line)
        g_string_append_printf(o, " line=\"%" PRIu32 "\"", c->line);
    g_string_append(o, " time=\"");
    seconds(o, c->wall_us);
    g_string_append(o, "\">\n");
    if (c->result != RAFTSIM_JUNIT_PASS) {
        const char *tag =
            c->result == RAFTSIM_JUNIT_FAILURE ? "failure" : "error";
        g_string_append_printf(o, "      <%s", tag);
        attribute(o, "type", c->type);
        attribute(o, "message", c->message);
        g_string_append_c(o, '>');
        raftsim_junit_escape(o, c->text);
        g_string_append_printf(o, "</%s>\n", tag);
    }
    if (c->system_out) {
        g_string_append(o, "      <system-out>");
        raftsim_junit_escape(o, c->system_out);
        g_string_append(o, "</system-out>\n");
    }
    g_string_append(o, "    </testcase>\n");
    j->tests++;
    j->failures += c->result == RAFTSIM_JUNIT_FAILURE;
    j->errors += c->result == RAFTSIM_JUNIT_ERROR;
    j->wall_us += c->wall_us > 0 ? c->wall_us : 0;
}

/* The counts and time shared by <testsuites> and <testsuite>. */
static void counts(GString *out, const struct raftsim_junit *j)
{
    g_string_append_printf(out,
                           " tests=\"%" PRIu64 "\" failures=\"%" PRIu64
                           "\" errors=\"%" PRIu64 "\" skipped=\"0\" time=\"",
                           j->tests, j->failures, j->errors);
    seconds(out, j->wall_us);
    g_string_append_c(out, '"');
}

bool raftsim_junit_write(const struct raftsim_junit *j,
                         const char *command,
                         const char *suite,
                         const char *path)
{
    GString *x = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    g_string_append(x, "<testsuites");
    attribute(x, "name", suite);
    counts(x, j);
    g_string_append(x, ">\n  <testsuite");
    attribute(x, "name", suite);
    counts(x, j);
    g_string_append(x, ">\n");
    if (j->properties->len)
        g_string_append_printf(x, "    <properties>\n%s    </properties>\n",
                               j->properties->str);
    g_string_append_len(x, j->cases->str, (gssize)j->cases->len);
    g_string_append(x, "  </testsuite>\n</testsuites>\n");
    int code = viz_output_write_all(path, x->str, x->len);
    g_string_free(x, TRUE);
    if (code != VIZ_OK) {
        raftsim_complain(command, "%s: %s", path,
                         code == VIZ_EIO ? g_strerror(errno)
                                         : viz_strerror(code));
        return false;
    }
    return true;
}

bool raftsim_output_writable(const char *command,
                             const char *path,
                             const char *what)
{
    char *target = NULL;
    int code = viz_output_target(path, &target);
    if (code == VIZ_ENOTFILE) {
        raftsim_complain(command,
                         "%s: not a regular file: %s replace a regular file "
                         "or create a new one",
                         path, what);
        return false;
    }
    bool ok = code == VIZ_OK;
    if (ok) {
        char *dir = g_path_get_dirname(target);
        ok = access(dir, W_OK) == 0;
        g_free(dir);
    }
    g_free(target);
    if (!ok)
        raftsim_complain(command, "%s: %s", path, g_strerror(errno));
    return ok;
}

bool raftsim_output_dir_usable(const char *command,
                               const char *option,
                               const char *dir)
{
    char *p = g_strdup(dir);
    while (!g_file_test(p, G_FILE_TEST_EXISTS)) {
        char *up = g_path_get_dirname(p);
        bool top = strcmp(up, p) == 0;
        g_free(p);
        p = up;
        if (top)
            break;
    }
    errno = ENOTDIR;
    bool ok = g_file_test(p, G_FILE_TEST_IS_DIR) &&
              access(p, W_OK | X_OK) == 0;
    if (!ok)
        raftsim_complain(command, "%s %s: %s%s%s", option, dir,
                         strcmp(p, dir) ? p : "", strcmp(p, dir) ? ": " : "",
                         g_strerror(errno));
    g_free(p);
    return ok;
}
