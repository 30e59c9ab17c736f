/* sim_kv.h: the replicated key-value state machine and its command encoding.
 *
 * Commands travel through the Raft log as opaque bytes produced by
 * sim_kv_encode(). Applying the same commands in the same order gives the
 * same state and the same digest on every node. Each client's last request id
 * and reply are remembered, so a retried request is answered from that memory
 * and never applied twice. Keys and values are NUL-free byte strings.
 */
#ifndef SIM_KV_H
#define SIM_KV_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_history.h"

/* A client command. client 0 means no session (no deduplication): used for
 * the entries of a scenario's `init` logs. Strings are borrowed. */
struct sim_kv_command
{
    enum sim_kv_op op;
    uint64_t client;
    uint64_t request; /* increases per client; a retry repeats it */
    const char *key;
    const char *value; /* SET only, NULL otherwise */
};

/* The reply to a command. For GET, found tells whether the key existed and
 * value holds it, NUL-ended: borrowed from the machine that answered (its
 * pair or the client's session), valid until that machine's next change,
 * so a caller copies it before applying anything else. */
struct sim_kv_reply
{
    bool found;
    const char *value;
    size_t value_len; /* strlen(value); 0 without a value */
    bool duplicate; /* answered from the client's session, not applied again */
};

/* Resets *r (may be NULL) to an empty reply; it owns nothing. */
void sim_kv_reply_clear(struct sim_kv_reply *r);

/* Appends the encoding of *cmd to out. */
void sim_kv_encode(const struct sim_kv_command *cmd, GByteArray *out);

/* The most bytes the encoding of a command whose key and value have these
 * lengths can take. */
size_t sim_kv_encoded_max(size_t key_len, size_t value_len);

/* Writes the encoding of *cmd at out, which has room for
 * sim_kv_encoded_max(key_len, value_len) bytes, and returns its length:
 * the bytes sim_kv_encode() appends, given key_len = strlen(cmd->key) and,
 * for a set, value_len = strlen(cmd->value) (0 without a value). */
size_t sim_kv_encode_to(const struct sim_kv_command *cmd,
                        size_t key_len,
                        size_t value_len,
                        uint8_t *out);

/* Decodes bytes into *cmd whose strings point into `key_buf`, which the
 * caller frees with g_free(). False if the bytes are malformed. */
bool sim_kv_decode(const void *data,
                   size_t len,
                   struct sim_kv_command *cmd,
                   char **key_buf);

struct sim_kv; /* one node's state machine; opaque */

struct sim_kv *sim_kv_new(void);
void sim_kv_free(struct sim_kv *kv);

/* Applies one encoded command; *reply (may be NULL) receives the answer.
 * Malformed bytes are applied as a no-op and return false. */
bool sim_kv_apply(struct sim_kv *kv,
                  const void *data,
                  size_t len,
                  struct sim_kv_reply *reply);

/* Commands decoded once for all the machines that apply the same bytes
 * (the nodes of one run): the last decodings, each found by a hint (the
 * entry's log index) and used only when its bytes equal the command's, so
 * a different command at the same hint is decoded anew. */
struct sim_kv_decoder;

struct sim_kv_decoder *sim_kv_decoder_new(void);
void sim_kv_decoder_free(struct sim_kv_decoder *dc);

/* Makes the machines that apply commands through dc from now on known by
 * their states, for sim_kv_serialize_shared(): a few instructions a
 * command, for runs that take snapshots. */
void sim_kv_decoder_share_snapshots(struct sim_kv_decoder *dc);

/* sim_kv_apply() through dc: the same state, digests and reply, without
 * decoding and hashing again bytes that dc decoded under this hint. */
bool sim_kv_apply_cached(struct sim_kv *kv,
                         struct sim_kv_decoder *dc,
                         uint64_t hint,
                         const void *data,
                         size_t len,
                         struct sim_kv_reply *reply);

/* Value of key, borrowed until the next change; NULL if absent. */
const char *sim_kv_get(const struct sim_kv *kv, const char *key);
size_t sim_kv_size(const struct sim_kv *kv);

/* Commands that took effect so far: each decoded command once, whether or
 * not it has a session; a retry answered from its client's session and
 * malformed bytes do not count. A restored state carries its count. */
uint64_t sim_kv_applied(const struct sim_kv *kv);

/* Order-independent digest of the key-value pairs, maintained in O(1) per
 * change: two machines with equal pairs have equal digests. */
uint64_t sim_kv_digest(const struct sim_kv *kv);

/* Digest of the whole replicated state, in O(1): the pairs, every client
 * session (client, request id, remembered reply) and the applied count.
 * Two machines that applied the same commands have equal state digests; a
 * difference in any of the three parts makes them differ. What the safety
 * checker compares between nodes at equal applied indices. */
uint64_t sim_kv_state_digest(const struct sim_kv *kv);

/* Deterministic serialization (sorted, independent of hash order) of pairs,
 * sessions and the applied count, appended to out. */
void sim_kv_serialize(const struct sim_kv *kv, GByteArray *out);

/* Replaces the whole state with a serialization; false and unchanged if the
 * bytes are malformed. */
bool sim_kv_restore(struct sim_kv *kv, const void *data, size_t len);

/* sim_kv_serialize() through dc, for machines that apply commands through
 * dc: the bytes of kv's state, written once for the machines known to hold
 * that state (the same commands' bytes applied through dc, from the empty
 * state or from a snapshot restored through dc) and kept by dc for them.
 * Borrowed until the next call of either function below with dc. */
const GByteArray *sim_kv_serialize_shared(const struct sim_kv *kv,
                                          struct sim_kv_decoder *dc);

/* sim_kv_restore() through dc: the restored machine is known to hold the
 * state the bytes were written from, so that its snapshots, and those of
 * every machine that restores the same bytes and applies the same commands
 * through dc, are written once. When a live machine applying through dc
 * is known to hold that state, its pairs and sessions are copied instead
 * of read from the bytes: the same state. */
bool sim_kv_restore_shared(struct sim_kv *kv,
                           struct sim_kv_decoder *dc,
                           const void *data,
                           size_t len);

/* How many of sim_kv_restore_shared()'s restores through dc copied a
 * live machine known to hold the snapshot's state instead of reading the
 * bytes (for tests and measurements). */
uint64_t sim_kv_decoder_copied(const struct sim_kv_decoder *dc);

/* Keys in sorted order into a new array of borrowed strings. */
GPtrArray *sim_kv_sorted_keys(const struct sim_kv *kv);

#endif /* SIM_KV_H */
