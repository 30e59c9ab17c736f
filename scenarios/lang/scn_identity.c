/* scn_identity.c: statement identities from canonical text. Invariant: a
 * key depends only on the statement's own text and on how many earlier
 * statements have exactly that text. */
#include "scenarios/lang/scn_identity.h"

#include <glib.h>

#include "scenarios/lang/scn_print.h"
#include "sim/sim_hash.h"
#include "sim/sim_rng.h"

/* A platform-stable hash of the bytes of text (length included). */
static uint64_t text_hash(const GString *text)
{
    const unsigned char *p = (const unsigned char *)text->str;
    uint64_t h = sim_hash_mix(text->len);
    for (size_t at = 0; at < text->len; at += 8) {
        size_t n = text->len - at < 8 ? text->len - at : 8;
        h = sim_hash_fold(h, sim_hash_load_le(p + at, n));
    }
    return sim_hash_mix(h);
}

void scn_step_draw_keys(const struct scn_scenario *scenario, uint64_t *keys)
{
    /* text -> how many steps so far had it; looked up only, never iterated,
     * so its order cannot reach a key. */
    GHashTable *seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < scenario->steps->len; i++) {
        const struct scn_step *st = g_ptr_array_index(scenario->steps, i);
        g_string_truncate(text, 0);
        scn_print_step(scenario, st, text);
        gpointer count = NULL;
        gboolean had =
            g_hash_table_lookup_extended(seen, text->str, NULL, &count);
        uint64_t rank = had ? (uint64_t)GPOINTER_TO_SIZE(count) : 0;
        keys[i] = sim_rng_key(text_hash(text), rank);
        g_hash_table_replace(seen, g_strdup(text->str),
                             GSIZE_TO_POINTER((gsize)(rank + 1)));
    }
    g_string_free(text, TRUE);
    g_hash_table_destroy(seen);
}
