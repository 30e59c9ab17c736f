/* scn_parse_header.c: the header statements (docs/scenario-language.md,
 * Header): each given at most once, before the first timed statement.
 */
#include "scenarios/lang/scn_parser.h"

#include <string.h>

#include "raft/raft.h"
#include "sim/sim.h"

/* ---- headers --------------------------------------------------------------
 */

/* The value of the on/off header `name` ("prevote"). */
static bool parse_on_off(struct scn_parser *p, const char *name, bool *out)
{
    char *what = g_strdup_printf("'on' or 'off' after '%s'", name);
    const struct scn_token *tok = scn_parser_take_word(p, what);
    int i;

    g_free(what);
    if (tok == NULL) {
        return false;
    }
    i = scn_parser_word_index(tok->text, scn_on_off_words);
    if (i < 0) {
        const char *guess = scn_lex_suggest(tok->text, scn_on_off_words);

        return scn_parser_fail_at(
            p, tok->column, "'%s' is either 'on' or 'off', not '%s'%s%s%s",
            name, tok->text, guess ? "; did you mean '" : "",
            guess ? guess : "", guess ? "'?" : "");
    }
    *out = i == 0;
    return true;
}

/* `log T T ...` of an init: terms at most the node's and never decreasing. */
static bool parse_init_log(struct scn_parser *p, struct scn_init *in)
{
    const struct scn_token *tok;
    GArray *terms;

    if (!scn_parser_take_exact(p, "log")) {
        return false;
    }
    terms = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    while (scn_parser_peek(p) != NULL) {
        uint64_t term;

        tok = scn_parser_peek(p);
        if (!scn_read_u64(p, "a log term", &term)) {
            g_array_free(terms, TRUE);
            return false;
        }
        if (term > in->term) {
            g_array_free(terms, TRUE);
            return scn_parser_fail_at(
                p, tok->column,
                "log term %" G_GUINT64_FORMAT
                " is above the node's term %" G_GUINT64_FORMAT,
                term, in->term);
        }
        if (terms->len > 0 &&
            term < g_array_index(terms, uint64_t, terms->len - 1)) {
            scn_parser_fail_at(
                p, tok->column,
                "log term %" G_GUINT64_FORMAT " follows term %" G_GUINT64_FORMAT
                ": log terms must not decrease",
                term, g_array_index(terms, uint64_t, terms->len - 1));
            g_array_free(terms, TRUE);
            return false;
        }
        g_array_append_val(terms, term);
    }
    in->log_len = terms->len;
    in->log_terms = in->log_len > 0
                        ? (uint64_t *)(void *)g_array_free(terms, FALSE)
                        : (g_array_free(terms, TRUE), NULL);
    return true;
}

/* `init NODE term T [vote NODE] [log T1 T2 ...]` */
static bool parse_init(struct scn_parser *p, struct scn_init *in)
{
    const struct scn_token *tok = scn_parser_peek(p);
    struct scn_node_ref ref;

    if (!scn_read_ref(p, 0, &ref)) {
        return false;
    }
    if (ref.kind != SCN_REF_NODE) {
        return scn_parser_fail_at(
            p, tok->column, "init needs a node like 'n1', not '%s'", tok->text);
    }
    in->node = ref.node;
    in->column = tok->column;
    for (guint i = 0; i < p->s->inits->len; i++) {
        const struct scn_init *o = g_ptr_array_index(p->s->inits, i);

        if (o->node == in->node) {
            return scn_parser_fail_at(
                p, tok->column, "init for '%s' given twice (first at line %u)",
                tok->text, (unsigned)o->line);
        }
    }
    if (!scn_parser_take_exact(p, "term")) {
        return false;
    }
    tok = scn_parser_peek(p);
    if (!scn_read_u64(p, "a term", &in->term)) {
        return false;
    }
    if (in->term > RAFT_TERM_MAX) {
        return scn_parser_fail_at(
            p, tok->column,
            "term %s is too large: a term must stay below "
            "2^64 - 1 so that a campaign can increment it",
            tok->text);
    }
    if (scn_parser_peek_is(p, "vote")) {
        scn_parser_next(p);
        tok = scn_parser_peek(p);
        if (!scn_read_ref(p, 0, &ref)) {
            return false;
        }
        if (ref.kind != SCN_REF_NODE) {
            return scn_parser_fail_at(p, tok->column,
                                      "vote needs a node like 'n1', not '%s'",
                                      tok->text);
        }
        in->vote = ref.node;
    }
    if (scn_parser_peek(p) == NULL) {
        return true;
    }
    return parse_init_log(p, in);
}

/* The has_* flag of header `h`; NULL for cluster and init. */
static bool *header_given(struct scn_scenario *s, enum scn_header h)
{
    switch (h) {
    case HDR_SEED:
        return &s->has_seed;
    case HDR_RUN:
        return &s->has_run;
    case HDR_TITLE:
        return &s->has_title;
    case HDR_ELECTION_TIMEOUT:
        return &s->has_election_timeout;
    case HDR_HEARTBEAT:
        return &s->has_heartbeat;
    case HDR_DELAY:
        return &s->has_delay;
    case HDR_DROP:
        return &s->has_drop;
    case HDR_DUPLICATE:
        return &s->has_duplicate;
    case HDR_REORDER:
        return &s->has_reorder;
    case HDR_PREVOTE:
        return &s->has_prevote;
    case HDR_CHECKQUORUM:
        return &s->has_checkquorum;
    case HDR_CLIENT_TIMEOUT:
        return &s->has_client_timeout;
    case HDR_SNAPSHOT_EVERY:
        return &s->has_snapshot_every;
    case HDR_MAX_UNCOMMITTED:
        return &s->has_max_uncommitted;
    case HDR_SNAPSHOT_CHUNK:
        return &s->has_snapshot_chunk;
    case HDR_READS:
        return &s->has_reads;
    case HDR_LEASE_DRIFT_BOUND:
        return &s->has_lease_drift_bound;
    case HDR_DISK_LATENCY:
        return &s->has_disk_latency;
    case HDR_TRACE_HASH:
        return &s->has_trace_hash;
    case HDR_CLUSTER:
    case HDR_INIT:
    case HDR_COUNT:
        break;
    }
    return NULL;
}

/* `trace-hash HASH [by "BUILD"]`: HASH is 16 hexadecimal digits, as
 * `raftsim run` prints a trace hash. */
static bool parse_trace_hash(struct scn_parser *p)
{
    const struct scn_token *tok = scn_parser_next(p);
    if (tok == NULL || tok->kind != SCN_TOK_WORD) {
        return scn_parser_fail_expected(p, tok,
                                        "a trace hash (16 hexadecimal digits)");
    }
    size_t len = strlen(tok->text);
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isxdigit(tok->text[i])) {
            len = 0;
        }
    }
    if (len != 16) {
        return scn_parser_fail_at(
            p, tok->column,
            "'%s' is not a trace hash: expected 16 hexadecimal "
            "digits, as `raftsim run` prints it",
            tok->text);
    }
    p->s->trace_hash = g_ascii_strtoull(tok->text, NULL, 16);
    g_free(p->s->trace_build);
    p->s->trace_build = NULL;
    if (scn_parser_peek_is(p, "by")) {
        p->pos++;
        return scn_read_string(p, "the build that recorded it, in quotes",
                               &p->s->trace_build);
    }
    return true;
}

/* `spare M` after `cluster N`: 1 <= M, N + M <= SCN_CLUSTER_MAX. */
static bool parse_spare(struct scn_parser *p)
{
    const struct scn_token *tok;
    uint64_t m;

    scn_parser_next(p); /* spare */
    tok = scn_parser_peek(p);
    if (!scn_read_u64(p, "a number of spare nodes", &m)) {
        return false;
    }
    if (m < 1) {
        return scn_parser_fail_at(
            p, tok->column,
            "'spare' needs at least one node; leave it out for "
            "none");
    }
    if (m > SCN_CLUSTER_MAX - p->s->cluster) {
        return scn_parser_fail_at(
            p, tok->column,
            "%u nodes and %s spares are too many: at most %u "
            "nodes in all",
            (unsigned)p->s->cluster, tok->text, SCN_CLUSTER_MAX);
    }
    p->s->spare = (uint32_t)m;
    return true;
}

/* Extension `snapshot-chunk BYTES`: InstallSnapshot carries at most BYTES
 * of snapshot data per message; 0 sends the whole snapshot in one. */
static bool parse_snapshot_chunk(struct scn_parser *p)
{
    const struct scn_token *tok = scn_parser_peek(p);
    uint64_t n;
    if (!scn_read_u64(p, "a chunk size in bytes", &n)) {
        return false;
    }
    if (n > SCN_SNAPSHOT_CHUNK_MAX) {
        return scn_parser_fail_at(
            p, tok->column,
            "snapshot chunk size %s is out of range: it must be "
            "0 (the whole snapshot in one message) to %u bytes",
            tok->text, SCN_SNAPSHOT_CHUNK_MAX);
    }
    p->s->snapshot_chunk_bytes = (uint32_t)n;
    return true;
}

/* `cluster N [spare M]`. */
static bool parse_cluster(struct scn_parser *p)
{
    const struct scn_token *tok = scn_parser_peek(p);
    uint64_t n;

    if (!scn_read_u64(p, "a cluster size", &n)) {
        return false;
    }
    if (n < 1 || n > SCN_CLUSTER_MAX) {
        return scn_parser_fail_at(p, tok->column,
                                  "cluster size %s is out of range: it must "
                                  "be 1 to %u",
                                  tok->text, SCN_CLUSTER_MAX);
    }
    p->s->cluster = (uint32_t)n;
    if (scn_parser_peek_is(p, "spare") && !parse_spare(p)) {
        return false;
    }
    p->cluster_line = p->line->number;
    return true;
}

/* Reads the values of header `h` into the scenario. */
static bool parse_header_values(struct scn_parser *p, enum scn_header h)
{
    struct scn_scenario *s = p->s;

    switch (h) {
    case HDR_CLUSTER:
        return parse_cluster(p);
    case HDR_SEED:
        return scn_read_u64(p, "a seed", &s->seed);
    case HDR_RUN:
        return scn_read_positive_duration(p, "a run length", &s->run_us);
    case HDR_TITLE:
        g_free(s->title);
        s->title = NULL;
        if (!scn_read_string(p, "a title", &s->title)) {
            s->title = g_path_get_basename(s->file_name);
            return false;
        }
        return true;
    case HDR_ELECTION_TIMEOUT:
        return scn_read_duration_range(p, "an election timeout", true,
                                       &s->election_timeout_us_min,
                                       &s->election_timeout_us_max);
    case HDR_HEARTBEAT:
        return scn_read_positive_duration(p, "a heartbeat interval",
                                          &s->heartbeat_us);
    case HDR_DELAY:
        return scn_read_duration_range(p, "a delay", false, &s->delay_us_min,
                                       &s->delay_us_max);
    case HDR_DROP:
        return scn_read_probability(p, &s->drop_ppm);
    case HDR_DUPLICATE:
        return scn_read_probability(p, &s->duplicate_ppm);
    case HDR_REORDER:
        return scn_read_probability(p, &s->reorder_ppm);
    case HDR_PREVOTE:
        return parse_on_off(p, "prevote", &s->prevote);
    case HDR_CHECKQUORUM:
        return parse_on_off(p, "checkquorum", &s->checkquorum);
    case HDR_CLIENT_TIMEOUT:
        return scn_read_positive_duration(p, "a client timeout",
                                          &s->client_timeout_us);
    case HDR_SNAPSHOT_EVERY:
        return scn_read_u64(p, "an entry count", &s->snapshot_every);
    case HDR_MAX_UNCOMMITTED:
        return scn_read_u64(p, "a byte count", &s->max_uncommitted);
    case HDR_SNAPSHOT_CHUNK:
        return parse_snapshot_chunk(p);
    case HDR_READS: {
        int i;
        if (!scn_parser_take_keyword(p, "read mode", scn_read_mode_words, &i)) {
            return false;
        }
        s->reads = (enum scn_read_mode)(SCN_READ_LOG + i);
        return true;
    }
    case HDR_LEASE_DRIFT_BOUND:
        return scn_read_duration(p, "a clock drift bound",
                                 &s->lease_drift_bound_us);
    case HDR_TRACE_HASH:
        return parse_trace_hash(p);
    case HDR_DISK_LATENCY: /* parse_disk_header() */
    case HDR_INIT:
    case HDR_COUNT:
        break;
    }
    return false;
}

/* The line that already gives a per-node disk timing to node `id`, or 0. */
static uint32_t disk_line_of(const struct scn_parser *p, uint32_t id)
{
    for (guint i = 0; i < p->s->disks->len; i++) {
        const struct scn_disk *d = g_ptr_array_index(p->s->disks, i);

        for (size_t k = 0; k < d->n_nodes; k++) {
            if (d->nodes[k] == id) {
                return d->line;
            }
        }
    }
    return 0;
}

/* `on NODE...` of a per-node disk-latency header: distinct nK, each in one
 * such header at most. */
static bool parse_disk_nodes(struct scn_parser *p, struct scn_disk *d)
{
    scn_parser_next(p); /* on */
    if (scn_parser_peek(p) == NULL) {
        return scn_parser_fail_expected(p, NULL, "a node after 'on'");
    }
    while (scn_parser_peek(p) != NULL) {
        const struct scn_token *tok = scn_parser_peek(p);
        struct scn_node_ref ref;
        uint32_t line;

        if (!scn_read_ref(p, 0, &ref)) {
            return false;
        }
        if (ref.kind != SCN_REF_NODE) {
            return scn_parser_fail_at(
                p, tok->column,
                "a disk-latency header names nodes as nK, not "
                "'%s' (use 'at T set disk-latency' for that)",
                tok->text);
        }
        line = disk_line_of(p, ref.node);
        if (line != 0) {
            return scn_parser_fail_at(
                p, tok->column,
                "node '%s' already has a disk latency (line %u)", tok->text,
                (unsigned)line);
        }
        d->nodes = g_renew(uint32_t, d->nodes, d->n_nodes + 1);
        d->nodes[d->n_nodes++] = ref.node;
        if (d->line == 0) {
            d->line = p->line->number;
            g_ptr_array_add(p->s->disks, d);
        }
    }
    return true;
}

/* `disk-latency LATENCY [LATENCY]` (once) or `... on NODE...` (per node). */
static bool parse_disk_header(struct scn_parser *p,
                              const struct scn_token *first)
{
    struct scn_scenario *s = p->s;
    struct scn_disk_latency l;
    struct scn_disk *d;

    if (!scn_read_disk_latency(p, &l)) {
        return false;
    }
    if (scn_parser_peek_is(p, "on")) {
        d = g_new0(struct scn_disk, 1);
        d->latency = l;
        if (!parse_disk_nodes(p, d)) {
            if (d->line == 0) {
                scn_disk_free(d);
            }
            return false;
        }
        return scn_parser_expect_end(p);
    }
    if (p->header_line[HDR_DISK_LATENCY] != 0) {
        return scn_parser_fail_at(
            p, first->column,
            "header 'disk-latency' given twice (first at line "
            "%u); per node, add 'on NODE...'",
            (unsigned)p->header_line[HDR_DISK_LATENCY]);
    }
    p->header_line[HDR_DISK_LATENCY] = p->line->number;
    if (!scn_parser_expect_end(p)) {
        return false;
    }
    s->disk_write_us = l.write_us;
    s->disk_write_jitter_us = l.write_jitter_us;
    s->disk_sync_us = l.sync_us;
    s->disk_sync_jitter_us = l.sync_jitter_us;
    s->has_disk_latency = true;
    return true;
}

bool scn_read_header(struct scn_parser *p,
                     const struct scn_token *first,
                     enum scn_header h)
{
    bool *given;

    if (p->first_timed_line != 0) {
        return scn_parser_fail_at(
            p, first->column,
            "header '%s' must come before the first timed "
            "statement (line %u)",
            first->text, (unsigned)p->first_timed_line);
    }
    if (h == HDR_INIT) {
        struct scn_init *in = g_new0(struct scn_init, 1);

        in->line = p->line->number;
        if (!parse_init(p, in) || !scn_parser_expect_end(p)) {
            scn_init_free(in);
            return false;
        }
        g_ptr_array_add(p->s->inits, in);
        return true;
    }
    if (h == HDR_DISK_LATENCY) {
        return parse_disk_header(p, first);
    }
    if (p->header_line[h] != 0) {
        return scn_parser_fail_at(p, first->column,
                                  "header '%s' given twice (first at line %u)",
                                  first->text, (unsigned)p->header_line[h]);
    }
    p->header_line[h] = p->line->number;
    if (!parse_header_values(p, h) || !scn_parser_expect_end(p)) {
        p->run_failed = p->run_failed || h == HDR_RUN;
        return false;
    }
    given = header_given(p->s, h);
    if (given != NULL) {
        *given = true;
    }
    return true;
}
