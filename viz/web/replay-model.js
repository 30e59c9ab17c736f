/* replay-model.js: the replay page's pure logic, with no DOM.
 *
 * It reads a run as raftsim embeds it (viz/viz_html.c: one JSON document,
 * every trace event as an array) and answers, for any instant, what the
 * cluster looked like: each node's role, term, vote, log, commit and applied
 * indices, election timer, pause or crash, the leader's nextIndex and
 * matchIndex per follower, partition groups and cuts (and so which links
 * carry messages, as sim/sim_net.c decides), messages in flight and those
 * just lost, client requests. Everything is derived from the trace
 * (docs/trace-format.md); partition groups from the event's `groups`,
 * never from its text.
 *
 * Invariants: events are applied strictly in trace order; the state after
 * event i is the same whether reached from the start or from a checkpoint
 * (checkpoints are deep copies taken every CHECKPOINT_EVERY events) or by
 * a cursor stepping forward from an earlier state; nothing here reads a
 * clock or the page.
 *
 * Loaded as a plain script in the page (global RaftReplay) and as a
 * CommonJS module by the unit tests (tests/js/).
 */
(function (root, factory) {
    const api = factory();
    if (typeof module === 'object' && module.exports)
        module.exports = api;
    else
        root.RaftReplay = api;
})(typeof self !== 'undefined' ? self : this, function () {
    'use strict';

    const CHECKPOINT_EVERY = 1000;
    const ROLES = ['follower', 'candidate', 'leader'];

    /* ---- loading ------------------------------------------------------ */

    /* One event array (viz_html.c's json_event) as an object. */
    function decodeEvent(a, i, data) {
        return {
            i: i,
            seq: a[0],
            t: a[1] || 0,
            kind: data.kinds[a[2]] || 'unknown',
            node: a[3] || 0,
            peer: a[4] || 0,
            msg: a[5] || 0,
            msg2: a[6] || 0,
            type: a[7] ? data.msg_types[a[7]] : '',
            term: a[8] || 0,
            index: a[9] || 0,
            count: a[10] || 0,
            commit: a[11] || 0,
            aux: a[12] || 0,
            role: (data.roles || ROLES)[a[13] || 0],
            ok: a[14] === 1,
            client: a[15] || 0,
            request: a[16] || 0,
            text: typeof a[17] === 'string' ? a[17] : '',
            groups: Array.isArray(a[18]) ? a[18] : null,
        };
    }

    /* Parses "1x3 4x1c 4x1" (sim_node.c's entry_terms_text) into the
     * entries' terms, [1,1,1,4,4], and the offsets of the configuration
     * entries among them (a "c" after a run's count), [3]. */
    function parseEntries(text) {
        const out = { terms: [], conf: [] };
        if (!text)
            return out;
        for (const word of text.split(' ')) {
            const conf = word.endsWith('c');
            const [term, count] = (conf ? word.slice(0, -1) : word)
                .split('x').map(Number);
            for (let k = 0; k < count; k++) {
                if (conf)
                    out.conf.push(out.terms.length);
                out.terms.push(term);
            }
        }
        return out;
    }

    /* A `config` event's text, "voters n1 n2 | learners n4 | outgoing n1
     * n3", as { voters, learners, outgoing } lists of node ids. */
    function parseConfig(text) {
        const c = { voters: [], learners: [], outgoing: [] };
        for (const part of (text || '').split('|')) {
            const words = part.trim().split(/\s+/);
            const list = c[words[0]];
            if (!list)
                continue;
            for (const w of words.slice(1))
                if (/^n\d+$/.test(w))
                    list.push(Number(w.slice(1)));
        }
        return c;
    }

    /* Where node id stands in configuration c (parseConfig()), with the
     * words viz/viz_members.c uses: 'voter', 'learner', 'not a member',
     * and while joint (thesis §4.3) 'joint: both halves', 'joint:
     * incoming', 'joint: outgoing'. */
    function memberOf(c, id) {
        if (!c)
            return 'voter';
        const v = c.voters.includes(id), o = c.outgoing.includes(id);
        if (c.outgoing.length && v)
            return o ? 'joint: both halves' : 'joint: incoming';
        if (o)
            return 'joint: outgoing';
        return v ? 'voter' : c.learners.includes(id) ? 'learner'
            : 'not a member';
    }

    /* The cluster's configuration at s (as viz/viz_members.c): that of the
     * live leader of the highest term, else the newest (entry term, then
     * index) of a live node; null when no node has traced one. */
    function clusterConfig(s) {
        let best = null;
        for (const nd of leaders(s))
            if (nd.config) { best = nd; break; }
        if (!best) {
            for (const nd of s.nodes) {
                if (!nd || !nd.alive || !nd.config)
                    continue;
                if (!best || nd.config.term > best.config.term ||
                    (nd.config.term === best.config.term &&
                     nd.config.index > best.config.index))
                    best = nd;
            }
        }
        return best ? best.config : null;
    }

    /* The terms alone: "1x3 4x2" is [1,1,1,4,4]. */
    function parseTerms(text) {
        return parseEntries(text).terms;
    }

    /* Each node's term at time 0: a node that starts in a nonzero term
     * (scenario `init`) says so in a `term` event at time 0. */
    function initialTerms(events, n) {
        const terms = new Array(n).fill(0);
        for (const e of events) {
            if (e.t > 0)
                break;
            if (e.kind === 'term' && e.node >= 1 && e.node <= n &&
                !terms[e.node - 1])
                terms[e.node - 1] = e.term;
        }
        return terms;
    }

    /* The run, indexed: events decoded, times for binary search, where
     * each message ends, checkpoints of the state. */
    function load(data) {
        const events = data.events.map((a, i) => decodeEvent(a, i, data));
        const run = {
            title: data.title,
            file: data.file || '',
            seed: data.seed,
            hash: data.hash,
            n: data.nodes,
            endUs: Math.max(data.end_us,
                events.length ? events[events.length - 1].t : 0),
            initialTerms: initialTerms(events, data.nodes),
            events: events,
            times: Float64Array.from(events, e => e.t),
            msgEnd: new Map(),
            checkpoints: [],
        };
        const elected = [];
        for (const e of events) {
            if ((e.kind === 'deliver' || e.kind === 'drop') && e.msg)
                run.msgEnd.set(e.msg, { t: e.t, kind: e.kind, i: e.i });
            if (e.kind === 'role' && e.role === 'leader')
                elected[e.node] = e.t;
            /* A new leader's first guess for each follower, made as it
             * takes office, as opposed to a step of a log repair. */
            if (e.kind === 'progress')
                e.initial = elected[e.node] === e.t;
        }
        let s = initialState(run);
        run.checkpoints.push(cloneState(s));
        for (let i = 0; i < events.length; i++) {
            applyEvent(s, events[i]);
            if ((i + 1) % CHECKPOINT_EVERY === 0)
                run.checkpoints.push(cloneState(s));
        }
        return run;
    }

    /* The document load() reads, made from the records of a JSONL trace
     * (docs/trace-format.md): its header gives the run's file, title, seed
     * and node count, its footer the trace hash and where the run stopped,
     * the event records the events. A trace without header or footer (an
     * engine's own JSONL) loads too, with those left empty. */
    function fromTrace(records) {
        const header = records.find(r => r.kind === 'header') || {};
        const footer = records.find(r => r.kind === 'footer') || {};
        const events = records.filter(r => r.kind !== 'header' &&
            r.kind !== 'footer');
        const kinds = [''], types = [''];
        const number = (list, name) => {
            if (!list.includes(name))
                list.push(name);
            return list.indexOf(name);
        };
        let nodes = header.nodes || 0;
        for (const e of events)
            nodes = Math.max(nodes, e.node || 0, e.peer || 0);
        return {
            title: header.title || '', file: header.file || '',
            seed: header.seed || 0, hash: footer.hash || '', nodes: nodes,
            end_us: footer.end_us || 0,
            roles: ROLES,
            kinds: kinds, msg_types: types,
            events: events.map(e => [e.seq, e.t_us, number(kinds, e.kind),
                e.node || 0, e.peer || 0, e.msg_id || 0, e.msg_id2 || 0,
                e.msg_type ? number(types, e.msg_type) : 0, e.term || 0,
                e.index || 0, e.count || 0, e.commit || 0, e.aux || 0,
                e.role ? ROLES.indexOf(e.role) : 0, e.ok ? 1 : 0,
                e.client || 0, e.request || 0, e.text || '',
                ...(e.kind === 'partition' ? [e.groups || []] : [])]),
        };
    }

    /* ---- state -------------------------------------------------------- */

    /* conf: the indices of the configuration entries among terms, in
     * increasing order. */
    function emptyLog() {
        return { first: 1, snapIndex: 0, snapTerm: 0, terms: [], conf: [] };
    }

    function initialState(run) {
        const nodes = [null];
        for (let id = 1; id <= run.n; id++) {
            nodes.push({
                id: id, role: 'follower', term: run.initialTerms[id - 1] || 0,
                vote: 0, leader: 0, alive: true, paused: false,
                pausedUntil: 0, commit: 0, applied: 0, log: emptyLog(),
                durable: emptyLog(), pending: [], timer: null, progress: {},
                config: null,
            });
        }
        /* transfers: the leadership transfers under way, by leader id:
         * { target, term, stage: 'start' or 'timeout-now' }. groups: null
         * while no partition holds, else each node's group by id (index 0
         * unused; 0: alone), an array replaced, never changed. cuts: the
         * one-way cuts [from, to] in trace order, each once. */
        return {
            i: -1, nodes: nodes, inflight: new Map(), partition: '',
            groups: null, cuts: [], clients: new Map(),
            transfers: new Map(),
        };
    }

    /* A deep copy as far as applyEvent mutates: messages, client requests,
     * timers, progress entries and pending batches are replaced, never
     * changed in place, so the copy shares them; logs are copied. */
    function cloneState(s) {
        return {
            i: s.i,
            nodes: s.nodes.map(nd => nd && Object.assign({}, nd, {
                log: copyLog(nd.log), durable: copyLog(nd.durable),
                pending: nd.pending.slice(),
                progress: Object.assign({}, nd.progress),
            })),
            inflight: new Map(s.inflight),
            partition: s.partition,
            groups: s.groups,
            cuts: s.cuts.slice(),
            clients: new Map(s.clients),
            transfers: new Map(s.transfers),
        };
    }

    function lastIndex(log) {
        return log.first + log.terms.length - 1;
    }

    function termAt(log, index) {
        if (index === log.snapIndex)
            return log.snapTerm;
        if (index < log.first || index > lastIndex(log))
            return 0;
        return log.terms[index - log.first];
    }

    /* Entries from index replace the log's tail, as sim_disk.c writes a
     * batch: those at or below the snapshot are skipped. conf: the offsets
     * of configuration entries among terms (parseEntries()). */
    function logWrite(log, index, terms, conf) {
        let skip = 0;
        const at = index;
        if (index <= log.snapIndex) {
            skip = log.snapIndex + 1 - index;
            index = log.snapIndex + 1;
        }
        if (skip >= terms.length || index > lastIndex(log) + 1)
            return;
        log.terms.length = index - log.first;
        for (let k = skip; k < terms.length; k++)
            log.terms.push(terms[k]);
        if (log.conf.length && log.conf[log.conf.length - 1] >= index)
            log.conf = log.conf.filter(c => c < index);
        for (const k of conf || [])
            if (k >= skip)
                log.conf.push(at + k);
    }

    /* Whether the log's entry at index is a configuration entry. */
    function isConfigEntry(log, index) {
        return log.conf.includes(index);
    }

    /* A snapshot at index/term: keep the entries after it when the log
     * holds its last entry (Raft paper, section 7), else drop the log. */
    function logSnapshot(log, index, term, installed) {
        const keep = installed ? termAt(log, index) === term &&
            index >= log.first && index <= lastIndex(log)
            : index <= lastIndex(log);
        if (keep)
            log.terms = log.terms.slice(index + 1 - log.first);
        else
            log.terms = [];
        log.conf = keep ? log.conf.filter(c => c > index) : [];
        log.first = index + 1;
        log.snapIndex = index;
        log.snapTerm = term;
    }

    function copyLog(log) {
        return { first: log.first, snapIndex: log.snapIndex,
            snapTerm: log.snapTerm, terms: log.terms.slice(),
            conf: log.conf.slice() };
    }

    const apply = {
        term(s, e, nd) { nd.term = e.term; nd.vote = e.peer; },
        role(s, e, nd) {
            nd.role = e.role;
            nd.term = e.term;
            nd.progress = {};
            if (e.role === 'leader')
                nd.timer = null;
        },
        leader(s, e, nd) { nd.leader = e.peer; },
        log(s, e, nd) {
            const w = parseEntries(e.text);
            logWrite(nd.log, e.index, w.terms, w.conf);
            logWrite(nd.durable, e.index, w.terms, w.conf);
        },
        persist(s, e, nd) {
            const w = parseEntries(e.text);
            if (e.count)
                logWrite(nd.log, e.index, w.terms, w.conf);
            nd.pending.push({ aux: e.aux, index: e.index, terms: w.terms,
                conf: w.conf });
        },
        sync(s, e, nd) {
            while (nd.pending.length && nd.pending[0].aux <= e.aux) {
                const b = nd.pending.shift();
                if (b.terms.length)
                    logWrite(nd.durable, b.index, b.terms, b.conf);
            }
        },
        snapshot(s, e, nd) {
            logSnapshot(nd.log, e.index, e.term, e.ok);
            logSnapshot(nd.durable, e.index, e.term, e.ok);
        },
        commit(s, e, nd) { nd.commit = e.index; },
        apply(s, e, nd) { nd.applied = e.index; },
        timer(s, e, nd) { nd.timer = { from: e.t, due: e.aux }; },
        progress(s, e, nd) {
            nd.progress[e.peer] = { match: e.index, next: e.aux };
        },
        crash(s, e, nd) {
            Object.assign(nd, { alive: false, paused: false, role: 'follower',
                leader: 0, commit: 0, applied: 0, timer: null,
                progress: {}, pending: [] });
            nd.log = copyLog(nd.durable);
        },
        restart(s, e, nd) {
            Object.assign(nd, { alive: true, role: 'follower', term: e.term,
                commit: e.commit, applied: nd.durable.snapIndex });
            nd.log = copyLog(nd.durable);
        },
        pause(s, e, nd) { nd.paused = true; nd.pausedUntil = e.aux; },
        resume(s, e, nd) { nd.paused = false; },
        /* A partition replaces the groups and keeps the cuts, as
         * sim_net_partition() does. */
        partition(s, e) {
            s.partition = e.text;
            s.groups = [0].concat(e.groups || []);
        },
        cut(s, e) {
            if (!s.cuts.some(c => c[0] === e.node && c[1] === e.peer))
                s.cuts.push([e.node, e.peer]);
        },
        heal(s) { s.partition = ''; s.groups = null; s.cuts = []; },
        send(s, e) {
            if (e.msg)
                s.inflight.set(e.msg, messageOf(e, e.t, false));
        },
        deliver(s, e) { s.inflight.delete(e.msg); },
        drop(s, e) { if (e.msg) s.inflight.delete(e.msg); },
        duplicate(s, e) {
            const m = s.inflight.get(e.msg);
            s.inflight.set(e.msg2, messageOf(e, m ? m.sentT : e.t, true));
        },
        'client-invoke'(s, e) {
            s.clients.set(e.client + ':' + e.request, { client: e.client,
                request: e.request, op: e.text, t0: e.t, sends: 0,
                node: e.node });
        },
        'client-send'(s, e) {
            const key = e.client + ':' + e.request, c = s.clients.get(key);
            if (c)
                s.clients.set(key, Object.assign({}, c, { sends: c.sends + 1,
                    node: e.node }));
        },
        /* A node's latest configuration (config objects are replaced, never
         * changed, so copies of the state share them). */
        config(s, e, nd) {
            nd.config = Object.assign(parseConfig(e.text), { index: e.index,
                term: e.term, snapshot: e.ok, text: e.text });
        },
        transfer(s, e) {
            if (e.text === 'done' || e.text === 'abort')
                s.transfers.delete(e.node);
            else
                s.transfers.set(e.node, { target: e.peer, term: e.term,
                    stage: e.text });
        },
        /* Only outstanding requests are kept (replay-series.js has all). */
        'client-complete'(s, e) {
            s.clients.delete(e.client + ':' + e.request);
        },
    };

    function messageOf(e, sentT, copy) {
        return { id: copy ? e.msg2 : e.msg, from: e.node, to: e.peer,
            type: e.type, term: e.term, index: e.index, aux: e.aux,
            count: e.count, commit: e.commit, ok: e.ok, sentT: sentT,
            copy: copy };
    }

    function applyEvent(s, e) {
        const f = apply[e.kind];
        if (f)
            f(s, e, s.nodes[e.node] || null);
        s.i = e.i;
    }

    /* Index of the last event at or before t_us; -1 if none. */
    function indexAt(run, t) {
        let lo = 0, hi = run.times.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (run.times[mid] <= t) lo = mid + 1; else hi = mid;
        }
        return lo - 1;
    }

    /* The state after event i (-1: before any), rebuilt from the nearest
     * checkpoint at or before it. */
    function stateAfter(run, i) {
        const c = Math.floor((i + 1) / CHECKPOINT_EVERY);
        const s = cloneState(run.checkpoints[Math.min(c,
            run.checkpoints.length - 1)]);
        for (let k = s.i + 1; k <= i; k++)
            applyEvent(s, run.events[k]);
        return s;
    }

    function stateAt(run, t) {
        return stateAfter(run, indexAt(run, t));
    }

    /* A cursor for a view that moves often: seek(i) returns the state after
     * event i, stepping forward from the state it returned last when i is
     * at most CHECKPOINT_EVERY events ahead (a drag, playing), else
     * rebuilding it from the nearest checkpoint (a jump back or far ahead).
     * Either way a seek applies at most CHECKPOINT_EVERY events. The
     * cursor owns the state: it is valid until the next seek. */
    function cursor(run) {
        let s = null;
        return {
            seek(i) {
                i = Math.min(i, run.events.length - 1);
                if (s && i >= s.i && i - s.i <= CHECKPOINT_EVERY) {
                    for (let k = s.i + 1; k <= i; k++)
                        applyEvent(s, run.events[k]);
                } else {
                    s = stateAfter(run, i);
                }
                return s;
            },
        };
    }

    /* The live leaders at s with the highest term first ([] if none). */
    function leaders(s) {
        return s.nodes.filter(nd => nd && nd.alive && nd.role === 'leader')
            .sort((a, b) => b.term - a.term);
    }

    /* ---- the network's faults ------------------------------------------ */

    /* Whether messages from a to b pass at s, by the rule of sim/sim_net.c
     * (recompute_links): while a partition holds, only nodes of the same
     * nonzero group talk; a cut closes its one direction; a node always
     * reaches itself. */
    function linkOpen(s, a, b) {
        if (a === b)
            return true;
        if (s.groups) {
            const g = s.groups[a] || 0;
            if (g === 0 || g !== (s.groups[b] || 0))
                return false;
        }
        return !s.cuts.some(c => c[0] === a && c[1] === b);
    }

    /* The links that carry no message at s, one entry per pair a < b with
     * a direction closed: { a, b, ab, ba, why }, ab (ba) true when a -> b
     * (b -> a) is closed, why 'partition' when the two are in different
     * groups (both directions closed, whatever the cuts), else 'cut'.
     * In order of a, then b. */
    function brokenLinks(s, n) {
        const out = [];
        if (!s.groups && !s.cuts.length)
            return out;
        const cut = new Set(s.cuts.map(c => c[0] + '>' + c[1]));
        for (let a = 1; a <= n; a++) {
            for (let b = a + 1; b <= n; b++) {
                const ga = s.groups ? s.groups[a] || 0 : -1;
                const gb = s.groups ? s.groups[b] || 0 : -1;
                if (s.groups && (ga === 0 || ga !== gb)) {
                    out.push({ a: a, b: b, ab: true, ba: true,
                        why: 'partition' });
                    continue;
                }
                const ab = cut.has(a + '>' + b), ba = cut.has(b + '>' + a);
                if (ab || ba)
                    out.push({ a: a, b: b, ab: ab, ba: ba, why: 'cut' });
            }
        }
        return out;
    }

    /* Whether nodes hold a majority of the voters of configuration c
     * (clusterConfig()), and while c is joint of its outgoing voters too
     * (thesis §4.3); of all n nodes when c is null (no node traced one). */
    function holdsQuorum(nodes, c, n) {
        const majority = voters => voters.filter(id => nodes.includes(id))
            .length * 2 > voters.length;
        if (!c)
            return nodes.length * 2 > n;
        return majority(c.voters) &&
            (!c.outgoing.length || majority(c.outgoing));
    }

    /* The sides of the partition at s ([] when none holds), in the order
     * the cluster view draws them: each group in the trace's numbering,
     * then each node the partition leaves alone (group 0) by itself:
     * { group, nodes (ids, increasing), quorum } where quorum says
     * whether the side holds a majority of the cluster's voters
     * (holdsQuorum() of clusterConfig(s)): the side that can elect a
     * leader and commit, the others cannot (Raft paper, section 5.2). */
    function partitionSides(s) {
        if (!s.groups)
            return [];
        const n = s.nodes.length - 1, byGroup = new Map(), alone = [];
        for (let id = 1; id <= n; id++) {
            const g = s.groups[id] || 0;
            if (g === 0)
                alone.push([id]);
            else if (byGroup.has(g))
                byGroup.get(g).push(id);
            else
                byGroup.set(g, [id]);
        }
        const c = clusterConfig(s);
        const groups = [...byGroup.keys()].sort((x, y) => x - y);
        return groups.map(g => ({ group: g, nodes: byGroup.get(g) }))
            .concat(alone.map(ids => ({ group: 0, nodes: ids })))
            .map(side => Object.assign(side,
                { quorum: holdsQuorum(side.nodes, c, n) }));
    }

    /* The messages lost in (t - window, t]: { id, from, to, type, why
     * (the drop's text: 'cut', 'down' or 'random'), t }, in trace order,
     * at most limit of the latest, looking back over at most DROP_SCAN
     * events. A client request lost (no message id) is not one. A
     * function of t alone, so that a cursor reached by playing or by
     * jumping shows the same. */
    const DROP_SCAN = 20000;

    function recentDrops(run, t, window, limit) {
        const out = [], last = indexAt(run, t);
        for (let i = last; i >= 0 && i > last - DROP_SCAN &&
            out.length < (limit || 200); i--) {
            const e = run.events[i];
            if (e.t <= t - window)
                break;
            if (e.kind === 'drop' && e.msg)
                out.push({ id: e.msg, from: e.node, to: e.peer, type: e.type,
                    why: e.text, t: e.t });
        }
        return out.reverse();
    }

    return {
        linkOpen, brokenLinks, holdsQuorum, partitionSides, recentDrops,
        CHECKPOINT_EVERY, ROLES, load, fromTrace, parseTerms, parseEntries,
        isConfigEntry, parseConfig, memberOf, clusterConfig, initialState,
        applyEvent,
        stateAfter, stateAt, cursor, indexAt, lastIndex, termAt, leaders,
        _logWrite: logWrite, _logSnapshot: logSnapshot,
    };
});
