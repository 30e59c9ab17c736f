/* json_paths.c: the strict JSON reader of json_paths.h, by recursive
 * descent over the text; its depth is bounded so that no input can exhaust
 * the stack. */
#include "tests/support/json_paths.h"

#include <string.h>

#define JSON_DEPTH_MAX 64

struct reader
{
    const char *p;
    const char *start;
    char *error;
    int depth;
};

static bool fail(struct reader *r, const char *what)
{
    if (!r->error)
        r->error = g_strdup_printf("offset %ld: %s",
                                   (long)(r->p - r->start), what);
    return false;
}

static void skip_space(struct reader *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
        r->p++;
}

static void record(GHashTable *types, const char *path, const char *type)
{
    const char *seen = g_hash_table_lookup(types, path);
    if (!seen) {
        g_hash_table_insert(types, g_strdup(path), g_strdup(type));
    } else if (!strstr(seen, type)) {
        char *both = g_strdup_printf("%s or %s", seen, type);
        g_hash_table_insert(types, g_strdup(path), both);
    }
}

/* A string; its text (unescaped ASCII escapes only) into *out when not
 * NULL. */
static bool read_string(struct reader *r, GString *out)
{
    if (*r->p != '"')
        return fail(r, "expected a string");
    r->p++;
    while (*r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c == 0)
            return fail(r, "unterminated string");
        if (c < 0x20)
            return fail(r, "control character in a string");
        if (c == '\\') {
            r->p++;
            if (*r->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!g_ascii_isxdigit(r->p[i]))
                        return fail(r, "bad \\u escape");
                r->p += 5;
                continue;
            }
            if (!*r->p || !strchr("\"\\/bfnrt", *r->p))
                return fail(r, "bad escape");
        }
        if (out)
            g_string_append_c(out, *r->p);
        r->p++;
    }
    r->p++;
    return true;
}

static bool read_number(struct reader *r)
{
    const char *s = r->p;
    if (*r->p == '-')
        r->p++;
    if (*r->p == '0')
        r->p++;
    else if (g_ascii_isdigit(*r->p))
        while (g_ascii_isdigit(*r->p))
            r->p++;
    else
        return fail(r, "bad number");
    if (*r->p == '.') {
        r->p++;
        if (!g_ascii_isdigit(*r->p))
            return fail(r, "bad fraction");
        while (g_ascii_isdigit(*r->p))
            r->p++;
    }
    if (*r->p == 'e' || *r->p == 'E') {
        r->p++;
        if (*r->p == '+' || *r->p == '-')
            r->p++;
        if (!g_ascii_isdigit(*r->p))
            return fail(r, "bad exponent");
        while (g_ascii_isdigit(*r->p))
            r->p++;
    }
    return r->p > s;
}

static bool read_value(struct reader *r,
                       const char *path,
                       GHashTable *types,
                       const char **type);

static bool read_object(struct reader *r, const char *path, GHashTable *types)
{
    r->p++;
    skip_space(r);
    if (*r->p == '}') {
        r->p++;
        return true;
    }
    for (;;) {
        skip_space(r);
        GString *key = g_string_new(NULL);
        if (!read_string(r, key)) {
            g_string_free(key, TRUE);
            return false;
        }
        char *member = *path ? g_strdup_printf("%s.%s", path, key->str)
                             : g_strdup(key->str);
        g_string_free(key, TRUE);
        skip_space(r);
        const char *type = NULL;
        bool ok = *r->p == ':' ? (r->p++, read_value(r, member, types, &type))
                               : fail(r, "expected ':'");
        if (ok)
            record(types, member, type);
        g_free(member);
        if (!ok)
            return false;
        skip_space(r);
        if (*r->p == '}') {
            r->p++;
            return true;
        }
        if (*r->p != ',')
            return fail(r, "expected ',' or '}'");
        r->p++;
    }
}

static bool read_array(struct reader *r, const char *path, GHashTable *types)
{
    r->p++;
    skip_space(r);
    if (*r->p == ']') {
        r->p++;
        return true;
    }
    char *element = g_strdup_printf("%s[]", path);
    bool ok = true;
    for (;;) {
        const char *type = NULL;
        if (!(ok = read_value(r, element, types, &type)))
            break;
        skip_space(r);
        if (*r->p == ']') {
            r->p++;
            break;
        }
        if (*r->p != ',') {
            ok = fail(r, "expected ',' or ']'");
            break;
        }
        r->p++;
    }
    g_free(element);
    return ok;
}

static bool read_value(struct reader *r,
                       const char *path,
                       GHashTable *types,
                       const char **type)
{
    skip_space(r);
    if (r->depth >= JSON_DEPTH_MAX)
        return fail(r, "nested too deeply");
    bool ok;
    r->depth++;
    if (*r->p == '{') {
        *type = "object";
        ok = read_object(r, path, types);
    } else if (*r->p == '[') {
        *type = "array";
        ok = read_array(r, path, types);
    } else if (*r->p == '"') {
        *type = "string";
        ok = read_string(r, NULL);
    } else if (g_str_has_prefix(r->p, "true") ||
               g_str_has_prefix(r->p, "false")) {
        *type = "boolean";
        r->p += *r->p == 't' ? 4 : 5;
        ok = true;
    } else if (g_str_has_prefix(r->p, "null")) {
        *type = "null";
        r->p += 4;
        ok = true;
    } else {
        *type = "number";
        ok = read_number(r);
    }
    r->depth--;
    return ok;
}

bool json_paths(const char *text, GHashTable *types, char **error)
{
    struct reader r = {.p = text, .start = text};
    if (!g_utf8_validate(text, -1, NULL)) {
        *error = g_strdup("not UTF-8");
        return false;
    }
    const char *type = NULL;
    bool ok = read_value(&r, "", types, &type);
    if (ok) {
        skip_space(&r);
        if (*r.p)
            ok = fail(&r, "text after the value");
    }
    if (!ok)
        *error = r.error;
    else
        g_free(r.error);
    return ok;
}

GHashTable *json_paths_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}
