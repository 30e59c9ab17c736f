/* sim_lin_search.c: the depth-first search and the breadth-first sweep for
 * a linearization of one key's history (sim_lin_search.h). Invariant of
 * both: at a node with event index e, every completed operation whose return
 * precedes e is linearized; `open` lists exactly the operations whose call
 * precedes e and whose return (or expiry) does not; `lin` and `lin_p` list
 * the open ones already linearized, completed and never completed. */
#include "sim/check/sim_lin_search.h"
#include "sim/check/sim_lin_memo.h"

#include <string.h>

#include "sim/sim_assert.h"

/* ---- sorted sets of operation indices ------------------------------------ */

/* A sorted set of a key's operation indices in storage for all of them
 * (struct sim_lin_scratch): an operation is in a set at most once. */
struct lin_set
{
    uint32_t *v;
    uint32_t len;
};

/* A set holds the open operations or some of them: a few, so a scan from
 * the end (where a newly called operation, numbered after every open one,
 * belongs) beats a binary search and a call to memmove(). */
static void set_add(struct lin_set *set, uint32_t x)
{
    uint32_t i = set->len;
    for (; i > 0 && set->v[i - 1] > x; i--)
        set->v[i] = set->v[i - 1];
    set->v[i] = x;
    set->len++;
}

static void set_remove(struct lin_set *set, uint32_t x)
{
    uint32_t i = 0;
    while (i < set->len && set->v[i] < x)
        i++;
    if (i < set->len && set->v[i] == x) {
        set->len--;
        for (; i < set->len; i++)
            set->v[i] = set->v[i + 1];
    }
}

static void set_load(struct lin_set *set, const uint32_t *v, uint32_t n)
{
    if (n > 0)
        memcpy(set->v, v, n * sizeof v[0]);
    set->len = n;
}

/* ---- the search ---------------------------------------------------------- */

/* How the search got to a node; undone on backtracking. */
enum lin_via {
    VIA_ROOT,
    VIA_CALL,       /* passed the call of op: it became open */
    VIA_CLOSE,      /* passed the return or expiry of op, linearized */
    VIA_EXPIRE,     /* passed the expiry of op, never linearized */
    VIA_LIN_RETURN, /* linearized op at its own return and passed it */
    VIA_LIN_EARLY,  /* linearized open op before the current return */
};

struct lin_frame
{
    uint32_t event;
    enum lin_via via;
    uint32_t via_op;
    int32_t prev_state;
    /* 0: the returning op; 1 + pass * |open| + i: open[i] in that pass of
     * early_candidate(); NONE: done */
    uint32_t next_move;
    bool remembered; /* its node was met here first (remember()) */
};

struct lin_search
{
    const struct sim_lin_key *k;
    int32_t state;
    struct lin_set open;  /* the open ops */
    struct lin_set lin;   /* linearized open completed ops */
    struct lin_set lin_p; /* linearized never-completed ops */
    bool *is_lin;         /* per op */
    struct sim_lin_scratch *sc; /* the storage of all of these */
    struct lin_frame *stack;    /* depth frames, in sc->frames */
    uint32_t depth;
    struct sim_lin_memo *seen; /* the nodes met at returns: sc->memo */
    /* The depth-first search before it first backtracks: every node it
     * met is on the stack (its frame `remembered`), and seen is not kept
     * yet (see remember()). */
    bool lazy;
    uint64_t states;
    uint64_t max_states;
    uint32_t furthest_event;
    /* Scratch filled by prepare_candidates(), indexed by state: the open
     * unlinearized write of that value that ends first, and how many open
     * unlinearized reads must see it. */
    uint32_t *best_write;
    uint32_t *best_done_write; /* the same among completed writes */
    uint32_t *want;
    /* Indexed by state: the reads and the writes of it neither linearized
     * nor expired yet, called or not. */
    uint32_t *reads_left;
    uint32_t *writes_left;
};

/* A read is legal when it sees the state. A write is, unless it hides a
 * state that some read not yet linearized must still see while no write
 * left could bring that state back: that would be a dead end. */
static bool legal(const struct lin_search *s, uint32_t op)
{
    const struct sim_lin_op *l = &s->k->ops[op];
    if (l->kind == SIM_LIN_READ || l->value == s->state)
        return l->value == s->state;
    return s->reads_left[s->state] == 0 || s->writes_left[s->state] > 0;
}

/* Counts op in or out of the operations not yet linearized nor expired. */
static void count_left(const struct sim_lin_key *k,
                       uint32_t *reads_left,
                       uint32_t *writes_left,
                       uint32_t op,
                       int delta)
{
    const struct sim_lin_op *l = &k->ops[op];
    uint32_t *c = l->kind == SIM_LIN_READ ? &reads_left[l->value]
                                          : &writes_left[l->value];
    *c = (uint32_t)((int64_t)*c + delta);
}

static int32_t next_state(const struct lin_search *s, uint32_t op)
{
    const struct sim_lin_op *l = &s->k->ops[op];
    return l->kind == SIM_LIN_WRITE ? l->value : s->state;
}

/* The linearized set op belongs to: completed or never completed. */
static struct lin_set *lin_set_of(struct lin_search *s, uint32_t op)
{
    return s->k->src[op]->completed ? &s->lin : &s->lin_p;
}

/* Enters the child reached by `via` on `op` from the top frame. */
static void push(struct lin_search *s, enum lin_via via, uint32_t op)
{
    struct lin_frame *top = &s->stack[s->depth - 1];
    struct lin_frame f = {.event = top->event,
                          .via = via,
                          .via_op = op,
                          .prev_state = s->state,
                          .next_move = 0};
    switch (via) {
    case VIA_ROOT:
        break;
    case VIA_CALL:
        set_add(&s->open, op);
        f.event++;
        break;
    case VIA_CLOSE:
        set_remove(lin_set_of(s, op), op);
        set_remove(&s->open, op);
        s->is_lin[op] = false;
        f.event++;
        break;
    case VIA_EXPIRE:
        set_remove(&s->open, op);
        count_left(s->k, s->reads_left, s->writes_left, op, -1);
        f.event++;
        break;
    case VIA_LIN_RETURN:
        s->state = next_state(s, op);
        set_remove(&s->open, op);
        count_left(s->k, s->reads_left, s->writes_left, op, -1);
        f.event++;
        break;
    case VIA_LIN_EARLY:
        s->state = next_state(s, op);
        set_add(lin_set_of(s, op), op);
        s->is_lin[op] = true;
        count_left(s->k, s->reads_left, s->writes_left, op, -1);
        break;
    }
    if (f.event > s->furthest_event)
        s->furthest_event = f.event;
    if (s->depth == s->sc->frame_cap) {
        s->sc->frame_cap *= 2;
        s->sc->frames =
            g_renew(struct lin_frame, s->sc->frames, s->sc->frame_cap);
        s->stack = s->sc->frames;
    }
    s->stack[s->depth++] = f;
}

static void record_path(struct lin_search *s);

/* Leaves the top frame, undoing the move that reached it. */
static void pop(struct lin_search *s)
{
    if (s->lazy)
        record_path(s); /* the first backtrack */
    struct lin_frame f = s->stack[--s->depth];
    s->state = f.prev_state;
    switch (f.via) {
    case VIA_ROOT:
        break;
    case VIA_CALL:
        set_remove(&s->open, f.via_op);
        break;
    case VIA_CLOSE:
        set_add(&s->open, f.via_op);
        set_add(lin_set_of(s, f.via_op), f.via_op);
        s->is_lin[f.via_op] = true;
        break;
    case VIA_EXPIRE:
    case VIA_LIN_RETURN:
        set_add(&s->open, f.via_op);
        count_left(s->k, s->reads_left, s->writes_left, f.via_op, 1);
        break;
    case VIA_LIN_EARLY:
        set_remove(lin_set_of(s, f.via_op), f.via_op);
        s->is_lin[f.via_op] = false;
        count_left(s->k, s->reads_left, s->writes_left, f.via_op, 1);
        break;
    }
}

static struct sim_lin_memo *fresh_memo(struct sim_lin_scratch *sc);

/* Whether the node of the top frame is one the search met before, while it
 * has not backtracked (s->lazy): then every node it met is on the path from
 * the root, in the frames marked remembered, and none at an earlier event
 * can be this one. A frame at the same event was reached from its parent
 * by linearizing an open operation early; it holds the parent's node but
 * for the state only when that operation never completed (a completed one
 * joins `lin`, which only grows at one event), and this node's
 * never-completed writes contain the parent's. */
static bool met_on_path(const struct lin_search *s)
{
    for (uint32_t d = s->depth - 1; d > 0; d--) {
        const struct lin_frame *f = &s->stack[d];
        if (f->via != VIA_LIN_EARLY || s->k->src[f->via_op]->completed)
            return false;
        if (f->prev_state == s->state)
            return true;
    }
    return false;
}

/* Ends s->lazy: records in a fresh memo the nodes of the frames marked
 * remembered, in the order they were met, as the search would have
 * recorded them at once, by undoing the moves down to the root and making
 * them again. */
static void record_path(struct lin_search *s)
{
    s->lazy = false;
    s->seen = fresh_memo(s->sc);
    uint32_t depth = s->depth;
    struct lin_frame *path = g_memdup2(s->stack, depth * sizeof *path);
    while (s->depth > 1)
        pop(s);
    for (uint32_t d = 0; d < depth; d++) {
        if (d > 0)
            push(s, path[d].via, path[d].via_op);
        if (path[d].remembered) {
            bool added = sim_lin_memo_add(s->seen, path[d].event, s->state,
                                          s->lin.v, s->lin.len, s->lin_p.v,
                                          s->lin_p.len);
            SIM_ASSERT(added, "a node met twice on one path");
        }
    }
    memcpy(s->stack, path, depth * sizeof *path);
    g_free(path);
}

/* Remembers the node; false if it, or one that used a subset of its
 * never-completed writes, was met before: that one failed or, being an
 * ancestor, tries everything this one could. Until the depth-first search
 * first backtracks, the path is the memo (met_on_path()): most searches
 * never backtrack, and so never build it. */
static bool remember(struct lin_search *s, uint32_t event)
{
    if (s->lazy) {
        if (!met_on_path(s)) {
            s->stack[s->depth - 1].remembered = true;
            s->states++;
            return true;
        }
        record_path(s);
    }
    if (!sim_lin_memo_add(s->seen, event, s->state, s->lin.v, s->lin.len,
                          s->lin_p.v, s->lin_p.len))
        return false;
    s->states++;
    return true;
}

/* An open read that the current state satisfies can be linearized at once:
 * it changes nothing, so any order that places it later can place it here.
 * Returns such a read, or NONE. */
static uint32_t satisfied_read(const struct lin_search *s)
{
    for (uint32_t i = 0; i < s->open.len; i++) {
        uint32_t p = s->open.v[i];
        if (!s->is_lin[p] && s->k->ops[p].kind == SIM_LIN_READ &&
            s->k->ops[p].value == s->state)
            return p;
    }
    return SIM_LIN_NONE;
}

static bool ends_before(const struct sim_lin_key *k, uint32_t q, uint32_t p)
{
    return k->ops[q].end_ev < k->ops[p].end_ev ||
           (k->ops[q].end_ev == k->ops[p].end_ev && q < p);
}

static void keep_first(const struct sim_lin_key *k, uint32_t *best, uint32_t q)
{
    if (*best == SIM_LIN_NONE || ends_before(k, q, *best))
        *best = q;
}

/* Fills best_write, best_done_write and want for the current node in
 * O(open). */
static void prepare_candidates(struct lin_search *s)
{
    const struct sim_lin_key *k = s->k;
    const uint32_t *open = s->open.v;
    for (uint32_t i = 0; i < s->open.len; i++) {
        int32_t v = k->ops[open[i]].value;
        s->best_write[v] = SIM_LIN_NONE;
        s->best_done_write[v] = SIM_LIN_NONE;
        s->want[v] = 0;
    }
    for (uint32_t i = 0; i < s->open.len; i++) {
        uint32_t q = open[i];
        const struct sim_lin_op *l = &k->ops[q];
        if (s->is_lin[q])
            continue;
        if (l->kind == SIM_LIN_READ) {
            s->want[l->value]++;
            continue;
        }
        keep_first(k, &s->best_write[l->value], q);
        if (k->src[q]->completed)
            keep_first(k, &s->best_done_write[l->value], q);
    }
}

#define EARLY_PASSES 3u

/* Whether open op p is worth linearizing before the returning op o in the
 * given pass; prepare_candidates() must have run for this node. Every read left
 * open is unsatisfied (satisfied_read() runs first), so only writes qualify. A
 * write that never completed is needed only if an open read wants its value:
 * otherwise the next operation placed is a write that hides it, and an order
 * without it is as good. The passes order the rest, all of which are tried:
 * first writes of the value o must read, then completed writes, then the
 * others, so the first orders tried use as few never-completed writes as they
 * can. */
static bool early_candidate(const struct lin_search *s,
                            uint32_t p,
                            uint32_t o,
                            uint32_t pass)
{
    const struct sim_lin_op *lp = &s->k->ops[p];
    const struct sim_lin_op *lo = &s->k->ops[o];
    if (s->is_lin[p] || lp->kind != SIM_LIN_WRITE || !legal(s, p))
        return false;
    /* Two open writes of the same value are interchangeable, except that
     * the one that must be linearized sooner is the more constrained: in
     * any valid order that places the later one now and the other later,
     * the two can swap places. A write that never completed may be absent
     * from the order, so it cannot stand in for a completed one. So a
     * completed write is tried only if no completed write of its value ends
     * first, and one that never completed only if no write of its value
     * ends first (o itself, when it is a write, ends first of all). */
    bool completed = s->k->src[p]->completed;
    if ((completed ? s->best_done_write : s->best_write)[lp->value] != p)
        return false;
    if (!completed && s->want[lp->value] == 0)
        return false;
    bool for_o = lo->kind == SIM_LIN_READ && lo->value == lp->value;
    switch (pass) {
    case 0:
        return for_o;
    case 1:
        return !for_o && completed;
    default:
        return !for_o && !completed;
    }
}

/* Chooses the next move at the top frame, or NONE when it has none left. */
static void step(struct lin_search *s, enum sim_lin_result *result, bool *done)
{
    struct lin_frame *f = &s->stack[s->depth - 1];
    const struct sim_lin_key *k = s->k;

    if (f->event == k->n_events) {
        *result = SIM_LIN_RESULT_OK;
        *done = true;
        return;
    }
    const struct sim_lin_event *ev = &k->events[f->event];
    uint32_t o = ev->op;

    if (f->next_move == SIM_LIN_NONE) {
        pop(s);
        return;
    }
    if (ev->kind == SIM_LIN_CALL) {
        f->next_move = SIM_LIN_NONE;
        push(s, VIA_CALL, o);
        return;
    }
    if (s->is_lin[o] || ev->kind == SIM_LIN_EXPIRE) {
        f->next_move = SIM_LIN_NONE;
        push(s, s->is_lin[o] ? VIA_CLOSE : VIA_EXPIRE, o);
        return;
    }
    if (f->next_move == 0) {
        if (!remember(s, f->event)) {
            pop(s);
            return;
        }
        if (s->states > s->max_states) {
            *result = SIM_LIN_RESULT_BOUND;
            *done = true;
            return;
        }
        uint32_t r = satisfied_read(s);
        if (r != SIM_LIN_NONE) {
            f->next_move = SIM_LIN_NONE;
            push(s, r == o ? VIA_LIN_RETURN : VIA_LIN_EARLY, r);
            return;
        }
        f->next_move = 1;
        if (legal(s, o)) {
            push(s, VIA_LIN_RETURN, o);
            return;
        }
    }
    /* Try the open operations in turn; reads here are all unsatisfied. */
    prepare_candidates(s);
    uint32_t n_open = s->open.len;
    while (f->next_move - 1 < EARLY_PASSES * n_open) {
        uint32_t pass = (f->next_move - 1) / n_open;
        uint32_t p = s->open.v[(f->next_move - 1) % n_open];
        f->next_move++;
        if (p != o && early_candidate(s, p, o, pass)) {
            push(s, VIA_LIN_EARLY, p);
            return;
        }
    }
    f->next_move = SIM_LIN_NONE;
    pop(s);
}

void sim_lin_scratch_clear(struct sim_lin_scratch *sc)
{
    g_free(sc->words);
    g_free(sc->frames);
    if (sc->memo_ready)
        sim_lin_memo_clear(&sc->memo);
    memset(sc, 0, sizeof *sc);
}

/* The memo of sc, empty. */
static struct sim_lin_memo *fresh_memo(struct sim_lin_scratch *sc)
{
    if (sc->memo_ready) {
        sim_lin_memo_reset(&sc->memo);
    } else {
        sim_lin_memo_init(&sc->memo);
        sc->memo_ready = true;
    }
    return &sc->memo;
}

/* Sets s up for a search of k in the storage of sc: every set empty, no
 * operation linearized, every operation in the search counted, no stack
 * and no memo yet (seen NULL); the counters zero. k is borrowed for the
 * search. */
static void lin_search_init(struct lin_search *s,
                            struct sim_lin_scratch *sc,
                            const struct sim_lin_key *k,
                            uint64_t max_states)
{
    size_t n = k->n, ns = k->n_states;
    /* the three sets, five arrays by state, then is_lin as bytes */
    size_t zeroed = 3 * ns + (n + sizeof(uint32_t)) / sizeof(uint32_t);
    size_t words = 3 * (n + 1) + 2 * ns + zeroed;
    if (sc->n_words < words) {
        g_free(sc->words);
        sc->words = g_new(uint32_t, words);
        sc->n_words = words;
    }
    uint32_t *w = sc->words;
    *s = (struct lin_search){.k = k, .sc = sc, .max_states = max_states};
    s->open.v = w;
    s->lin.v = w + (n + 1);
    s->lin_p.v = w + 2 * (n + 1);
    w += 3 * (n + 1);
    s->best_write = w;
    s->best_done_write = w + ns;
    w += 2 * ns;
    memset(w, 0, zeroed * sizeof *w);
    s->want = w;
    s->reads_left = w + ns;
    s->writes_left = w + 2 * ns;
    s->is_lin = (bool *)(void *)(w + 3 * ns);
    for (uint32_t i = 0; i < k->n; i++)
        if (k->ops[i].call_ev != SIM_LIN_NONE)
            count_left(k, s->reads_left, s->writes_left, i, 1);
}

/* The depth-first search's first path, followed without its stack or
 * memo: at each return of an operation not yet linearized it counts a
 * state, as remember() does on a path that never went back, and makes the
 * search's first move there (an open read the state satisfies, else the
 * returning operation if legal); a call opens its operation, an expiry or
 * an early-linearized operation's return passes as in push(). True when
 * it reached the last event: the search, making these same moves, would
 * have found this order with these states counted (its furthest event the
 * last). False where the search would try an open write early, or go
 * back, or pass the bound: s is then spent, and the search runs afresh.
 * Only reads are linearized early here, so `lin` and `lin_p` (which only
 * the memo reads) are not kept; is_lin is. */
static bool replay_first_path(struct lin_search *s)
{
    const struct sim_lin_key *k = s->k;
    /* By state: the open reads of it not linearized yet, so that
     * satisfied_read() scans `open` only when another read than o may be
     * satisfied (want's storage: prepare_candidates() never runs here). */
    uint32_t *open_reads = s->want;
    for (uint32_t e = 0; e < k->n_events; e++) {
        const struct sim_lin_event *ev = &k->events[e];
        uint32_t o = ev->op;
        const struct sim_lin_op *lo = &k->ops[o];
        if (ev->kind == SIM_LIN_CALL) {
            set_add(&s->open, o);
            open_reads[lo->value] += lo->kind == SIM_LIN_READ;
            continue;
        }
        if (s->is_lin[o]) { /* VIA_CLOSE */
            set_remove(&s->open, o);
            s->is_lin[o] = false;
            continue;
        }
        if (ev->kind == SIM_LIN_RETURN) {
            bool o_reads = lo->kind == SIM_LIN_READ;
            for (;;) {
                if (++s->states > s->max_states)
                    return false;
                uint32_t here = open_reads[s->state];
                uint32_t r = here == 0 ? SIM_LIN_NONE
                             : here == 1 && o_reads && lo->value == s->state
                                 ? o
                                 : satisfied_read(s);
                if (r == SIM_LIN_NONE) {
                    if (!legal(s, o))
                        return false;
                    r = o;
                }
                if (r == o)
                    break;
                /* VIA_LIN_EARLY of a read: the state stays. One that
                 * never completed would make met_on_path() look further. */
                if (!k->src[r]->completed)
                    return false;
                s->is_lin[r] = true;
                open_reads[s->state]--;
                count_left(k, s->reads_left, s->writes_left, r, -1);
            }
            if (o_reads)
                open_reads[lo->value]--;
            s->state = next_state(s, o); /* VIA_LIN_RETURN */
        }
        set_remove(&s->open, o); /* and VIA_EXPIRE */
        count_left(k, s->reads_left, s->writes_left, o, -1);
    }
    s->furthest_event = k->n_events;
    return true;
}

/* Searches one key's operations depth-first. *states receives the nodes
 * explored; *furthest (on failure) the furthest event reached: the
 * operations called up to it already cannot be linearized. */
static enum sim_lin_result lin_search_run(struct sim_lin_scratch *sc,
                                          const struct sim_lin_key *k,
                                          uint64_t max_states,
                                          uint64_t *states,
                                          uint32_t *furthest)
{
    struct lin_search s;
    lin_search_init(&s, sc, k, max_states);
    if (!sc->eager) {
        if (replay_first_path(&s)) {
            sc->replayed++;
            *states = s.states;
            *furthest = s.furthest_event;
            return SIM_LIN_RESULT_OK;
        }
        lin_search_init(&s, sc, k, max_states);
    }
    if (sc->frame_cap < (size_t)k->n_events + 1) {
        g_free(sc->frames);
        sc->frame_cap = (size_t)k->n_events + 1;
        sc->frames = g_new(struct lin_frame, sc->frame_cap);
    }
    s.stack = sc->frames;
    s.lazy = !sc->eager;
    s.seen = s.lazy ? NULL : fresh_memo(sc);
    s.stack[s.depth++] = (struct lin_frame){.via = VIA_ROOT};

    enum sim_lin_result result = SIM_LIN_RESULT_FAIL;
    bool done = false;
    while (!done && s.depth > 0)
        step(&s, &result, &done);

    *states = s.states;
    *furthest = s.furthest_event;
    return result;
}

/* ---- the breadth-first sweep --------------------------------------------- */

/* The depth-first search finds one order fast when there is one, but to
 * prove there is none it must exhaust every node, and it may meet a node
 * first with more never-completed writes used than needed and again later
 * with fewer. The sweep visits the same nodes event by event instead, so
 * at each event it knows every configuration and keeps only those whose
 * set of used never-completed writes is minimal: no node is met twice. */

/* A configuration between events: the state and the open operations
 * already linearized. */
struct lin_config
{
    int32_t state;
    bool dead;    /* superseded by one that used a subset */
    uint32_t n_c; /* completed ones, sorted, in ops[0..n_c) */
    uint32_t n_p; /* never-completed ones, sorted, in ops[n_c..n_c + n_p) */
    uint32_t ops[];
};

/* The configurations at one event: `all` in the order they were found,
 * `groups` maps (state, completed part) to its live configurations. */
struct lin_frontier
{
    GPtrArray *all;     /* struct lin_config *, owned */
    GHashTable *groups; /* struct lin_config * -> GPtrArray * of them */
};

static guint config_hash(gconstpointer p)
{
    const struct lin_config *c = p;
    uint64_t h = (uint32_t)c->state * 0x9e3779b97f4a7c15ULL;
    for (uint32_t i = 0; i < c->n_c; i++)
        h = (h ^ c->ops[i]) * 0x100000001b3ULL;
    return (guint)(h ^ (h >> 32));
}

static gboolean config_equal(gconstpointer a, gconstpointer b)
{
    const struct lin_config *x = a, *y = b;
    return x->state == y->state && x->n_c == y->n_c &&
           memcmp(x->ops, y->ops, x->n_c * sizeof x->ops[0]) == 0;
}

static void frontier_init(struct lin_frontier *f)
{
    f->all = g_ptr_array_new_with_free_func(g_free);
    f->groups = g_hash_table_new_full(config_hash, config_equal, NULL,
                                      (GDestroyNotify)g_ptr_array_unref);
}

static void frontier_clear(struct lin_frontier *f)
{
    g_hash_table_destroy(f->groups);
    g_ptr_array_free(f->all, TRUE);
}

/* Adds (state, lin, lin_p) unless a configuration that used a subset of its
 * never-completed writes is there; supersedes those that used a superset. */
static void frontier_add(struct lin_frontier *f,
                         int32_t state,
                         const struct lin_set *lin,
                         const struct lin_set *lin_p)
{
    struct lin_config *c =
        g_malloc(sizeof *c + (lin->len + lin_p->len) * sizeof(uint32_t));
    c->state = state;
    c->dead = false;
    c->n_c = lin->len;
    c->n_p = lin_p->len;
    if (lin->len > 0)
        memcpy(c->ops, lin->v, lin->len * sizeof(uint32_t));
    if (lin_p->len > 0)
        memcpy(c->ops + c->n_c, lin_p->v, lin_p->len * sizeof(uint32_t));

    GPtrArray *group = g_hash_table_lookup(f->groups, c);
    if (group == NULL) {
        group = g_ptr_array_new();
        g_hash_table_insert(f->groups, c, group);
    }
    for (guint i = 0; i < group->len; i++) {
        const struct lin_config *m = g_ptr_array_index(group, i);
        if (sim_lin_sorted_subset(m->ops + m->n_c, m->n_p, c->ops + c->n_c,
                                  c->n_p)) {
            g_free(c);
            return;
        }
    }
    for (guint i = group->len; i-- > 0;) {
        struct lin_config *m = g_ptr_array_index(group, i);
        if (sim_lin_sorted_subset(c->ops + c->n_c, c->n_p, m->ops + m->n_c,
                                  m->n_p)) {
            m->dead = true;
            g_ptr_array_remove_index(group, i);
        }
    }
    /* The group's key may be dead by now; it stays allocated in `all` and
     * equal to every member, which is all the table needs. */
    g_ptr_array_add(group, c);
    g_ptr_array_add(f->all, c);
}

static void load_config(struct lin_search *s, const struct lin_config *c)
{
    s->state = c->state;
    set_load(&s->lin, c->ops, c->n_c);
    set_load(&s->lin_p, c->ops + c->n_c, c->n_p);
    for (uint32_t i = 0; i < c->n_c + c->n_p; i++) {
        s->is_lin[c->ops[i]] = true;
        count_left(s->k, s->reads_left, s->writes_left, c->ops[i], -1);
    }
}

static void unload_config(struct lin_search *s, const struct lin_config *c)
{
    for (uint32_t i = 0; i < c->n_c + c->n_p; i++) {
        s->is_lin[c->ops[i]] = false;
        count_left(s->k, s->reads_left, s->writes_left, c->ops[i], 1);
    }
}

static void apply_early(struct lin_search *s, uint32_t p)
{
    s->state = next_state(s, p);
    set_add(lin_set_of(s, p), p);
    s->is_lin[p] = true;
    count_left(s->k, s->reads_left, s->writes_left, p, -1);
}

static void undo_early(struct lin_search *s, uint32_t p, int32_t prev_state)
{
    s->state = prev_state;
    set_remove(lin_set_of(s, p), p);
    s->is_lin[p] = false;
    count_left(s->k, s->reads_left, s->writes_left, p, 1);
}

/* Every configuration reachable at the return of o from the loaded one, by
 * linearizing open operations and then o, goes into next: the same moves as
 * step(). False when the bound is reached. */
static bool closure(struct lin_search *s,
                    uint32_t e,
                    uint32_t o,
                    struct lin_frontier *next)
{
    if (!remember(s, e))
        return true;
    if (s->states > s->max_states)
        return false;
    int32_t prev = s->state;
    uint32_t r = satisfied_read(s);
    if (r == o) {
        frontier_add(next, s->state, &s->lin, &s->lin_p);
        return true;
    }
    if (r != SIM_LIN_NONE) {
        apply_early(s, r);
        bool ok = closure(s, e, o, next);
        undo_early(s, r, prev);
        return ok;
    }
    if (legal(s, o))
        frontier_add(next, next_state(s, o), &s->lin, &s->lin_p);
    prepare_candidates(s);
    for (uint32_t pass = 0; pass < EARLY_PASSES; pass++) {
        for (uint32_t i = 0; i < s->open.len; i++) {
            uint32_t p = s->open.v[i];
            if (p == o || !early_candidate(s, p, o, pass))
                continue;
            apply_early(s, p);
            bool ok = closure(s, e, o, next);
            undo_early(s, p, prev);
            if (!ok)
                return false;
            prepare_candidates(s); /* the child reused the scratch */
        }
    }
    return true;
}

static gint compare_configs(gconstpointer a, gconstpointer b)
{
    const struct lin_config *x = *(const struct lin_config *const *)a;
    const struct lin_config *y = *(const struct lin_config *const *)b;
    return (x->n_p > y->n_p) - (x->n_p < y->n_p);
}

/* Passes the event for one live configuration of the current frontier. */
static bool sweep_config(struct lin_search *s,
                         const struct sim_lin_event *ev,
                         uint32_t e,
                         struct lin_frontier *next)
{
    uint32_t o = ev->op;
    if (ev->kind == SIM_LIN_RETURN && !s->is_lin[o])
        return closure(s, e, o, next);
    if (s->is_lin[o])
        set_remove(lin_set_of(s, o), o);
    frontier_add(next, s->state, &s->lin, &s->lin_p);
    return true;
}

/* Same contract as lin_search_run(); *furthest receives the event at which
 * no configuration survived. */
static enum sim_lin_result lin_sweep_run(struct sim_lin_scratch *sc,
                                         const struct sim_lin_key *k,
                                         uint64_t max_states,
                                         uint64_t *states,
                                         uint32_t *furthest)
{
    struct lin_search s;
    lin_search_init(&s, sc, k, max_states);
    struct lin_frontier cur;
    frontier_init(&cur);
    frontier_add(&cur, 0, &s.lin, &s.lin_p);

    enum sim_lin_result result = SIM_LIN_RESULT_OK;
    for (uint32_t e = 0; e < k->n_events && result == SIM_LIN_RESULT_OK; e++) {
        const struct sim_lin_event *ev = &k->events[e];
        if (ev->kind == SIM_LIN_CALL) {
            set_add(&s.open, ev->op);
            continue;
        }
        struct lin_frontier next;
        frontier_init(&next);
        s.seen = fresh_memo(sc);
        /* Fewest used never-completed writes first: their nodes then cover
         * the others' at once. g_ptr_array_sort is stable. */
        GPtrArray *order = g_ptr_array_sized_new(cur.all->len);
        for (guint i = 0; i < cur.all->len; i++) {
            struct lin_config *c = g_ptr_array_index(cur.all, i);
            if (!c->dead)
                g_ptr_array_add(order, c);
        }
        g_ptr_array_sort(order, compare_configs);
        for (guint i = 0; i < order->len && result == SIM_LIN_RESULT_OK; i++) {
            const struct lin_config *c = g_ptr_array_index(order, i);
            load_config(&s, c);
            if (!sweep_config(&s, ev, e, &next))
                result = SIM_LIN_RESULT_BOUND;
            unload_config(&s, c);
            /* sweep_config() may have cleared o's flag; clear it anyway. */
            s.is_lin[ev->op] = false;
        }
        g_ptr_array_free(order, TRUE);
        frontier_clear(&cur);
        cur = next;
        set_remove(&s.open, ev->op);
        /* Past its return or expiry, o is linearized or gone in every
         * configuration. */
        count_left(k, s.reads_left, s.writes_left, ev->op, -1);
        if (result == SIM_LIN_RESULT_OK && cur.all->len == 0) {
            result = SIM_LIN_RESULT_FAIL;
            *furthest = e;
        }
    }
    *states = s.states;
    frontier_clear(&cur);
    return result;
}

/* Depth-first first: on a history that can be linearized it often needs
 * about one node per return. If it takes more than a few per event, the
 * sweep gets as many, then each again with twice that, until one decides
 * or the bound is spent. *n_prefix receives the number of leading
 * operations whose calls precede the furthest event reached, which alone
 * cannot be linearized. */
enum sim_lin_result sim_lin_check_key(struct sim_lin_scratch *sc,
                                      const struct sim_lin_key *k,
                                      enum sim_lin_search search,
                                      uint64_t max_states,
                                      uint64_t *states,
                                      uint32_t *n_prefix)
{
    uint32_t furthest = 0;
    uint64_t left = max_states;
    uint64_t round = 4 * (uint64_t)k->n_events + 1024;
    enum sim_lin_result r = SIM_LIN_RESULT_BOUND;
    *states = 0;
    /* Each search in turn with a budget that doubles every round, so the
     * one that suits the history decides at most about four times later
     * than it would alone. */
    for (bool dfs = search != SIM_LIN_SEARCH_SWEEP;
         r == SIM_LIN_RESULT_BOUND && left > 0;) {
        uint64_t bound =
            search == SIM_LIN_SEARCH_DEFAULT && round < left ? round : left;
        uint64_t used = 0;
        if (dfs)
            r = lin_search_run(sc, k, bound, &used, &furthest);
        else
            r = lin_sweep_run(sc, k, bound, &used, &furthest);
        *states += used;
        left -= used < left ? used : left;
        if (search != SIM_LIN_SEARCH_DEFAULT)
            break;
        if (!dfs)
            round *= 2;
        dfs = !dfs;
    }
    if (n_prefix != NULL) {
        /* Operations are sorted as their calls are, so those called up to
         * the furthest event form a prefix (left-out ones included). */
        uint32_t n = k->n;
        while (n > 0 && (k->ops[n - 1].call_ev == SIM_LIN_NONE ||
                         k->ops[n - 1].call_ev > furthest))
            n--;
        *n_prefix = n;
    }
    return r;
}

enum sim_lin_result sim_lin_check_ops(const struct sim_op *const *ops,
                                      uint32_t n,
                                      enum sim_lin_search search,
                                      uint64_t max_states,
                                      uint64_t *states,
                                      uint32_t *n_prefix)
{
    struct sim_lin_key k;
    struct sim_lin_scratch sc = {0};
    sim_lin_key_init(&k, ops, n);
    enum sim_lin_result r =
        sim_lin_check_key(&sc, &k, search, max_states, states, n_prefix);
    sim_lin_key_clear(&k);
    sim_lin_scratch_clear(&sc);
    return r;
}
