/* sim_lin_memo.h: the nodes a linearizability search has met (private to
 * sim_lin*.c).
 *
 * A node is (event index, register state, the open completed operations
 * linearized) plus the set of never-completed writes it linearized. Among
 * nodes that differ only in that set, one that used a subset can do all the
 * other can (an unused such write may stay unused), so the memo keeps, per
 * node, the minimal sets met (an antichain), and a node whose set contains
 * one of them adds nothing. Nodes are found through an open-addressing
 * table that is looked up only, never iterated, so its layout reaches no
 * result; nodes and sets live in blocks freed all at once.
 */
#ifndef SIM_LIN_MEMO_H
#define SIM_LIN_MEMO_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct sim_lin_memo_node; /* private to sim_lin_memo.c */

struct sim_lin_memo
{
    struct sim_lin_memo_node **slots; /* cap entries; NULL: empty */
    size_t cap;                       /* a power of two */
    size_t len;                       /* nodes held, at most cap / 2 */
    GPtrArray *blocks;                /* owned storage of nodes and sets */
    char *free_at;                    /* the rest of the current block */
    size_t free_len;
    size_t first_len; /* the size of blocks[0], reused after a reset */
};

void sim_lin_memo_init(struct sim_lin_memo *m);

/* Frees every node; m is then unusable until initialized again. */
void sim_lin_memo_clear(struct sim_lin_memo *m);

/* Forgets every node, as sim_lin_memo_clear() then sim_lin_memo_init()
 * would, but keeps the first block of storage (and a small table) for the
 * nodes to come: one check reuses one memo for every search of every
 * key. */
void sim_lin_memo_reset(struct sim_lin_memo *m);

/* Records the node (event, state, lin[0..n_lin)) reached with the
 * never-completed writes lin_p[0..n_p) linearized (both sorted, both
 * copied). False, recording nothing, when the same node was recorded with
 * a subset of lin_p; else the set joins the node's antichain, replacing
 * its supersets. */
bool sim_lin_memo_add(struct sim_lin_memo *m,
                      uint32_t event,
                      int32_t state,
                      const uint32_t *lin,
                      uint32_t n_lin,
                      const uint32_t *lin_p,
                      uint32_t n_p);

/* Whether sorted a[0..na) is contained in sorted b[0..nb). */
bool sim_lin_sorted_subset(const uint32_t *a,
                           uint32_t na,
                           const uint32_t *b,
                           uint32_t nb);

#endif /* SIM_LIN_MEMO_H */
