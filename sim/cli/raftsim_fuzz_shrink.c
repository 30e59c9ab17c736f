/* raftsim_fuzz_shrink.c: shrinking a campaign's reproducers, a bounded
 * number per property, and naming the smallest (raftsim_fuzz_shrink.h).
 *
 * Invariant: which files are shrunk, and which one is named smallest,
 * depends only on the order of `paths` and their properties: the hash table
 * below is only counted in, never walked.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/cli/raftsim_fuzz_shrink.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/lang/scn_shrink.h"
#include "sim/cli/raftsim_cli.h"
#include "sim/cli/raftsim_fuzz_report.h"

/* Statements in a scenario text: lines that are neither blank nor a
 * comment. */
static unsigned raftsim_count_statements(const char *text)
{
    unsigned n = 0;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        size_t lead = 0;
        while (lead < len && (line[lead] == ' ' || line[lead] == '\t' ||
                              line[lead] == '\r'))
            lead++;
        n += lead < len && line[lead] != '#';
        line += len + (end != NULL);
    }
    return n;
}

/* The statements of the file at `path`; 0 when it cannot be read. */
static unsigned file_statements(const char *path)
{
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    unsigned n = raftsim_count_statements(text);
    g_free(text);
    return n;
}

/* Prints the smallest of the shrunk files of `property` (borrowed) and
 * the others' sizes, when there are two or more. */
static void name_smallest(const char *property,
                          const GPtrArray *properties,
                          const GPtrArray *shrunk,
                          const unsigned *sizes)
{
    guint best = G_MAXUINT, count = 0;
    for (guint i = 0; i < shrunk->len; i++) {
        if (!g_ptr_array_index(shrunk, i) ||
            strcmp(g_ptr_array_index(properties, i), property) != 0)
            continue;
        count++;
        if (best == G_MAXUINT || sizes[i] < sizes[best])
            best = i;
    }
    if (count < 2)
        return;
    const char *path = g_ptr_array_index(shrunk, best);
    printf("shrink: smallest %s reproducer: %s, %u statement%s (also", property,
           path, sizes[best], raftsim_plural(sizes[best]));
    const char *sep = " ";
    for (guint i = 0; i < shrunk->len; i++) {
        const char *other = g_ptr_array_index(shrunk, i);
        if (i == best || !other ||
            strcmp(g_ptr_array_index(properties, i), property) != 0)
            continue;
        g_autofree char *base = g_path_get_basename(other);
        printf("%s%s %u", sep, base, sizes[i]);
        sep = ", ";
    }
    printf(")\n");
}

/* Shrinks what the options allow; returns an array parallel to `paths`:
 * the shrunk file's path (owned) where one was written, NULL elsewhere. */
static GPtrArray *shrink_each(const struct raftsim_fuzz_shrink *p,
                              const GPtrArray *paths,
                              const GPtrArray *properties,
                              unsigned *sizes)
{
    struct scn_shrink_options o;
    scn_shrink_options_init(&o);
    o.max_runs = p->runs;
    GPtrArray *shrunk = g_ptr_array_new_with_free_func(g_free);
    GHashTable *done = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < paths->len; i++) {
        const char *path = g_ptr_array_index(paths, i);
        const char *property = g_ptr_array_index(properties, i);
        guint had = GPOINTER_TO_UINT(g_hash_table_lookup(done, property));
        char *min = NULL;
        if (had < p->per_property) {
            g_hash_table_insert(done, (gpointer)property,
                                GUINT_TO_POINTER(had + 1));
            if (!p->quiet)
                printf("shrink: %s\n", path);
            fflush(stdout);
            if (raftsim_shrink_file(path, &o, NULL, NULL, true) ==
                RAFTSIM_EXIT_OK) {
                min = scn_shrink_output_name(path);
                sizes[i] = file_statements(min);
            }
            fflush(stdout);
        }
        g_ptr_array_add(shrunk, min);
    }
    g_hash_table_destroy(done);
    return shrunk;
}

void raftsim_fuzz_shrink_all(const struct raftsim_fuzz_shrink *p,
                             const GPtrArray *paths,
                             const GPtrArray *properties,
                             GPtrArray *failures)
{
    /* With --json, stdout holds the document alone: these lines go to
     * stderr for the time the shrinking takes. */
    fflush(stdout);
    int saved_stdout = p->json ? dup(STDOUT_FILENO) : -1;
    if (saved_stdout >= 0)
        dup2(STDERR_FILENO, STDOUT_FILENO);
    unsigned *sizes = g_new0(unsigned, paths->len ? paths->len : 1);
    GPtrArray *shrunk = shrink_each(p, paths, properties, sizes);
    /* One line per property, in the order the properties first failed. */
    for (guint i = 0; i < paths->len; i++) {
        const char *property = g_ptr_array_index(properties, i);
        bool first = true;
        for (guint j = 0; j < i && first; j++)
            first = strcmp(g_ptr_array_index(properties, j), property) != 0;
        if (first)
            name_smallest(property, properties, shrunk, sizes);
    }
    fflush(stdout);
    for (guint f = 0; failures && f < failures->len; f++) {
        struct raftsim_fuzz_failure *rec = g_ptr_array_index(failures, f);
        for (guint i = 0; rec->reproducer && i < paths->len; i++)
            if (g_ptr_array_index(shrunk, i) &&
                strcmp(rec->reproducer, g_ptr_array_index(paths, i)) == 0)
                rec->shrunk = g_strdup(g_ptr_array_index(shrunk, i));
    }
    g_ptr_array_free(shrunk, TRUE);
    g_free(sizes);
    if (saved_stdout >= 0) {
        dup2(saved_stdout, STDOUT_FILENO);
        close(saved_stdout);
    }
}
