/* viz_timeline_sides.c: which side of each partition can still decide.
 *
 * A side can elect a leader and commit only while it holds a quorum of the
 * voters (Raft paper §5.2): a majority of the voters of the configuration
 * in force and, while that configuration is joint, a majority of its
 * outgoing voters too (thesis §4.3). The configuration in force is the
 * cluster's, as the membership strips show it (viz_members.h), read back
 * from each node's membership spans: voters are the nodes that vote in the
 * incoming half, outgoing voters those of the outgoing half. Before any
 * `config` event every node is a voter. Membership only: a crashed voter
 * still counts for its side, as it does on the replay page
 * (web/replay-model.js holdsQuorum()).
 *
 * Invariant: at most one side holds a quorum at any instant (two
 * majorities of one set of voters share a voter), and a partition's
 * verdicts tile its period, adjacent ones naming different sides.
 */
#include "viz/viz_timeline_model.h"

#include <assert.h>
#include <glib.h>

/* Node k's place in the cluster's configuration at t_us: that of the
 * last membership span starting at or before t_us. */
static enum viz_member member_at(const struct viz_members *mm,
                                 uint32_t k,
                                 uint64_t t_us)
{
    enum viz_member at = VIZ_MEMBER_VOTER;
    const GArray *spans = mm->spans[k];
    for (guint i = 0; i < spans->len; i++) {
        const struct viz_member_span *sp =
            &g_array_index(spans, struct viz_member_span, i);
        if (sp->t0_us > t_us) {
            break;
        }
        at = sp->member;
    }
    return at;
}

/* Voters counted in each half of a configuration. */
struct voter_count
{
    uint32_t in;  /* voters of the (incoming) configuration */
    uint32_t out; /* voters of the outgoing half, while joint */
};

static bool votes_in(enum viz_member mb)
{
    return mb == VIZ_MEMBER_VOTER || mb == VIZ_MEMBER_JOINT_BOTH ||
           mb == VIZ_MEMBER_JOINT_IN;
}

static bool votes_out(enum viz_member mb)
{
    return mb == VIZ_MEMBER_JOINT_BOTH || mb == VIZ_MEMBER_JOINT_OUT;
}

/* The side of p that holds a quorum at t_us; 0 when none does. */
static uint32_t quorum_side(const struct viz_tl_model *m,
                            const struct viz_tl_partition *p,
                            uint64_t t_us)
{
    struct voter_count all = {0, 0};
    struct voter_count *by = g_new0(struct voter_count, p->n_sides + 1);
    bool joint = false;
    for (uint32_t k = 1; k <= m->n; k++) {
        enum viz_member mb = member_at(&m->members, k, t_us);
        joint |= mb == VIZ_MEMBER_JOINT_BOTH || mb == VIZ_MEMBER_JOINT_IN ||
                 mb == VIZ_MEMBER_JOINT_OUT;
        all.in += votes_in(mb);
        all.out += votes_out(mb);
        by[p->side[k]].in += votes_in(mb);
        by[p->side[k]].out += votes_out(mb);
    }
    uint32_t found = 0;
    for (uint32_t s = 1; s <= p->n_sides; s++) {
        if (2 * by[s].in > all.in && (!joint || 2 * by[s].out > all.out)) {
            assert(found == 0 && "two sides hold a quorum of one set");
            found = s;
        }
    }
    g_free(by);
    return found;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* The instants in (t0_us, t1_us) where some node's membership changes,
 * ascending (repeats kept: they judge alike). */
static GArray *membership_changes(const struct viz_tl_model *m,
                                  uint64_t t0_us,
                                  uint64_t t1_us)
{
    GArray *at = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    for (uint32_t k = 1; k <= m->n; k++) {
        const GArray *spans = m->members.spans[k];
        for (guint i = 0; i < spans->len; i++) {
            uint64_t t = g_array_index(spans, struct viz_member_span, i).t0_us;
            if (t > t0_us && t < t1_us) {
                g_array_append_val(at, t);
            }
        }
    }
    g_array_sort(at, cmp_u64);
    return at;
}

/* The nodes of side s of p, as words: "n3 n4 n5". */
static char *side_words(const struct viz_tl_model *m,
                        const struct viz_tl_partition *p,
                        uint32_t s)
{
    GString *w = g_string_new(NULL);
    for (uint32_t k = 1; k <= m->n; k++) {
        if (p->side[k] == s) {
            g_string_append_printf(w, "%sn%u", w->len > 0 ? " " : "",
                                   (unsigned)k);
        }
    }
    return g_string_free(w, FALSE);
}

/* What side s can do, for a note: "n3 n4 n5 can elect and commit", or
 * "no side can elect or commit"; `now` for a change while the partition
 * holds. */
static char *verdict_words(const struct viz_tl_model *m,
                           const struct viz_tl_partition *p,
                           uint32_t s,
                           bool now)
{
    if (s == 0) {
        return g_strdup_printf("no side can %select or commit",
                               now ? "now " : "");
    }
    char *nodes = side_words(m, p, s);
    char *text =
        g_strdup_printf("%s can %select and commit", nodes, now ? "now " : "");
    g_free(nodes);
    return text;
}

/* Appends the verdict [t0_us, t1_us] of side s to p, merged into the last
 * one when it names the same side; true when it starts a new one. */
static bool add_verdict(struct viz_tl_partition *p,
                        uint64_t t0_us,
                        uint64_t t1_us,
                        uint32_t s)
{
    if (p->verdicts->len > 0) {
        struct viz_tl_verdict *last = &g_array_index(
            p->verdicts, struct viz_tl_verdict, p->verdicts->len - 1);
        if (last->side == s) {
            last->t1_us = t1_us;
            return false;
        }
    }
    struct viz_tl_verdict v = {t0_us, t1_us, s};
    g_array_append_val(p->verdicts, v);
    return true;
}

static void judge(struct viz_tl_model *m, struct viz_tl_partition *p)
{
    p->verdicts = g_array_new(FALSE, FALSE, sizeof(struct viz_tl_verdict));
    GArray *at = membership_changes(m, p->t0_us, p->t1_us);
    uint64_t from = p->t0_us;
    for (guint i = 0; i <= at->len; i++) {
        uint64_t to = i < at->len ? g_array_index(at, uint64_t, i) : p->t1_us;
        if (i < at->len && to == from) {
            continue;
        }
        uint32_t s = quorum_side(m, p, from);
        if (add_verdict(p, from, to, s) && p->verdicts->len > 1) {
            struct viz_tl_note nt = {
                .t_us = from,
                .kind = NOTE_PARTITION,
                .text = verdict_words(m, p, s, true),
            };
            g_array_append_val(m->notes, nt);
        }
        from = to;
    }
    g_array_free(at, TRUE);
    /* The partition's own note says who can decide from its start. */
    struct viz_tl_note *own =
        &g_array_index(m->notes, struct viz_tl_note, p->note);
    const struct viz_tl_verdict *first =
        &g_array_index(p->verdicts, struct viz_tl_verdict, 0);
    char *words = verdict_words(m, p, first->side, false);
    char *text = g_strdup_printf("%s; %s", own->text, words);
    g_free(words);
    g_free(own->text);
    own->text = text;
}

void viz_tl_judge_partitions(struct viz_tl_model *m)
{
    for (guint i = 0; i < m->partitions->len; i++) {
        judge(m, &g_array_index(m->partitions, struct viz_tl_partition, i));
    }
}

bool viz_tl_in_majority(const struct viz_tl_partition *p,
                        const struct viz_tl_verdict *v,
                        uint32_t node)
{
    /* Sides number from 1: no node is on side 0 (none holds a quorum). */
    return p->side[node] == v->side;
}
