/* scn_error.c: diagnostics of the scenario language.
 *
 * Invariant: a diagnostic owns copies of its file name and message, so a
 * list outlives the buffer and the scenario it was made from.
 */
#include "scenarios/lang/scn_error.h"

#include <stdarg.h>

static const char *const scn_error_texts[SCN_ERROR_COUNT] = {
    [SCN_OK] = "ok",
    [SCN_EINVAL] = "invalid scenario",
    [SCN_EIO] = "cannot read the scenario",
};

const char *scn_strerror(int err)
{
    if (err < 0 || err >= SCN_ERROR_COUNT) {
        return "unknown error";
    }
    return scn_error_texts[err];
}

static void scn_diag_free(void *p)
{
    struct scn_diag *diag = p;

    g_free(diag->file);
    g_free(diag->message);
    g_free(diag);
}

GPtrArray *scn_diags_new(void)
{
    return g_ptr_array_new_with_free_func(scn_diag_free);
}

void scn_diags_add(GPtrArray *diags,
                   const char *file,
                   uint32_t line,
                   uint32_t column,
                   const char *fmt,
                   ...)
{
    struct scn_diag *diag = g_new0(struct scn_diag, 1);
    va_list ap;

    diag->file = g_strdup(file != NULL ? file : "<input>");
    diag->line = line;
    diag->column = column;
    va_start(ap, fmt);
    diag->message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(diags, diag);
}

/* Insertion sort: stable, and lists are short. */
void scn_diags_sort(GPtrArray *diags)
{
    for (guint i = 1; i < diags->len; i++) {
        struct scn_diag *d = g_ptr_array_index(diags, i);
        guint j = i;

        while (j > 0) {
            const struct scn_diag *prev = g_ptr_array_index(diags, j - 1);

            if (prev->line < d->line ||
                (prev->line == d->line && prev->column <= d->column)) {
                break;
            }
            diags->pdata[j] = diags->pdata[j - 1];
            j--;
        }
        diags->pdata[j] = d;
    }
}

char *scn_diag_format(const struct scn_diag *diag)
{
    if (diag->line == 0) {
        return g_strdup_printf("%s: error: %s", diag->file, diag->message);
    }
    if (diag->column == 0) {
        return g_strdup_printf("%s:%u: error: %s", diag->file,
                               (unsigned)diag->line, diag->message);
    }
    return g_strdup_printf("%s:%u:%u: error: %s", diag->file,
                           (unsigned)diag->line, (unsigned)diag->column,
                           diag->message);
}

void scn_diags_print(const GPtrArray *diags, FILE *out)
{
    for (guint i = 0; i < diags->len; i++) {
        char *text = scn_diag_format(g_ptr_array_index(diags, i));

        fprintf(out, "%s\n", text);
        g_free(text);
    }
}
