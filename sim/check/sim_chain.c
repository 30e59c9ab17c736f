/* sim_chain.c: the cold paths of a node's chain log (sim_chain.h): growing
 * the page directory and the term runs, compaction, reset and release; the
 * digest memo's misses and release.
 *
 * Invariant (with sim_chain.h): pages[k] holds the chains of page number
 * first_page + k; first_page is at most the page of settled + 1 and every
 * page from first_page up to the one holding `last` is allocated; the runs
 * from run_start cover snap.index + 1 .. last (the first of them may start
 * at or below snap.index).
 */
#include "sim/check/sim_chain.h"
#include "sim/sim_assert.h"

#include <glib.h>
#include <string.h>

/* Allocates the page after the last allocated one: the next push needs it. */
void sim_chain_add_page(struct sim_chain_log *l)
{
    if (l->n_pages == l->cap_pages) {
        l->cap_pages = l->cap_pages ? 2 * l->cap_pages : 8;
        l->pages = g_renew(uint64_t *, l->pages, l->cap_pages);
    }
    l->pages[l->n_pages++] = g_new(uint64_t, SIM_CHAIN_PAGE_LINKS);
}

void sim_chain_add_run(struct sim_chain_log *l, uint64_t first, uint64_t term)
{
    if (l->n_runs == l->cap_runs && l->run_start > 0) {
        memmove(l->runs, l->runs + l->run_start,
                (l->n_runs - l->run_start) * sizeof(*l->runs));
        l->n_runs -= l->run_start;
        l->run_start = 0;
    }
    if (l->n_runs == l->cap_runs) {
        l->cap_runs = l->cap_runs ? 2 * l->cap_runs : 8;
        l->runs = g_renew(struct sim_chain_run, l->runs, l->cap_runs);
    }
    l->runs[l->n_runs++] = (struct sim_chain_run){.first = first, .term = term};
}

/* Releases the first n allocated pages and renumbers the rest. */
static void drop_pages(struct sim_chain_log *l, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        g_free(l->pages[k]);
    }
    if (n < l->n_pages) /* memmove() wants a valid pointer even for 0 bytes */
        memmove(l->pages, l->pages + n, (l->n_pages - n) * sizeof(*l->pages));
    l->n_pages -= n;
    l->first_page += n;
}

/* Releases the pages whose indices are all at most `through` (settled or
 * compacted) and starts the pages at the one after. */
static void drop_pages_through(struct sim_chain_log *l, uint64_t through)
{
    uint64_t keep_from = (through + 1) >> SIM_CHAIN_PAGE_SHIFT;
    if (keep_from > l->first_page) {
        uint64_t n = keep_from - l->first_page;
        drop_pages(l, n < l->n_pages ? (size_t)n : l->n_pages);
        l->first_page = keep_from;
    }
}

void sim_chain_settle(struct sim_chain_log *l, uint64_t through)
{
    assert(through > l->settled && through <= l->last);
    l->settled = through;
    drop_pages_through(l, through);
}

/* Truncation to last below the settled entries: every stored chain was
 * past last, so none is left, and the pages start over after last. */
void sim_chain_unsettle(struct sim_chain_log *l, uint64_t last)
{
    drop_pages(l, l->n_pages);
    l->settled = last;
    l->first_page = (last + 1) >> SIM_CHAIN_PAGE_SHIFT;
}

void sim_chain_compact(struct sim_chain_log *l,
                       uint64_t index,
                       uint64_t term,
                       uint64_t chain)
{
    bool trusted = index >= l->trusted_from;
    l->snap = (struct sim_chain_anchor){
        .index = index, .term = term, .chain = chain, .trusted = trusted};
    if (trusted) {
        l->trusted_from = index;
    }
    if (l->settled < index) {
        l->settled = index;
    }
    if (l->verified < index) {
        l->verified = index;
    }
    /* Pages whose last index is at most the settled one hold no chain kept
     * here; the runs followed by one starting by index + 1 cover nothing. */
    drop_pages_through(l, l->settled);
    while (l->run_start + 1 < l->n_runs &&
           l->runs[l->run_start + 1].first <= index + 1) {
        l->run_start++;
    }
}

void sim_chain_reset(struct sim_chain_log *l, struct sim_chain_anchor snap)
{
    drop_pages(l, l->n_pages);
    l->first_page = (snap.index + 1) >> SIM_CHAIN_PAGE_SHIFT;
    l->run_start = 0;
    l->n_runs = 0;
    l->last = snap.index;
    l->settled = snap.index;
    l->verified = snap.index;
    l->snap = snap;
    l->trusted_from = snap.trusted ? snap.index : UINT64_MAX;
}

void sim_chain_free(struct sim_chain_log *l)
{
    drop_pages(l, l->n_pages);
    g_free(l->pages);
    g_free(l->runs);
    l->pages = NULL;
    l->runs = NULL;
    l->cap_pages = 0;
    l->cap_runs = 0;
    l->run_start = 0;
    l->n_runs = 0;
    l->last = l->snap.index;
    l->settled = l->snap.index;
    l->verified = l->snap.index;
}

uint64_t sim_digest_memo_fill(struct sim_digest_memo *m,
                              uint64_t index,
                              const struct raft_entry *e)
{
    uint64_t digest = sim_chain_entry_digest(e);
    const struct raft_record *r = e->record;
    if (r == NULL || e->data != (const void *)r->data || e->len != r->len ||
        (uint32_t)e->type != r->type) {
        return digest; /* not the record's bytes: nothing to remember */
    }
    size_t k = index & (SIM_DIGEST_MEMO_SLOTS - 1);
    raft_record_hold(r);
    raft_record_release(m->rec[k]);
    m->rec[k] = r;
    m->digest[k] = digest;
    return digest;
}

void sim_digest_memo_clear(struct sim_digest_memo *m)
{
    for (size_t k = 0; k < SIM_DIGEST_MEMO_SLOTS; k++) {
        raft_record_release(m->rec[k]);
        m->rec[k] = NULL;
    }
}
