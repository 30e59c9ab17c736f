/* replay-model.test.js: the replay page rebuilds the cluster's state at any
 * instant from the trace alone (viz/web/replay-model.js). */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const M = require('../../viz/web/replay-model.js');
const { runData, partitionRunData } = require('./run-builder.js');

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

/* What the cluster view reads about the network at s. */
function network(s) {
    return {
        groups: s.groups ? s.groups.slice(1) : null,
        sides: M.partitionSides(s).map(x => x.nodes.join(' ') + ':' +
            (x.quorum ? 'majority' : 'minority')),
        broken: M.brokenLinks(s, 5).map(l => l.a + '-' + l.b + ':' +
            l.why + (l.why === 'cut' ? ':' + (l.ab ? '>' : '') +
                (l.ba ? '<' : '') : '')),
    };
}

test('partition_groups_follow_the_trace_after_scrubbing_back', () => {
    const run = M.load(partitionRunData());
    assert.ok(run.checkpoints.length >= 3);
    const want = {
        50: { groups: null, sides: [], broken: [] },
        120: { groups: [1, 1, 2, 2, 2],
            sides: ['1 2:minority', '3 4 5:majority'],
            broken: ['1-3:partition', '1-4:partition', '1-5:partition',
                '2-3:partition', '2-4:partition', '2-5:partition'] },
        170: { groups: [1, 1, 2, 2, 2],
            sides: ['1 2:minority', '3 4 5:majority'],
            broken: ['1-3:partition', '1-4:partition', '1-5:partition',
                '2-3:partition', '2-4:partition', '2-5:partition',
                '4-5:cut:>'] },
        250: { groups: [1, 2, 2, 0, 2],
            sides: ['1:minority', '2 3 5:majority', '4:minority'],
            broken: ['1-2:partition', '1-3:partition', '1-4:partition',
                '1-5:partition', '2-4:partition', '3-4:partition',
                '4-5:partition'] },
        400: { groups: null, sides: [], broken: [] },
    };
    /* Forward, back across the checkpoints, then forward again: the same
     * picture at each instant whatever the way there. */
    const c = M.cursor(run);
    for (const t of [50, 120, 170, 250, 400, 170, 50, 250, 120, 400, 250])
        assert.deepEqual(network(c.seek(M.indexAt(run, t))), want[t],
            'at ' + t);
    for (const t of Object.keys(want))
        assert.deepEqual(network(M.stateAt(run, Number(t))), want[t],
            'at ' + t + ' from a checkpoint');
});

test('a_link_is_open_as_the_network_decides_partitions_and_cuts', () => {
    const run = M.load(partitionRunData());
    let s = M.stateAt(run, 170);
    assert.ok(M.linkOpen(s, 1, 2) && M.linkOpen(s, 3, 4) && M.linkOpen(s, 5, 4));
    assert.ok(!M.linkOpen(s, 4, 5), 'a cut closes its direction');
    assert.ok(!M.linkOpen(s, 2, 3) && !M.linkOpen(s, 3, 2));
    s = M.stateAt(run, 250);
    assert.ok(!M.linkOpen(s, 4, 5) && !M.linkOpen(s, 5, 4),
        'a node the partition leaves out talks to nobody');
    assert.ok(M.linkOpen(s, 4, 4));
    assert.deepEqual(s.cuts, [[4, 5]], 'a new partition keeps the cuts');
    s = M.stateAt(run, 300);
    assert.ok(M.linkOpen(s, 4, 5) && M.linkOpen(s, 1, 3));
    assert.deepEqual(s.cuts, [], 'heal removes every cut');
    assert.equal(s.groups, null, 'heal removes the partition');
});

test('a_side_holds_a_quorum_of_the_voters_of_both_halves_while_joint', () => {
    const plain = M.parseConfig('voters n1 n2 n3');
    assert.ok(M.holdsQuorum([1, 2], plain, 5), 'spares do not count');
    assert.ok(!M.holdsQuorum([1, 4, 5], plain, 5));
    const joint = M.parseConfig('voters n3 n4 n5 | outgoing n1 n2 n3');
    assert.ok(!M.holdsQuorum([3, 4, 5], joint, 5), 'the old half disagrees');
    assert.ok(M.holdsQuorum([2, 3, 4], joint, 5));
    assert.ok(!M.holdsQuorum([1, 2], null, 4), 'half is not a majority');
    assert.ok(M.holdsQuorum([1, 2, 3], null, 4));
});

test('messages_lost_at_a_partition_are_shown_for_a_while_after', () => {
    const run = M.load(partitionRunData());
    const drops = (t, w) => M.recentDrops(run, t, w)
        .map(d => d.from + '>' + d.to + '@' + d.t);
    assert.deepEqual(drops(209, 50), []);
    assert.deepEqual(drops(215, 50), ['1>2@210']);
    assert.deepEqual(drops(230, 50), ['1>2@210', '2>4@220'],
        'a client request lost is not a message');
    assert.deepEqual(drops(230, 15), ['2>4@220']);
    assert.deepEqual(drops(400, 50), []);
    assert.equal(M.recentDrops(run, 215, 50)[0].why, 'cut');
    assert.equal(M.stateAt(run, 205).inflight.get(7).to, 2);
    assert.equal(run.msgEnd.get(7).kind, 'drop');
});

test('a_jsonl_partition_record_keeps_its_groups', () => {
    const data = M.fromTrace([
        { kind: 'header', nodes: 3, title: 't', file: 'f', seed: 1 },
        { seq: 1, t_us: 5, kind: 'partition', text: 'n1 | n2 n3',
            groups: [1, 2, 2], ok: false },
        { seq: 2, t_us: 6, kind: 'cut', node: 2, peer: 3, ok: false },
        { kind: 'footer', hash: '0', end_us: 10 },
    ]);
    const s = M.stateAt(M.load(data), 6);
    assert.deepEqual(s.groups, [0, 1, 2, 2]);
    assert.deepEqual(M.partitionSides(s).map(x => x.nodes),
        [[1], [2, 3]]);
    assert.deepEqual(s.cuts, [[2, 3]]);
});
