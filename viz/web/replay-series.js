/* replay-series.js: whole-run series the replay page draws over time.
 *
 * From a loaded run (replay-model.js): each node's lane as spans of one
 * role, term and liveness; each node's place in the cluster's
 * configuration over time; each node's side of a partition and the
 * one-way cuts from it over time; the checks and violations; every client
 * request with its latency and outcome; throughput per 100 ms; the
 * intervals of unavailability. Pure: no DOM, no clock.
 *
 * Invariants: a node's spans (lanes, membership and network alike) tile
 * [0, run.endUs] without gaps or overlaps; every request appears once,
 * with exactly one outcome.
 */
(function (root, factory) {
    const api = factory();
    if (typeof module === 'object' && module.exports)
        module.exports = api;
    else
        root.RaftSeries = api;
})(typeof self !== 'undefined' ? self : this, function () {
    'use strict';

    const BIN_US = 100000; /* throughput bins: 100 ms */

    /* Per node (index 1..n) a list of {from, to, role, term, state} where
     * state is 'up', 'crashed' or 'paused'. */
    function lanes(run) {
        const now = [null], out = [null];
        for (let id = 1; id <= run.n; id++) {
            now.push({ from: 0, role: 'follower',
                term: run.initialTerms[id - 1] || 0, state: 'up' });
            out.push([]);
        }
        function change(id, t, patch) {
            const cur = now[id];
            const next = Object.assign({}, cur, patch, { from: t });
            if (next.role === cur.role && next.term === cur.term &&
                next.state === cur.state)
                return;
            if (t > cur.from)
                out[id].push(Object.assign({}, cur, { to: t }));
            now[id] = next;
        }
        for (const e of run.events) {
            if (!e.node || e.node > run.n)
                continue;
            if (e.kind === 'role')
                change(e.node, e.t, { role: e.role, term: e.term });
            else if (e.kind === 'term')
                change(e.node, e.t, { term: e.term });
            else if (e.kind === 'crash')
                change(e.node, e.t, { state: 'crashed', role: 'follower' });
            else if (e.kind === 'restart')
                change(e.node, e.t, { state: 'up', term: e.term });
            else if (e.kind === 'pause')
                change(e.node, e.t, { state: 'paused' });
            else if (e.kind === 'resume')
                change(e.node, e.t, { state: 'up' });
        }
        for (let id = 1; id <= run.n; id++)
            out[id].push(Object.assign({}, now[id], { to: run.endUs }));
        return out;
    }

    /* The checks and violations, in time order: {t, i, ok, text, kind}. */
    function checks(run) {
        return run.events.filter(e => e.kind === 'check' ||
            e.kind === 'violation').map(e => ({ t: e.t, i: e.i,
            ok: e.kind === 'check' && e.ok, text: e.text, kind: e.kind }));
    }

    /* Every client request: {client, request, op, t0, t1, latency,
     * outcome} with outcome 'ok' (first try), 'retried' (completed after
     * more than one send), 'failed' (completed without success) or
     * 'pending' (not completed at the end; t1 and latency at the end). */
    function requests(run) {
        const byKey = new Map(), out = [];
        for (const e of run.events) {
            const key = e.client + ':' + e.request;
            if (e.kind === 'client-invoke') {
                const r = { client: e.client, request: e.request, op: e.text,
                    t0: e.t, t1: run.endUs, sends: 0, outcome: 'pending' };
                byKey.set(key, r);
                out.push(r);
            } else if (e.kind === 'client-send' && byKey.has(key)) {
                byKey.get(key).sends++;
            } else if (e.kind === 'client-complete' && byKey.has(key)) {
                const r = byKey.get(key);
                r.t1 = e.t;
                r.outcome = !e.ok ? 'failed' : r.sends > 1 ? 'retried' : 'ok';
            }
        }
        for (const r of out)
            r.latency = r.t1 - r.t0;
        return out;
    }

    /* Completed requests per 100 ms bin: [{t0, t1, count}]. */
    function throughput(run, reqs) {
        const bins = [];
        const nb = Math.max(1, Math.ceil(run.endUs / BIN_US));
        for (let b = 0; b < nb; b++)
            bins.push({ t0: b * BIN_US, t1: Math.min((b + 1) * BIN_US,
                run.endUs), count: 0 });
        for (const r of reqs) {
            if (r.outcome === 'ok' || r.outcome === 'retried')
                bins[Math.min(nb - 1, Math.floor(r.t1 / BIN_US))].count++;
        }
        return bins;
    }

    /* Intervals [{t0, t1, why}] with no live leader ('no leader'), and
     * 100 ms bins where requests were outstanding but none completed ('no
     * completed request'). */
    function unavailable(run, reqs) {
        const out = [];
        const leading = new Set();
        let since = 0;
        for (const e of run.events) {
            const was = leading.size > 0;
            if (e.kind === 'role' && e.role === 'leader')
                leading.add(e.node);
            else if ((e.kind === 'role' || e.kind === 'crash') &&
                leading.has(e.node))
                leading.delete(e.node);
            const is = leading.size > 0;
            if (was && !is)
                since = e.t;
            else if (!was && is && e.t > since)
                out.push({ t0: since, t1: e.t, why: 'no leader' });
        }
        if (leading.size === 0 && run.endUs > since)
            out.push({ t0: since, t1: run.endUs, why: 'no leader' });
        for (const b of throughput(run, reqs)) {
            const waiting = reqs.some(r => r.t0 < b.t1 && r.t1 > b.t0);
            if (waiting && b.count === 0)
                out.push({ t0: b.t0, t1: b.t1, why: 'no completed request' });
        }
        return out.sort((a, b) => a.t0 - b.t0);
    }

    /* Every leadership transfer: {leader, target, term, t0, t1, outcome}
     * with outcome 'done', 'abort' or 'running' (no outcome by the end;
     * t1 the end). */
    function transfers(run) {
        const out = [];
        for (const e of run.events) {
            if (e.kind !== 'transfer')
                continue;
            if (e.text === 'start') {
                out.push({ leader: e.node, target: e.peer, term: e.term,
                    t0: e.t, t1: run.endUs, outcome: 'running' });
            } else if (e.text === 'done' || e.text === 'abort') {
                const tr = out.findLast(x => x.leader === e.node &&
                    x.term === e.term && x.outcome === 'running');
                if (tr) {
                    tr.t1 = e.t;
                    tr.outcome = e.text;
                }
            }
        }
        return out;
    }


    /* Each node's place in the cluster's configuration over time, as the
     * membership strips of viz/viz_members.c show it: {spans, shown} where
     * spans[id] (id 1..n) is a list of {from, to, member} tiling
     * [0, run.endUs], member a word of model.memberOf() ('voter',
     * 'learner', 'not a member', 'joint: ...'), and shown says whether some
     * span is not 'voter' (else the strips would say nothing). The
     * configuration at an instant is model.clusterConfig() of the nodes'
     * liveness, roles and latest configurations, folded from the `config`,
     * `role`, `crash` and `restart` events. model: replay-model.js, passed
     * in so that this file loads alone. */
    function members(run, model) {
        const s = { nodes: foldNodes(run.n) }, spans = [null], open = [null];
        for (let id = 1; id <= run.n; id++) {
            spans.push([]);
            open.push({ from: 0, member: 'voter' });
        }
        const fold = nodeFold(model);
        for (const e of run.events) {
            const nd = s.nodes[e.node];
            if (!nd || !fold[e.kind])
                continue;
            fold[e.kind](nd, e);
            const c = model.clusterConfig(s);
            for (let id = 1; id <= run.n; id++)
                moveTo(spans[id], open[id], e.t, model.memberOf(c, id));
        }
        let shown = false;
        for (let id = 1; id <= run.n; id++) {
            spans[id].push({ from: open[id].from, to: run.endUs,
                member: open[id].member });
            shown = shown || spans[id].some(sp => sp.member !== 'voter');
        }
        return { spans: spans, shown: shown };
    }

    /* What members() and network() follow of each node, as
     * model.clusterConfig() reads it: liveness, role and term, latest
     * configuration. foldNodes(n): the nodes at time 0 (index 0 unused). */
    function foldNodes(n) {
        const nodes = [null];
        for (let id = 1; id <= n; id++)
            nodes.push({ id: id, alive: true, role: 'follower', term: 0,
                config: null });
        return nodes;
    }

    function nodeFold(model) {
        return {
            config(nd, e) {
                nd.config = Object.assign(model.parseConfig(e.text),
                    { index: e.index, term: e.term });
            },
            role(nd, e) { nd.role = e.role; nd.term = e.term; },
            crash(nd) { nd.alive = false; nd.role = 'follower'; },
            restart(nd) { nd.alive = true; nd.role = 'follower'; },
        };
    }

    /* The open span cur becomes member at t: a span that lasted closes,
     * one of no length is replaced, and a return to the member of the
     * span just closed at t reopens it. */
    function moveTo(list, cur, t, member) {
        if (member === cur.member)
            return;
        if (t > cur.from) {
            list.push({ from: cur.from, to: t, member: cur.member });
            cur.from = t;
        } else if (list.length && list[list.length - 1].to === t &&
                   list[list.length - 1].member === member) {
            cur.from = list.pop().from;
        }
        cur.member = member;
    }

    /* Each node's place in the network over time, as the cluster picture
     * shows it at each instant (replay-cluster.js): per node (1..n) spans
     * { from, to, side, cutTo } where side is '' (no partition),
     * 'majority', 'minority' or 'cut off' (model.partitionSides() and
     * the cluster's configuration then), cutTo the nodes a one-way cut
     * keeps it from reaching ('' or 'n1 n3'). shown: whether any span
     * has one or the other. */
    function network(run, model) {
        const s = { nodes: foldNodes(run.n), groups: null, cuts: [] };
        const spans = [null], open = [null];
        for (let id = 1; id <= run.n; id++) {
            spans.push([]);
            open.push({ from: 0, side: '', cutTo: '' });
        }
        const netKinds = ['partition', 'cut', 'heal'];
        const fold = nodeFold(model);
        for (const e of run.events) {
            if (netKinds.includes(e.kind))
                model.applyEvent(s, e);
            else if (fold[e.kind] && s.nodes[e.node])
                fold[e.kind](s.nodes[e.node], e);
            else
                continue;
            if (!s.groups && !s.cuts.length && !netKinds.includes(e.kind))
                continue;
            const side = [];
            for (const sd of model.partitionSides(s))
                for (const id of sd.nodes)
                    side[id] = sd.group === 0 ? 'cut off'
                        : sd.quorum ? 'majority' : 'minority';
            for (let id = 1; id <= run.n; id++)
                netMove(spans[id], open[id], e.t, side[id] || '',
                    s.cuts.filter(c => c[0] === id).map(c => 'n' + c[1])
                        .join(' '));
        }
        let shown = false;
        for (let id = 1; id <= run.n; id++) {
            if (run.endUs > open[id].from || !spans[id].length)
                spans[id].push(Object.assign({}, open[id], { to: run.endUs }));
            shown = shown || spans[id].some(sp => sp.side || sp.cutTo);
        }
        return { spans: spans, shown: shown };
    }

    /* The open span cur becomes (side, cutTo) at t, as moveTo() does. */
    function netMove(list, cur, t, side, cutTo) {
        if (side === cur.side && cutTo === cur.cutTo)
            return;
        if (t > cur.from) {
            list.push({ from: cur.from, to: t, side: cur.side,
                cutTo: cur.cutTo });
            cur.from = t;
        }
        cur.side = side;
        cur.cutTo = cutTo;
    }

    return { BIN_US, lanes, checks, requests, throughput, unavailable,
        transfers, members, network };
});
