/* test_sim_chain.c: a node's chain log (sim/check/sim_chain.h), kept in
 * fixed pages with its terms as runs, answers every index exactly as a flat
 * array of (term, chain) per entry would, across page boundaries, through
 * truncation, settling, compaction and reset, and releases what settling
 * and compaction empty. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "sim/check/sim_chain.h"

/* The flat model: model[i] is index i's term and chain, for i in
 * (snap, last]; the snapshot point's are snap_term and snap_chain. */
struct flat_log
{
    uint64_t term[20000];
    uint64_t chain[20000];
    uint64_t snap, last;
};

static uint64_t draw(uint64_t *state)
{
    *state =
        *state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *state >> 33;
}

/* Every index from the snapshot point to the last one answers the model's
 * term, and every one past the settled ones its chain; the pages start at
 * the one after the settled entries. */
static void assert_same(const struct sim_chain_log *l, const struct flat_log *m)
{
    cr_assert_eq(sim_chain_last(l), m->last);
    cr_assert_eq(l->snap.index, m->snap);
    for (uint64_t i = m->snap + 1; i <= m->last; i++) {
        cr_assert_eq(sim_chain_term_at(l, i), m->term[i], "term at %llu",
                     (unsigned long long)i);
        if (i <= l->settled)
            continue;
        uint64_t term = 0;
        uint64_t chain = 0;
        sim_chain_raw(l, i, &term, &chain);
        cr_assert_eq(term, m->term[i], "term at %llu", (unsigned long long)i);
        cr_assert_eq(chain, m->chain[i], "chain at %llu",
                     (unsigned long long)i);
    }
    cr_assert_leq(l->first_page, (l->settled + 1) >> SIM_CHAIN_PAGE_SHIFT);
}

static void push(struct sim_chain_log *l, struct flat_log *m, uint64_t term)
{
    uint64_t i = m->last + 1;
    uint64_t chain = sim_chain_next(i > 1 ? m->chain[i - 1] : 0, i, term, i);
    sim_chain_push(l, term, chain);
    m->term[i] = term;
    m->chain[i] = chain;
    m->last = i;
}

Test(sim_chain, every_index_keeps_its_term_and_chain_across_page_boundaries)
{
    struct sim_chain_log l = {0};
    static struct flat_log m;
    m.snap = m.last = 0;
    uint64_t term = 1;
    /* Three pages and a bit, the term changing now and then, including at
     * the first and last index of a page. */
    for (uint64_t i = 1; i <= 3 * SIM_CHAIN_PAGE_LINKS + 5; i++) {
        if (i % 1000 == 0 || i == SIM_CHAIN_PAGE_LINKS ||
            i == SIM_CHAIN_PAGE_LINKS + 1) {
            term++;
        }
        push(&l, &m, term);
    }
    assert_same(&l, &m);
    cr_assert_eq(l.n_pages, 4u);
    sim_chain_free(&l);
}

Test(sim_chain, truncation_settling_compaction_and_reset_match_a_flat_log)
{
    struct sim_chain_log l = {0};
    static struct flat_log m;
    m.snap = m.last = 0;
    uint64_t state = 42;
    uint64_t term = 1;
    for (int step = 0; step < 3000; step++) {
        uint64_t r = draw(&state) % 100;
        if (r < 70 && m.last + 50 < 20000) {
            uint64_t n = 1 + draw(&state) % 40;
            for (uint64_t k = 0; k < n; k++) {
                if (draw(&state) % 50 == 0) {
                    term++; /* also terms that fall back: a broken core */
                } else if (draw(&state) % 200 == 0 && term > 1) {
                    term--;
                }
                push(&l, &m, term);
            }
        } else if (r < 85 && m.last > m.snap) {
            uint64_t keep = m.snap + draw(&state) % (m.last - m.snap + 1);
            sim_chain_truncate(&l, keep);
            m.last = keep;
        } else if (r < 92 && m.last > l.settled) {
            uint64_t to = l.settled + 1 + draw(&state) % (m.last - l.settled);
            sim_chain_settle(&l, to);
            /* Only the pages from the settled entries' on are held. */
            cr_assert_eq(l.first_page, (to + 1) >> SIM_CHAIN_PAGE_SHIFT);
        } else if (r < 98 && m.last > m.snap) {
            uint64_t to = m.snap + 1 + draw(&state) % (m.last - m.snap);
            sim_chain_compact(&l, to, m.term[to], m.chain[to]);
            cr_assert_eq(l.snap.term, m.term[to]);
            cr_assert_eq(l.snap.chain, m.chain[to]);
            cr_assert_geq(l.settled, to);
            m.snap = to;
        } else if (m.last + 1000 < 20000) {
            uint64_t at = m.last + draw(&state) % 1000;
            sim_chain_reset(
                &l,
                (struct sim_chain_anchor){
                    .index = at, .term = term, .chain = at, .trusted = true});
            m.snap = m.last = at;
            cr_assert_eq(l.n_pages, 0u);
        }
        assert_same(&l, &m);
    }
    sim_chain_free(&l);
}

/* Appends indices 1..last to an empty log and model, a new term every
 * `every` entries; four pages from page 0 are then allocated. */
static void fill_four_pages(struct sim_chain_log *l,
                            struct flat_log *m,
                            uint64_t last,
                            uint64_t every)
{
    m->snap = m->last = 0;
    for (uint64_t i = 1; i <= last; i++) {
        push(l, m, i / every + 1);
    }
    cr_assert_eq(l->n_pages, 4u);
}

Test(sim_chain, compaction_releases_the_pages_and_runs_it_empties)
{
    struct sim_chain_log l = {0};
    static struct flat_log m;
    fill_four_pages(&l, &m, 4 * SIM_CHAIN_PAGE_LINKS - 1, 100);
    uint64_t to = 3 * SIM_CHAIN_PAGE_LINKS - 1;
    sim_chain_compact(&l, to, m.term[to], m.chain[to]);
    cr_assert_eq(l.n_pages, 1u);
    cr_assert_eq(l.first_page, 3u);
    cr_assert_leq(l.n_runs - l.run_start, SIM_CHAIN_PAGE_LINKS / 100 + 2);
    m.snap = to;
    assert_same(&l, &m);
    sim_chain_free(&l);
}

Test(sim_chain, settled_entries_keep_their_terms_and_release_their_pages)
{
    struct sim_chain_log l = {0};
    static struct flat_log m;
    fill_four_pages(&l, &m, 3 * SIM_CHAIN_PAGE_LINKS + 9, 700);
    sim_chain_settle(&l, 2 * SIM_CHAIN_PAGE_LINKS + 3);
    cr_assert_eq(l.n_pages, 2u); /* pages 2 and 3 */
    assert_same(&l, &m);
    /* A core that drops settled entries: nothing stays stored, and what is
     * appended after is kept again. */
    sim_chain_truncate(&l, SIM_CHAIN_PAGE_LINKS + 5);
    m.last = SIM_CHAIN_PAGE_LINKS + 5;
    cr_assert_eq(l.settled, m.last);
    cr_assert_eq(l.n_pages, 0u);
    for (int k = 0; k < 5; k++) {
        push(&l, &m, 99);
    }
    assert_same(&l, &m);
    sim_chain_free(&l);
}
