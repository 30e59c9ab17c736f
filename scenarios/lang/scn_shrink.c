/* scn_shrink.c: the shrinking search.
 *
 * Invariant: `best` always fails like the target (the same property; for
 * `action`, the same message), and it only ever gets smaller or simpler: a
 * candidate replaces it only if its canonical text parses and its run fails
 * that same way. Every candidate is
 * a fresh copy made by printing and parsing `best`, then edited; so `best`
 * is always a scenario the parser accepts, and the file written at the end
 * replays to the same failure. The order of tries is fixed, so the search is
 * a pure function of the input and the options.
 */
#include "scenarios/lang/scn_shrink.h"

#include <inttypes.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_print.h"
#include "scenarios/lang/scn_run.h"
#include "scenarios/lang/scn_shrink_edit.h"
#include "sim/sim_time_text.h"

struct shrinker
{
    const struct scn_shrink_options *o;
    /* The target failure (scn_outcome_fails_like()); borrowed from the
     * result's original outcome. */
    const struct scn_outcome *target;
    struct scn_scenario *best;  /* owned */
    struct scn_outcome outcome; /* how best fails */
    uint64_t max_events;
    /* Runs the passes may make: the budget less the one kept for dropping
     * the default headers at the end. */
    uint64_t max_runs;
    uint64_t runs;
    bool out_of_runs;
    /* The canonical texts of the candidates that ran and did not fail like
     * the target: a pass that tries one again (the passes repeat to a
     * fixpoint) gets the answer without a run. */
    GHashTable *rejected;
};

void scn_shrink_options_init(struct scn_shrink_options *o)
{
    memset(o, 0, sizeof(*o));
    o->max_runs = 3000;
    o->isolate = true;
}

void scn_shrink_result_clear(struct scn_shrink_result *r)
{
    scn_scenario_free(r->scenario);
    scn_outcome_clear(&r->original);
    scn_outcome_clear(&r->outcome);
    memset(r, 0, sizeof(*r));
}

/* A deep copy through the canonical text; NULL when the text does not parse
 * (an edit left a name used but not bound). When `text_out` is not NULL it
 * receives the text (g_free). */
static struct scn_scenario *reparse_text(const struct scn_scenario *sc,
                                         char **text_out)
{
    GString *text = g_string_new(NULL);
    scn_print(sc, text);
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *copy = NULL;
    if (scn_parse_buffer(sc->file_name, text->str, text->len, &copy, diags) !=
        SCN_OK)
        copy = NULL;
    g_ptr_array_free(diags, TRUE);
    if (text_out)
        *text_out = g_string_free(text, FALSE);
    else
        g_string_free(text, TRUE);
    if (copy) {
        g_free(copy->title);
        copy->title = g_strdup(sc->title);
    }
    return copy;
}

static struct scn_scenario *reparse(const struct scn_scenario *sc)
{
    return reparse_text(sc, NULL);
}

static int judge(const struct shrinker *k,
                 const struct scn_scenario *sc,
                 struct scn_outcome *out)
{
    return k->o->isolate ? scn_outcome_run_isolated(sc, k->max_events, out)
                         : scn_outcome_run(sc, k->max_events, out);
}

/* Runs the edited candidate (owned; freed here) and keeps it as the new
 * best when it fails the same way. */
static bool try_candidate(struct shrinker *k, struct scn_scenario *cand)
{
    char *text = NULL;
    struct scn_scenario *valid = reparse_text(cand, &text);
    scn_scenario_free(cand);
    if (!valid || g_hash_table_contains(k->rejected, text)) {
        scn_scenario_free(valid);
        g_free(text);
        return false;
    }
    if (k->runs >= k->max_runs) {
        k->out_of_runs = true;
        scn_scenario_free(valid);
        g_free(text);
        return false;
    }
    k->runs++;
    struct scn_outcome o = {0};
    if (judge(k, valid, &o) != SCN_OK ||
        !scn_outcome_fails_like(&o, k->target)) {
        scn_outcome_clear(&o);
        scn_scenario_free(valid);
        g_hash_table_add(k->rejected, text);
        return false;
    }
    g_free(text);
    scn_scenario_free(k->best);
    k->best = valid;
    scn_outcome_clear(&k->outcome);
    k->outcome = o;
    return true;
}

static struct scn_scenario *copy_best(const struct shrinker *k)
{
    struct scn_scenario *c = reparse(k->best);
    g_assert(c); /* best always parses (see the invariant) */
    return c;
}

/* Other seeds an edit that no longer fails alike under best's seed is
 * tried with (seed + 1, seed + 2, ...): an edit changes the run from where
 * it acts on, and the failure often has another schedule nearby. The seed
 * is in the file, so the result still replays exactly. Merges and node
 * removals, which shrink most, get the most tries. */
#define RESEED_TRIES_MERGE 3u
#define RESEED_TRIES 2u

/* Tries `cand` (owned; freed here) under its own seed, then under the next
 * `tries` seeds. */
static bool try_reseeded(struct shrinker *k,
                         struct scn_scenario *cand,
                         unsigned tries)
{
    struct scn_scenario *spare = tries ? reparse(cand) : NULL;
    bool kept = try_candidate(k, cand);
    for (unsigned j = 1; spare && !kept && j <= tries && !k->out_of_runs;
         j++) {
        struct scn_scenario *c = reparse(spare);
        c->seed = spare->seed + j;
        c->has_seed = true;
        kept = try_candidate(k, c);
    }
    scn_scenario_free(spare);
    return kept;
}

/* ---- the passes ---------------------------------------------------------- */

/* Ends the run just after the failure: 1ms after it, else 100ms, else 1s
 * (a linearizability failure may need the requests after it to finish). */
static bool cut_run(struct shrinker *k)
{
    static const uint64_t margins_us[] = {1000, 100000, 1000000};
    for (size_t i = 0; i < G_N_ELEMENTS(margins_us); i++) {
        uint64_t t = (k->outcome.time_us / 1000 + 1) * 1000 + margins_us[i];
        if (t >= k->best->run_us)
            return false;
        struct scn_scenario *c = copy_best(k);
        scn_edit_cut_run(c, t);
        if (try_candidate(k, c))
            return true;
    }
    return false;
}

/* Moves the liveness phase earlier, halving the faulty part before it
 * while the failure stays: a liveness failure found at the end of a long
 * run rarely needs all of it, and cut_run() cannot shorten it. */
static bool settle_earlier(struct shrinker *k)
{
    bool any = false;
    uint64_t t = scn_edit_settle_time(k->best);
    uint64_t step = t / 2;
    while (step >= 50000 && !k->out_of_runs) {
        if (t > step) {
            struct scn_scenario *c = copy_best(k);
            if (!scn_edit_settle_at(c, t - step)) {
                scn_scenario_free(c);
                break;
            }
            if (try_candidate(k, c)) {
                any = true;
                t = scn_edit_settle_time(k->best);
                continue;
            }
        }
        step /= 2;
    }
    return any;
}

/* Deletes each class of steps as a whole (every cut, every client
 * request, every crash and restart...). */
static bool delete_classes(struct shrinker *k)
{
    bool any = false;
    for (int cl = 0; cl < SCN_EDIT_CLASS_COUNT && !k->out_of_runs; cl++) {
        struct scn_scenario *c = copy_best(k);
        if (scn_edit_delete_class(c, (enum scn_edit_class)cl))
            any |= try_candidate(k, c);
        else
            scn_scenario_free(c);
    }
    return any;
}

/* Turns the header knobs off (the simplifications of simplify(), without
 * other seeds): done before any deletion, since every later candidate
 * then runs the simpler, cheaper network and options. */
static bool simplify_headers(struct shrinker *k)
{
    bool any = false;
    for (int h = 0; h < SCN_EDIT_HEADER_COUNT && !k->out_of_runs; h++) {
        struct scn_scenario *c = copy_best(k);
        if (scn_edit_simplify_header(c, (enum scn_edit_header)h))
            any |= try_candidate(k, c);
        else
            scn_scenario_free(c);
    }
    return any;
}

/* Deletes chunks of steps: halves of the list, then quarters, ... down to
 * single steps; a size that deleted something is tried again. Returns
 * whether anything was deleted. */
static bool delete_steps(struct shrinker *k)
{
    bool any = false;
    guint chunk = k->best->steps->len / 2;
    if (chunk == 0)
        chunk = 1;
    while (k->best->steps->len > 0 && !k->out_of_runs) {
        bool deleted = false;
        for (guint first = 0; first < k->best->steps->len;) {
            guint n = MIN(chunk, k->best->steps->len - first);
            struct scn_scenario *c = copy_best(k);
            scn_edit_delete_steps(c, first, n);
            if (try_candidate(k, c))
                deleted = any = true; /* the next chunk moved to `first` */
            else
                first += n;
            if (k->out_of_runs)
                break;
        }
        if (chunk == 1 && !deleted)
            break;
        if (!deleted)
            chunk /= 2;
    }
    return any;
}

/* Tries removing each node, highest first. */
static bool remove_nodes(struct shrinker *k)
{
    bool any = false;
    for (uint32_t node = scn_scenario_nodes(k->best);
         node >= 1 && !k->out_of_runs; node--) {
        if (node > scn_scenario_nodes(k->best) ||
            (node <= k->best->cluster && k->best->cluster < 2))
            continue;
        struct scn_scenario *c = copy_best(k);
        if (!scn_edit_remove_node(c, node))
            scn_scenario_free(c);
        else if (try_reseeded(k, c, RESEED_TRIES_MERGE))
            any = true;
    }
    return any;
}

/* Merges bursts of client requests through one node into `load N writes`
 * statements: first every such request of the run, then those within 1s,
 * 100ms and 10ms of each other. Each group is tried once per window, from
 * its first request; a group that is the wider window's is not tried
 * again. */
static bool merge_requests(struct shrinker *k)
{
    static const uint64_t windows_us[] = {UINT64_MAX, 1000000, 100000, 10000};
    bool any = false;
    GArray *members = g_array_new(FALSE, FALSE, sizeof(guint));
    for (size_t w = 0; w < G_N_ELEMENTS(windows_us); w++) {
        /* tried[i]: step i was in a group tried in this window. */
        GArray *tried = g_array_new(FALSE, TRUE, sizeof(gboolean));
        g_array_set_size(tried, k->best->steps->len);
        for (guint i = 0; i < k->best->steps->len && !k->out_of_runs; i++) {
            if (g_array_index(tried, gboolean, i))
                continue;
            guint n = scn_edit_merge_group(k->best, i, windows_us[w], members);
            for (guint m = 0; m < members->len; m++)
                g_array_index(tried, gboolean,
                              g_array_index(members, guint, m)) = TRUE;
            if (n < 2 || (w > 0 && scn_edit_merge_group(k->best, i,
                                                        windows_us[w - 1],
                                                        NULL) == n))
                continue;
            struct scn_scenario *c = copy_best(k);
            scn_edit_merge_requests(c, i, windows_us[w]);
            if (try_reseeded(k, c, RESEED_TRIES_MERGE)) {
                any = true;
                /* Steps after i moved: forget what was tried after it. */
                g_array_set_size(tried, i + 1);
                g_array_set_size(tried, k->best->steps->len);
            }
        }
        g_array_free(tried, TRUE);
    }
    g_array_free(members, TRUE);
    return any;
}

/* Deletes single steps, last first, under other seeds: the step that
 * delete_steps() found every schedule of this seed to need may be one that
 * a schedule of another seed does without. */
static bool delete_reseeded(struct shrinker *k)
{
    bool any = false;
    for (guint i = k->best->steps->len; i-- > 0 && !k->out_of_runs;) {
        if (i >= k->best->steps->len)
            continue;
        struct scn_scenario *c = copy_best(k);
        scn_edit_delete_steps(c, i, 1);
        c->seed++;
        c->has_seed = true;
        any |= try_reseeded(k, c, RESEED_TRIES - 1);
    }
    return any;
}

static bool simplify(struct shrinker *k)
{
    bool any = false;
    for (int h = 0; h < SCN_EDIT_HEADER_COUNT && !k->out_of_runs; h++) {
        struct scn_scenario *c = copy_best(k);
        if (scn_edit_simplify_header(c, (enum scn_edit_header)h))
            any |= try_reseeded(k, c, RESEED_TRIES);
        else
            scn_scenario_free(c);
    }
    for (guint i = 0; i < k->best->steps->len && !k->out_of_runs; i++) {
        struct scn_scenario *c = copy_best(k);
        if (scn_edit_requests_to_load(c, i))
            any |= try_candidate(k, c);
        else
            scn_scenario_free(c);
    }
    for (guint i = 0; i < k->best->steps->len && !k->out_of_runs; i++) {
        /* One notch at a time, while each notch keeps the failure. */
        for (;;) {
            struct scn_scenario *c = copy_best(k);
            if (!scn_edit_simplify_step(c, i)) {
                scn_scenario_free(c);
                break;
            }
            if (!try_candidate(k, c))
                break;
            any = true;
            if (i >= k->best->steps->len)
                break;
        }
    }
    return any;
}

int scn_shrink(const struct scn_scenario *scenario,
               const struct scn_shrink_options *options,
               struct scn_shrink_result *out)
{
    struct scn_shrink_options defaults;
    if (!options) {
        scn_shrink_options_init(&defaults);
        options = &defaults;
    }
    memset(out, 0, sizeof(*out));
    out->steps_before = scenario->steps->len;
    out->nodes_before = scenario->cluster;
    struct shrinker k = {.o = options, .max_events = options->max_events};
    k.max_runs = options->max_runs ? options->max_runs - 1 : 0;
    int rc = options->isolate
                 ? scn_outcome_run_isolated(scenario, 0, &out->original)
                 : scn_outcome_run(scenario, 0, &out->original);
    if (rc != SCN_OK || out->original.passed)
        return SCN_EINVAL;
    if (k.max_events == 0)
        k.max_events = 4 * out->original.events + 100000;
    k.target = &out->original;
    k.best = reparse(scenario);
    if (!k.best)
        return SCN_EINVAL;
    /* best starts as the input: its outcome is the original one. */
    k.outcome = out->original;
    k.outcome.property = g_strdup(out->original.property);
    k.outcome.detail = g_strdup(out->original.detail);

    k.rejected = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    /* The big cuts first: the run's end, the faulty part's length, the
     * header knobs, whole classes of steps. */
    (void)cut_run(&k);
    (void)settle_earlier(&k);
    (void)simplify_headers(&k);
    (void)delete_classes(&k);
    bool changed = true;
    while (changed && !k.out_of_runs) {
        changed = cut_run(&k);
        changed |= delete_classes(&k);
        changed |= delete_steps(&k);
        changed |= merge_requests(&k);
        changed |= remove_nodes(&k);
        changed |= simplify(&k);
        if (!changed)
            changed = delete_reseeded(&k);
    }
    /* Header lines that state defaults change nothing; the run (the one
     * the budget kept for it) confirms. */
    k.max_runs = options->max_runs;
    struct scn_scenario *c = copy_best(&k);
    if (scn_edit_drop_default_headers(c))
        (void)try_candidate(&k, c);
    else
        scn_scenario_free(c);
    out->scenario = k.best;
    out->outcome = k.outcome;
    out->steps_after = k.best->steps->len;
    out->nodes_after = k.best->cluster;
    out->runs = k.runs;
    out->out_of_runs = k.out_of_runs;
    g_hash_table_destroy(k.rejected);
    return SCN_OK;
}

/* ---- writing ------------------------------------------------------------- */

char *scn_shrink_output_name(const char *input)
{
    if (g_str_has_suffix(input, ".scn"))
        return g_strdup_printf("%.*s.min.scn", (int)(strlen(input) - 4), input);
    return g_strdup_printf("%s.min.scn", input);
}

void scn_shrink_write(const struct scn_shrink_result *r,
                      const char *from_name,
                      const char *file_name,
                      GString *out)
{
    const struct scn_outcome *o = &r->outcome;
    g_autofree char *base = g_path_get_basename(file_name);
    g_string_append_printf(out, "# %s: shrunk from %s.\n#\n", base, from_name);
    g_string_append_printf(out, "# Fails:  %s: %s\n", o->property,
                           o->detail ? o->detail : "");
    g_string_append(out, "# Where:  ");
    if (o->nodes[0] && o->nodes[1])
        g_string_append_printf(out, "n%" PRIu32 " and n%" PRIu32, o->nodes[0],
                               o->nodes[1]);
    else if (o->nodes[0] || o->nodes[1])
        g_string_append_printf(out, "n%" PRIu32, o->nodes[0] | o->nodes[1]);
    else
        g_string_append(out, "the cluster (no single node named)");
    g_string_append_printf(out, " of %" PRIu32 " node%s\n# When:   at ",
                           r->nodes_after, r->nodes_after == 1 ? "" : "s");
    sim_time_text_human(out, o->time_us);
    g_string_append(out, " of virtual time\n");
    g_string_append_printf(out,
                           "# Shrunk: %" PRIu32 " statement%s and %" PRIu32
                           " node%s down to %" PRIu32 " and %" PRIu32
                           ", in %" PRIu64 " candidate run%s%s.\n#\n",
                           r->steps_before, r->steps_before == 1 ? "" : "s",
                           r->nodes_before, r->nodes_before == 1 ? "" : "s",
                           r->steps_after, r->nodes_after, r->runs,
                           r->runs == 1 ? "" : "s",
                           r->out_of_runs ? " (the budget ran out first)" : "");
    g_string_append_printf(out,
                           "# Replay it: raftsim run %s\n"
                           "# It fails with exit status 1, the same way every "
                           "time (same seed, same\n# build).\n\n",
                           base);
    scn_print(r->scenario, out);
}
