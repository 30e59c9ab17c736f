/* scn_parser.h: the parser's shared state and helpers (private to
 * scn_parse*.c).
 *
 * The parser reads one line at a time (scn_lex.h gives its tokens) into
 * `struct scn_parser`, split by concern: scn_parse_token.c (the vocabulary,
 * diagnostics, taking tokens), scn_parse_value.c (durations, numbers,
 * probabilities, rates, strings), scn_parse_ref.c (node references and
 * names), scn_parse_action.c (actions and checks), scn_parse_header.c
 * (headers) and scn_parse.c (timed statements, lines and the whole file).
 *
 * Invariant: a statement changes the scenario only when it parsed without
 * error (a failed step is freed, its `as` names are never bound); a
 * function that reports an error returns false after one diagnostic.
 */
#ifndef SCN_PARSER_H
#define SCN_PARSER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"
#include "scenarios/lang/scn_lex.h"
#include "scenarios/lang/scn_parse.h"

/* The header statements, in the order of scn_statement_words. */
enum scn_header {
    HDR_CLUSTER,
    HDR_SEED,
    HDR_RUN,
    HDR_TITLE,
    HDR_ELECTION_TIMEOUT,
    HDR_HEARTBEAT,
    HDR_DELAY,
    HDR_DROP,
    HDR_DUPLICATE,
    HDR_REORDER,
    HDR_PREVOTE,
    HDR_CHECKQUORUM,
    HDR_CLIENT_TIMEOUT,
    HDR_SNAPSHOT_EVERY,
    HDR_MAX_UNCOMMITTED,
    HDR_SNAPSHOT_CHUNK,
    HDR_READS,
    HDR_LEASE_DRIFT_BOUND,
    HDR_DISK_LATENCY,
    HDR_TRACE_HASH,
    HDR_INIT,
    HDR_COUNT
};

/* The vocabulary (scn_parse_token.c). */
extern const char *const scn_statement_words[];
extern const char *const scn_action_words[];
extern const char *const scn_change_words[];
extern const char *const scn_member_role_words[];
extern const char *const scn_transition_words[];
extern const char *const scn_set_words[];
extern const char *const scn_event_words[];
extern const char *const scn_client_words[];
extern const char *const scn_read_mode_words[];
extern const char *const scn_check_words[];
extern const char *const scn_role_words[];
extern const char *const scn_cmp_words[];
extern const char *const scn_on_off_words[];
extern const char *const scn_grammar_words[];

/* A node id written in the file, checked against the cluster at the end. */
struct scn_node_use
{
    uint64_t id;
    uint32_t line;
    uint32_t column;
};

/* A node or name reference of the current statement, for duplicates. */
struct scn_static_ref
{
    enum scn_ref_kind kind;
    uint64_t id; /* node id or slot */
    size_t group;
    const char *text; /* borrowed from the line's tokens */
};

/* A name bound by `as` in the current statement, bound when it succeeds. */
struct scn_pending_name
{
    char *name;
    uint32_t column;
};

struct scn_parser
{
    const char *file;
    GPtrArray *diags;
    struct scn_scenario *s;

    uint32_t header_line[HDR_COUNT]; /* 0: not given */
    uint32_t cluster_line;           /* 0: no valid cluster yet */
    bool run_failed;           /* `run` had an error: its end is unknown */
    uint32_t first_timed_line; /* 0: none yet */
    bool have_time;
    uint64_t last_time_us;
    uint32_t last_time_line;
    GHashTable *name_slots; /* name -> slot + 1; keys are s->names' */
    GArray *name_lines;     /* uint32_t: line where each slot was bound */
    GArray *node_uses;      /* struct scn_node_use */

    /* The statement being parsed. */
    const struct scn_line *line;
    guint pos;
    GArray *pending; /* struct scn_pending_name */
    GArray *refs;    /* struct scn_static_ref */
    bool dup_active; /* check duplicates among `refs` */
    bool partition;  /* duplicates across groups are "two groups" */
    size_t group;    /* current partition group */
    bool rest_seen;  /* `rest` already named in this statement */
};

enum scn_ref_flags {
    REF_ALLOW_REST = 1u << 0,
    REF_ALLOW_AS = 1u << 1,
    REF_IN_CHECK = 1u << 2,
    /* `as voter` / `as learner` after the node is a role, not a name. */
    REF_ROLE_AS = 1u << 3,
};

/* ---- scn_parse_token.c ---- */

/* Adds a diagnostic on the current line; returns false for `return`. */
bool scn_parser_fail_at(struct scn_parser *p,
                        uint32_t column,
                        const char *fmt,
                        ...) G_GNUC_PRINTF(3, 4);

/* The token at hand, or NULL at the end of the line. */
const struct scn_token *scn_parser_peek(const struct scn_parser *p);

/* Takes the token at hand (NULL at the end of the line). */
const struct scn_token *scn_parser_next(struct scn_parser *p);

/* Whether the token at hand is the word `word`. */
bool scn_parser_peek_is(const struct scn_parser *p, const char *word);

/* "expected WHAT, found X" for the token at hand (NULL: end of line). */
bool scn_parser_fail_expected(struct scn_parser *p,
                              const struct scn_token *tok,
                              const char *what);

/* Takes the next token, which must be a word. */
const struct scn_token *scn_parser_take_word(struct scn_parser *p,
                                             const char *what);

/* The index of `word` in `words` (NULL-terminated), or -1. */
int scn_parser_word_index(const char *word, const char *const *words);

/* Whether `word` has a meaning somewhere in the language (no name may be
 * one). */
bool scn_parser_is_reserved(const char *word);

/* "unknown WHAT 'x'" with a did-you-mean from `words`. */
bool scn_parser_fail_unknown(struct scn_parser *p,
                             const struct scn_token *tok,
                             const char *what,
                             const char *const *words);

/* Takes the next word, which must be one of `words`; stores its index. */
bool scn_parser_take_keyword(struct scn_parser *p,
                             const char *what,
                             const char *const *words,
                             int *index);

/* Takes the exact word `word`. */
bool scn_parser_take_exact(struct scn_parser *p, const char *word);

/* The statement must end here. */
bool scn_parser_expect_end(struct scn_parser *p);

/* ---- scn_parse_value.c ---- */

/* `us` in its canonical form, for messages (g_free). */
char *scn_parser_duration_text(uint64_t us);

/* Reads `len` bytes at `text` as a duration; `column` is where it starts. */
bool scn_read_duration_text(struct scn_parser *p,
                            const char *text,
                            size_t len,
                            uint32_t column,
                            const char *what,
                            uint64_t *out);

/* Takes a duration word. */
bool scn_read_duration(struct scn_parser *p, const char *what, uint64_t *out);

/* A duration that must be above zero. */
bool scn_read_positive_duration(struct scn_parser *p,
                                const char *what,
                                uint64_t *out);

/* MIN MAX durations with MIN <= MAX (and MIN > 0 when `positive`). */
bool scn_read_duration_range(struct scn_parser *p,
                             const char *what,
                             bool positive,
                             uint64_t *min,
                             uint64_t *max);

/* `WRITE SYNC` or `SYNC` alone (write 0), each a latency; stops before
 * `on`. */
bool scn_read_disk_latency(struct scn_parser *p, struct scn_disk_latency *l);

/* Takes an unsigned decimal integer. */
bool scn_read_u64(struct scn_parser *p, const char *what, uint64_t *out);

/* Takes a probability (a percentage or a fraction), in parts per million. */
bool scn_read_probability(struct scn_parser *p, uint32_t *ppm);

/* `load RATE` or, extension, `load N writes` (1 <= N <= 1000000). */
bool scn_read_load_size(struct scn_parser *p, struct scn_action *a);

/* Takes a clock rate such as `1.5` (above 0, at most 10), in millionths;
 * refused when it would take a node's clock past 2^64 - 1 us in the run. */
bool scn_read_drift_rate(struct scn_parser *p, uint32_t *ppm);

/* Takes a comparison operator (==, !=, <, <=, >, >=). */
bool scn_read_cmp(struct scn_parser *p, enum scn_cmp *cmp);

/* A bare word or a quoted string; stores a copy in `*out`. */
bool scn_read_string(struct scn_parser *p, const char *what, char **out);

/* ---- scn_parse_ref.c ---- */

/* Takes one node reference; `flags` (enum scn_ref_flags) say which forms the
 * place allows. */
bool scn_read_ref(struct scn_parser *p,
                  unsigned flags,
                  struct scn_node_ref *ref);

/* References up to the end of the line or a '|'; at least one. */
bool scn_read_list(struct scn_parser *p,
                   unsigned flags,
                   struct scn_node_list *list);

/* ---- scn_parse_action.c ---- */

/* Takes a check (after `expect`). */
bool scn_read_check(struct scn_parser *p, struct scn_check *c);

/* Takes an action, up to the end of the statement. */
bool scn_read_action(struct scn_parser *p, struct scn_action *a);

/* ---- scn_parse_header.c ---- */

/* Takes the rest of header statement `h`, whose word `first` was read. */
bool scn_read_header(struct scn_parser *p,
                     const struct scn_token *first,
                     enum scn_header h);

#endif /* SCN_PARSER_H */
