/* replay-series.test.js: lanes, client plots and unavailability over the
 * whole run (viz/web/replay-series.js). */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const M = require('../../viz/web/replay-model.js');
const S = require('../../viz/web/replay-series.js');
const { runData, partitionRunData } = require('./run-builder.js');

function run() {
    return M.load(runData(2, 500000, [
        { t: 100000, kind: 'role', node: 1, term: 1, role: 'leader' },
        { t: 110000, kind: 'client-invoke', client: 1, request: 1, text: 'set x 1' },
        { t: 110000, kind: 'client-send', client: 1, request: 1, node: 1 },
        { t: 120000, kind: 'client-complete', client: 1, request: 1, node: 1, ok: true, text: 'ok' },
        { t: 200000, kind: 'client-invoke', client: 1, request: 2, text: 'set x 2' },
        { t: 200000, kind: 'client-send', client: 1, request: 2, node: 1 },
        { t: 250000, kind: 'crash', node: 1 },
        { t: 300000, kind: 'client-send', client: 1, request: 2, node: 2 },
        { t: 350000, kind: 'role', node: 2, term: 2, role: 'leader' },
        { t: 360000, kind: 'client-complete', client: 1, request: 2, node: 2, ok: true, text: 'ok' },
        { t: 400000, kind: 'client-invoke', client: 1, request: 3, text: 'get x' },
    ]));
}

test('lanes_tile_the_run_with_one_span_per_role_term_and_liveness', () => {
    const lanes = S.lanes(run());
    assert.deepEqual(lanes[1].map(s => [s.from, s.to, s.role, s.state]), [
        [0, 100000, 'follower', 'up'], [100000, 250000, 'leader', 'up'],
        [250000, 500000, 'follower', 'crashed']]);
    assert.equal(lanes[2][lanes[2].length - 1].to, 500000);
});

test('each_request_has_one_outcome_ok_retried_or_pending', () => {
    const reqs = S.requests(run());
    assert.deepEqual(reqs.map(r => [r.outcome, r.latency]),
        [['ok', 10000], ['retried', 160000], ['pending', 100000]]);
});

test('throughput_counts_completions_per_100ms', () => {
    const r = run();
    assert.deepEqual(S.throughput(r, S.requests(r)).map(b => b.count), [0, 1, 0, 1, 0]);
});

test('unavailability_covers_leaderless_time_and_stalled_bins', () => {
    const r = run();
    const u = S.unavailable(r, S.requests(r));
    const noLeader = u.filter(x => x.why === 'no leader').map(x => [x.t0, x.t1]);
    assert.deepEqual(noLeader, [[0, 100000], [250000, 350000]]);
    const stalled = u.filter(x => x.why !== 'no leader').map(x => x.t0);
    assert.deepEqual(stalled, [200000, 400000]);
});

test('checks_and_violations_are_listed_in_time_order', () => {
    const r = M.load(runData(1, 10, [
        { t: 1, kind: 'check', ok: true, text: 'leader' },
        { t: 5, kind: 'violation', text: 'election-safety: two leaders' },
    ]));
    assert.deepEqual(S.checks(r).map(c => [c.t, c.ok, c.kind]),
        [[1, true, 'check'], [5, false, 'violation']]);
});

test('each_transfer_has_its_span_and_outcome', () => {
    const run = M.load(runData(3, 1000, [
        { t: 100, kind: 'transfer', node: 1, peer: 2, term: 1, text: 'start' },
        { t: 130, kind: 'transfer', node: 1, peer: 2, term: 1, text: 'done' },
        { t: 500, kind: 'transfer', node: 2, peer: 3, term: 2, text: 'start' },
        { t: 700, kind: 'transfer', node: 2, peer: 3, term: 2, text: 'abort' },
        { t: 800, kind: 'transfer', node: 2, peer: 1, term: 2, text: 'start' },
    ]));
    assert.deepEqual(S.transfers(run).map(x => [x.leader, x.target, x.t0,
        x.t1, x.outcome]), [[1, 2, 100, 130, 'done'],
        [2, 3, 500, 700, 'abort'], [2, 1, 800, 1000, 'running']]);
});

/* A spare joins as a learner, a joint configuration adds it as a voter and
 * lets n3 go, then the leader leaves the joint configuration; the strips
 * follow the leader's configuration (viz/viz_members.c's rule). */
function growRun() {
    const cfg = (t, node, index, text) =>
        ({ t: t, kind: 'config', node: node, index: index, term: 1, text: text });
    const events = [];
    for (let id = 1; id <= 4; id++)
        events.push(cfg(0, id, 0, 'voters n1 n2 n3'));
    events.push({ t: 100, kind: 'role', node: 1, term: 1, role: 'leader' });
    events.push(cfg(200, 1, 2, 'voters n1 n2 n3 | learners n4'));
    events.push(cfg(400, 1, 3, 'voters n1 n2 n4 | outgoing n1 n2 n3'));
    events.push(cfg(600, 1, 4, 'voters n1 n2 n4'));
    return M.load(runData(4, 1000, events));
}

test('membership_spans_follow_the_leaders_configuration', () => {
    const m = S.members(growRun(), M);
    assert.equal(m.shown, true);
    const strip = id => m.spans[id].map(s => [s.from, s.to, s.member]);
    assert.deepEqual(strip(4), [[0, 200, 'not a member'],
        [200, 400, 'learner'], [400, 600, 'joint: incoming'],
        [600, 1000, 'voter']]);
    assert.deepEqual(strip(3), [[0, 400, 'voter'],
        [400, 600, 'joint: outgoing'], [600, 1000, 'not a member']]);
    assert.deepEqual(strip(1), [[0, 400, 'voter'],
        [400, 600, 'joint: both halves'], [600, 1000, 'voter']]);
});

test('membership_of_a_cluster_of_voters_only_is_not_shown', () => {
    const run = M.load(runData(2, 1000, [
        { t: 0, kind: 'config', node: 1, text: 'voters n1 n2' },
        { t: 0, kind: 'config', node: 2, text: 'voters n1 n2' },
        { t: 100, kind: 'role', node: 1, term: 1, role: 'leader' },
        { t: 300, kind: 'crash', node: 1 },
    ]));
    const m = S.members(run, M);
    assert.equal(m.shown, false);
    assert.deepEqual(m.spans[2], [{ from: 0, to: 1000, member: 'voter' }]);
});

test('membership_falls_back_to_the_newest_live_configuration', () => {
    /* Without a live leader, the newest configuration (entry term, then
     * index) among live nodes decides; a crashed node's does not count. */
    const run = M.load(runData(3, 1000, [
        { t: 0, kind: 'config', node: 1, index: 5, term: 2, text: 'voters n1 n2 | learners n3' },
        { t: 0, kind: 'config', node: 2, index: 3, term: 2, text: 'voters n1 n2 n3' },
        { t: 500, kind: 'crash', node: 1 },
    ]));
    const m = S.members(run, M);
    assert.deepEqual(m.spans[3].map(s => [s.from, s.to, s.member]),
        [[0, 500, 'learner'], [500, 1000, 'voter']]);
});

/* The lanes' network spans say, at every instant, what the cluster
 * picture says from the state there. */
test('network_spans_match_the_partition_sides_at_every_instant', () => {
    const run = M.load(partitionRunData());
    const net = S.network(run, M);
    assert.ok(net.shown);
    const at = (id, t) => {
        let found = null;
        for (const sp of net.spans[id])
            if (sp.from <= t) found = sp;
        return found.side + '/' + found.cutTo;
    };
    for (const t of [0, 99, 100, 149, 150, 199, 200, 250, 299, 300, 999]) {
        const s = M.stateAt(run, t), side = [];
        for (const sd of M.partitionSides(s))
            for (const id of sd.nodes)
                side[id] = sd.group === 0 ? 'cut off'
                    : sd.quorum ? 'majority' : 'minority';
        for (let id = 1; id <= 5; id++)
            assert.equal(at(id, t), (side[id] || '') + '/' + s.cuts
                .filter(c => c[0] === id).map(c => 'n' + c[1]).join(' '),
            'n' + id + ' at ' + t);
    }
    for (let id = 1; id <= 5; id++) {
        const sp = net.spans[id];
        assert.equal(sp[0].from, 0);
        assert.equal(sp[sp.length - 1].to, run.endUs);
        for (let k = 1; k < sp.length; k++)
            assert.equal(sp[k].from, sp[k - 1].to, 'spans tile the run');
    }
    assert.equal(at(4, 170), 'majority/n5');
    assert.equal(at(4, 250), 'cut off/n5');
});
