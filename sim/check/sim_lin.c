/* sim_lin.c: the linearizability checker for the key-value history.
 *
 * Keys are independent registers (each operation touches one key), so the
 * history is split per key and each key is checked alone. For one key the
 * search walks the operations' call and return events in time order and
 * linearizes an operation only when a return forces it ("just in time",
 * after Lowe): at the return of an operation o that is not linearized yet,
 * it either linearizes o now or first linearizes some other operation that
 * is open at that moment. A node of the search is (event index, register
 * state, the open operations already linearized). Nodes met at returns are
 * remembered, so none is explored twice (Wing & Gong's search with
 * memoization); a node that used a superset of another's never-completed
 * writes adds nothing and is skipped too.
 *
 * Order in time: an operation follows every operation that completed before
 * it started, or at the instant it started (a closed-loop client starts its
 * next request in the microsecond the previous one completes). Two
 * operations that both begin and end at one instant cannot each follow the
 * other, so those are left concurrent. A client's own operations are
 * ordered by the client: before the search, an operation that a client
 * invoked before its previous one completed is treated as invoked at that
 * completion (see client_ordered_copy()).
 *
 * Invariant of the search: at a node with event index e, every completed
 * operation whose return precedes e is linearized; `open` lists exactly the
 * operations whose call precedes e and whose return (or, for one that never
 * completed, expiry) does not; `lin` and `lin_p` list the open ones already
 * linearized, completed and never completed.
 *
 * Two searches share these nodes and moves. The depth-first one (an explicit
 * stack, as deep as the history is long) finds an order fast when there is
 * one; the breadth-first sweep proves there is none without meeting a node
 * twice. The check runs the first with a small budget, then the second.
 *
 * A violation is shrunk to a small subset that still cannot be linearized,
 * dropping a write only when no remaining read could have read from it;
 * with that rule a subset that cannot be linearized proves that the whole
 * history cannot be either.
 */
#include <string.h>

#include "sim/check/sim_lin.h"
#include "sim/sim_assert.h"

#define SIM_LIN_DEFAULT_MAX_STATES 1000000u
#define SIM_LIN_NONE UINT32_MAX
/* Shrinking stops after this many search states in all, so a report on a
 * huge history stays cheap; the set found so far is then reported. */
#define SIM_LIN_SHRINK_BUDGET 4000000u
/* Above this many operations the explanation lists only the first ones. */
#define SIM_LIN_EXPLAIN_MAX_OPS 40u

const char *sim_lin_verdict_name(enum sim_lin_verdict v)
{
    switch (v) {
    case SIM_LIN_OK:
        return "linearizable";
    case SIM_LIN_VIOLATION:
        return "violation";
    case SIM_LIN_UNKNOWN:
        return "unknown";
    }
    return "?";
}

void sim_lin_report_clear(struct sim_lin_report *r)
{
    if (r == NULL)
        return;
    g_free(r->key);
    if (r->op_ids != NULL)
        g_array_free(r->op_ids, TRUE);
    if (r->explanation != NULL)
        g_string_free(r->explanation, TRUE);
    memset(r, 0, sizeof *r);
}

/* ---- one key's history, prepared for the search -------------------------- */

enum lin_kind { LIN_WRITE, LIN_READ };

struct lin_op
{
    enum lin_kind kind;
    int32_t value; /* WRITE: the state it sets; READ: the state it must see */
    uint32_t call_ev; /* SIM_LIN_NONE: left out of the search */
    uint32_t end_ev;  /* the return or expiry event */
};

enum lin_event_kind { EV_CALL, EV_RETURN, EV_EXPIRE };

struct lin_event
{
    uint32_t op; /* index into the key's operations */
    enum lin_event_kind kind;
    uint64_t time_us; /* for sorting only */
    int rank;         /* for sorting only: event_rank() */
};

/* The operations of one key sorted by (invoke time, id); state 0 is "key
 * absent", states 1.. are the distinct values written or read. */
struct lin_key
{
    const struct sim_op *const *src; /* borrowed, n of them */
    uint32_t n;
    struct lin_op *ops;
    struct lin_event *events;
    uint32_t n_events;
    uint32_t n_states; /* distinct register states: 0 and the values */
};

static uint64_t op_return_us(const struct sim_op *o)
{
    return o->complete_us > o->invoke_us ? o->complete_us : o->invoke_us;
}

/* A completed operation that begins and ends at the same microsecond. */
static bool takes_no_time(const struct sim_op *o)
{
    return o->completed && op_return_us(o) == o->invoke_us;
}

/* Whether a precedes b in real time: a completed before b was invoked, or
 * at that instant unless both take no time (see the file comment). The
 * event order below encodes exactly this relation. */
static bool precedes(const struct sim_op *a, const struct sim_op *b)
{
    if (!a->completed)
        return false;
    uint64_t end = op_return_us(a);
    if (end != b->invoke_us)
        return end < b->invoke_us;
    return !(takes_no_time(a) && takes_no_time(b));
}

/* At equal times: the returns of operations that took time, then the calls
 * and then the returns of those that took none, then expiries, then the
 * other calls. So an operation that starts when another ends follows it,
 * and operations that take no time at one instant overlap one another. */
static int event_rank(const struct lin_event *e, const struct sim_op *o)
{
    bool instant = takes_no_time(o);
    switch (e->kind) {
    case EV_RETURN:
        return instant ? 2 : 0;
    case EV_CALL:
        return instant ? 1 : 4;
    case EV_EXPIRE:
        return 3;
    }
    return 4;
}

static gint compare_events(const void *a, const void *b)
{
    const struct lin_event *x = a, *y = b;
    if (x->time_us != y->time_us)
        return x->time_us < y->time_us ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return (x->op > y->op) - (x->op < y->op);
}

static int32_t intern(GHashTable *values, const char *s)
{
    gpointer v = g_hash_table_lookup(values, s);
    if (v != NULL)
        return GPOINTER_TO_INT(v);
    int32_t id = (int32_t)g_hash_table_size(values) + 1;
    g_hash_table_insert(values, (gpointer)s, GINT_TO_POINTER(id));
    return id;
}

/* A write that never completed may take effect at any time after its call,
 * but doing so after the last return of a read that saw its value achieves
 * nothing: no read can tell, so dropping it from such an order leaves a
 * valid order. Such a write therefore expires at that return, and one
 * whose value no read returned after its call is left out altogether.
 * This keeps the open set, and so the search, bounded by the overlap of
 * completed operations rather than growing with every timed-out write. */
static void add_events(struct lin_key *k, const uint64_t *last_read_us)
{
    for (uint32_t i = 0; i < k->n; i++) {
        const struct sim_op *o = k->src[i];
        struct lin_op *l = &k->ops[i];
        l->call_ev = SIM_LIN_NONE;
        if (o->completed) {
            k->events[k->n_events++] = (struct lin_event){
                .op = i, .kind = EV_CALL, .time_us = o->invoke_us};
            k->events[k->n_events++] = (struct lin_event){
                .op = i, .kind = EV_RETURN, .time_us = op_return_us(o)};
            continue;
        }
        uint64_t deadline = last_read_us[l->value];
        /* A read that ended when the write began precedes it. */
        if (deadline == UINT64_MAX || deadline <= o->invoke_us)
            continue;
        k->events[k->n_events++] = (struct lin_event){
            .op = i, .kind = EV_CALL, .time_us = o->invoke_us};
        k->events[k->n_events++] =
            (struct lin_event){.op = i, .kind = EV_EXPIRE, .time_us = deadline};
    }
}

/* src must hold no pending GET (it constrains nothing). */
static void lin_key_init(struct lin_key *k,
                         const struct sim_op *const *src,
                         uint32_t n)
{
    GHashTable *values = g_hash_table_new(g_str_hash, g_str_equal);
    k->src = src;
    k->n = n;
    k->ops = g_new(struct lin_op, n);
    k->events = g_new(struct lin_event, 2 * (size_t)n);
    k->n_events = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct sim_op *o = src[i];
        struct lin_op *l = &k->ops[i];
        switch (o->op) {
        case SIM_KV_SET:
            l->kind = LIN_WRITE;
            l->value = intern(values, o->value != NULL ? o->value : "");
            break;
        case SIM_KV_DELETE:
            l->kind = LIN_WRITE;
            l->value = 0;
            break;
        case SIM_KV_GET:
            l->kind = LIN_READ;
            l->value = o->found
                           ? intern(values, o->result != NULL ? o->result : "")
                           : 0;
            break;
        }
    }
    /* The last return of a read of each state; UINT64_MAX: none. */
    guint n_states = g_hash_table_size(values) + 1;
    uint64_t *last_read_us = g_new(uint64_t, n_states);
    for (guint v = 0; v < n_states; v++)
        last_read_us[v] = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        const struct lin_op *l = &k->ops[i];
        uint64_t t = op_return_us(src[i]);
        if (l->kind == LIN_READ && (last_read_us[l->value] == UINT64_MAX ||
                                    t > last_read_us[l->value]))
            last_read_us[l->value] = t;
    }
    add_events(k, last_read_us);
    g_free(last_read_us);
    for (uint32_t e = 0; e < k->n_events; e++)
        k->events[e].rank =
            event_rank(&k->events[e], src[k->events[e].op]);
    if (k->n_events > 0)
        qsort(k->events, k->n_events, sizeof *k->events, compare_events);
    for (uint32_t e = 0; e < k->n_events; e++) {
        if (k->events[e].kind == EV_CALL)
            k->ops[k->events[e].op].call_ev = e;
        else
            k->ops[k->events[e].op].end_ev = e;
    }
    k->n_states = n_states;
    g_hash_table_destroy(values);
}

static void lin_key_clear(struct lin_key *k)
{
    g_free(k->ops);
    g_free(k->events);
}

/* ---- sorted sets of operation indices ------------------------------------ */

static guint set_find(const GArray *set, uint32_t x)
{
    guint lo = 0, hi = set->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(set, uint32_t, mid) < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void set_add(GArray *set, uint32_t x)
{
    g_array_insert_val(set, set_find(set, x), x);
}

static void set_remove(GArray *set, uint32_t x)
{
    guint i = set_find(set, x);
    if (i < set->len && g_array_index(set, uint32_t, i) == x)
        g_array_remove_index(set, i);
}

/* ---- memoized nodes ------------------------------------------------------ */

/* The open operations that never completed and are linearized: a sorted
 * set of indices. */
struct lin_pending_set
{
    uint32_t n;
    uint32_t ops[];
};

/* A node's identity without its pending set. Among nodes that differ only
 * in which never-completed writes they have used, one that used a subset
 * can do all the other can (an unused such write may stay unused), so
 * `pending` keeps the minimal sets met, and a node whose set contains one
 * of them adds nothing. */
struct lin_node
{
    uint32_t event;
    int32_t state;
    GPtrArray *pending; /* struct lin_pending_set *, owned; an antichain */
    uint32_t n_lin;
    uint32_t lin[]; /* the linearized open completed ops, sorted */
};

static guint node_hash(gconstpointer p)
{
    const struct lin_node *x = p;
    uint64_t h = ((uint64_t)x->event << 32) ^ (uint32_t)x->state;
    for (uint32_t i = 0; i < x->n_lin; i++)
        h = (h ^ x->lin[i]) * 0x100000001b3ULL;
    h ^= h >> 29;
    return (guint)(h ^ (h >> 32));
}

static gboolean node_equal(gconstpointer a, gconstpointer b)
{
    const struct lin_node *x = a, *y = b;
    return x->event == y->event && x->state == y->state &&
           x->n_lin == y->n_lin &&
           memcmp(x->lin, y->lin, x->n_lin * sizeof x->lin[0]) == 0;
}

static void node_free(gpointer p)
{
    struct lin_node *n = p;
    g_ptr_array_free(n->pending, TRUE);
    g_free(n);
}

/* Whether sorted a[0..na) is contained in sorted b[0..nb). */
static bool sorted_subset(const uint32_t *a,
                          uint32_t na,
                          const uint32_t *b,
                          uint32_t nb)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < na; i++) {
        while (j < nb && b[j] < a[i])
            j++;
        if (j == nb || b[j] != a[i])
            return false;
        j++;
    }
    return true;
}

static const uint32_t *array_u32(const GArray *a)
{
    return (const uint32_t *)(const void *)a->data;
}

static bool is_subset(const struct lin_pending_set *a, const GArray *b)
{
    return sorted_subset(a->ops, a->n, array_u32(b), b->len);
}

static bool is_superset(const struct lin_pending_set *a, const GArray *b)
{
    return sorted_subset(array_u32(b), b->len, a->ops, a->n);
}

/* ---- the search ---------------------------------------------------------- */

enum lin_result { LIN_RESULT_OK, LIN_RESULT_FAIL, LIN_RESULT_BOUND };

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
};

struct lin_search
{
    const struct lin_key *k;
    int32_t state;
    GArray *open;     /* uint32_t, sorted */
    GArray *lin;      /* uint32_t, sorted: linearized open completed ops */
    GArray *lin_p;    /* uint32_t, sorted: linearized never-completed ops */
    bool *is_lin;     /* per op */
    GArray *stack;    /* struct lin_frame */
    GHashTable *seen; /* struct lin_node * set, owned */
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
    const struct lin_op *l = &s->k->ops[op];
    if (l->kind == LIN_READ || l->value == s->state)
        return l->value == s->state;
    return s->reads_left[s->state] == 0 || s->writes_left[s->state] > 0;
}

/* Counts op in or out of the operations not yet linearized nor expired. */
static void count_left(const struct lin_key *k,
                       uint32_t *reads_left,
                       uint32_t *writes_left,
                       uint32_t op,
                       int delta)
{
    const struct lin_op *l = &k->ops[op];
    uint32_t *c =
        l->kind == LIN_READ ? &reads_left[l->value] : &writes_left[l->value];
    *c = (uint32_t)((int64_t)*c + delta);
}

/* Fresh counts for the whole key: every operation in the search. */
static void init_left(const struct lin_key *k,
                      uint32_t **reads_left,
                      uint32_t **writes_left)
{
    *reads_left = g_new0(uint32_t, k->n_states);
    *writes_left = g_new0(uint32_t, k->n_states);
    for (uint32_t i = 0; i < k->n; i++)
        if (k->ops[i].call_ev != SIM_LIN_NONE)
            count_left(k, *reads_left, *writes_left, i, 1);
}

static int32_t next_state(const struct lin_search *s, uint32_t op)
{
    const struct lin_op *l = &s->k->ops[op];
    return l->kind == LIN_WRITE ? l->value : s->state;
}

/* The linearized set op belongs to: completed or never completed. */
static GArray *lin_set_of(const struct lin_search *s, uint32_t op)
{
    return s->k->src[op]->completed ? s->lin : s->lin_p;
}

/* Enters the child reached by `via` on `op` from the top frame. */
static void push(struct lin_search *s, enum lin_via via, uint32_t op)
{
    struct lin_frame *top =
        &g_array_index(s->stack, struct lin_frame, s->stack->len - 1);
    struct lin_frame f = {.event = top->event,
                          .via = via,
                          .via_op = op,
                          .prev_state = s->state,
                          .next_move = 0};
    switch (via) {
    case VIA_ROOT:
        break;
    case VIA_CALL:
        set_add(s->open, op);
        f.event++;
        break;
    case VIA_CLOSE:
        set_remove(lin_set_of(s, op), op);
        set_remove(s->open, op);
        s->is_lin[op] = false;
        f.event++;
        break;
    case VIA_EXPIRE:
        set_remove(s->open, op);
        count_left(s->k, s->reads_left, s->writes_left, op, -1);
        f.event++;
        break;
    case VIA_LIN_RETURN:
        s->state = next_state(s, op);
        set_remove(s->open, op);
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
    g_array_append_val(s->stack, f);
}

/* Leaves the top frame, undoing the move that reached it. */
static void pop(struct lin_search *s)
{
    struct lin_frame f =
        g_array_index(s->stack, struct lin_frame, s->stack->len - 1);
    g_array_set_size(s->stack, s->stack->len - 1);
    s->state = f.prev_state;
    switch (f.via) {
    case VIA_ROOT:
        break;
    case VIA_CALL:
        set_remove(s->open, f.via_op);
        break;
    case VIA_CLOSE:
        set_add(s->open, f.via_op);
        set_add(lin_set_of(s, f.via_op), f.via_op);
        s->is_lin[f.via_op] = true;
        break;
    case VIA_EXPIRE:
    case VIA_LIN_RETURN:
        set_add(s->open, f.via_op);
        count_left(s->k, s->reads_left, s->writes_left, f.via_op, 1);
        break;
    case VIA_LIN_EARLY:
        set_remove(lin_set_of(s, f.via_op), f.via_op);
        s->is_lin[f.via_op] = false;
        count_left(s->k, s->reads_left, s->writes_left, f.via_op, 1);
        break;
    }
}

/* Remembers the node; false if it, or one that used a subset of its
 * never-completed writes, was met before: that one failed or, being an
 * ancestor, tries everything this one could. */
static bool remember(struct lin_search *s, uint32_t event)
{
    struct lin_node *n = g_malloc(sizeof *n + s->lin->len * sizeof(uint32_t));
    n->event = event;
    n->state = s->state;
    n->n_lin = s->lin->len;
    if (s->lin->len > 0)
        memcpy(n->lin, s->lin->data, s->lin->len * sizeof(uint32_t));
    struct lin_node *old = g_hash_table_lookup(s->seen, n);
    if (old == NULL) {
        n->pending = g_ptr_array_new_with_free_func(g_free);
        g_hash_table_add(s->seen, n);
        old = n;
    } else {
        g_free(n);
        for (guint i = 0; i < old->pending->len; i++)
            if (is_subset(g_ptr_array_index(old->pending, i), s->lin_p))
                return false;
        /* Keep the antichain small: the new set replaces its supersets. */
        for (guint i = old->pending->len; i-- > 0;)
            if (is_superset(g_ptr_array_index(old->pending, i), s->lin_p))
                g_ptr_array_remove_index(old->pending, i);
    }
    struct lin_pending_set *p =
        g_malloc(sizeof *p + s->lin_p->len * sizeof(uint32_t));
    p->n = s->lin_p->len;
    if (p->n > 0)
        memcpy(p->ops, s->lin_p->data, p->n * sizeof(uint32_t));
    g_ptr_array_add(old->pending, p);
    s->states++;
    return true;
}

/* An open read that the current state satisfies can be linearized at once:
 * it changes nothing, so any order that places it later can place it here.
 * Returns such a read, or NONE. */
static uint32_t satisfied_read(const struct lin_search *s)
{
    for (guint i = 0; i < s->open->len; i++) {
        uint32_t p = g_array_index(s->open, uint32_t, i);
        if (!s->is_lin[p] && s->k->ops[p].kind == LIN_READ &&
            s->k->ops[p].value == s->state)
            return p;
    }
    return SIM_LIN_NONE;
}

static bool ends_before(const struct lin_key *k, uint32_t q, uint32_t p)
{
    return k->ops[q].end_ev < k->ops[p].end_ev ||
           (k->ops[q].end_ev == k->ops[p].end_ev && q < p);
}

static void keep_first(const struct lin_key *k, uint32_t *best, uint32_t q)
{
    if (*best == SIM_LIN_NONE || ends_before(k, q, *best))
        *best = q;
}

/* Fills best_write, best_done_write and want for the current node in
 * O(open). */
static void prepare_candidates(struct lin_search *s)
{
    const struct lin_key *k = s->k;
    const uint32_t *open = array_u32(s->open);
    for (guint i = 0; i < s->open->len; i++) {
        int32_t v = k->ops[open[i]].value;
        s->best_write[v] = SIM_LIN_NONE;
        s->best_done_write[v] = SIM_LIN_NONE;
        s->want[v] = 0;
    }
    for (guint i = 0; i < s->open->len; i++) {
        uint32_t q = open[i];
        const struct lin_op *l = &k->ops[q];
        if (s->is_lin[q])
            continue;
        if (l->kind == LIN_READ) {
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
    const struct lin_op *lp = &s->k->ops[p];
    const struct lin_op *lo = &s->k->ops[o];
    if (s->is_lin[p] || lp->kind != LIN_WRITE || !legal(s, p))
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
    bool for_o = lo->kind == LIN_READ && lo->value == lp->value;
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
static void step(struct lin_search *s, enum lin_result *result, bool *done)
{
    struct lin_frame *f =
        &g_array_index(s->stack, struct lin_frame, s->stack->len - 1);
    const struct lin_key *k = s->k;

    if (f->event == k->n_events) {
        *result = LIN_RESULT_OK;
        *done = true;
        return;
    }
    const struct lin_event *ev = &k->events[f->event];
    uint32_t o = ev->op;

    if (f->next_move == SIM_LIN_NONE) {
        pop(s);
        return;
    }
    if (ev->kind == EV_CALL) {
        f->next_move = SIM_LIN_NONE;
        push(s, VIA_CALL, o);
        return;
    }
    if (s->is_lin[o] || ev->kind == EV_EXPIRE) {
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
            *result = LIN_RESULT_BOUND;
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
    uint32_t n_open = s->open->len;
    while (f->next_move - 1 < EARLY_PASSES * n_open) {
        uint32_t pass = (f->next_move - 1) / n_open;
        uint32_t p =
            g_array_index(s->open, uint32_t, (f->next_move - 1) % n_open);
        f->next_move++;
        if (p != o && early_candidate(s, p, o, pass)) {
            push(s, VIA_LIN_EARLY, p);
            return;
        }
    }
    f->next_move = SIM_LIN_NONE;
    pop(s);
}

/* Sets s up for a search of k: what both searches use is allocated, every
 * other field (stack, seen, counters) is zero. k is borrowed for the search;
 * lin_search_release() frees what this allocates. */
static void lin_search_init(struct lin_search *s,
                            const struct lin_key *k,
                            uint64_t max_states)
{
    *s = (struct lin_search){
        .k = k,
        .open = g_array_new(FALSE, FALSE, sizeof(uint32_t)),
        .lin = g_array_new(FALSE, FALSE, sizeof(uint32_t)),
        .lin_p = g_array_new(FALSE, FALSE, sizeof(uint32_t)),
        .is_lin = g_new0(bool, k->n > 0 ? k->n : 1),
        .max_states = max_states,
        .best_write = g_new(uint32_t, k->n_states),
        .best_done_write = g_new(uint32_t, k->n_states),
        .want = g_new0(uint32_t, k->n_states),
    };
    init_left(k, &s->reads_left, &s->writes_left);
}

/* Frees what lin_search_init() allocated; stack and seen are the caller's. */
static void lin_search_release(struct lin_search *s)
{
    g_array_free(s->open, TRUE);
    g_array_free(s->lin, TRUE);
    g_array_free(s->lin_p, TRUE);
    g_free(s->is_lin);
    g_free(s->best_write);
    g_free(s->best_done_write);
    g_free(s->want);
    g_free(s->reads_left);
    g_free(s->writes_left);
}

/* Searches one key's operations depth-first. *states receives the nodes
 * explored; *furthest (on failure) the furthest event reached: the
 * operations called up to it already cannot be linearized. */
static enum lin_result lin_search_run(const struct lin_key *k,
                                      uint64_t max_states,
                                      uint64_t *states,
                                      uint32_t *furthest)
{
    struct lin_search s;
    lin_search_init(&s, k, max_states);
    s.stack = g_array_sized_new(FALSE, FALSE, sizeof(struct lin_frame),
                                k->n_events + 1);
    s.seen = g_hash_table_new_full(node_hash, node_equal, node_free, NULL);
    struct lin_frame root = {.via = VIA_ROOT};
    g_array_append_val(s.stack, root);

    enum lin_result result = LIN_RESULT_FAIL;
    bool done = false;
    while (!done && s.stack->len > 0)
        step(&s, &result, &done);

    *states = s.states;
    *furthest = s.furthest_event;
    g_array_free(s.stack, TRUE);
    g_hash_table_destroy(s.seen);
    lin_search_release(&s);
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
                         const GArray *lin,
                         const GArray *lin_p)
{
    struct lin_config *c =
        g_malloc(sizeof *c + (lin->len + lin_p->len) * sizeof(uint32_t));
    c->state = state;
    c->dead = false;
    c->n_c = lin->len;
    c->n_p = lin_p->len;
    if (lin->len > 0)
        memcpy(c->ops, lin->data, lin->len * sizeof(uint32_t));
    if (lin_p->len > 0)
        memcpy(c->ops + c->n_c, lin_p->data, lin_p->len * sizeof(uint32_t));

    GPtrArray *group = g_hash_table_lookup(f->groups, c);
    if (group == NULL) {
        group = g_ptr_array_new();
        g_hash_table_insert(f->groups, c, group);
    }
    for (guint i = 0; i < group->len; i++) {
        const struct lin_config *m = g_ptr_array_index(group, i);
        if (sorted_subset(m->ops + m->n_c, m->n_p, c->ops + c->n_c, c->n_p)) {
            g_free(c);
            return;
        }
    }
    for (guint i = group->len; i-- > 0;) {
        struct lin_config *m = g_ptr_array_index(group, i);
        if (sorted_subset(c->ops + c->n_c, c->n_p, m->ops + m->n_c, m->n_p)) {
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
    g_array_set_size(s->lin, 0);
    g_array_set_size(s->lin_p, 0);
    g_array_append_vals(s->lin, c->ops, c->n_c);
    g_array_append_vals(s->lin_p, c->ops + c->n_c, c->n_p);
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
        frontier_add(next, s->state, s->lin, s->lin_p);
        return true;
    }
    if (r != SIM_LIN_NONE) {
        apply_early(s, r);
        bool ok = closure(s, e, o, next);
        undo_early(s, r, prev);
        return ok;
    }
    if (legal(s, o))
        frontier_add(next, next_state(s, o), s->lin, s->lin_p);
    prepare_candidates(s);
    for (uint32_t pass = 0; pass < EARLY_PASSES; pass++) {
        for (guint i = 0; i < s->open->len; i++) {
            uint32_t p = g_array_index(s->open, uint32_t, i);
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
                         const struct lin_event *ev,
                         uint32_t e,
                         struct lin_frontier *next)
{
    uint32_t o = ev->op;
    if (ev->kind == EV_RETURN && !s->is_lin[o])
        return closure(s, e, o, next);
    if (s->is_lin[o])
        set_remove(lin_set_of(s, o), o);
    frontier_add(next, s->state, s->lin, s->lin_p);
    return true;
}

/* Same contract as lin_search_run(); *furthest receives the event at which
 * no configuration survived. */
static enum lin_result lin_sweep_run(const struct lin_key *k,
                                     uint64_t max_states,
                                     uint64_t *states,
                                     uint32_t *furthest)
{
    struct lin_search s;
    lin_search_init(&s, k, max_states);
    struct lin_frontier cur;
    frontier_init(&cur);
    frontier_add(&cur, 0, s.lin, s.lin_p);

    enum lin_result result = LIN_RESULT_OK;
    for (uint32_t e = 0; e < k->n_events && result == LIN_RESULT_OK; e++) {
        const struct lin_event *ev = &k->events[e];
        if (ev->kind == EV_CALL) {
            set_add(s.open, ev->op);
            continue;
        }
        struct lin_frontier next;
        frontier_init(&next);
        s.seen = g_hash_table_new_full(node_hash, node_equal, node_free, NULL);
        /* Fewest used never-completed writes first: their nodes then cover
         * the others' at once. g_ptr_array_sort is stable. */
        GPtrArray *order = g_ptr_array_sized_new(cur.all->len);
        for (guint i = 0; i < cur.all->len; i++) {
            struct lin_config *c = g_ptr_array_index(cur.all, i);
            if (!c->dead)
                g_ptr_array_add(order, c);
        }
        g_ptr_array_sort(order, compare_configs);
        for (guint i = 0; i < order->len && result == LIN_RESULT_OK; i++) {
            const struct lin_config *c = g_ptr_array_index(order, i);
            load_config(&s, c);
            if (!sweep_config(&s, ev, e, &next))
                result = LIN_RESULT_BOUND;
            unload_config(&s, c);
            /* sweep_config() may have cleared o's flag; clear it anyway. */
            s.is_lin[ev->op] = false;
        }
        g_ptr_array_free(order, TRUE);
        g_hash_table_destroy(s.seen);
        frontier_clear(&cur);
        cur = next;
        set_remove(s.open, ev->op);
        /* Past its return or expiry, o is linearized or gone in every
         * configuration. */
        count_left(k, s.reads_left, s.writes_left, ev->op, -1);
        if (result == LIN_RESULT_OK && cur.all->len == 0) {
            result = LIN_RESULT_FAIL;
            *furthest = e;
        }
    }
    *states = s.states;
    frontier_clear(&cur);
    lin_search_release(&s);
    return result;
}

/* Depth-first first: on a history that can be linearized it often needs
 * about one node per return. If it takes more than a few per event, the
 * sweep gets as many, then each again with twice that, until one decides
 * or the bound is spent. *n_prefix receives the number of leading
 * operations whose calls precede the furthest event reached, which alone
 * cannot be linearized. */
static enum lin_result lin_check_key(const struct lin_key *k,
                                     enum sim_lin_search search,
                                     uint64_t max_states,
                                     uint64_t *states,
                                     uint32_t *n_prefix)
{
    uint32_t furthest = 0;
    uint64_t left = max_states;
    uint64_t round = 4 * (uint64_t)k->n_events + 1024;
    enum lin_result r = LIN_RESULT_BOUND;
    *states = 0;
    /* Each search in turn with a budget that doubles every round, so the
     * one that suits the history decides at most about four times later
     * than it would alone. */
    for (bool dfs = search != SIM_LIN_SEARCH_SWEEP;
         r == LIN_RESULT_BOUND && left > 0;) {
        uint64_t bound =
            search == SIM_LIN_SEARCH_DEFAULT && round < left ? round : left;
        uint64_t used = 0;
        if (dfs)
            r = lin_search_run(k, bound, &used, &furthest);
        else
            r = lin_sweep_run(k, bound, &used, &furthest);
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

static enum lin_result check_ops(const struct sim_op *const *ops,
                                 uint32_t n,
                                 enum sim_lin_search search,
                                 uint64_t max_states,
                                 uint64_t *states,
                                 uint32_t *n_prefix)
{
    struct lin_key k;
    lin_key_init(&k, ops, n);
    enum lin_result r = lin_check_key(&k, search, max_states, states, n_prefix);
    lin_key_clear(&k);
    return r;
}

/* ---- shrinking ----------------------------------------------------------- */

static bool is_write(const struct sim_op *o)
{
    return o->op != SIM_KV_GET;
}

/* True if the completed read r saw what write w leaves behind. */
static bool read_sees(const struct sim_op *r, const struct sim_op *w)
{
    if (w->op == SIM_KV_DELETE)
        return !r->found;
    return r->found && strcmp(r->result != NULL ? r->result : "",
                              w->value != NULL ? w->value : "") == 0;
}

/* A time window [from_us, to_us] of an operation. */
struct lin_window
{
    uint64_t from_us, to_us;
};

static gint compare_windows(gconstpointer a, gconstpointer b)
{
    const struct lin_window *x = a, *y = b;
    if (x->from_us != y->from_us)
        return x->from_us < y->from_us ? -1 : 1;
    return (x->to_us > y->to_us) - (x->to_us < y->to_us);
}

/* The reads of one value sorted by invocation; reach_us[i] is the latest
 * return among the first i + 1 of them. */
struct lin_reads
{
    GArray *windows;  /* struct lin_window */
    GArray *reach_us; /* uint64_t */
};

static void reads_free(gpointer p)
{
    struct lin_reads *r = p;
    g_array_free(r->windows, TRUE);
    g_array_free(r->reach_us, TRUE);
    g_free(r);
}

/* The key a read or a write is grouped under: its value, or "" with the
 * found flag cleared for the absent state. */
static const char *value_key(const struct sim_op *o, bool *absent)
{
    if (o->op == SIM_KV_DELETE || (o->op == SIM_KV_GET && !o->found)) {
        *absent = true;
        return "";
    }
    *absent = false;
    const char *v = o->op == SIM_KV_SET ? o->value : o->result;
    return v != NULL ? v : "";
}

/* Whether some read in r could have read what a write with window w left
 * behind, given that a completed write ends by hidden_us in any order that
 * places it after w (UINT64_MAX: none is forced after w). */
static bool reads_could_see(const struct lin_reads *r,
                            struct lin_window w,
                            uint64_t hidden_us)
{
    if (r == NULL || r->windows->len == 0)
        return false;
    /* The reads invoked by hidden_us: later ones are cut off from w. */
    guint lo = 0, hi = r->windows->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(r->windows, struct lin_window, mid).from_us <=
            hidden_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && g_array_index(r->reach_us, uint64_t, lo - 1) >= w.from_us;
}

/* Marks, for every read of cur outside [from, to), the last write of its
 * value invoked before the read returned, or else the first write of it. */
static bool *telling_sources(const GPtrArray *cur, guint from, guint to)
{
    bool *told = g_new0(bool, cur->len > 0 ? cur->len : 1);
    /* value -> GArray of indices into cur of its writes, by invocation */
    GHashTable *by_value = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                 (GDestroyNotify)g_array_unref);
    GArray *deletes = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < cur->len; i++) {
        const struct sim_op *o = g_ptr_array_index(cur, i);
        if (!is_write(o))
            continue;
        bool absent;
        const char *key = value_key(o, &absent);
        GArray *list = absent ? deletes : g_hash_table_lookup(by_value, key);
        if (list == NULL) {
            list = g_array_new(FALSE, FALSE, sizeof(guint));
            g_hash_table_insert(by_value, (gpointer)key, list);
        }
        g_array_append_val(list, i);
    }
    /* cur is sorted by (invoke, id), so each list already is. */
    for (guint i = 0; i < cur->len; i++) {
        const struct sim_op *r = g_ptr_array_index(cur, i);
        if (is_write(r) || (i >= from && i < to))
            continue;
        bool absent;
        const char *key = value_key(r, &absent);
        GArray *list = absent ? deletes : g_hash_table_lookup(by_value, key);
        if (list == NULL || list->len == 0)
            continue;
        guint lo = 0, hi = list->len;
        uint64_t until = op_return_us(r);
        while (lo < hi) {
            guint mid = lo + (hi - lo) / 2;
            const struct sim_op *w =
                g_ptr_array_index(cur, g_array_index(list, guint, mid));
            if (w->invoke_us <= until)
                lo = mid + 1;
            else
                hi = mid;
        }
        told[g_array_index(list, guint, lo > 0 ? lo - 1 : 0)] = true;
    }
    g_array_unref(deletes);
    g_hash_table_destroy(by_value);
    return told;
}

/* Builds cur minus the operations in [from, to) that may go: every read,
 * and every write that no remaining read could have read from. A read r
 * could read from write w only if r returned after w was invoked and no
 * completed write w2 of cur is forced between them (w returned before w2
 * was invoked, and w2 returned before r was invoked). Dropping only such
 * writes keeps a linearizable set linearizable, so a candidate that still
 * cannot be linearized shows that cur cannot be either.
 *
 * That alone would also drop the write a stale read shows (hidden by the
 * newer write, which is the anomaly) and leave a read of a value "nobody
 * wrote". So each remaining read also keeps its telling source: the last
 * write of its value invoked before it returned, else the first one. */
static GPtrArray *without_range(const GPtrArray *cur, guint from, guint to)
{
    GHashTable *reads =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, reads_free);
    struct lin_reads *absent_reads = NULL;
    GArray *writes = g_array_new(FALSE, FALSE, sizeof(struct lin_window));
    for (guint i = 0; i < cur->len; i++) {
        const struct sim_op *o = g_ptr_array_index(cur, i);
        struct lin_window w = {o->invoke_us, op_return_us(o)};
        if (is_write(o)) {
            if (o->completed)
                g_array_append_val(writes, w);
            continue;
        }
        if (i >= from && i < to)
            continue;
        bool absent;
        const char *key = value_key(o, &absent);
        struct lin_reads *r =
            absent ? absent_reads : g_hash_table_lookup(reads, key);
        if (r == NULL) {
            r = g_new(struct lin_reads, 1);
            r->windows = g_array_new(FALSE, FALSE, sizeof(struct lin_window));
            r->reach_us = g_array_new(FALSE, FALSE, sizeof(uint64_t));
            if (absent)
                absent_reads = r;
            else
                g_hash_table_insert(reads, (gpointer)key, r);
        }
        g_array_append_val(r->windows, w);
    }
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, reads);
    for (bool more = true; more;) {
        struct lin_reads *r;
        if (g_hash_table_iter_next(&it, NULL, &v)) {
            r = v;
        } else {
            r = absent_reads;
            more = false;
        }
        if (r == NULL)
            continue;
        g_array_sort(r->windows, compare_windows);
        uint64_t reach = 0;
        for (guint i = 0; i < r->windows->len; i++) {
            uint64_t t = g_array_index(r->windows, struct lin_window, i).to_us;
            reach = t > reach ? t : reach;
            g_array_append_val(r->reach_us, reach);
        }
    }
    /* min_return_us[i]: the earliest return among writes[i..]. */
    g_array_sort(writes, compare_windows);
    uint64_t *min_return_us = g_new(uint64_t, writes->len + 1);
    min_return_us[writes->len] = UINT64_MAX;
    for (guint i = writes->len; i-- > 0;) {
        uint64_t t = g_array_index(writes, struct lin_window, i).to_us;
        min_return_us[i] = t < min_return_us[i + 1] ? t : min_return_us[i + 1];
    }

    bool *told = telling_sources(cur, from, to);
    GPtrArray *out = g_ptr_array_sized_new(cur->len);
    for (guint i = 0; i < cur->len; i++) {
        const struct sim_op *o = g_ptr_array_index(cur, i);
        bool keep = i < from || i >= to || told[i];
        if (!keep && is_write(o)) {
            struct lin_window w = {o->invoke_us, op_return_us(o)};
            uint64_t hidden_us = UINT64_MAX;
            if (o->completed) {
                /* The first write invoked after o returned. */
                guint lo = 0, hi = writes->len;
                while (lo < hi) {
                    guint mid = lo + (hi - lo) / 2;
                    if (g_array_index(writes, struct lin_window, mid).from_us <=
                        w.to_us)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                hidden_us = min_return_us[lo];
                /* A read invoked exactly then is concurrent, not after. */
                if (hidden_us != UINT64_MAX)
                    hidden_us--;
            }
            bool absent;
            const char *key = value_key(o, &absent);
            keep = reads_could_see(
                absent ? absent_reads : g_hash_table_lookup(reads, key), w,
                hidden_us);
        }
        if (keep)
            g_ptr_array_add(out, (gpointer)o);
    }
    g_free(told);
    g_free(min_return_us);
    g_array_free(writes, TRUE);
    g_hash_table_destroy(reads);
    if (absent_reads != NULL)
        reads_free(absent_reads);
    return out;
}

struct shrinker
{
    GPtrArray *cur; /* const struct sim_op *, sorted; cannot be linearized */
    enum sim_lin_search search;
    uint64_t max_states;
    uint64_t budget;   /* search states left */
    uint32_t n_prefix; /* from the last failing search of cur */
};

/* Adopts cand if it still cannot be linearized; takes ownership of cand. */
static bool try_candidate(struct shrinker *sh, GPtrArray *cand)
{
    if (cand->len == sh->cur->len || sh->budget == 0) {
        g_ptr_array_free(cand, TRUE);
        return false;
    }
    uint64_t states = 0;
    uint32_t n_prefix = 0;
    uint64_t bound = sh->max_states < sh->budget ? sh->max_states : sh->budget;
    enum lin_result r =
        check_ops((const struct sim_op *const *)cand->pdata, cand->len,
                  sh->search, bound, &states, &n_prefix);
    sh->budget -= states < sh->budget ? states : sh->budget;
    if (r != LIN_RESULT_FAIL) {
        g_ptr_array_free(cand, TRUE);
        return false;
    }
    g_ptr_array_free(sh->cur, TRUE);
    sh->cur = cand;
    sh->n_prefix = n_prefix;
    return true;
}

/* Delta-debugging style: drop ever smaller chunks, latest first, while the
 * rest still cannot be linearized; ends 1-minimal unless the budget ran
 * out. Returns false if it stopped for the budget. */
static bool shrink(struct shrinker *sh)
{
    guint chunk = sh->cur->len / 2 > 0 ? sh->cur->len / 2 : 1;
    for (;;) {
        if (sh->n_prefix < sh->cur->len)
            try_candidate(sh,
                          without_range(sh->cur, sh->n_prefix, sh->cur->len));
        bool progress = false;
        guint end = sh->cur->len;
        while (end > 0 && sh->budget > 0) {
            guint from = end > chunk ? end - chunk : 0;
            if (try_candidate(sh, without_range(sh->cur, from, end))) {
                progress = true;
                break;
            }
            end = from;
        }
        if (sh->budget == 0)
            return false;
        if (progress) {
            if (chunk > sh->cur->len / 2 && chunk > 1)
                chunk = sh->cur->len / 2 > 0 ? sh->cur->len / 2 : 1;
            continue;
        }
        if (chunk == 1)
            return true;
        chunk /= 2;
    }
}

/* ---- explanations -------------------------------------------------------- */

static void append_time(GString *out, uint64_t us)
{
    if (us % 1000 == 0)
        g_string_append_printf(out, "%" G_GUINT64_FORMAT "ms", us / 1000);
    else
        g_string_append_printf(
            out, "%" G_GUINT64_FORMAT ".%03" G_GUINT64_FORMAT "ms", us / 1000,
            us % 1000);
}

/* Strings print bare when they are plain, else quoted and escaped. */
static void append_str(GString *out, const char *s)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p != '\0' && plain; p++)
        plain = g_ascii_isgraph(*p) && *p != '"' && *p != '\\';
    if (plain) {
        g_string_append(out, s);
        return;
    }
    char *e = g_strescape(s, NULL);
    g_string_append_printf(out, "\"%s\"", e);
    g_free(e);
}

static void append_window(GString *out, const struct sim_op *o)
{
    g_string_append_c(out, '[');
    append_time(out, o->invoke_us);
    g_string_append(out, ", ");
    if (o->completed)
        append_time(out, op_return_us(o));
    else
        g_string_append(out, "never completed");
    g_string_append_c(out, ']');
}

/* "set x=1", "delete x", "get x returned 1", "get x found nothing". */
static void append_action(GString *out, const struct sim_op *o)
{
    g_string_append(out, sim_kv_op_name(o->op));
    g_string_append_c(out, ' ');
    append_str(out, o->key);
    if (o->op == SIM_KV_SET) {
        g_string_append_c(out, '=');
        append_str(out, o->value != NULL ? o->value : "");
    } else if (o->op == SIM_KV_GET && o->completed) {
        if (o->found) {
            g_string_append(out, " returned ");
            append_str(out, o->result != NULL ? o->result : "");
        } else {
            g_string_append(out, " found nothing");
        }
    }
}

static void append_op_line(GString *out, const struct sim_op *o)
{
    g_string_append_printf(
        out, "  #%" G_GUINT64_FORMAT " client %" G_GUINT64_FORMAT " ", o->id,
        o->client);
    append_action(out, o);
    g_string_append_c(out, ' ');
    append_window(out, o);
    g_string_append_c(out, '\n');
}

/* "a write of 1" / "a delete of x" for what a read saw. */
static void append_seen(GString *out, const struct sim_op *r)
{
    if (r->found) {
        g_string_append(out, "write of ");
        append_str(out, r->result != NULL ? r->result : "");
    } else {
        g_string_append(out, "delete of ");
        append_str(out, r->key);
    }
}

/* Looks for a simple reason why read r cannot be placed: nothing wrote what
 * it saw, that write came only later, or a completed write overwrote every
 * earlier source before r began. Appends it and returns true if found. */
static bool explain_read(GString *out,
                         const GPtrArray *ops,
                         const struct sim_op *r)
{
    const struct sim_op *first_source = NULL;
    bool early_source = !r->found; /* the initial state: absent */
    for (guint i = 0; i < ops->len; i++) {
        const struct sim_op *w = g_ptr_array_index(ops, i);
        if (!is_write(w) || !read_sees(r, w))
            continue;
        if (first_source == NULL)
            first_source = w;
        if (!precedes(r, w))
            early_source = true;
    }
    if (r->found && first_source == NULL) {
        append_action(out, r);
        g_string_append(out, " at ");
        append_window(out, r);
        g_string_append(out, " but no operation wrote that value");
        return true;
    }
    if (!early_source) {
        append_action(out, r);
        g_string_append(out, " at ");
        append_window(out, r);
        g_string_append(out, " but the first ");
        append_seen(out, r);
        g_string_append_printf(out, " (#%" G_GUINT64_FORMAT ") began only at ",
                               first_source->id);
        append_time(out, first_source->invoke_us);
        return true;
    }
    /* A completed write w2 of another value, finished before r began, such
     * that every source of r's value finished before w2 began or began after
     * r finished. The latest such w2 is the most telling. */
    const struct sim_op *best = NULL;
    for (guint i = 0; i < ops->len; i++) {
        const struct sim_op *w2 = g_ptr_array_index(ops, i);
        if (!is_write(w2) || read_sees(r, w2) || !precedes(w2, r))
            continue;
        bool overwrites_all = true;
        for (guint j = 0; j < ops->len && overwrites_all; j++) {
            const struct sim_op *w = g_ptr_array_index(ops, j);
            if (!is_write(w) || !read_sees(r, w))
                continue;
            bool before = precedes(w, w2);
            bool after = precedes(r, w);
            overwrites_all = before || after;
        }
        if (overwrites_all &&
            (best == NULL || op_return_us(w2) > op_return_us(best)))
            best = w2;
    }
    if (best == NULL)
        return false;
    append_action(out, r);
    g_string_append(out, " at ");
    append_window(out, r);
    g_string_append(out, " but ");
    append_action(out, best);
    g_string_append_printf(out, " (#%" G_GUINT64_FORMAT ") completed at ",
                           best->id);
    append_time(out, op_return_us(best));
    if (r->found) {
        g_string_append(out, " and no later ");
        append_seen(out, r);
        g_string_append(out, " exists");
    } else {
        g_string_append(out, " and no later delete of ");
        append_str(out, r->key);
        g_string_append(out, " exists");
    }
    return true;
}

static void explain_violation(GString *out,
                              const char *key,
                              const GPtrArray *ops,
                              bool shrunk_fully,
                              uint64_t states)
{
    g_string_append(out, "key ");
    append_str(out, key);
    g_string_append_printf(out,
                           ": these %u operations cannot be put in any order "
                           "that respects their times and gives every read "
                           "its result:\n",
                           ops->len);
    for (guint i = 0; i < ops->len && i < SIM_LIN_EXPLAIN_MAX_OPS; i++)
        append_op_line(out, g_ptr_array_index(ops, i));
    if (ops->len > SIM_LIN_EXPLAIN_MAX_OPS)
        g_string_append_printf(out, "  ... and %u more\n",
                               ops->len - SIM_LIN_EXPLAIN_MAX_OPS);
    g_string_append(out, "why: ");
    bool explained = false;
    for (guint i = 0; i < ops->len && !explained; i++) {
        const struct sim_op *r = g_ptr_array_index(ops, i);
        if (r->op == SIM_KV_GET && r->completed)
            explained = explain_read(out, ops, r);
    }
    if (!explained)
        g_string_append(out,
                        "every order consistent with the times leaves some "
                        "read seeing a value the key did not hold then");
    g_string_append_printf(out, " (%" G_GUINT64_FORMAT " search states)",
                           states);
    if (!shrunk_fully)
        g_string_append(out,
                        "; shrinking stopped at its budget, so the set "
                        "may not be minimal");
    g_string_append_c(out, '\n');
}

/* ---- the check ----------------------------------------------------------- */

static gint compare_ops(gconstpointer a, gconstpointer b)
{
    const struct sim_op *x = *(const struct sim_op *const *)a;
    const struct sim_op *y = *(const struct sim_op *const *)b;
    if (x->invoke_us != y->invoke_us)
        return x->invoke_us < y->invoke_us ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static gint compare_keys(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static uint32_t max_overlap(const struct lin_key *k)
{
    uint32_t open = 0, most = 0;
    for (uint32_t e = 0; e < k->n_events; e++) {
        if (k->events[e].kind != EV_CALL) {
            open--;
        } else if (++open > most) {
            most = open;
        }
    }
    return most;
}

static void report_set(struct sim_lin_report *report,
                       enum sim_lin_verdict verdict,
                       const char *key)
{
    report->verdict = verdict;
    g_free(report->key);
    report->key = key != NULL ? g_strdup(key) : NULL;
}

static void report_violation(struct sim_lin_report *report,
                             const char *key,
                             const GPtrArray *all,
                             uint32_t n_prefix,
                             enum sim_lin_search search,
                             uint64_t max_states,
                             uint64_t states)
{
    struct shrinker sh = {
        .cur = g_ptr_array_new(),
        .search = search,
        .max_states = max_states,
        .budget = SIM_LIN_SHRINK_BUDGET,
        .n_prefix = n_prefix,
    };
    for (guint i = 0; i < all->len; i++)
        g_ptr_array_add(sh.cur, g_ptr_array_index(all, i));
    bool full = shrink(&sh);

    /* A violation outranks an earlier key's UNKNOWN: replace its text. */
    report_set(report, SIM_LIN_VIOLATION, key);
    g_array_set_size(report->op_ids, 0);
    g_string_truncate(report->explanation, 0);
    for (guint i = 0; i < sh.cur->len; i++) {
        const struct sim_op *o = g_ptr_array_index(sh.cur, i);
        g_array_append_val(report->op_ids, o->id);
    }
    explain_violation(report->explanation, key, sh.cur, full, states);
    g_ptr_array_free(sh.cur, TRUE);
}

static void report_unknown(struct sim_lin_report *report,
                           const char *key,
                           const struct lin_key *k,
                           uint64_t max_states)
{
    report_set(report, SIM_LIN_UNKNOWN, key);
    g_string_append(report->explanation, "key ");
    append_str(report->explanation, key);
    g_string_append_printf(
        report->explanation,
        ": gave up after %" G_GUINT64_FORMAT
        " search states (the bound) on %u operations with up to %u "
        "overlapping; the history is neither shown linearizable nor shown "
        "not to be; raise the bound or shorten the run\n",
        max_states, k->n, max_overlap(k));
}

/* Copies of h's operations (sharing their strings) in which no operation of
 * a client is invoked before an earlier completed operation of the same
 * client returned: a client issues its requests one after another, so its
 * own order is real-time order even where the record says otherwise. Such
 * an operation is moved to start at that return, so it follows it. */
static struct sim_op *client_ordered_copy(const struct sim_history *h)
{
    size_t n = sim_history_len(h);
    struct sim_op *ops = g_new(struct sim_op, n > 0 ? n : 1);
    /* client -> the latest return among its completed operations so far */
    GHashTable *last_end = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (size_t i = 0; i < n; i++) {
        struct sim_op *o = &ops[i];
        *o = *sim_history_op(h, i);
        gpointer latest = g_hash_table_lookup(last_end, &o->client);
        if (latest != NULL) {
            uint64_t end = op_return_us(&ops[GPOINTER_TO_SIZE(latest) - 1]);
            if (end > o->invoke_us)
                o->invoke_us = end;
        }
        if (o->completed &&
            (latest == NULL ||
             op_return_us(o) >
                 op_return_us(&ops[GPOINTER_TO_SIZE(latest) - 1])))
            g_hash_table_insert(last_end, &o->client, GSIZE_TO_POINTER(i + 1));
    }
    g_hash_table_destroy(last_end);
    return ops;
}

enum sim_lin_verdict sim_lin_check(const struct sim_history *h,
                                   uint64_t max_states,
                                   struct sim_lin_report *report)
{
    return sim_lin_check_with(h, max_states, SIM_LIN_SEARCH_DEFAULT, report);
}

enum sim_lin_verdict sim_lin_check_with(const struct sim_history *h,
                                        uint64_t max_states,
                                        enum sim_lin_search search,
                                        struct sim_lin_report *report)
{
    struct sim_lin_report local = {0};
    struct sim_lin_report *rep = report != NULL ? report : &local;
    if (max_states == 0)
        max_states = SIM_LIN_DEFAULT_MAX_STATES;

    memset(rep, 0, sizeof *rep);
    rep->verdict = SIM_LIN_OK;
    rep->op_ids = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    rep->explanation = g_string_new(NULL);

    /* Split per key; a GET that never completed constrains nothing. */
    GHashTable *by_key = g_hash_table_new_full(
        g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    size_t n = sim_history_len(h);
    struct sim_op *ops = client_ordered_copy(h);
    for (size_t i = 0; i < n; i++) {
        const struct sim_op *o = &ops[i];
        if (o->op == SIM_KV_GET && !o->completed)
            continue;
        GPtrArray *list = g_hash_table_lookup(by_key, o->key);
        if (list == NULL) {
            list = g_ptr_array_new();
            g_hash_table_insert(by_key, o->key, list);
        }
        g_ptr_array_add(list, (gpointer)o);
    }
    GPtrArray *keys = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, by_key);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(keys, key);
    g_ptr_array_sort(keys, compare_keys);

    const char *unknown_key = NULL;
    for (guint i = 0; i < keys->len; i++) {
        const char *k = g_ptr_array_index(keys, i);
        GPtrArray *list = g_hash_table_lookup(by_key, k);
        g_ptr_array_sort(list, compare_ops);

        struct lin_key lk;
        lin_key_init(&lk, (const struct sim_op *const *)list->pdata, list->len);
        uint64_t states = 0;
        uint32_t n_prefix = 0;
        enum lin_result r =
            lin_check_key(&lk, search, max_states, &states, &n_prefix);
        rep->states_explored += states;

        if (r == LIN_RESULT_FAIL) {
            lin_key_clear(&lk);
            report_violation(rep, k, list, n_prefix, search, max_states,
                             states);
            break;
        }
        if (r == LIN_RESULT_BOUND && unknown_key == NULL) {
            unknown_key = k;
            report_unknown(rep, k, &lk, max_states);
        }
        lin_key_clear(&lk);
    }
    if (rep->verdict == SIM_LIN_OK)
        g_string_append_printf(rep->explanation,
                               "%zu operation%s on %u key%s %s "
                               "linearizable\n",
                               n, n == 1 ? "" : "s", keys->len,
                               keys->len == 1 ? "" : "s",
                               n == 1 ? "is" : "are");
    g_ptr_array_free(keys, TRUE);
    g_hash_table_destroy(by_key);
    g_free(ops);

    enum sim_lin_verdict verdict = rep->verdict;
    sim_lin_report_clear(&local);
    return verdict;
}
