/* raft_fixture_bench.c: case (a)'s shape on canonical's C Raft fixture.
 *
 * A yardstick for raftsim-bench, built only by `make bench-canonical`
 * against Debian's libraft-dev (raft.h, raft/fixture.h, libraft.so); never
 * installed and never part of `make all`. The shape follows case (a): 5
 * voters, 64 requests always in flight (each completion submits the next),
 * one-way network latency 15 ms, disk latency 10 ms (the fixture has one
 * figure for write and sync: raftsim's 1 ms + 9 ms), heartbeat 100 ms,
 * election timeout 1000 ms, no faults, no snapshots. Commands are 16-byte
 * values for 8 keys (50 % set, 35 % get, 15 % delete, from a fixed
 * xorshift sequence) applied by a small key-value machine on every server.
 * After a warm-up of WARMUP committed entries, raft_fixture_timed_part (the
 * function callgrind's --toggle-collect names) steps the fixture until
 * ENTRIES more are committed on the leader (arguments: ENTRIES WARMUP,
 * default 2000 256). The fixture copies the leader's whole log and checks
 * it on every step, so its cost per entry grows with the log. The fixture
 * is deterministic and there is no wall clock here: the instruction count
 * is the figure.
 */
#include <raft.h>
#include <raft/fixture.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_SERVERS 5
#define IN_FLIGHT 64
#define KEYS 8
#define VALUE_BYTES 16

/* One server's key-value machine: a value per key, or none. */
struct kv
{
    bool present[KEYS];
    char value[KEYS][VALUE_BYTES];
    uint64_t applied;
};

static int kv_apply(struct raft_fsm *fsm,
                    const struct raft_buffer *buf,
                    void **result)
{
    struct kv *kv = fsm->data;
    const unsigned char *p = buf->base;
    *result = NULL;
    if (buf->len < 2 || p[1] >= KEYS)
        return 0;
    unsigned k = p[1];
    switch (p[0]) {
    case 's':
        if (buf->len == 2 + VALUE_BYTES) {
            memcpy(kv->value[k], p + 2, VALUE_BYTES);
            kv->present[k] = true;
        }
        break;
    case 'd':
        kv->present[k] = false;
        break;
    default: /* a get reads the value: nothing changes */
        break;
    }
    kv->applied++;
    return 0;
}

struct load
{
    struct raft_fixture *f;
    uint64_t rng;    /* xorshift64 state */
    uint64_t issued; /* requests submitted */
    bool closing;    /* raft_fixture_close fails what is still pending */
};

static uint64_t next_random(struct load *l)
{
    l->rng ^= l->rng << 13;
    l->rng ^= l->rng >> 7;
    l->rng ^= l->rng << 17;
    return l->rng;
}

static void submit(struct load *l);

static void applied_cb(struct raft_apply *req, int status, void *result)
{
    struct load *l = req->data;
    (void)status;
    (void)result;
    free(req);
    if (status == 0 && !l->closing)
        submit(l);
}

/* Submits one command to the leader; with no leader it is dropped (case (a)
 * keeps one leader throughout). */
static void submit(struct load *l)
{
    unsigned leader = raft_fixture_leader_index(l->f);
    if (leader >= N_SERVERS)
        return;
    uint64_t r = next_random(l);
    unsigned roll = (unsigned)(r % 100);
    char op = roll < 50 ? 's' : roll < 85 ? 'g' : 'd';
    size_t len = op == 's' ? 2 + VALUE_BYTES : 2;
    struct raft_buffer buf = {.base = raft_malloc(len), .len = len};
    unsigned char *p = buf.base;
    p[0] = (unsigned char)op;
    p[1] = (unsigned char)((r >> 8) % KEYS);
    if (op == 's')
        snprintf((char *)p + 2, VALUE_BYTES, "v%014" PRIu64, l->issued % 100000000000000u);
    struct raft_apply *req = malloc(sizeof(*req));
    req->data = l;
    l->issued++;
    if (raft_apply(raft_fixture_get(l->f, leader), req, &buf, 1, applied_cb) != 0) {
        raft_free(buf.base);
        free(req);
    }
}

static void step_until_committed(struct raft_fixture *f, raft_index target)
{
    while (f->commit_index < target)
        raft_fixture_step(f);
}

void raft_fixture_timed_part(struct raft_fixture *f, raft_index target)
    __attribute__((noinline));

void raft_fixture_timed_part(struct raft_fixture *f, raft_index target)
{
    step_until_committed(f, target);
}

int main(int argc, char **argv)
{
    uint64_t entries = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000;
    uint64_t warmup = argc > 2 ? strtoull(argv[2], NULL, 10) : 256;
    static struct raft_fixture f;
    static struct kv kvs[N_SERVERS];
    static struct raft_fsm fsms[N_SERVERS];
    if (raft_fixture_initialize(&f) != 0)
        return 1;
    for (unsigned i = 0; i < N_SERVERS; i++) {
        fsms[i].version = 1;
        fsms[i].data = &kvs[i];
        fsms[i].apply = kv_apply;
        if (raft_fixture_grow(&f, &fsms[i]) != 0)
            return 1;
    }
    struct raft_configuration conf;
    if (raft_fixture_configuration(&f, N_SERVERS, &conf) != 0 ||
        raft_fixture_bootstrap(&f, &conf) != 0)
        return 1;
    raft_configuration_close(&conf);
    for (unsigned i = 0; i < N_SERVERS; i++) {
        struct raft *r = raft_fixture_get(&f, i);
        raft_set_heartbeat_timeout(r, 100);
        raft_set_election_timeout(r, 1000);
        raft_set_snapshot_threshold(r, UINT32_MAX);
        raft_fixture_set_network_latency(&f, i, 15);
        raft_fixture_set_disk_latency(&f, i, 10);
    }
    if (raft_fixture_start(&f) != 0)
        return 1;
    raft_fixture_elect(&f, 0);

    struct load load = {.f = &f, .rng = UINT64_C(20261126)};
    for (unsigned i = 0; i < IN_FLIGHT; i++)
        submit(&load);
    step_until_committed(&f, warmup);
    raft_index start = f.commit_index;
    raft_time t0 = raft_fixture_time(&f);
    raft_fixture_timed_part(&f, start + entries);
    printf("canonical fixture: %" PRIu64 " committed entries in the timed "
           "part, %" PRIu64 " simulated ms, leader n%u, %" PRIu64
           " applied on n1\n",
           (uint64_t)(f.commit_index - start),
           (uint64_t)(raft_fixture_time(&f) - t0),
           raft_fixture_leader_index(&f) + 1, kvs[0].applied);
    load.closing = true;
    raft_fixture_close(&f);
    return 0;
}
