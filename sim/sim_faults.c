/* sim_faults.c: the fault actions of sim.h: crashes and restarts, pauses,
 * disk latency, elections forced by hand, partitions, cuts and heals,
 * network probabilities and clock drift.
 *
 * Owns nothing but the checks on the actions' arguments: each action
 * validates its node and values (SIM_EINVAL), changes the node's, the
 * network's or the disk's state through their owners (sim_node.c,
 * sim_net.c, sim_disk.c) and traces what it did, so the trace alone tells
 * which faults a run suffered and when.
 */
#include <inttypes.h>
#include <string.h>

#include "sim/sim_internal.h"

/* ---- faults -------------------------------------------------------------- */

int sim_crash(struct sim *s, uint32_t node)
{
    return sim_crash_keeping(s, node, 0, 0);
}

int sim_crash_keeping(struct sim *s,
                      uint32_t node,
                      uint64_t keep_log,
                      uint64_t keep_term)
{
    if (!sim_valid_node(s, node))
        return SIM_EINVAL;
    if (!s->nodes[node].alive)
        return SIM_ENOTALIVE;
    sim_node_crash(s, &s->nodes[node], keep_log, keep_term);
    return SIM_OK;
}

/* Writes the n bytes of text at p; returns the end. */
static char *put_text(char *p, const char *text, size_t n)
{
    memcpy(p, text, n);
    return p + n;
}

/* Writes v at p in decimal, the digits "%" PRIu64 writes (at most 20);
 * returns the end. */
static char *put_decimal(char *p, uint64_t v)
{
    char buf[20];
    size_t at = sizeof buf;
    do {
        buf[--at] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return put_text(p, buf + at, sizeof buf - at);
}

/* "write 1000us..1000us sync 2000us..5000us", written without a format
 * string to parse (a settle sets every node's disk). */
static void disk_text(char *text, const struct sim_disk_latency *lat)
{
    char *p = put_text(text, "write ", 6);
    p = put_decimal(p, lat->write_us_min);
    p = put_text(p, "us..", 4);
    p = put_decimal(p, lat->write_us_max);
    p = put_text(p, "us sync ", 8);
    p = put_decimal(p, lat->sync_us_min);
    p = put_text(p, "us..", 4);
    p = put_decimal(p, lat->sync_us_max);
    p = put_text(p, "us", 2);
    *p = '\0';
}

int sim_set_disk_latency(struct sim *s,
                         uint32_t node,
                         const struct sim_disk_latency *lat)
{
    if (!sim_valid_node(s, node) || !sim_disk_latency_valid(lat))
        return SIM_EINVAL;
    s->nodes[node].disk_latency = *lat;
    struct sim_trace_event e = {0};
    /* Four numbers of at most 20 digits and 24 other bytes fit. */
    _Static_assert(SIM_TRACE_TEXT_MAX > 4 * 20 + 24, "the disk's text fits");
    char text[SIM_TRACE_TEXT_MAX];
    disk_text(text, lat);
    e.kind = SIM_TRACE_DISK;
    e.node = node;
    e.text = text;
    sim_emit(s, &e);
    return SIM_OK;
}

int sim_restart(struct sim *s, uint32_t node)
{
    if (!sim_valid_node(s, node))
        return SIM_EINVAL;
    if (s->nodes[node].alive)
        return SIM_EALIVE;
    return sim_node_start(s, &s->nodes[node], true);
}

int sim_pause(struct sim *s, uint32_t node, uint64_t duration_us)
{
    if (!sim_valid_node(s, node))
        return SIM_EINVAL;
    struct sim_node *nd = &s->nodes[node];
    if (!nd->alive)
        return SIM_ENOTALIVE;
    uint64_t until = s->now_us + duration_us;
    if (nd->paused && nd->paused_until_us >= until)
        return SIM_OK;
    nd->paused = true;
    sim_standing_moved(s);
    nd->paused_until_us = until;
    nd->pause_gen++;
    sim_push(s, until, SIM_EV_RESUME, node, nd->pause_gen, NULL);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_PAUSE;
    e.node = node;
    e.aux = until;
    sim_emit(s, &e);
    return SIM_OK;
}

int sim_resume(struct sim *s, uint32_t node)
{
    if (!sim_valid_node(s, node))
        return SIM_EINVAL;
    struct sim_node *nd = &s->nodes[node];
    if (!nd->alive)
        return SIM_ENOTALIVE;
    if (!nd->paused)
        return SIM_OK;
    /* The pending resume event of the pause becomes stale: it finds the
     * node no longer paused. */
    struct sim_event ev = {0};
    ev.kind = SIM_EV_RESUME;
    ev.node = node;
    ev.arg = nd->pause_gen;
    sim_node_on_resume(s, &ev);
    return SIM_OK;
}

int sim_campaign(struct sim *s, uint32_t node)
{
    if (!sim_valid_node(s, node))
        return SIM_EINVAL;
    const struct sim_node *nd = &s->nodes[node];
    if (!nd->alive || nd->paused) {
        char text[64];
        g_snprintf(text, sizeof(text), "n%" PRIu32 " is %s: timeout skipped",
                   node, nd->alive ? "paused" : "crashed");
        sim_note(s, node, text);
        return SIM_OK;
    }
    return sim_node_campaign(s, &s->nodes[node]);
}

/* "n1 n2 | n3 | n4 n5": the groups in order of their smallest member, lone
 * nodes (group 0) each alone; trace[i] gets node i + 1's place in that
 * text, from 1. */
static void describe_groups(const struct sim *s,
                            const uint32_t *group_of,
                            GString *out,
                            uint8_t *trace)
{
    uint8_t listed = 0;
    memset(trace, 0, s->n);
    for (uint32_t a = 0; a < s->n; a++) {
        if (trace[a])
            continue;
        if (out->len)
            g_string_append(out, " | ");
        g_string_append_printf(out, "n%" PRIu32, a + 1);
        trace[a] = ++listed;
        if (group_of[a] == 0)
            continue;
        for (uint32_t b = a + 1; b < s->n; b++) {
            if (!trace[b] && group_of[b] == group_of[a]) {
                g_string_append_printf(out, " n%" PRIu32, b + 1);
                trace[b] = listed;
            }
        }
    }
}

/* The caller's text lists the groups by ascending group number: trace[i]
 * gets node i + 1's group renumbered densely from 1 in that order, 0 for
 * group 0 (a node in no group, which the text leaves out). */
static void number_groups(const struct sim *s,
                          const uint32_t *group_of,
                          uint8_t *trace)
{
    uint8_t listed = 0;
    memset(trace, 0, s->n);
    uint32_t last = 0;
    for (;;) {
        /* The smallest group number above the last one numbered. */
        uint32_t next = 0;
        for (uint32_t a = 0; a < s->n; a++)
            if (group_of[a] > last && (next == 0 || group_of[a] < next))
                next = group_of[a];
        if (next == 0)
            break;
        listed++;
        for (uint32_t a = 0; a < s->n; a++)
            if (group_of[a] == next)
                trace[a] = listed;
        last = next;
    }
}

int sim_partition(struct sim *s, const uint32_t *group_of, const char *text)
{
    if (!group_of)
        return SIM_EINVAL;
    sim_net_partition(&s->net, group_of);
    sim_standing_moved(s);
    GString *desc = g_string_new(NULL);
    /* At most SIM_MAX_NODES groups: their numbers fit a byte. */
    _Static_assert(SIM_MAX_NODES <= UINT8_MAX, "group numbers fit a byte");
    uint8_t trace_groups[SIM_MAX_NODES];
    if (text) {
        g_string_assign(desc, text);
        number_groups(s, group_of, trace_groups);
    } else {
        describe_groups(s, group_of, desc, trace_groups);
    }
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_PARTITION;
    e.text = desc->str;
    e.group_of = trace_groups;
    e.n_group_of = s->n;
    sim_emit(s, &e);
    g_string_free(desc, TRUE);
    return SIM_OK;
}

int sim_isolate(struct sim *s, uint32_t node)
{
    if (!sim_valid_node(s, node))
        return SIM_EINVAL;
    uint32_t *groups = g_new(uint32_t, s->n);
    for (uint32_t i = 0; i < s->n; i++)
        groups[i] = 1;
    groups[node - 1] = 0;
    int rc = sim_partition(s, groups, NULL);
    g_free(groups);
    return rc;
}

int sim_cut(struct sim *s, uint32_t from, uint32_t to)
{
    if (!sim_valid_node(s, from) || !sim_valid_node(s, to) || from == to)
        return SIM_EINVAL;
    sim_net_cut(&s->net, from, to);
    sim_standing_moved(s);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_CUT;
    e.node = from;
    e.peer = to;
    sim_emit(s, &e);
    return SIM_OK;
}

void sim_heal(struct sim *s)
{
    sim_net_heal(&s->net);
    sim_standing_moved(s);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_HEAL;
    sim_emit(s, &e);
}

static void trace_net(struct sim *s, const char *what, uint64_t value)
{
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_NET;
    e.aux = value;
    e.text = what;
    sim_emit(s, &e);
}

/* Sets one of the network's probabilities (*field of p, a copy of its
 * parameters, in parts per million) and traces it under `name`:
 * sim_set_drop, sim_set_duplicate and sim_set_reorder differ in nothing
 * else. */
static int set_net_ppm(struct sim *s,
                       struct sim_net_params *p,
                       uint32_t *field,
                       const char *name,
                       uint32_t ppm)
{
    if (!sim_valid_ppm(ppm))
        return SIM_EINVAL;
    *field = ppm;
    sim_net_set_params(&s->net, p);
    trace_net(s, name, ppm);
    return SIM_OK;
}

int sim_set_drop(struct sim *s, uint32_t ppm)
{
    struct sim_net_params p = s->net.p;
    return set_net_ppm(s, &p, &p.drop_ppm, "drop", ppm);
}

int sim_set_duplicate(struct sim *s, uint32_t ppm)
{
    struct sim_net_params p = s->net.p;
    return set_net_ppm(s, &p, &p.duplicate_ppm, "duplicate", ppm);
}

int sim_set_reorder(struct sim *s, uint32_t ppm)
{
    struct sim_net_params p = s->net.p;
    return set_net_ppm(s, &p, &p.reorder_ppm, "reorder", ppm);
}

int sim_set_delay(struct sim *s, uint64_t delay_us_min, uint64_t delay_us_max)
{
    if (delay_us_min > delay_us_max)
        return SIM_EINVAL;
    struct sim_net_params p = s->net.p;
    p.delay_us_min = delay_us_min;
    p.delay_us_max = delay_us_max;
    sim_net_set_params(&s->net, &p);
    trace_net(s, "delay-min", delay_us_min);
    trace_net(s, "delay-max", delay_us_max);
    return SIM_OK;
}

int sim_drift(struct sim *s, uint32_t node, uint64_t rate_ppm)
{
    if (!sim_valid_node(s, node) || rate_ppm < 1 || rate_ppm > 10000000)
        return SIM_EINVAL;
    sim_node_set_rate(s, &s->nodes[node], rate_ppm);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_DRIFT;
    e.node = node;
    e.aux = rate_ppm;
    sim_emit(s, &e);
    return SIM_OK;
}

uint64_t sim_random_below(struct sim *s, uint64_t n)
{
    return sim_rng_below(&s->fault_rng, n);
}
