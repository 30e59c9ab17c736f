/* scn_identity.c: statement identities from canonical text. Invariant: a
 * key depends only on the statement's own text and on how many earlier
 * statements have exactly that text; a statement that cannot draw is
 * neither printed nor counted (scn_identity.h). */
#include "scenarios/lang/scn_identity.h"

#include <glib.h>
#include <string.h>

#include "scenarios/lang/scn_print.h"
#include "sim/sim_hash.h"
#include "sim/sim_rng.h"

/* A platform-stable hash of the bytes of text (length included): its
 * whole words of 8 bytes, then the last few zero-padded. */
static uint64_t text_hash(const GString *text)
{
    const unsigned char *p = (const unsigned char *)text->str;
    size_t len = text->len;
    uint64_t h = sim_hash_mix(len);
    size_t at = 0;
    for (; len - at >= 8; at += 8)
        h = sim_hash_fold(h, sim_hash_load_le(p + at, 8));
    if (at < len)
        h = sim_hash_fold(h, sim_hash_load_le(p + at, len - at));
    return sim_hash_mix(h);
}

/* The distinct texts seen so far, found by their text_hash() through an
 * open-addressing table that is looked up only, never iterated, so its
 * layout cannot reach a key. A text is not copied: an entry names the
 * first step that printed it, printed again only when another text has
 * the same hash (an earlier statement with the same text, a few times per
 * scenario). */
struct seen_text
{
    uint32_t step;  /* 1 + the index of the first step with this text; 0: empty */
    uint32_t count; /* steps so far with this text */
};

struct seen_texts
{
    const struct scn_scenario *scenario;
    GString *other; /* scratch for a text printed again */
    /* Eight bytes a slot, the table being cleared whole: a text's hash is
     * kept by step (hashes[i] for step i), not in its slot. */
    struct seen_text *slots; /* cap entries */
    size_t cap;              /* a power of two, over 1.5 times the steps */
    uint64_t *hashes;        /* the text_hash() of each step seen */
};

/* Whether the text of step e->step - 1 is `text`. */
static bool same_text(struct seen_texts *t,
                      const struct seen_text *e,
                      const GString *text)
{
    const struct scn_step *st =
        g_ptr_array_index(t->scenario->steps, e->step - 1);
    g_string_truncate(t->other, 0);
    scn_print_step(t->scenario, st, t->other);
    return t->other->len == text->len &&
           memcmp(t->other->str, text->str, text->len) == 0;
}

/* The entry of `text` (hash h): the one holding it, or the empty slot
 * where it belongs. */
static struct seen_text *seen_find(struct seen_texts *t,
                                   const GString *text,
                                   uint64_t h)
{
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct seen_text *e = &t->slots[i];
        if (e->step == 0 ||
            (t->hashes[e->step - 1] == h && same_text(t, e, text)))
            return e;
    }
}

static bool ref_draws(const struct scn_node_ref *ref)
{
    return ref->kind == SCN_REF_ANY || ref->kind == SCN_REF_FOLLOWER;
}

bool scn_step_may_draw(const struct scn_step *step)
{
    const struct scn_action *a = &step->action;
    if (step->triggered)
        return true;
    switch (a->kind) {
    case SCN_ACT_HEAL:
    case SCN_ACT_SET_DROP:
    case SCN_ACT_SET_DUPLICATE:
    case SCN_ACT_SET_REORDER:
    case SCN_ACT_SET_DELAY:
        return false;
    case SCN_ACT_CRASH:
    case SCN_ACT_RESTART:
    case SCN_ACT_PAUSE:
    case SCN_ACT_TIMEOUT:
    case SCN_ACT_ISOLATE:
    case SCN_ACT_DRIFT:
        return ref_draws(&a->node);
    case SCN_ACT_CUT:
        return ref_draws(&a->node) || ref_draws(&a->peer);
    default:
        return true;
    }
}

void scn_step_draw_keys(const struct scn_scenario *scenario, uint64_t *keys)
{
    guint n = scenario->steps->len;
    g_assert(n < UINT32_MAX);
    struct seen_texts seen = {
        .scenario = scenario, .other = g_string_new(NULL), .cap = 16};
    /* Under two thirds full even were every step to draw. */
    while (seen.cap < (size_t)n + n / 2 + 2)
        seen.cap *= 2;
    seen.slots = g_new0(struct seen_text, seen.cap);
    seen.hashes = g_new(uint64_t, n > 0 ? n : 1);
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < n; i++) {
        const struct scn_step *st = g_ptr_array_index(scenario->steps, i);
        if (!scn_step_may_draw(st)) {
            keys[i] = 0;
            continue;
        }
        text->len = 0; /* what g_string_truncate(text, 0) does */
        text->str[0] = '\0';
        scn_print_step(scenario, st, text);
        g_assert(text->len > 0);
        uint64_t h = text_hash(text);
        seen.hashes[i] = h;
        struct seen_text *e = seen_find(&seen, text, h);
        if (e->step == 0)
            *e = (struct seen_text){.step = i + 1};
        keys[i] = sim_rng_key(h, e->count);
        e->count++;
    }
    g_string_free(text, TRUE);
    g_string_free(seen.other, TRUE);
    g_free(seen.slots);
    g_free(seen.hashes);
}
