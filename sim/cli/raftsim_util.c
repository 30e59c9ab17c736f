/* raftsim_util.c: helpers every subcommand shares.
 *
 * Invariant: nothing here depends on anything but its arguments and, for
 * colour only, whether the output is a terminal and the environment's
 * NO_COLOR and TERM; no result of a simulation depends on these.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/lang/scn_parse.h"
#include "sim/cli/raftsim_cli.h"

bool raftsim_use_color(FILE *out)
{
    if (getenv("NO_COLOR") != NULL)
        return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(fileno(out)) == 1;
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
    if (!text)
        return false;
    size_t len = strlen(text);
    uint64_t scale;
    size_t unit_len;
    if (len > 2 && strcmp(text + len - 2, "us") == 0) {
        scale = 1;
        unit_len = 2;
    } else if (len > 2 && strcmp(text + len - 2, "ms") == 0) {
        scale = 1000;
        unit_len = 2;
    } else if (len > 1 && text[len - 1] == 's') {
        scale = 1000000;
        unit_len = 1;
    } else {
        return false;
    }
    size_t n = len - unit_len;
    uint64_t whole = 0, frac = 0, frac_scale = 1;
    size_t i = 0;
    bool digits = false;
    for (; i < n && text[i] >= '0' && text[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(text[i] - '0');
        if (whole > (UINT64_MAX / scale - d) / 10u)
            return false;
        whole = whole * 10u + d;
        digits = true;
    }
    if (!digits)
        return false;
    if (i < n) {
        if (text[i] != '.' || i + 1 == n)
            return false;
        for (i++; i < n; i++) {
            if (text[i] < '0' || text[i] > '9')
                return false;
            if (frac_scale >= scale) {
                /* Finer than a microsecond: only zeros are exact. */
                if (text[i] != '0')
                    return false;
                continue;
            }
            frac = frac * 10u + (uint64_t)(text[i] - '0');
            frac_scale *= 10u;
        }
    }
    uint64_t us = whole * scale;
    uint64_t add = frac * (scale / frac_scale);
    if (us > UINT64_MAX - add || us + add > (uint64_t)INT64_MAX)
        return false;
    *out_us = us + add;
    return true;
}

struct scn_scenario *raftsim_load(const char *path, GPtrArray *diags)
{
    struct scn_scenario *sc = NULL;
    if (scn_parse_file(path, &sc, diags) != SCN_OK) {
        scn_scenario_free(sc);
        return NULL;
    }
    return sc;
}

void raftsim_json_string(GString *out, const char *text)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
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
