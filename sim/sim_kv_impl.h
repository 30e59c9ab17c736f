/* sim_kv_impl.h: the key-value machine's representation, shared by its
 * commands (sim_kv.c) and its snapshots (sim_kv_snapshot.c); private to
 * those two files. sim_kv.c states the invariants of struct sim_kv.
 */
#ifndef SIM_KV_IMPL_H
#define SIM_KV_IMPL_H

#include "sim/sim_kv.h"
#include "sim/sim_kv_table.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a session's kept snapshot encoding (struct sim_kv_session's
 * enc): most clients' and requests' ids take one or two bytes each. */
#define SIM_KV_SESSION_ENC 16

struct sim_kv_session
{
    uint64_t client;  /* > 0 */
    uint64_t request; /* highest request id applied */
    bool found;       /* the reply it produced */
    bool has_value;   /* the reply had a value: value[0..value_len) */
    /* The session's snapshot bytes (client, request, flags) as a
     * snapshot last wrote them, when it had request id enc_request and
     * no reply value: enc[0..enc_len) (enc_len 0: none kept, or longer
     * than enc). Every change of a session applies a higher request id
     * (and a restore makes new sessions), so bytes kept for the current
     * request id are the session's own. */
    uint8_t enc_len;
    char *value;      /* value_cap bytes, NUL-ended when has_value: inline_value
                         (NULL if it has no room), or owned */
    size_t value_len, value_cap;
    uint64_t hash;       /* sim_kv_session_hash() of the fields above */
    uint64_t enc_request;
    guint8 enc[SIM_KV_SESSION_ENC];
    char inline_value[]; /* room for a reply value, in the session's block */
};

#define SIM_KV_SESSION_ALIGN _Alignof(struct sim_kv_session)

/* Bytes a session with room bytes after its header takes in a block. */
static inline size_t sim_kv_session_stride(size_t room)
{
    size_t n = sizeof(struct sim_kv_session) + room;
    return (n + SIM_KV_SESSION_ALIGN - 1) / SIM_KV_SESSION_ALIGN *
           SIM_KV_SESSION_ALIGN;
}

/* Clients below this id have their session at by_id[client]; the rest
 * (ids the simulator's clients reach only in very long runs, or foreign
 * bytes) are kept in `far`. */
#define SIM_KV_SESSION_DIRECT 4096

/* Every session once: a client below SIM_KV_SESSION_DIRECT at
 * by_id[client] (NULL: no session), by_id_end past the highest such
 * client; the others in far[0..far_len) by strictly ascending client id.
 * Walking by_id upwards and then far visits the sessions by ascending
 * client id. Every session is carved from one of `blocks` (never
 * allocated alone, never freed alone: a session lives until the list is
 * cleared): a restore's sessions from one block of their own, later ones
 * from blocks of SIM_KV_SESSION_BLOCK bytes. */
struct sim_kv_session_list
{
    struct sim_kv_session **by_id; /* by_id_cap entries, NULL: none */
    size_t by_id_cap, by_id_end;
    struct sim_kv_session **far; /* far_len of far_cap entries */
    size_t far_len, far_cap;
    size_t len;        /* sessions in all */
    /* The owned blocks, newest first, chained through their first bytes
     * (SIM_KV_SESSION_BLOCK_HEAD of them: the next block's address, NULL
     * after the last); NULL until the first. */
    char *blocks;
    char *free_at;     /* the unused bytes of the last block ... */
    size_t free_len;   /* ... and how many */
};

/* A machine's state identity (struct sim_kv's `state`): the empty
 * machine's, none (a state shared with no other), or a number that the
 * decoder `state_of` issued. Two machines whose identities are equal (and,
 * unless empty, issued by one decoder) hold equal states: a number is
 * issued to one state reached by applying one command's bytes to a state
 * of one identity, and passed on only to a machine that applies those very
 * bytes (the decoder compared them) to a state of that identity, or that
 * restores the bytes of a snapshot of that state (sim_kv_snapshot.c). The
 * converse does not hold: equal states may have different identities. */
#define SIM_KV_STATE_EMPTY 0
#define SIM_KV_STATE_NONE UINT64_MAX

struct sim_kv
{
    struct sim_kv_table pairs; /* owned; each pair's term is its pair_hash */
    struct sim_kv_session_list sessions; /* owned */
    uint64_t applied;
    uint64_t digest;          /* of the pairs */
    uint64_t sessions_digest; /* of the sessions */
    uint64_t state;           /* identity: SIM_KV_STATE_* or issued */
    const struct sim_kv_decoder *state_of; /* the issuer of `state` */
    /* The decoder whose list of machines holds this one (NULL: none):
     * set whenever state_of is, so that every machine whose identity a
     * decoder issued is in its list while it lives. */
    struct sim_kv_decoder *listed;
};

/* Lists kv in dc's machines (unlisting it from another decoder's). */
void sim_kv_decoder_list(struct sim_kv_decoder *dc, struct sim_kv *kv);
/* Takes kv, listed in dc, out of dc's machines. */
void sim_kv_decoder_unlist(struct sim_kv_decoder *dc, struct sim_kv *kv);
/* A live machine of dc's, other than other_than, whose identity is
 * `state` (one dc issued): it holds the state a snapshot of that identity
 * restores to. NULL if none; a machine found is counted as a copy. */
const struct sim_kv *sim_kv_decoder_holder(struct sim_kv_decoder *dc,
                                           uint64_t state,
                                           const struct sim_kv *other_than);

/* Whether kv's state identity is one that dc issued or the empty one: one
 * that dc's snapshots (sim_kv_serialize_shared()) can be found by. */
static inline bool sim_kv_state_known(const struct sim_kv *kv,
                                      const struct sim_kv_decoder *dc)
{
    return kv->state == SIM_KV_STATE_EMPTY ||
           (kv->state != SIM_KV_STATE_NONE && kv->state_of == dc);
}

/* A state identity dc has not issued before (never EMPTY or NONE). */
uint64_t sim_kv_decoder_new_state(struct sim_kv_decoder *dc);

/* The snapshots of states that dc issued, kept by the decoder
 * (sim_kv_snapshot.c; NULL until the first). */
struct sim_kv_snapshot_cache;
struct sim_kv_snapshot_cache **sim_kv_decoder_snapshots(
    struct sim_kv_decoder *dc);
void sim_kv_snapshot_cache_free(struct sim_kv_snapshot_cache *c);

/* The digest term of the pair key = value: a hash of the bytes key, NUL,
 * value (neither holds a NUL, so distinct pairs hash distinct strings). */
uint64_t sim_kv_pair_hash(const char *key,
                          size_t key_len,
                          const char *value,
                          size_t value_len);

/* The hash of session s's fields (client, request, reply flags, value). */
uint64_t sim_kv_session_hash(const struct sim_kv_session *s);

/* Bytes after a session's header for a reply value of len bytes at value
 * (none: NULL). */
size_t sim_kv_session_room(const char *value, size_t len);

/* Makes s, which has room >= sim_kv_session_room(value, len) bytes after
 * its header, a session of `client` with no request yet, remembering that
 * reply value. */
void sim_kv_session_init(struct sim_kv_session *s,
                         uint64_t client,
                         const char *value,
                         size_t len,
                         size_t room);

/* Bytes at the start of a session block that chain it to the next. */
#define SIM_KV_SESSION_BLOCK_HEAD                                             \
    ((sizeof(char *) + SIM_KV_SESSION_ALIGN - 1) / SIM_KV_SESSION_ALIGN *     \
     SIM_KV_SESSION_ALIGN)

/* A new block of l (owned by l from now on, freed when l is cleared)
 * with `bytes` bytes for sessions, aligned for them: where they go. */
char *sim_kv_session_list_block(struct sim_kv_session_list *l, size_t bytes);

/* Adds s, whose client l holds no session of, in its place. */
void sim_kv_session_list_insert(struct sim_kv_session_list *l,
                                struct sim_kv_session *s);

/* sim_kv_session_list_insert() for a session whose client is above every
 * client of l (a restore's, in order): in place at once when by_id has
 * room for it. */
static inline void sim_kv_session_list_append(struct sim_kv_session_list *l,
                                              struct sim_kv_session *s)
{
    if (s->client < l->by_id_cap && s->client < SIM_KV_SESSION_DIRECT) {
        l->by_id[s->client] = s;
        l->by_id_end = (size_t)s->client + 1;
        l->len++;
        return;
    }
    sim_kv_session_list_insert(l, s);
}

/* Frees every session of l and empties it. */
void sim_kv_session_list_clear(struct sim_kv_session_list *l);

#endif /* SIM_KV_IMPL_H */
