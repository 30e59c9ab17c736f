/* replay-narrate.test.js: one plain sentence per event, with the context a
 * reader needs (viz/web/replay-narrate.js). */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const M = require('../../viz/web/replay-model.js');
const N = require('../../viz/web/replay-narrate.js');
const { runData } = require('./run-builder.js');

function election() {
    const ev = [
        { t: 10, kind: 'timer', node: 3, aux: 150 },
        { t: 150, kind: 'term', node: 3, term: 2, peer: 3 },
        { t: 150, kind: 'role', node: 3, term: 2, role: 'candidate' },
    ];
    let msg = 1;
    for (const p of [1, 2, 4, 5])
        ev.push({ t: 151, kind: 'send', node: 3, peer: p, msg: msg++,
            type: 'RequestVote', term: 2, index: 4, aux: 1 });
    for (const p of [1, 4])
        ev.push({ t: 160, kind: 'deliver', node: p, peer: 3, msg: msg++,
            type: 'RequestVoteResult', term: 2, ok: true });
    ev.push({ t: 160, kind: 'role', node: 3, term: 2, role: 'leader' });
    ev.push({ t: 170, kind: 'drop', node: 3, peer: 5, msg: 9,
        type: 'AppendEntries', term: 2, text: 'down' });
    return M.load(runData(5, 1000, ev));
}

test('a_candidate_says_whose_timer_fired_and_whom_it_asks', () => {
    assert.equal(N.narrate(election(), 2),
        "n3's election timer fired: it becomes a candidate for term 2 and " +
        'asks n1, n2, n4 and n5 for votes');
});

test('a_new_leader_names_the_votes_it_won', () => {
    const run = election();
    assert.equal(N.narrate(run, 9),
        'n3 wins the election for term 2 with the votes of itself, n1 and n4 ' +
        'and becomes leader of 5 nodes');
});

test('a_lost_message_says_why', () => {
    const run = election();
    assert.equal(N.narrate(run, 10),
        "n3's AppendEntries to n5 is lost: n5 is down or restarted");
});

test('append_entries_name_the_entries_and_the_consistency_check', () => {
    const run = M.load(runData(2, 100, [
        { t: 1, kind: 'send', node: 1, peer: 2, msg: 1, type: 'AppendEntries',
            term: 8, index: 9, aux: 6, count: 2, commit: 4 },
        { t: 2, kind: 'send', node: 2, peer: 1, msg: 2,
            type: 'AppendEntriesResult', term: 8, ok: false, aux: 5 },
    ]));
    assert.equal(N.narrate(run, 0), 'n1 sends n2 entries 10..11 (term 8, ' +
        'after index 9 of term 6, leader commit 4)');
    assert.equal(N.narrate(run, 1), 'n2 sends n1 a refusal: its log does not ' +
        'match at that point (hint: retry from index 5)');
});

test('heartbeats_and_disk_syncs_are_routine_but_elections_are_not', () => {
    const run = election();
    assert.equal(N.minor({ kind: 'send', type: 'AppendEntries', count: 0 }), true);
    assert.equal(N.minor({ kind: 'send', type: 'AppendEntries', count: 3 }), false);
    assert.equal(N.minor({ kind: 'sync' }), true);
    assert.equal(N.minor(run.events[2]), false);
    const lead = M.load(runData(2, 100, [
        { t: 5, kind: 'role', node: 1, term: 1, role: 'leader' },
        { t: 5, kind: 'progress', node: 1, peer: 2, term: 1, aux: 4 },
        { t: 9, kind: 'progress', node: 1, peer: 2, term: 1, aux: 3 },
    ]));
    assert.equal(N.minor(lead.events[1]), true, 'the first guess is routine');
    assert.equal(N.minor(lead.events[2]), false, 'a repair step is not');
});

test('every_trace_kind_has_a_sentence', () => {
    const kinds = runData(1, 1, []).kinds.slice(1);
    const run = M.load(runData(2, 10, kinds.map(k => ({ t: 1, kind: k,
        node: 1, peer: 2, msg: 1, type: 'AppendEntries', text: '1x1' }))));
    for (let i = 0; i < run.events.length; i++) {
        const s = N.narrate(run, i);
        assert.ok(s !== kinds[i] && s.length > 5 && !s.includes('undefined') &&
            !s.includes('NaN'), kinds[i] + ': ' + s);
    }
});

test('a_partition_names_the_side_that_can_still_elect_and_commit', () => {
    const run = M.load(runData(5, 1000, [
        { t: 10, kind: 'partition', text: 'n3 n5 | n4 n1 n2',
            groups: [2, 2, 1, 2, 1] },
        { t: 20, kind: 'partition', text: 'n1 n2 | n3 n4',
            groups: [1, 1, 2, 2, 0] },
    ]));
    assert.equal(N.narrate(run, 0), 'The network is partitioned: ' +
        'n3 n5 | n4 n1 n2; only n1, n2 and n4 hold a majority of the ' +
        'voters and can elect a leader and commit');
    assert.equal(N.narrate(run, 1), 'The network is partitioned: ' +
        'n1 n2 | n3 n4; no side holds a majority of the voters: none can ' +
        'elect a leader or commit');
});
