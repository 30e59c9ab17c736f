/* replay-model.test.js: the replay page rebuilds the cluster's state at any
 * instant from the trace alone (viz/web/replay-model.js). */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const M = require('../../viz/web/replay-model.js');
const { runData } = require('./run-builder.js');

/* n1 wins term 1 with n2's vote, replicates two entries to n2, which
 * syncs only the first before crashing and restarting. */
function electionRun() {
    return M.load(runData(3, 1000, [
        { t: 10, kind: 'timer', node: 1, aux: 100 },
        { t: 100, kind: 'term', node: 1, term: 1, peer: 1 },
        { t: 100, kind: 'role', node: 1, term: 1, role: 'candidate' },
        { t: 101, kind: 'send', node: 1, peer: 2, msg: 1, type: 'RequestVote', term: 1 },
        { t: 110, kind: 'deliver', node: 1, peer: 2, msg: 1, type: 'RequestVote', term: 1 },
        { t: 110, kind: 'term', node: 2, term: 1, peer: 1 },
        { t: 111, kind: 'send', node: 2, peer: 1, msg: 2, type: 'RequestVoteResult', term: 1, ok: true },
        { t: 120, kind: 'deliver', node: 2, peer: 1, msg: 2, type: 'RequestVoteResult', term: 1, ok: true },
        { t: 120, kind: 'role', node: 1, term: 1, role: 'leader' },
        { t: 130, kind: 'persist', node: 1, index: 1, count: 2, aux: 2, text: '1x2' },
        { t: 131, kind: 'sync', node: 1, index: 2, aux: 2 },
        { t: 140, kind: 'persist', node: 2, index: 1, count: 1, aux: 3, text: '1x1' },
        { t: 141, kind: 'sync', node: 2, index: 1, aux: 3 },
        { t: 150, kind: 'persist', node: 2, index: 2, count: 1, aux: 4, text: '1x1' },
        { t: 150, kind: 'progress', node: 1, peer: 2, term: 1, index: 2, aux: 3 },
        { t: 160, kind: 'commit', node: 1, index: 2, term: 1 },
        { t: 170, kind: 'crash', node: 2, term: 1, aux: 1 },
        { t: 300, kind: 'restart', node: 2, term: 1, index: 1 },
    ]));
}

test('terms_are_run_length_decoded', () => {
    assert.deepEqual(M.parseTerms('1x3 4x2'), [1, 1, 1, 4, 4]);
    assert.deepEqual(M.parseTerms(''), []);
});

test('roles_terms_and_votes_follow_the_events', () => {
    const run = electionRun();
    let s = M.stateAt(run, 105);
    assert.equal(s.nodes[1].role, 'candidate');
    assert.equal(s.nodes[1].term, 1);
    assert.equal(s.nodes[2].term, 0);
    s = M.stateAt(run, 125);
    assert.equal(s.nodes[1].role, 'leader');
    assert.equal(s.nodes[2].vote, 1);
    assert.deepEqual(M.leaders(s).map(nd => nd.id), [1]);
    assert.equal(M.stateAt(run, 99).nodes[1].role, 'follower');
});

test('messages_are_in_flight_from_send_to_delivery', () => {
    const run = electionRun();
    assert.deepEqual([...M.stateAt(run, 105).inflight.keys()], [1]);
    assert.equal(M.stateAt(run, 110).inflight.size, 0);
    assert.equal(run.msgEnd.get(2).t, 120);
});

test('a_crash_loses_the_writes_that_were_not_synced', () => {
    const run = electionRun();
    assert.deepEqual(M.stateAt(run, 160).nodes[2].log.terms, [1, 1]);
    const down = M.stateAt(run, 200).nodes[2];
    assert.equal(down.alive, false);
    assert.deepEqual(down.log.terms, [1]);
    const up = M.stateAt(run, 300).nodes[2];
    assert.equal(up.alive, true);
    assert.equal(M.lastIndex(up.log), 1);
});

test('the_leader_knows_each_followers_match_and_next_index', () => {
    const run = electionRun();
    assert.deepEqual(M.stateAt(run, 155).nodes[1].progress[2], { match: 2, next: 3 });
    assert.equal(M.stateAt(run, 155).nodes[1].commit, 0);
    assert.equal(M.stateAt(run, 160).nodes[1].commit, 2);
});

test('the_election_timer_runs_from_its_reset_to_its_deadline', () => {
    const run = electionRun();
    assert.deepEqual(M.stateAt(run, 50).nodes[1].timer, { from: 10, due: 100 });
    assert.equal(M.stateAt(run, 120).nodes[1].timer, null, 'a leader has none');
});

test('a_write_replaces_the_tail_of_the_log_from_its_index', () => {
    const log = { first: 1, snapIndex: 0, snapTerm: 0, terms: [1, 1, 2, 2],
        conf: [] };
    M._logWrite(log, 3, [3]);
    assert.deepEqual(log.terms, [1, 1, 3]);
    M._logSnapshot(log, 2, 1, false);
    assert.deepEqual(log, { first: 3, snapIndex: 2, snapTerm: 1, terms: [3],
        conf: [] });
    M._logWrite(log, 1, [1, 1, 4, 4]);
    assert.deepEqual(log.terms, [4, 4], 'entries under the snapshot are skipped');
});

test('configuration_entries_are_known_from_the_c_of_their_run', () => {
    assert.deepEqual(M.parseEntries('1x2 2x1c 2x2'),
        { terms: [1, 1, 2, 2, 2], conf: [2] });
    assert.deepEqual(M.parseTerms('1x2 2x1c 2x2'), [1, 1, 2, 2, 2]);
    const log = { first: 1, snapIndex: 0, snapTerm: 0, terms: [], conf: [] };
    const w = M.parseEntries('1x1 1x1c 1x2 2x1c');
    M._logWrite(log, 1, w.terms, w.conf);
    assert.deepEqual(log.conf, [2, 5]);
    assert.ok(M.isConfigEntry(log, 2) && !M.isConfigEntry(log, 3));
    M._logWrite(log, 4, [3], []);
    assert.deepEqual(log.conf, [2], 'a truncated configuration entry is gone');
    M._logSnapshot(log, 3, 1, false);
    assert.deepEqual(log.conf, [], 'a snapshot covers it');
});

/* 2500 writes over three nodes, with syncs, crashes and restarts: more
 * than two checkpoints' worth of events. */
function longRun() {
    const events = [];
    for (let k = 1; k <= 2500; k++) {
        events.push({ t: k * 10, kind: 'persist', node: 1 + k % 3, index: k,
            count: 1, aux: k, text: (1 + (k >> 8)) + 'x1' });
        if (k % 7 === 0)
            events.push({ t: k * 10, kind: 'sync', node: 1 + k % 3, aux: k });
        if (k % 500 === 0)
            events.push({ t: k * 10 + 1, kind: 'crash', node: 1 + k % 3 });
        if (k % 500 === 3)
            events.push({ t: k * 10 + 1, kind: 'restart', node: 1 + (k - 3) % 3, term: 1 });
    }
    return M.load(runData(3, 30000, events));
}

test('state_from_a_checkpoint_equals_state_from_the_start', () => {
    const run = longRun();
    assert.ok(run.checkpoints.length >= 3);
    for (const i of [0, 999, 1000, 1001, 1777, run.events.length - 1]) {
        const fresh = M.initialState(run);
        for (let k = 0; k <= i; k++)
            M.applyEvent(fresh, run.events[k]);
        assert.deepEqual(M.stateAfter(run, i), fresh, 'after event ' + i);
    }
});

test('a_seeking_cursor_shows_the_same_state_as_a_fresh_rebuild', () => {
    const run = longRun();
    const c = M.cursor(run);
    /* Forward steps (a drag), a step of exactly one checkpoint interval,
     * jumps back inside and across checkpoints, a far jump ahead. */
    const path = [5, 6, 300, 999, 1000, 1700, 2700, 2600, 1200, 40, 41,
        run.events.length - 1, 0, -1, 3];
    for (const i of path) {
        const fresh = M.initialState(run);
        for (let k = 0; k <= i; k++)
            M.applyEvent(fresh, run.events[k]);
        assert.deepEqual(c.seek(i), fresh, 'after event ' + i);
    }
    assert.deepEqual(M.stateAfter(run, 1700), M.cursor(run).seek(1700),
        'stepping never changes a checkpoint');
});

test('the_cursor_finds_the_last_event_at_or_before_it', () => {
    const run = electionRun();
    assert.equal(M.indexAt(run, 0), -1);
    assert.equal(M.indexAt(run, 110), 5);
    assert.equal(M.indexAt(run, 1e9), run.events.length - 1);
});

/* n3 is a spare: outside the bootstrap configuration until leader n1 adds
 * it as a learner, then as an incoming voter of a joint configuration;
 * n1 then hands leadership to n2. */
function membershipRun() {
    const boot = 'voters n1 n2';
    return M.load(runData(3, 1000, [
        { t: 0, kind: 'config', node: 1, text: boot },
        { t: 0, kind: 'config', node: 2, text: boot },
        { t: 0, kind: 'config', node: 3, text: boot },
        { t: 100, kind: 'role', node: 1, term: 1, role: 'leader' },
        { t: 200, kind: 'config', node: 1, index: 2, term: 1,
            text: 'voters n1 n2 | learners n3' },
        { t: 300, kind: 'config', node: 1, index: 3, term: 1,
            text: 'voters n1 n2 n3 | outgoing n1 n2' },
        { t: 400, kind: 'transfer', node: 1, peer: 2, term: 1, text: 'start' },
        { t: 401, kind: 'transfer', node: 1, peer: 2, term: 1,
            text: 'timeout-now' },
        { t: 420, kind: 'role', node: 1, term: 2, role: 'follower' },
        { t: 430, kind: 'role', node: 2, term: 2, role: 'leader' },
        { t: 430, kind: 'transfer', node: 1, peer: 2, term: 1, text: 'done' },
    ]));
}

test('config_texts_give_each_nodes_place_in_the_configuration', () => {
    const c = M.parseConfig('voters n1 n3 | learners n2 | outgoing n1 n2');
    assert.deepEqual(c, { voters: [1, 3], learners: [2], outgoing: [1, 2] });
    assert.deepEqual([1, 2, 3, 4].map(id => M.memberOf(c, id)),
        ['joint: both halves', 'joint: outgoing', 'joint: incoming',
            'not a member']);
    const plain = M.parseConfig('voters n1 n12 | learners n4');
    assert.deepEqual([1, 2, 4, 12].map(id => M.memberOf(plain, id)),
        ['voter', 'not a member', 'learner', 'voter']);
});

test('a_spare_is_not_a_member_until_the_leaders_configuration_adds_it', () => {
    const run = membershipRun();
    const at = t => {
        const s = M.stateAt(run, t);
        return [1, 2, 3].map(id => M.memberOf(M.clusterConfig(s), id));
    };
    assert.deepEqual(at(50), ['voter', 'voter', 'not a member']);
    assert.deepEqual(at(250), ['voter', 'voter', 'learner']);
    assert.deepEqual(at(350), ['joint: both halves', 'joint: both halves',
        'joint: incoming']);
    /* The new leader n2 has not traced the joint configuration: its own,
     * the bootstrap one, is the cluster's now. */
    assert.deepEqual(at(500), ['voter', 'voter', 'not a member']);
    assert.equal(M.stateAt(run, 350).nodes[1].config.index, 3);
});

test('a_transfer_runs_from_its_start_to_its_outcome', () => {
    const run = membershipRun();
    assert.equal(M.stateAt(run, 399).transfers.size, 0);
    assert.deepEqual(M.stateAt(run, 405).transfers.get(1),
        { target: 2, term: 1, stage: 'timeout-now' });
    assert.equal(M.stateAt(run, 430).transfers.size, 0);
});
