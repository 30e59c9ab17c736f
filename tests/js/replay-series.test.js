/* replay-series.test.js: lanes, client plots and unavailability over the
 * whole run (viz/web/replay-series.js). */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const M = require('../../viz/web/replay-model.js');
const S = require('../../viz/web/replay-series.js');
const { runData } = require('./run-builder.js');

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
