/* run-builder.js: builds runs in the form raftsim embeds them in a replay
 * page (viz/viz_html.c), from readable event objects, for the unit tests of
 * viz/web/. */
'use strict';

const KINDS = ['', 'send', 'deliver', 'drop', 'duplicate', 'role', 'term',
    'leader', 'persist', 'sync', 'commit', 'apply', 'snapshot', 'crash',
    'restart', 'pause', 'resume', 'partition', 'cut', 'heal', 'net', 'drift',
    'client-invoke', 'client-send', 'client-complete', 'check', 'violation',
    'note', 'disk', 'timer', 'progress', 'log', 'operator', 'config',
    'transfer'];
const TYPES = ['', 'AppendEntries', 'AppendEntriesResult', 'RequestVote',
    'RequestVoteResult', 'PreVote', 'PreVoteResult', 'InstallSnapshot',
    'InstallSnapshotResult', 'TimeoutNow'];
const ROLES = ['follower', 'candidate', 'leader'];

/* ev: {t, kind, node, peer, msg, msg2, type, term, index, count, commit,
 * aux, role, ok, client, request, text, groups}; missing fields are zero;
 * groups (a partition's, one number per node) follows the text. */
function encode(ev, seq) {
    const a = [seq, ev.t || 0, KINDS.indexOf(ev.kind), ev.node || 0,
        ev.peer || 0, ev.msg || 0, ev.msg2 || 0,
        ev.type ? TYPES.indexOf(ev.type) : 0, ev.term || 0, ev.index || 0,
        ev.count || 0, ev.commit || 0, ev.aux || 0,
        ev.role ? ROLES.indexOf(ev.role) : 0, ev.ok ? 1 : 0, ev.client || 0,
        ev.request || 0, ev.text || ''];
    if (ev.groups)
        a.push(ev.groups);
    return a;
}

function runData(nodes, endUs, events) {
    return {
        title: 'test', file: 'test.scn', seed: 1, hash: '0', nodes: nodes,
        end_us: endUs, roles: ROLES,
        kinds: KINDS, msg_types: TYPES,
        events: events.map((e, i) => encode(e, i + 1)),
    };
}

/* Five nodes: n1 n2 | n3 n4 n5 at 100 with a cut n4 -> n5 inside the
 * majority at 150; at 200 a new partition, n1 | n2 n3 n5 with n4 left
 * alone, which keeps the cut; heal at 300. Filler events between put the
 * changes on both sides of checkpoints. Messages lost at the partition
 * end in drops at 210 and 220. */
function partitionRunData() {
    const ev = [{ t: 100, kind: 'partition', text: 'n1 n2 | n3 n4 n5',
        groups: [1, 1, 2, 2, 2] }];
    for (let k = 0; k < 1500; k++)
        ev.push({ t: 101 + k % 40, kind: 'timer', node: 1 + k % 5,
            aux: 900 });
    ev.push({ t: 150, kind: 'cut', node: 4, peer: 5 });
    ev.push({ t: 150, kind: 'cut', node: 4, peer: 5 });
    for (let k = 0; k < 1200; k++)
        ev.push({ t: 160 + k % 30, kind: 'timer', node: 1 + k % 5,
            aux: 900 });
    ev.push({ t: 200, kind: 'partition', text: 'n1 | n2 n3 n5',
        groups: [1, 2, 2, 0, 2] });
    ev.push({ t: 201, kind: 'send', node: 1, peer: 2, msg: 7,
        type: 'AppendEntries', term: 1 });
    ev.push({ t: 210, kind: 'drop', node: 1, peer: 2, msg: 7,
        type: 'AppendEntries', term: 1, text: 'cut' });
    ev.push({ t: 220, kind: 'drop', node: 2, peer: 4, msg: 8,
        type: 'AppendEntriesResult', term: 1, text: 'cut' });
    ev.push({ t: 220, kind: 'drop', node: 2, client: 1, request: 1,
        text: 'down' });
    ev.push({ t: 300, kind: 'heal' });
    /* Sorting is stable: events of one instant keep their order. */
    return runData(5, 1000, ev.sort((x, y) => x.t - y.t));
}

module.exports = { runData, partitionRunData };
