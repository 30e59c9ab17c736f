/* scrub-bench.js: how long the replay page takes per move of its time
 * slider, on a page of about 100,000 events (`make bench-replay`).
 *
 * It records tests/browser/long-run.scn with --html, opens the page in
 * headless chromium (DevTools protocol, cdp.js) and moves the slider as a
 * user would: a drag across the whole run in small steps, then jumps to
 * scattered instants. Each move is timed in the page from the slider's
 * input event through the redraw and a forced style and layout pass, which
 * is the main-thread work that stands between two frames. Prints the load
 * time and the median, 95th percentile and worst move of each kind.
 *
 * A benchmark, not a test: it asserts nothing about time (docs/performance.md
 * gives the figures). Needs $RAFTSIM and chromium, as check-browser does. */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Browser } = require('./cdp.js');

const RAFTSIM = process.env.RAFTSIM || 'build/raftsim';
const CHROMIUM = process.env.CHROMIUM || 'chromium';
const OUT = path.join(process.env.BUILD || 'build', 'browser');
const SCENARIO = process.env.SCENARIO ||
    path.join(__dirname, 'long-run.scn');
const MOVES = Number(process.env.MOVES || 400);

/* In the page: move k of `moves` (a drag in steps of 1/moves of the run
 * when drag, else to a pseudo-random instant); returns its milliseconds. */
function moveScript(k, moves, drag) {
    return `(() => {
        const slider = document.getElementById('slider');
        const end = Number(slider.max);
        let x = 20261205;
        for (let j = 0; j <= ${k}; j++)
            x = (x * 1103515245 + 12345) % 2147483648;
        const t = ${drag} ? (${k} + 1) / ${moves} * end : x / 2147483648 * end;
        console.timeStamp('raftsim-move');
        const t0 = performance.now();
        slider.value = String(t);
        slider.dispatchEvent(new Event('input'));
        void document.body.offsetHeight;
        const ms = performance.now() - t0;
        console.timeStamp('raftsim-moved');
        return ms;
    })()`;
}

/* The page's move times: wall-clock milliseconds measured in the page,
 * and the main thread's CPU milliseconds for the same stretch (from a
 * trace: a machine busy with other work inflates the first, not the
 * second). */
async function scrub(browser, session, drag) {
    const wall = [], events = [];
    const collect = msg => {
        if (msg.method === 'Tracing.dataCollected' && msg.sessionId === session)
            events.push(...msg.params.value);
        return false;
    };
    browser.waiters.push(collect);
    await browser.send('Tracing.start', { categories:
        'toplevel,devtools.timeline', transferMode: 'ReportEvents' }, session);
    for (let k = 0; k < MOVES; k++)
        wall.push(await browser.evaluate(session, moveScript(k, MOVES, drag)));
    const done = browser.once('Tracing.tracingComplete', session);
    await browser.send('Tracing.end', {}, session);
    await done;
    browser.waiters = browser.waiters.filter(w => w !== collect);
    return { wall: wall, cpu: moveTasks(events) };
}

/* The main thread's time between each 'raftsim-move' time stamp and
 * the 'raftsim-moved' that follows it (trace events carry thread time as
 * tts, microseconds). */
function moveTasks(events) {
    const stamps = events.filter(e => e.name === 'TimeStamp' &&
        e.args && e.args.data && /^raftsim-move/.test(e.args.data.message))
        .sort((a, b) => a.ts - b.ts);
    const out = [];
    for (let k = 0; k + 1 < stamps.length; k++)
        if (stamps[k].args.data.message === 'raftsim-move' &&
            stamps[k + 1].args.data.message === 'raftsim-moved')
            out.push((stamps[k + 1].tts - stamps[k].tts) / 1000);
    return out;
}

/* Opens p alone in a fresh browser (a background tab would be throttled)
 * and prints its figures. */
async function measure(p, label) {
    const browser = new Browser(CHROMIUM);
    try {
        const t0 = Date.now();
        const session = await browser.open('file://' + p);
        const loadMs = Date.now() - t0;
        const errors = await browser.evaluate(session,
            'window.raftsimErrors.join(" | ")');
        if (errors)
            throw new Error(p + ': script errors in the page: ' + errors);
        const events = await browser.evaluate(session,
            'document.getElementById("eventno").textContent');
        console.log(`${label}page: ${p} (${(fs.statSync(p).size / 1e6)
            .toFixed(1)} MB), ${events.replace(/^event \d+ of /, '')} ` +
            `events, opened in ${loadMs} ms`);
        if (process.env.PROFILE) {
            await browser.send('Profiler.enable', {}, session);
            await browser.send('Profiler.start', {}, session);
        }
        for (const drag of [true, false]) {
            const r = await scrub(browser, session, drag);
            summary(label + (drag ? 'drag' : 'jump') + ', wall', r.wall);
            summary(label + (drag ? 'drag' : 'jump') + ', cpu', r.cpu);
        }
        if (process.env.PROFILE)
            printProfile((await browser.send('Profiler.stop', {},
                session)).profile);
    } finally {
        await browser.close();
    }
}

function summary(name, times) {
    const s = times.slice().sort((a, b) => a - b);
    const at = q => s[Math.min(s.length - 1, Math.floor(q * s.length))];
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    console.log(`${name}: ${s.length} moves, median ${at(0.5).toFixed(1)} ms, ` +
        `mean ${mean.toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, ` +
        `worst ${s[s.length - 1].toFixed(1)} ms`);
}

/* PROFILE=1: the functions with the most self time while scrubbing,
 * from the sampling profiler. */
function printProfile(profile) {
    const self = new Map(), byId = new Map();
    for (const n of profile.nodes)
        byId.set(n.id, n);
    const total = profile.samples.length;
    for (const id of profile.samples) {
        const f = byId.get(id).callFrame;
        const key = (f.functionName || '(anonymous)') + ':' + (f.lineNumber + 1);
        self.set(key, (self.get(key) || 0) + 1);
    }
    [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).forEach(
        ([k, v]) => console.log(`  ${(100 * v / total).toFixed(1)}%  ${k}`));
}

async function main() {
    fs.mkdirSync(OUT, { recursive: true });
    const page = path.resolve(OUT, 'scrub-bench.html');
    execFileSync(RAFTSIM, ['run', '--quiet', SCENARIO, '--html', page],
        { stdio: ['ignore', 'ignore', 'inherit'] });
    /* BASELINE=OTHER.html: the same moves on another build's page of the
     * same run, for a before/after comparison. */
    await measure(page, '');
    if (process.env.BASELINE)
        await measure(path.resolve(process.env.BASELINE), 'baseline ');
}

main().catch(err => { console.error(err.message); process.exit(1); });
