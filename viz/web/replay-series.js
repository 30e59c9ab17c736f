/* replay-series.js: whole-run series the replay page draws over time.
 *
 * From a loaded run (replay-model.js): each node's lane as spans of one
 * role, term and liveness; the checks and violations; every client request
 * with its latency and outcome; throughput per 100 ms; the intervals of
 * unavailability. Pure: no DOM, no clock.
 *
 * Invariants: a node's spans tile [0, run.endUs] without gaps or overlaps;
 * every request appears once, with exactly one outcome.
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

    return { BIN_US, lanes, checks, requests, throughput, unavailable,
        transfers };
});
