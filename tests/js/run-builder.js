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

module.exports = { runData };
