/* test_sim_net.c: the simulated network draws losses, duplicates, delays and
 * reordering at the configured rates, respects partitions and one-way cuts,
 * and loses an in-flight message whose link is cut before it arrives. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/sim_net.h"

#define N_MESSAGES 100000

static struct sim_net_params params(void)
{
    struct sim_net_params p = {
        .delay_us_min = 1000,
        .delay_us_max = 10000,
        .drop_ppm = 100000,
        .duplicate_ppm = 50000,
        .reorder_ppm = 200000,
    };
    return p;
}

Test(sim_net, drop_duplicate_and_reorder_rates_match_the_parameters)
{
    struct sim_net net;
    struct sim_net_params p = params();
    sim_net_init(&net, 3, &p, 1234);
    uint64_t lost = 0, dup = 0, reordered = 0;
    double delay_sum = 0;
    uint64_t plain = 0;
    for (int i = 0; i < N_MESSAGES; i++) {
        struct sim_net_fate f;
        sim_net_draw(&net, 1, 2, (uint64_t)i, &f);
        lost += f.lost;
        dup += f.duplicated;
        reordered += f.reordered;
        if (!f.reordered) {
            cr_assert_geq(f.delay_us, 1000);
            cr_assert_leq(f.delay_us, 10000);
            delay_sum += (double)f.delay_us;
            plain++;
        } else {
            cr_assert_gt(f.delay_us, 1000);
            cr_assert_leq(f.delay_us, 10000 + 10 * 10000);
        }
        if (f.duplicated) {
            cr_assert_geq(f.copy_delay_us, 1000);
            cr_assert_leq(f.copy_delay_us, 10000 + 10 * 10000);
        }
    }
    /* 5 standard deviations of a binomial over 100,000 draws is below
     * 0.005 for these rates. */
    cr_assert_float_eq((double)lost / N_MESSAGES, 0.10, 0.005);
    cr_assert_float_eq((double)dup / N_MESSAGES, 0.05, 0.004);
    cr_assert_float_eq((double)reordered / N_MESSAGES, 0.20, 0.006);
    cr_assert_float_eq(delay_sum / (double)plain, 5500.0, 60.0);
    sim_net_destroy(&net);
}

Test(sim_net, zero_probabilities_never_fire_and_min_equals_max_is_exact)
{
    struct sim_net net;
    struct sim_net_params p = {.delay_us_min = 777, .delay_us_max = 777};
    sim_net_init(&net, 2, &p, 5);
    for (int i = 0; i < 10000; i++) {
        struct sim_net_fate f;
        sim_net_draw(&net, 1, 2, (uint64_t)i, &f);
        cr_assert_not(f.lost);
        cr_assert_not(f.duplicated);
        cr_assert_not(f.reordered);
        cr_assert_eq(f.delay_us, 777);
    }
    sim_net_destroy(&net);
}

Test(sim_net, partitions_and_cuts_close_exactly_their_links)
{
    struct sim_net net;
    struct sim_net_params p = params();
    sim_net_init(&net, 5, &p, 1);
    uint32_t groups[5] = {1, 1, 2, 2, 0};
    sim_net_partition(&net, groups);
    cr_assert(sim_net_link_open(&net, 1, 2));
    cr_assert(sim_net_link_open(&net, 4, 3));
    cr_assert_not(sim_net_link_open(&net, 1, 3));
    cr_assert_not(sim_net_link_open(&net, 3, 1));
    cr_assert_not(sim_net_link_open(&net, 5, 1));
    cr_assert_not(sim_net_link_open(&net, 2, 5));
    sim_net_heal(&net);
    sim_net_cut(&net, 1, 2);
    cr_assert_not(sim_net_link_open(&net, 1, 2));
    cr_assert(sim_net_link_open(&net, 2, 1));
    cr_assert(sim_net_link_open(&net, 1, 3));
    sim_net_heal(&net);
    for (uint32_t a = 1; a <= 5; a++)
        for (uint32_t b = 1; b <= 5; b++)
            cr_assert(sim_net_link_open(&net, a, b));
    sim_net_destroy(&net);
}

/* Whether a -> b passes by the rule link_open keeps: not cut, and no
 * partition or both in one nonzero group, or a node to itself. */
static bool model_open(const uint32_t *group_of,
                       bool partitioned,
                       uint8_t cut[6][6],
                       uint32_t a,
                       uint32_t b)
{
    bool same = !partitioned || a == b ||
                (group_of[a - 1] != 0 && group_of[a - 1] == group_of[b - 1]);
    return same && !cut[a][b];
}

/* A cut changes its own link alone and a heal opens every link, each
 * without recomputing the table: after every change of a long random
 * sequence of partitions, cuts and heals, every link is as the rule says. */
Test(sim_net, links_follow_every_partition_cut_and_heal)
{
    struct sim_net net;
    struct sim_net_params p = params();
    sim_net_init(&net, 5, &p, 1);
    uint32_t groups[5] = {0};
    bool partitioned = false;
    uint8_t cut[6][6] = {{0}};
    uint64_t x = 12345;
    for (int step = 0; step < 2000; step++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        unsigned what = (unsigned)(x >> 60) % 4;
        if (what == 0) {
            for (int i = 0; i < 5; i++)
                groups[i] = (uint32_t)(x >> (8 + 3 * i)) % 3;
            partitioned = true;
            sim_net_partition(&net, groups);
        } else if (what == 3 && step % 5 == 0) {
            memset(groups, 0, sizeof groups);
            partitioned = false;
            memset(cut, 0, sizeof cut);
            sim_net_heal(&net);
        } else {
            uint32_t a = 1 + (uint32_t)(x >> 20) % 5;
            uint32_t b = 1 + (uint32_t)(x >> 30) % 5;
            cut[a][b] = 1;
            sim_net_cut(&net, a, b);
        }
        for (uint32_t a = 1; a <= 5; a++)
            for (uint32_t b = 1; b <= 5; b++)
                cr_assert_eq(sim_net_link_open(&net, a, b),
                             model_open(groups, partitioned, cut, a, b),
                             "step %d: %u -> %u", step, a, b);
    }
    sim_net_destroy(&net);
}

/* A copy takes one reference to each entry's record in the walk that sums
 * its size, copies the entries whole, and copies only the bytes of the
 * entries without one (an empty one points nowhere), whatever their order. */
Test(sim_net, a_message_copy_holds_each_record_once_and_copies_only_own_bytes)
{
    struct raft_record *r1 = raft_record_new(1, RAFT_ENTRY_COMMAND, "one", 4);
    struct raft_record *r2 = raft_record_new(2, RAFT_ENTRY_COMMAND, "two", 4);
    cr_assert(r1 != NULL && r2 != NULL);
    struct raft_entry e[5] = {
        {.term = 1, .type = RAFT_ENTRY_COMMAND, .data = r1->data, .len = 4,
         .record = r1},
        {.term = 1, .type = RAFT_ENTRY_COMMAND, .data = "own", .len = 4},
        {.term = 2, .type = RAFT_ENTRY_NOOP, .data = "junk", .len = 0},
        {.term = 2, .type = RAFT_ENTRY_COMMAND, .data = r2->data, .len = 4,
         .record = r2},
        {.term = 2, .type = RAFT_ENTRY_COMMAND, .data = r1->data, .len = 4,
         .record = r1},
    };
    struct raft_message m = {
        .type = RAFT_MSG_APPEND_ENTRIES, .from = 1, .to = 2, .term = 2};
    m.append_entries.entries = e;
    m.append_entries.n_entries = 5;
    struct sim_net net;
    struct sim_net_params p = params();
    sim_net_init(&net, 2, &p, 1);
    struct sim_msg *msg = sim_net_msg_copy(&net, &m);
    cr_assert_eq(r1->refs, 3, "one reference per entry of the record");
    cr_assert_eq(r2->refs, 2);
    const struct raft_entry *c = msg->m.append_entries.entries;
    cr_assert_neq(c, e);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(c[i].term, e[i].term);
        cr_assert_eq(c[i].type, e[i].type);
        cr_assert_eq(c[i].len, e[i].len);
        cr_assert_eq(c[i].record, e[i].record);
    }
    cr_assert_eq(c[0].data, (const void *)r1->data);
    cr_assert_eq(c[3].data, (const void *)r2->data);
    cr_assert_neq(c[1].data, e[1].data, "bytes of its own are copied");
    cr_assert_str_eq(c[1].data, "own");
    cr_assert_null(c[2].data, "an empty entry of its own points nowhere");
    cr_assert_eq(msg->bytes, 48 + 5 * 16 + 4 * 4);
    struct sim_msg *dup = sim_msg_clone(msg);
    cr_assert_eq(r1->refs, 5);
    cr_assert_str_eq(dup->m.append_entries.entries[1].data, "own");
    sim_net_msg_free(&net, msg);
    sim_msg_free(dup);
    /* Only an empty entry of its own beside a record: no bytes to copy,
     * and still one pointer to clear. */
    m.append_entries.entries = &e[2];
    m.append_entries.n_entries = 2;
    msg = sim_net_msg_copy(&net, &m);
    cr_assert_null(msg->m.append_entries.entries[0].data);
    cr_assert_eq(msg->m.append_entries.entries[1].data,
                 (const void *)r2->data);
    cr_assert_eq(r2->refs, 2);
    sim_net_msg_free(&net, msg);
    cr_assert_eq(r1->refs, 1);
    cr_assert_eq(r2->refs, 1);
    raft_record_release(r1);
    raft_record_release(r2);
    sim_net_destroy(&net);
}

Test(sim_net, a_message_copy_owns_its_entries_and_bytes)
{
    char bytes[3][8] = {"alpha", "beta", "gamma"};
    struct raft_entry entries[3];
    for (int i = 0; i < 3; i++) {
        entries[i].term = (uint64_t)i + 1;
        entries[i].type = RAFT_ENTRY_COMMAND;
        entries[i].data = bytes[i];
        entries[i].len = strlen(bytes[i]) + 1;
        entries[i].record = NULL;
    }
    struct raft_message m;
    memset(&m, 0, sizeof(m));
    m.type = RAFT_MSG_APPEND_ENTRIES;
    m.from = 1;
    m.to = 2;
    m.term = 3;
    m.append_entries.entries = entries;
    m.append_entries.n_entries = 3;
    struct sim_msg *msg = sim_msg_copy(&m);
    memset(bytes, 'x', sizeof(bytes));
    const struct raft_entry *copy = msg->m.append_entries.entries;
    cr_assert_str_eq(copy[0].data, "alpha");
    cr_assert_str_eq(copy[1].data, "beta");
    cr_assert_str_eq(copy[2].data, "gamma");
    cr_assert_eq(copy[2].term, 3);
    cr_assert_eq(msg->bytes, 48 + 3 * 16 + 6 + 5 + 6);
    struct sim_msg *clone = sim_msg_clone(msg);
    sim_msg_free(msg);
    cr_assert_str_eq(clone->m.append_entries.entries[1].data, "beta");
    sim_msg_free(clone);
}

/* A released small message's block is reused for the next copy, which
 * must then hold that copy alone; a copy too large for a small block takes
 * a big one, and one too large for that is not pooled. Recycling changes
 * no behaviour (nothing reads an address). */
Test(sim_net, a_recycled_message_block_holds_only_the_new_copy)
{
    struct sim_net net;
    struct sim_net_params p = params();
    sim_net_init(&net, 3, &p, 1);
    char big[2 * SIM_MSG_POOLED_BYTES];
    static char huge[SIM_MSG_BIG_BYTES];
    memset(huge, 'h', sizeof huge);
    memset(big, 'b', sizeof big);
    struct raft_entry e[2] = {
        {.term = 4, .type = RAFT_ENTRY_COMMAND, .data = "first", .len = 6},
        {.term = 5, .type = RAFT_ENTRY_COMMAND, .data = big, .len = sizeof big},
    };
    struct raft_message m = {.type = RAFT_MSG_APPEND_ENTRIES,
                             .from = 1, .to = 2, .term = 5};
    m.append_entries.entries = e;
    m.append_entries.n_entries = 1;
    struct sim_msg *a = sim_net_msg_copy(&net, &m);
    cr_assert_eq(a->pool, &net.msgs);
    sim_net_msg_free(&net, a);
    cr_assert_eq(net.msgs.n_kept, 1, "the released block was not kept");
    e[0].data = "2nd";
    e[0].len = 4;
    struct sim_msg *b = sim_net_msg_copy(&net, &m);
    cr_assert_eq(net.msgs.n_kept, 0, "the released block was not reused");
    cr_assert_eq(b->m.append_entries.n_entries, 1);
    cr_assert_str_eq(b->m.append_entries.entries[0].data, "2nd");
    cr_assert_eq(b->bytes, 48 + 16 + 4);
    m.append_entries.entries = &e[1];
    struct sim_msg *c = sim_net_msg_copy(&net, &m);
    cr_assert_eq(c->pool, &net.big);
    cr_assert_eq(memcmp(c->m.append_entries.entries[0].data, big, sizeof big),
                 0);
    /* A duplicate takes a block of its original's pool. */
    struct sim_msg *c2 = sim_msg_clone(c);
    cr_assert_eq(c2->pool, &net.big);
    cr_assert_neq(c2, c);
    cr_assert_eq(
        memcmp(c2->m.append_entries.entries[0].data, big, sizeof big), 0);
    e[1].data = huge;
    e[1].len = sizeof huge;
    struct sim_msg *d = sim_net_msg_copy(&net, &m);
    cr_assert_null(d->pool);
    cr_assert_eq(
        memcmp(d->m.append_entries.entries[0].data, huge, sizeof huge), 0);
    struct sim_msg *d2 = sim_msg_clone(d);
    cr_assert_null(d2->pool);
    sim_msg_free(d2);
    sim_net_msg_free(&net, d);
    sim_msg_free(c2);
    sim_net_msg_free(&net, c);
    cr_assert_eq(net.big.n_kept, 2);
    sim_net_msg_free(&net, b);
    sim_net_destroy(&net);
}

/* The bytes a message of type t is read through: its header and its own
 * member of the union (every member ends within the message). */
static size_t used_bytes(int t)
{
    size_t body = offsetof(struct raft_message, append_entries);
    switch (t) {
    case RAFT_MSG_APPEND_ENTRIES:
        return body + sizeof(struct raft_append_entries);
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        return body + sizeof(struct raft_append_entries_result);
    default:
        return sizeof(struct raft_message);
    }
}

/* The network's copy of a message without entries or snapshot takes a
 * shorter path (its header alone, in a pooled block; of the union, only
 * its type's member for the two common kinds): it must equal the general
 * copy of every such message, an AppendEntries without entries included,
 * field for field (every byte its type reads) and in its wire size; but
 * for the id, destination incarnation and acknowledged term, which the
 * sender sets (sim_net_msg_copy()). */
Test(sim_net, a_header_only_copy_equals_the_general_copy)
{
    struct sim_net net;
    struct sim_net_params p = params();
    sim_net_init(&net, 3, &p, 1);
    size_t header_only = 0;
    for (int t = 1; t < RAFT_MSG_TYPE_COUNT; t++) {
        if (t == RAFT_MSG_INSTALL_SNAPSHOT)
            continue;
        struct raft_message m;
        memset(&m, 0, sizeof m);
        unsigned char *raw = (unsigned char *)&m;
        for (size_t i = 0; i < sizeof m; i++)
            raw[i] = (unsigned char)(i * 7 + (size_t)t);
        m.type = (enum raft_message_type)t;
        m.from = 1;
        m.to = 2;
        if (t == RAFT_MSG_APPEND_ENTRIES) {
            m.append_entries.n_entries = 0;
            m.append_entries.entries = (const struct raft_entry *)&net;
        }
        struct sim_msg *fast = sim_net_msg_copy(&net, &m);
        struct sim_msg *full = sim_msg_copy(&m);
        cr_assert_eq(fast->pool, &net.msgs, "type %d", t);
        cr_assert_eq(fast->bytes, full->bytes, "type %d", t);
        cr_assert_eq(fast->bytes, 48);
        cr_assert_eq(memcmp(&fast->m, &full->m, used_bytes(t)), 0, "type %d",
                     t);
        if (t == RAFT_MSG_APPEND_ENTRIES)
            cr_assert_null(fast->m.append_entries.entries);
        sim_net_msg_free(&net, fast);
        sim_msg_free(full);
        header_only++;
    }
    cr_assert_eq(header_only, RAFT_MSG_TYPE_COUNT - 2);
    sim_net_destroy(&net);
}

/* ---- through the engine ------------------------------------------------- */

static struct sim *recording_sim(uint32_t n, uint64_t seed)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = n;
    c.seed = seed;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    return s;
}

static bool crosses(uint32_t a, uint32_t b, const uint32_t *group_of)
{
    return group_of[a - 1] == 0 || group_of[a - 1] != group_of[b - 1];
}

Test(sim_net, no_message_crosses_a_partition)
{
    struct sim *s = recording_sim(5, 3);
    uint32_t groups[5] = {1, 1, 1, 2, 2};
    sim_partition(s, groups, NULL);
    cr_assert_eq(sim_run_until(s, 3000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t delivered = 0, cut = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind == SIM_TRACE_DELIVER) {
            cr_assert_not(crosses(ev[i].node, ev[i].peer, groups),
                          "n%u -> n%u delivered", ev[i].node, ev[i].peer);
            delivered++;
        }
        if (ev[i].kind == SIM_TRACE_DROP && strcmp(ev[i].text, "cut") == 0) {
            cr_assert(crosses(ev[i].node, ev[i].peer, groups));
            cut++;
        }
    }
    cr_assert_gt(delivered, 0);
    cr_assert_gt(cut, 0);
    /* The majority side elects a leader; the minority cannot. */
    uint32_t leader = sim_current_leader(s);
    cr_assert(leader >= 1 && leader <= 3, "leader n%u", leader);
    cr_assert_neq(sim_role(s, 4), RAFT_LEADER);
    cr_assert_neq(sim_role(s, 5), RAFT_LEADER);
    sim_free(s);
}

Test(sim_net, a_one_way_cut_blocks_only_its_direction)
{
    struct sim *s = recording_sim(3, 4);
    /* n1 campaigns before any timer fires, so it leads and talks to n2. */
    cr_assert_eq(sim_campaign(s, 1), SIM_OK);
    cr_assert_eq(sim_cut(s, 1, 2), SIM_OK);
    cr_assert_not(sim_connected(s, 1, 2));
    cr_assert(sim_connected(s, 2, 1));
    cr_assert_eq(sim_run_until(s, 3000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t back = 0, cut = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind == SIM_TRACE_DROP && ev[i].node == 1 &&
            ev[i].peer == 2) {
            cr_assert_str_eq(ev[i].text, "cut");
            cut++;
        }
        if (ev[i].kind != SIM_TRACE_DELIVER)
            continue;
        cr_assert_not(ev[i].node == 1 && ev[i].peer == 2);
        back += ev[i].node == 2 && ev[i].peer == 1;
    }
    cr_assert_gt(back, 0);
    cr_assert_gt(cut, 0);
    sim_free(s);
}

static void cut_1_to_2(struct sim *s, void *ctx)
{
    (void)ctx;
    sim_cut(s, 1, 2);
}

Test(sim_net, an_in_flight_message_is_lost_when_its_link_is_cut_meanwhile)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = 9;
    c.record_events = true;
    c.delay_us_min = c.delay_us_max = 5000;
    struct sim *s = sim_new(&c);
    cr_assert_eq(sim_campaign(s, 1), SIM_OK);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    cr_assert_eq(sim_current_leader(s), 1);
    /* Step to n1's next message to n2 and cut the link 1 us after it
     * left: it is then in flight for 4999 us more. */
    uint64_t msg = 0, sent_at = 0;
    while (msg == 0) {
        size_t before = sim_trace_len(s);
        cr_assert_eq(sim_step(s), SIM_OK);
        const struct sim_trace_event *ev = sim_trace_events(s);
        for (size_t i = before; i < sim_trace_len(s); i++)
            if (ev[i].kind == SIM_TRACE_SEND && ev[i].node == 1 &&
                ev[i].peer == 2) {
                msg = ev[i].msg_id;
                sent_at = ev[i].time_us;
            }
    }
    cr_assert_eq(sim_at(s, sent_at + 1, cut_1_to_2, NULL), SIM_OK);
    cr_assert_eq(sim_run_until(s, sent_at + 20000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t lost = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind == SIM_TRACE_DROP && ev[i].msg_id == msg) {
            cr_assert_str_eq(ev[i].text, "cut");
            cr_assert_eq(ev[i].time_us, sent_at + 5000);
            lost++;
        }
        if (ev[i].kind == SIM_TRACE_DELIVER)
            cr_assert_neq(ev[i].msg_id, msg);
    }
    cr_assert_eq(lost, 1);
    sim_free(s);
}

Test(sim_net, engine_counters_show_the_drop_rate)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 5;
    c.seed = 21;
    c.drop_ppm = 200000;
    c.duplicate_ppm = 100000;
    c.history = false;
    struct sim *s = sim_new(&c);
    sim_load_closed(s, 8, 20000000, 0);
    cr_assert_eq(sim_run_until(s, 20000000), SIM_OK);
    struct sim_msg_counters k[RAFT_MSG_TYPE_COUNT];
    sim_get_msg_counters(s, k);
    cr_assert_gt(k[0].sent, 20000);
    cr_assert_float_eq((double)k[0].dropped / (double)k[0].sent, 0.2, 0.02);
    /* A lost message has no copy: duplicates are 10% of the 80% kept. */
    cr_assert_float_eq((double)k[0].duplicated / (double)k[0].sent, 0.08,
                       0.012);
    uint64_t sum = 0;
    for (int t = 1; t < RAFT_MSG_TYPE_COUNT; t++)
        sum += k[t].sent;
    cr_assert_eq(sum, k[0].sent);
    /* Every message sent or duplicated ends delivered or dropped (or is
     * still in flight at the end). */
    cr_assert_leq(k[0].delivered + k[0].dropped, k[0].sent + k[0].duplicated);
    cr_assert_gt(sim_requests_completed(s), 100);
    sim_free(s);
}

/* The partition's event whose kind is PARTITION, the last one in s's
 * trace. */
static const struct sim_trace_event *last_partition(struct sim *s)
{
    const struct sim_trace_event *ev = sim_trace_events(s);
    const struct sim_trace_event *found = NULL;
    for (size_t i = 0; i < sim_trace_len(s); i++)
        if (ev[i].kind == SIM_TRACE_PARTITION)
            found = &ev[i];
    cr_assert_not_null(found);
    return found;
}

Test(sim_net, a_partition_event_carries_its_groups_as_data_in_text_order)
{
    struct sim *s = recording_sim(5, 1);
    /* The caller's text lists groups by ascending number; group 0 (n5) is
     * left out of it and cut off from everyone. */
    uint32_t groups[5] = {7, 3, 7, 3, 0};
    sim_partition(s, groups, "n2 n4 | n1 n3");
    const struct sim_trace_event *e = last_partition(s);
    cr_assert_str_eq(e->text, "n2 n4 | n1 n3");
    cr_assert_eq(e->n_group_of, 5);
    const uint8_t want[5] = {2, 1, 2, 1, 0};
    cr_assert_arr_eq(e->group_of, want, 5);
    /* Without a text the engine writes one, groups by smallest member and
     * a lone node as a group of its own, and the data follows it. */
    sim_isolate(s, 2);
    e = last_partition(s);
    cr_assert_str_eq(e->text, "n1 n3 n4 n5 | n2");
    const uint8_t alone[5] = {1, 2, 1, 1, 1};
    cr_assert_arr_eq(e->group_of, alone, 5);
    sim_free(s);
}
