/* plots-model.test.js: the plots that `raftsim run --plots DIR` draws
 * (viz/viz_series.c, dumped as DIR/series.json) and the client plots of
 * the replay page (viz/web/replay-series.js, computed here from the JSONL
 * trace of the same run) are the same series, number for number: every
 * request with its times, sends and outcome, every 100 ms bin, every
 * unavailable interval in order.
 *
 * Needs the command: $RAFTSIM (default build/raftsim). */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const M = require('../../viz/web/replay-model.js');
const S = require('../../viz/web/replay-series.js');

const ROOT = path.join(__dirname, '..', '..');
const RAFTSIM = path.resolve(ROOT, process.env.RAFTSIM || 'build/raftsim');
const OUT = path.join(ROOT, process.env.BUILD || 'build', 'plots-model-test');

/* The C series and the JS series of one run of file. */
function bothSeries(file, seedArgs) {
    fs.mkdirSync(OUT, { recursive: true });
    const trace = path.join(OUT, 'trace.jsonl');
    execFileSync(RAFTSIM, ['run', '--quiet', ...seedArgs, file, '--plots', OUT,
        '--trace', trace], { cwd: ROOT });
    const c = JSON.parse(fs.readFileSync(path.join(OUT, 'series.json'), 'utf8'));
    const records = fs.readFileSync(trace, 'utf8').trim().split('\n')
        .map(l => JSON.parse(l));
    const run = M.load(M.fromTrace(records));
    const requests = S.requests(run);
    const js = {
        end_us: run.endUs,
        bin_us: S.BIN_US,
        requests: requests.map(r => [r.client, r.request, r.t0, r.t1, r.sends,
            r.outcome]),
        bins: S.throughput(run, requests).map(b => [b.t0, b.t1, b.count]),
        unavailable: S.unavailable(run, requests).map(u => [u.t0, u.t1, u.why]),
    };
    return { c, js };
}

/* Scenarios with retries, failures, pending requests at the end,
 * partitions and crashes (no leader, no completion). */
const CASES = [
    ['scenarios/client-retry.scn', []],
    ['scenarios/minority-partition.scn', []],
    ['scenarios/majority-partition.scn', []],
    ['scenarios/leader-crash.scn', []],
    ['scenarios/lossy-network.scn', ['--seed', '7']],
    ['scenarios/majority-crash-recovery.scn', []],
];

test('the_plots_and_the_replay_page_compute_the_same_client_series', () => {
    const seen = new Set();
    for (const [file, seed] of CASES) {
        const { c, js } = bothSeries(file, seed);
        assert.ok(c.requests.length > 0, file + ' has requests');
        for (const r of c.requests) seen.add(r[5]);
        for (const u of c.unavailable) seen.add(u[2]);
        assert.deepEqual(js, c, file);
    }
    /* The cases cover every outcome and both kinds of unavailability the
     * runs produce, so the comparison is not of empty lists. */
    for (const kind of ['ok', 'retried', 'no leader', 'no completed request'])
        assert.ok(seen.has(kind), 'some case has ' + kind);
});
