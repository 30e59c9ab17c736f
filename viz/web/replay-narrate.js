/* replay-narrate.js: one plain English sentence per trace event.
 *
 * narrate(run, i) tells what event i of a loaded run (replay-model.js)
 * means, looking a little before or after it where a sentence needs it
 * (which votes a new leader won, whom a new candidate asks). minor(e) says
 * which events are routine (heartbeats, disk syncs, timer resets) so the
 * page can hide them. Pure: no DOM, no clock. A partition's sentence names
 * the side that holds a quorum as the model judges it (RaftReplay, loaded
 * before this script in the page).
 */
(function (root, factory) {
    const node = typeof module === 'object' && module.exports;
    const api = factory(node ? require('./replay-model.js') : root.RaftReplay);
    if (node)
        module.exports = api;
    else
        root.RaftNarrate = api;
})(typeof self !== 'undefined' ? self : this, function (M) {
    'use strict';

    const LOOK = 400; /* events searched around one for its context */

    function n(id) { return 'n' + id; }

    function list(ids) {
        return words(ids.map(n));
    }

    /* "a", "a and b", "a, b and c". */
    function words(names) {
        if (names.length <= 1)
            return names.join('');
        return names.slice(0, -1).join(', ') + ' and ' + names[names.length - 1];
    }

    /* "1.250s", "12.3ms", "850us", as the command prints times. */
    function formatTime(us) {
        if (us >= 1000000 || us === 0)
            return (us / 1e6).toFixed(3) + 's';
        if (us >= 1000)
            return (us / 1000).toFixed(1) + 'ms';
        return us + 'us';
    }

    function heartbeat(e) {
        return (e.type === 'AppendEntries' && e.count === 0) ||
            (e.type === 'AppendEntriesResult' && e.ok);
    }

    /* What a message says, after "sends" or "receives". */
    function what(e) {
        switch (e.type) {
        case 'AppendEntries':
            if (e.count === 0)
                return 'a heartbeat (term ' + e.term + ', after index ' +
                    e.index + ' of term ' + e.aux + ', leader commit ' +
                    e.commit + ')';
            return (e.count === 1 ? 'entry ' + (e.index + 1)
                : 'entries ' + (e.index + 1) + '..' + (e.index + e.count)) +
                ' (term ' + e.term + ', after index ' + e.index +
                ' of term ' + e.aux + ', leader commit ' + e.commit + ')';
        case 'AppendEntriesResult':
            return e.ok ? 'a success: its log matches up to index ' + e.index
                : 'a refusal: its log does not match at that point' +
                  (e.aux ? ' (hint: retry from index ' + e.aux + ')' : '');
        case 'RequestVote':
        case 'PreVote':
            return 'a ' + (e.type === 'PreVote' ? 'pre-vote' : 'vote') +
                ' request for term ' + e.term + ' (last entry: index ' +
                e.index + ', term ' + e.aux + ')';
        case 'RequestVoteResult':
        case 'PreVoteResult':
            return (e.ok ? 'a yes' : 'a no') + ' to its ' +
                (e.type === 'PreVoteResult' ? 'pre-vote' : 'vote') +
                ' request for term ' + e.term;
        case 'InstallSnapshot':
            /* A whole snapshot is one chunk at offset 0 marked done. */
            return 'its snapshot up to index ' + e.index + ' (term ' +
                e.aux + ')' + (e.ok && !e.commit ? ''
                    : ', bytes ' + e.commit + '..' + (e.commit + e.count) +
                      (e.ok ? ', the last chunk' : ''));
        case 'InstallSnapshotResult':
            return e.ok
                ? 'an acknowledgement of the snapshot up to index ' + e.index
                : 'word that it holds the first ' + e.aux +
                  ' bytes of the snapshot up to index ' + e.index;
        case 'ReadIndex':
            return 'a read forwarded by a follower (read ' + e.aux + ')';
        case 'ReadIndexResult':
            return e.ok ? 'the read index ' + e.index + ' for read ' + e.aux
                : 'a refusal of read ' + e.aux;
        default:
            return 'a ' + e.type;
        }
    }

    /* Events j near i (after when dir > 0, else before) passing keep. */
    function around(run, i, dir, keep) {
        const out = [];
        const ev = run.events;
        for (let k = i + dir, m = 0; k >= 0 && k < ev.length && m < LOOK;
            k += dir, m++) {
            if (keep(ev[k]))
                out.push(ev[k]);
        }
        return out;
    }

    function candidate(run, e) {
        const asks = around(run, e.i, 1, x => x.kind === 'send' &&
            x.node === e.node && x.type === 'RequestVote' && x.term === e.term)
            .map(x => x.peer);
        const fired = around(run, e.i, -1, x => x.node === e.node &&
            (x.kind === 'timer' || x.kind === 'role'))[0];
        const why = fired && fired.kind === 'timer' && fired.aux <= e.t
            ? n(e.node) + "'s election timer fired: it"
            : n(e.node);
        return why + ' becomes a candidate for term ' + e.term +
            (asks.length ? ' and asks ' + list(asks) + ' for votes'
                : ' and votes for itself');
    }

    function leader(run, e) {
        const seen = new Set();
        const votes = around(run, e.i, -1, x => x.kind === 'deliver' &&
            x.peer === e.node && x.type === 'RequestVoteResult' && x.ok &&
            x.term === e.term).map(x => x.node)
            .filter(id => !seen.has(id) && seen.add(id)).reverse();
        return n(e.node) + ' wins the election for term ' + e.term +
            (votes.length ? ' with the votes of ' + words(['itself'].concat(votes.map(n)))
                : '') +
            ' and becomes leader of ' + run.n + ' nodes';
    }

    const say = {
        role(run, e) {
            if (e.role === 'candidate')
                return candidate(run, e);
            if (e.role === 'leader')
                return leader(run, e);
            return n(e.node) + ' becomes a follower in term ' + e.term;
        },
        term: (run, e) => n(e.node) + ' moves to term ' + e.term +
            (e.peer ? (e.peer === e.node ? ' and votes for itself'
                : ' and votes for ' + n(e.peer)) : ''),
        leader: (run, e) => e.peer
            ? n(e.node) + ' learns that ' + n(e.peer) + ' leads term ' + e.term
            : n(e.node) + ' knows no leader in term ' + e.term,
        send: (run, e) => n(e.node) + ' sends ' + n(e.peer) + ' ' + what(e),
        deliver: (run, e) => n(e.peer) + ' receives from ' + n(e.node) + ' ' +
            what(e),
        drop(run, e) {
            if (!e.msg)
                return 'Client ' + e.client + "'s request " + e.request +
                    ' to ' + n(e.node) + ' is lost: ' + n(e.node) + ' is down';
            const why = { random: 'lost by the network',
                cut: 'lost: the link is cut',
                down: 'lost: ' + n(e.peer) + ' is down or restarted' }[e.text] ||
                'lost';
            return n(e.node) + "'s " + e.type + ' to ' + n(e.peer) + ' is ' + why;
        },
        duplicate: (run, e) => 'The network duplicates ' + n(e.node) + "'s " +
            e.type + ' to ' + n(e.peer),
        persist(run, e) {
            const parts = [];
            if (e.term)
                parts.push('term ' + e.term + (e.peer ? ' and its vote for ' +
                    n(e.peer) : ''));
            if (e.count)
                parts.push((e.count === 1 ? 'entry ' + e.index
                    : 'entries ' + e.index + '..' + (e.index + e.count - 1)) +
                    ' (terms ' + e.text + ')');
            if (e.ok)
                parts.push('the snapshot it received');
            return n(e.node) + ' writes ' + (parts.join(', ') || 'its state') +
                ' to disk';
        },
        sync: (run, e) => n(e.node) + "'s write is durable: its log on disk ends at " +
            e.index,
        commit: (run, e) => n(e.node) + ' commits up to index ' + e.index +
            ' (term ' + e.term + ')',
        apply: (run, e) => n(e.node) + ' applies ' + e.count +
            (e.count === 1 ? ' entry' : ' entries') + ', up to index ' +
            e.index + ', to its key-value store',
        snapshot: (run, e) => n(e.node) + (e.ok ? ' installs the leader\'s snapshot'
            : ' takes a snapshot') + ' up to index ' + e.index + ' (term ' +
            e.term + ')',
        crash: (run, e) => n(e.node) + ' crashes' + (e.aux ? '; ' + e.aux +
            ' writes not yet on disk are lost' : ''),
        restart: (run, e) => n(e.node) + ' restarts from its disk: term ' +
            e.term + ', last log index ' + e.index,
        pause: (run, e) => n(e.node) + ' freezes until ' + formatTime(e.aux) +
            ' (a pause: it neither sends nor receives)',
        resume: (run, e) => n(e.node) + ' wakes up' + (e.aux ? '; ' + e.aux +
            ' held events are handled now' : ''),
        /* Which side can still elect a leader and commit (Raft paper,
         * section 5.2): the one holding a quorum of the voters. */
        partition(run, e) {
            const sides = M.partitionSides(M.stateAfter(run, e.i));
            const q = sides.find(sd => sd.quorum);
            return 'The network is partitioned: ' + e.text + '; ' + (q
                ? 'only ' + list(q.nodes) + (q.nodes.length === 1 ? ' holds'
                    : ' hold') + ' a majority of the voters and can elect ' +
                    'a leader and commit'
                : 'no side holds a majority of the voters: none can elect ' +
                    'a leader or commit');
        },
        cut: (run, e) => 'Messages from ' + n(e.node) + ' to ' + n(e.peer) +
            ' are lost from now on',
        heal: () => 'The network heals: every partition and cut is removed',
        net: (run, e) => 'Network: ' + e.text + ' is now ' +
            (e.text.startsWith('delay') ? formatTime(e.aux)
                : (e.aux / 1e4) + '%'),
        drift: (run, e) => n(e.node) + "'s clock now runs at " +
            (e.aux / 1e6).toFixed(3) + ' times real time',
        'client-invoke': (run, e) => 'Client ' + e.client + ' asks: ' + e.text +
            (e.node ? ' (via ' + n(e.node) + ')' : ''),
        'client-send': (run, e) => 'Client ' + e.client + ' sends request ' +
            e.request + ' to ' + n(e.node),
        'client-complete': (run, e) => 'Client ' + e.client + "'s request " +
            e.request + ' completes through ' + n(e.node) + ': ' + e.text,
        check: (run, e) => (e.ok ? 'Check holds: ' : 'Check FAILED: ') + e.text,
        violation: (run, e) => 'SAFETY VIOLATION: ' + e.text,
        note: (run, e) => (e.node ? n(e.node) + ': ' : '') + e.text,
        disk: (run, e) => n(e.node) + "'s disk timing changes: " + e.text +
            ' (microseconds)',
        timer: (run, e) => n(e.node) + "'s election timer is reset: it fires at " +
            formatTime(e.aux) + ' unless a leader or candidate is heard first',
        progress: (run, e) => n(e.node) + ' records that ' + n(e.peer) +
            ' matches its log up to index ' + e.index + ' and sends it from index ' +
            e.aux + ' next',
        log: (run, e) => n(e.node) + ' starts with ' + e.count +
            ' log entries (terms ' + e.text + ')',
        operator: (run, e) => 'The operator asks ' + (e.node ? n(e.node) :
            'the leader') + ': ' + e.text,
        config: (run, e) => n(e.node) + ' now acts on the configuration ' +
            (e.index ? (e.ok ? 'of its snapshot at index ' :
                'of its log entry ') + e.index : 'it started with') +
            ': ' + e.text,
        transfer: (run, e) => transferSentence(n(e.node), n(e.peer), e.text),
    };

    /* Thesis §3.10: what a `transfer` event says. */
    function transferSentence(leader, target, what) {
        switch (what) {
        case 'start':
            return leader + ' starts handing leadership to ' + target +
                ' and stops accepting proposals';
        case 'timeout-now':
            return leader + ' sends TimeoutNow to ' + target +
                ', whose log is up to date: it campaigns at once';
        case 'done':
            return 'Leadership transfer from ' + leader + ' to ' + target +
                ' done: ' + target + ' leads';
        default:
            return 'Leadership transfer from ' + leader + ' to ' + target +
                ' aborted';
        }
    }

    function narrate(run, i) {
        const e = run.events[i];
        const f = say[e.kind];
        return f ? f(run, e) : e.kind;
    }

    /* Routine events the narration panel hides unless asked. */
    function minor(e) {
        switch (e.kind) {
        case 'send': case 'deliver':
            return heartbeat(e);
        case 'sync': case 'timer': case 'persist': case 'leader':
        case 'apply': case 'client-send':
            return true;
        case 'progress':
            /* A new leader's initial guess for every follower is routine;
             * each later change is a step of a log repair. */
            return e.initial === true;
        default:
            return false;
        }
    }

    return { narrate, minor, formatTime, heartbeat };
});
