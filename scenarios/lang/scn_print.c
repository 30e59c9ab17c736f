/* scn_print.c: canonical .scn text of a scenario.
 *
 * Invariant: every form printed here is one the parser accepts and reads
 * back to the same value: durations in their largest exact unit, ppm values
 * as exact decimals, strings bare when they are bare words and quoted with
 * \" and \\ escapes otherwise, headers in one fixed order, one step a line.
 */
#include "scenarios/lang/scn_print.h"
#include "sim/sim_time_text.h"

#include <inttypes.h>
#include <string.h>

/* A statement's text is written in many short pieces (and printed for
 * every statement of every run, for its draw key: scn_identity.h), so they
 * are appended in place where they fit, without a format string to parse. */
#define PUT_LIT(out, lit) sim_time_text_put((out), "" lit, sizeof(lit) - 1)

static inline void put_str(GString *out, const char *s)
{
    sim_time_text_put(out, s, strlen(s));
}

/* `value` / 10^digits (digits <= 18) as an exact decimal without trailing
 * zeros. */
static void print_fixed(GString *out, uint64_t value, unsigned digits)
{
    uint64_t unit = 1;
    uint64_t frac;
    char buf[24];
    unsigned len = digits;

    for (unsigned i = 0; i < digits; i++) {
        unit *= 10;
    }
    sim_time_text_decimal(out, value / unit);
    frac = value % unit;
    if (frac == 0) {
        return;
    }
    /* frac < unit: exactly `digits` digits with its leading zeros */
    for (unsigned i = digits; i-- > 0;) {
        buf[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    while (len > 0 && buf[len - 1] == '0') {
        len--;
    }
    g_string_append_c(out, '.');
    sim_time_text_put(out, buf, len);
}

void scn_print_ppm(GString *out, uint64_t ppm)
{
    print_fixed(out, ppm, 6);
}

/* A bare word is written as it is, anything else quoted; the one pass
 * that tells also measures it and copies it into the room after out's
 * text, as far as that room goes (a key or value is a few bytes). The
 * copy is kept, the text's end moved past it, when the word is bare and
 * fits; otherwise it lies past the end, where what is appended next (the
 * quoted string, or the word through GLib) overwrites it. */
static void print_string(GString *out, const char *s)
{
    size_t n = 0;
    size_t room = out->allocated_len - out->len - 1; /* the NUL's byte aside */
    char *to = out->str + out->len;
    bool bare = s[0] != '\0';
    for (; s[n] != '\0'; n++) {
        char c = s[n];

        if (!g_ascii_isalnum(c) && c != '_' && c != '.' && c != ':' &&
            c != '-') {
            bare = false;
        }
        if (n < room) {
            to[n] = c;
        }
    }
    if (bare && n < room) {
        out->len += n;
        to[n] = '\0';
        return;
    }
    if (bare) {
        sim_time_text_put(out, s, n);
        return;
    }
    scn_print_quoted(out, s);
}

void scn_print_quoted(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            g_string_append_c(out, '\\');
        }
        g_string_append_c(out, s[i]);
    }
    g_string_append_c(out, '"');
}

static const char *slot_name(const struct scn_scenario *s, int32_t slot)
{
    if (slot < 0 || (guint)slot >= s->names->len) {
        return "?";
    }
    return g_ptr_array_index(s->names, (guint)slot);
}

static void print_ref(const struct scn_scenario *s,
                      const struct scn_node_ref *ref,
                      GString *out)
{
    switch (ref->kind) {
    case SCN_REF_NODE:
        if (ref->node < 10) {
            /* The usual node, n1..n9: its two bytes at once. */
            char text[2] = {'n', (char)('0' + ref->node)};
            sim_time_text_put(out, text, sizeof text);
            break;
        }
        g_string_append_c(out, 'n');
        sim_time_text_decimal(out, ref->node);
        break;
    case SCN_REF_LEADER:
        PUT_LIT(out, "leader");
        break;
    case SCN_REF_FOLLOWER:
        PUT_LIT(out, "follower");
        break;
    case SCN_REF_ANY:
        PUT_LIT(out, "any");
        break;
    case SCN_REF_NAME:
        put_str(out, slot_name(s, ref->slot));
        break;
    case SCN_REF_REST:
        PUT_LIT(out, "rest");
        break;
    }
    if (ref->optional) {
        g_string_append_c(out, '?');
    }
    if (ref->bind_slot != SCN_NO_SLOT) {
        PUT_LIT(out, " as ");
        put_str(out, slot_name(s, ref->bind_slot));
    }
}

static void print_list(const struct scn_scenario *s,
                       const struct scn_node_list *list,
                       GString *out)
{
    for (size_t i = 0; i < list->count; i++) {
        g_string_append_c(out, ' ');
        print_ref(s, &list->refs[i], out);
    }
}

static void print_scope(const struct scn_scenario *s,
                        const struct scn_scope *scope,
                        GString *out)
{
    PUT_LIT(out, " on");
    switch (scope->kind) {
    case SCN_SCOPE_ALL:
        PUT_LIT(out, " all");
        break;
    case SCN_SCOPE_MAJORITY:
        PUT_LIT(out, " majority");
        break;
    case SCN_SCOPE_NODES:
        print_list(s, &scope->nodes, out);
        break;
    }
}

static void print_check(const struct scn_scenario *s,
                        const struct scn_check *c,
                        GString *out)
{
    put_str(out, scn_check_kind_name(c->kind));
    switch (c->kind) {
    case SCN_CHECK_LEADER:
    case SCN_CHECK_NO_LEADER:
        if (c->nodes.count > 0) {
            put_str(out, c->kind == SCN_CHECK_LEADER ? " in" : " among");
            print_list(s, &c->nodes, out);
        }
        break;
    case SCN_CHECK_ROLE:
        g_string_append_c(out, ' ');
        print_ref(s, &c->node, out);
        g_string_append_c(out, ' ');
        put_str(out, scn_role_name(c->role));
        break;
    case SCN_CHECK_TERM:
    case SCN_CHECK_COMPLETED:
    case SCN_CHECK_APPLIED:
        g_string_append_c(out, ' ');
        put_str(out, scn_cmp_name(c->cmp));
        g_string_append_c(out, ' ');
        sim_time_text_decimal(out, c->number);
        if (c->kind == SCN_CHECK_APPLIED) {
            print_scope(s, &c->scope, out);
        }
        break;
    case SCN_CHECK_VALUE:
        g_string_append_c(out, ' ');
        print_string(out, c->key);
        PUT_LIT(out, " = ");
        print_string(out, c->value);
        print_scope(s, &c->scope, out);
        break;
    case SCN_CHECK_ABSENT:
        g_string_append_c(out, ' ');
        print_string(out, c->key);
        print_scope(s, &c->scope, out);
        break;
    case SCN_CHECK_CONFIG:
        PUT_LIT(out, " voters");
        print_list(s, &c->nodes, out);
        if (c->learners.count > 0) {
            PUT_LIT(out, " learners");
            print_list(s, &c->learners, out);
        }
        break;
    case SCN_CHECK_LEARNERS:
        if (c->learners.count == 0) {
            PUT_LIT(out, " none");
        } else {
            print_list(s, &c->learners, out);
        }
        break;
    case SCN_CHECK_SAME_LEADER:
    case SCN_CHECK_CONVERGED:
    case SCN_CHECK_LINEARIZABLE:
    case SCN_CHECK_NO_VIOLATION:
    case SCN_CHECK_JOINT:
    case SCN_CHECK_NOT_JOINT:
        break;
    }
}

/* `add n4 as learner`, `remove leader as old`, ... */
static void print_change(const struct scn_scenario *s,
                         const struct scn_change *c,
                         GString *out)
{
    put_str(out, scn_change_kind_name(c->kind));
    g_string_append_c(out, ' ');
    print_ref(s, &c->node, out);
    if (c->kind == SCN_CHANGE_ADD_LEARNER) {
        PUT_LIT(out, " as learner");
    }
}

/* One change with the automatic transition is written alone (`add n4`);
 * anything else as `change [joint|joint-explicit] C, C ...`. */
static void print_changes(const struct scn_scenario *s,
                          const struct scn_action *a,
                          GString *out)
{
    if (a->change_count == 1 && a->transition == SCN_TRANSITION_AUTO) {
        print_change(s, &a->changes[0], out);
        return;
    }
    PUT_LIT(out, "change");
    if (a->transition != SCN_TRANSITION_AUTO) {
        g_string_append_c(out, ' ');
        put_str(out, scn_transition_name(a->transition));
    }
    for (size_t i = 0; i < a->change_count; i++) {
        put_str(out, i > 0 ? ", " : " ");
        print_change(s, &a->changes[i], out);
    }
}

static void print_via(const struct scn_scenario *s,
                      const struct scn_action *a,
                      GString *out)
{
    if (a->has_via) {
        PUT_LIT(out, " via ");
        print_ref(s, &a->via, out);
    }
}

/* `D`, or `A..B` for a range of width jitter_us starting at D. */
static void print_latency(GString *out, uint64_t us, uint64_t jitter_us)
{
    sim_time_text_duration(out, us);
    if (jitter_us > 0) {
        PUT_LIT(out, "..");
        sim_time_text_duration(out, us + jitter_us);
    }
}

/* ` WRITE SYNC`, each a duration or a range. */
static void print_disk_latency(GString *out, const struct scn_disk_latency *l)
{
    g_string_append_c(out, ' ');
    print_latency(out, l->write_us, l->write_jitter_us);
    g_string_append_c(out, ' ');
    print_latency(out, l->sync_us, l->sync_jitter_us);
}

static void print_keep(const struct scn_action *a, GString *out)
{
    switch (a->keep) {
    case SCN_KEEP_NOTHING:
        break;
    case SCN_KEEP_SOME:
        PUT_LIT(out, " keeping some");
        break;
    case SCN_KEEP_COUNTS:
        PUT_LIT(out, " keeping log ");
        sim_time_text_decimal(out, a->keep_log);
        PUT_LIT(out, " term ");
        sim_time_text_decimal(out, a->keep_term);
        break;
    }
}

/* The arguments of a network action: partition, cut, heal, drop,
 * duplicate, reorder, delay. */
static void print_network_action(const struct scn_scenario *s,
                                 const struct scn_action *a,
                                 GString *out)
{
    switch (a->kind) {
    case SCN_ACT_PARTITION:
        for (size_t i = 0; i < a->group_count; i++) {
            if (i > 0) {
                PUT_LIT(out, " |");
            }
            print_list(s, &a->groups[i], out);
        }
        break;
    case SCN_ACT_CUT:
        g_string_append_c(out, ' ');
        print_ref(s, &a->node, out);
        PUT_LIT(out, " -> ");
        print_ref(s, &a->peer, out);
        break;
    case SCN_ACT_HEAL:
        break;
    case SCN_ACT_SET_DROP:
    case SCN_ACT_SET_DUPLICATE:
    case SCN_ACT_SET_REORDER:
        g_string_append_c(out, ' ');
        scn_print_ppm(out, a->probability_ppm);
        break;
    case SCN_ACT_SET_DELAY:
        g_string_append_c(out, ' ');
        sim_time_text_duration(out, a->delay_us_min);
        g_string_append_c(out, ' ');
        sim_time_text_duration(out, a->delay_us_max);
        break;
    default:
        break;
    }
}

/* The arguments of a client action: set, delete, get, load. */
static void print_client_action(const struct scn_scenario *s,
                                const struct scn_action *a,
                                GString *out)
{
    switch (a->kind) {
    case SCN_ACT_CLIENT_SET:
    case SCN_ACT_CLIENT_DELETE:
    case SCN_ACT_CLIENT_GET:
        g_string_append_c(out, ' ');
        print_string(out, a->key);
        if (a->kind == SCN_ACT_CLIENT_SET) {
            g_string_append_c(out, ' ');
            print_string(out, a->value);
        }
        if (a->read_mode != SCN_READ_DEFAULT) {
            g_string_append_c(out, ' ');
            put_str(out, scn_read_mode_name(a->read_mode));
        }
        print_via(s, a, out);
        break;
    case SCN_ACT_LOAD:
        g_string_append_c(out, ' ');
        if (a->count > 0) {
            sim_time_text_decimal(out, a->count);
            PUT_LIT(out, " writes for ");
        } else {
            print_fixed(out, a->rate_per_ks, 3);
            PUT_LIT(out, "/s for ");
        }
        sim_time_text_duration(out, a->duration_us);
        print_via(s, a, out);
        break;
    default:
        break;
    }
}

/* The arguments of an action on one node: crash, disk, restart, timeout,
 * isolate, pause, drift, transfer-leadership. */
static void print_node_action(const struct scn_scenario *s,
                              const struct scn_action *a,
                              GString *out)
{
    switch (a->kind) {
    case SCN_ACT_CRASH:
        g_string_append_c(out, ' ');
        print_ref(s, &a->node, out);
        print_keep(a, out);
        break;
    case SCN_ACT_SET_DISK:
        print_disk_latency(out, &a->disk);
        if (a->nodes.count > 0) {
            PUT_LIT(out, " on");
            print_list(s, &a->nodes, out);
        }
        break;
    case SCN_ACT_RESTART:
    case SCN_ACT_TIMEOUT:
    case SCN_ACT_ISOLATE:
        g_string_append_c(out, ' ');
        print_ref(s, &a->node, out);
        break;
    case SCN_ACT_PAUSE:
        g_string_append_c(out, ' ');
        print_ref(s, &a->node, out);
        PUT_LIT(out, " for ");
        sim_time_text_duration(out, a->duration_us);
        break;
    case SCN_ACT_DRIFT:
        g_string_append_c(out, ' ');
        print_ref(s, &a->node, out);
        g_string_append_c(out, ' ');
        scn_print_ppm(out, a->rate_ppm);
        break;
    case SCN_ACT_TRANSFER:
        PUT_LIT(out, " to ");
        print_ref(s, &a->node, out);
        break;
    default:
        break;
    }
}

/* An action: its keyword, then its arguments by kind. */
static void print_action(const struct scn_scenario *s,
                         const struct scn_action *a,
                         GString *out)
{
    if (a->kind == SCN_ACT_CHANGE) {
        print_changes(s, a, out);
        return;
    }
    put_str(out, scn_action_kind_name(a->kind));
    switch (a->kind) {
    case SCN_ACT_CRASH:
    case SCN_ACT_SET_DISK:
    case SCN_ACT_RESTART:
    case SCN_ACT_TIMEOUT:
    case SCN_ACT_ISOLATE:
    case SCN_ACT_PAUSE:
    case SCN_ACT_DRIFT:
    case SCN_ACT_TRANSFER:
        print_node_action(s, a, out);
        break;
    case SCN_ACT_PARTITION:
    case SCN_ACT_CUT:
    case SCN_ACT_HEAL:
    case SCN_ACT_SET_DROP:
    case SCN_ACT_SET_DUPLICATE:
    case SCN_ACT_SET_REORDER:
    case SCN_ACT_SET_DELAY:
        print_network_action(s, a, out);
        break;
    case SCN_ACT_CLIENT_SET:
    case SCN_ACT_CLIENT_DELETE:
    case SCN_ACT_CLIENT_GET:
    case SCN_ACT_LOAD:
        print_client_action(s, a, out);
        break;
    case SCN_ACT_EXPECT:
        g_string_append_c(out, ' ');
        print_check(s, &a->check, out);
        break;
    case SCN_ACT_SETTLE:
        if (a->duration_us) {
            PUT_LIT(out, " within ");
            sim_time_text_duration(out, a->duration_us);
        }
        break;
    case SCN_ACT_CHANGE:
    case SCN_ACT_LEAVE_JOINT:
        break;
    }
}

void scn_print_step(const struct scn_scenario *scenario,
                    const struct scn_step *step,
                    GString *out)
{
    if (step->when == SCN_WHEN_ALWAYS) {
        PUT_LIT(out, "during ");
    } else {
        PUT_LIT(out, "at ");
    }
    sim_time_text_duration(out, step->time_us);
    if (step->when != SCN_WHEN_AT) {
        PUT_LIT(out, "..");
        sim_time_text_duration(out, step->end_us);
    }
    g_string_append_c(out, ' ');
    if (step->triggered) {
        PUT_LIT(out, "when ");
        print_ref(scenario, &step->subject, out);
        g_string_append_c(out, ' ');
        put_str(out, scn_event_name(step->event));
        g_string_append_c(out, ' ');
    }
    print_action(scenario, &step->action, out);
}

static void print_duration_header(GString *out,
                                  const char *name,
                                  uint64_t duration_us)
{
    g_string_append_printf(out, "%s ", name);
    sim_time_text_duration(out, duration_us);
    g_string_append_c(out, '\n');
}

static void print_range_header(GString *out,
                               const char *name,
                               uint64_t min_us,
                               uint64_t max_us)
{
    g_string_append_printf(out, "%s ", name);
    sim_time_text_duration(out, min_us);
    g_string_append_c(out, ' ');
    sim_time_text_duration(out, max_us);
    g_string_append_c(out, '\n');
}

static void print_ppm_header(GString *out, const char *name, uint32_t ppm)
{
    g_string_append_printf(out, "%s ", name);
    scn_print_ppm(out, ppm);
    g_string_append_c(out, '\n');
}

static void print_init(const struct scn_init *in, GString *out)
{
    g_string_append_printf(out, "init n%u term %" G_GUINT64_FORMAT,
                           (unsigned)in->node, in->term);
    if (in->vote != 0) {
        g_string_append_printf(out, " vote n%u", (unsigned)in->vote);
    }
    if (in->log_len > 0) {
        PUT_LIT(out, " log");
        for (size_t i = 0; i < in->log_len; i++) {
            g_string_append_printf(out, " %" G_GUINT64_FORMAT,
                                   in->log_terms[i]);
        }
    }
    g_string_append_c(out, '\n');
}

/* The cluster, seed, run, title and timing headers. */
static void print_header_run(const struct scn_scenario *s, GString *out)
{
    g_string_append_printf(out, "cluster %u", (unsigned)s->cluster);
    if (s->spare > 0) {
        g_string_append_printf(out, " spare %u", (unsigned)s->spare);
    }
    g_string_append_c(out, '\n');
    if (s->has_seed) {
        g_string_append_printf(out, "seed %" G_GUINT64_FORMAT "\n", s->seed);
    }
    if (s->has_run) {
        print_duration_header(out, "run", s->run_us);
    }
    if (s->has_title) {
        PUT_LIT(out, "title ");
        print_string(out, s->title);
        g_string_append_c(out, '\n');
    }
    if (s->has_election_timeout) {
        print_range_header(out, "election-timeout", s->election_timeout_us_min,
                           s->election_timeout_us_max);
    }
    if (s->has_heartbeat) {
        print_duration_header(out, "heartbeat", s->heartbeat_us);
    }
}

/* The network headers: delay, drop, duplicate, reorder. */
static void print_header_network(const struct scn_scenario *s, GString *out)
{
    if (s->has_delay) {
        print_range_header(out, "delay", s->delay_us_min, s->delay_us_max);
    }
    if (s->has_drop) {
        print_ppm_header(out, "drop", s->drop_ppm);
    }
    if (s->has_duplicate) {
        print_ppm_header(out, "duplicate", s->duplicate_ppm);
    }
    if (s->has_reorder) {
        print_ppm_header(out, "reorder", s->reorder_ppm);
    }
}

/* The protocol headers: prevote, checkquorum, clients, snapshots,
 * reads. */
static void print_header_raft(const struct scn_scenario *s, GString *out)
{
    if (s->has_prevote) {
        g_string_append_printf(out, "prevote %s\n", s->prevote ? "on" : "off");
    }
    if (s->has_checkquorum) {
        g_string_append_printf(out, "checkquorum %s\n",
                               s->checkquorum ? "on" : "off");
    }
    if (s->has_client_timeout) {
        print_duration_header(out, "client-timeout", s->client_timeout_us);
    }
    if (s->has_snapshot_every) {
        g_string_append_printf(out, "snapshot-every %" G_GUINT64_FORMAT "\n",
                               s->snapshot_every);
    }
    if (s->has_max_uncommitted) {
        g_string_append_printf(out, "max-uncommitted %" G_GUINT64_FORMAT "\n",
                               s->max_uncommitted);
    }
    if (s->has_snapshot_chunk) {
        g_string_append_printf(out, "snapshot-chunk %" PRIu32 "\n",
                               s->snapshot_chunk_bytes);
    }
    if (s->has_reads) {
        g_string_append_printf(out, "reads %s\n", scn_read_mode_name(s->reads));
    }
    if (s->has_lease_drift_bound) {
        print_duration_header(out, "lease-drift-bound",
                              s->lease_drift_bound_us);
    }
}

/* The disk headers: the cluster's latency and each node's. */
static void print_header_disks(const struct scn_scenario *s, GString *out)
{
    if (s->has_disk_latency) {
        struct scn_disk_latency l = {
            .write_us = s->disk_write_us,
            .write_jitter_us = s->disk_write_jitter_us,
            .sync_us = s->disk_sync_us,
            .sync_jitter_us = s->disk_sync_jitter_us,
        };
        PUT_LIT(out, "disk-latency");
        print_disk_latency(out, &l);
        g_string_append_c(out, '\n');
    }
    for (guint i = 0; i < s->disks->len; i++) {
        const struct scn_disk *d = g_ptr_array_index(s->disks, i);
        PUT_LIT(out, "disk-latency");
        print_disk_latency(out, &d->latency);
        PUT_LIT(out, " on");
        for (size_t k = 0; k < d->n_nodes; k++) {
            g_string_append_printf(out, " n%u", (unsigned)d->nodes[k]);
        }
        g_string_append_c(out, '\n');
    }
}

void scn_print(const struct scn_scenario *s, GString *out)
{
    print_header_run(s, out);
    print_header_network(s, out);
    print_header_raft(s, out);
    print_header_disks(s, out);
    if (s->has_trace_hash) {
        g_string_append_printf(out, "trace-hash %016" G_GINT64_MODIFIER "x",
                               s->trace_hash);
        if (s->trace_build) {
            PUT_LIT(out, " by ");
            print_string(out, s->trace_build);
        }
        g_string_append_c(out, '\n');
    }
    for (guint i = 0; i < s->inits->len; i++) {
        print_init(g_ptr_array_index(s->inits, i), out);
    }
    for (guint i = 0; i < s->steps->len; i++) {
        scn_print_step(s, g_ptr_array_index(s->steps, i), out);
        g_string_append_c(out, '\n');
    }
}
