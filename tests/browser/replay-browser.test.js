/* replay-browser.test.js: replay pages of real runs, opened in headless
 * chromium, show what the JSONL trace of the same run says: at each probed
 * cursor the leader, every node's role, term and commit index, and the
 * sentence that narrates the latest election; no script error occurs and
 * the page asks for nothing over the network.
 *
 * Needs $RAFTSIM (the command) and chromium; `make check-browser` provides
 * both. Runs as root too (chromium's sandbox is off for that reason). */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const RAFTSIM = process.env.RAFTSIM || 'build/raftsim';
const OUT = path.join(process.env.BUILD || 'build', 'browser');
const CHROMIUM = process.env.CHROMIUM || 'chromium';

/* Runs the scenario with --html and --trace; returns the page's path and
 * the trace's events. */
function record(scenario) {
    fs.mkdirSync(OUT, { recursive: true });
    const base = path.join(OUT, path.basename(scenario, '.scn'));
    execFileSync(RAFTSIM, ['run', '--quiet', scenario, '--html', base + '.html',
        '--trace', base + '.jsonl']);
    const records = fs.readFileSync(base + '.jsonl', 'utf8').trim().split('\n')
        .map(line => JSON.parse(line));
    const header = records[0], footer = records[records.length - 1];
    assert.equal(header.kind, 'header');
    assert.equal(footer.kind, 'footer');
    const html = fs.readFileSync(base + '.html', 'utf8');
    assert.match(html, new RegExp('"hash":"' + footer.hash + '"'),
        'the page and the trace are of the same run');
    return { page: path.resolve(base + '.html'), events: records.slice(1, -1) };
}

/* The page's DOM after its scripts ran, opened at fragment. */
function dumpDom(page, fragment) {
    const args = ['--headless', '--no-sandbox', '--disable-gpu',
        '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions',
        '--virtual-time-budget=10000',
        '--dump-dom', 'file://' + page + fragment];
    return execFileSync(CHROMIUM, args, { stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 << 20, timeout: 120000 }).toString();
}

function attributes(tag) {
    const out = {};
    for (const m of tag.matchAll(/ data-([a-z-]+)="([^"]*)"/g))
        out[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&')
            .replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    return out;
}

/* What the trace says at t_us: folded independently of the page's code. */
function expected(events, n, t) {
    const nodes = [];
    for (let id = 1; id <= n; id++)
        nodes[id] = { role: 'follower', term: 0, commit: 0 };
    let election = null;
    for (const e of events) {
        if (e.t_us > t) break;
        const nd = nodes[e.node];
        if (e.kind === 'term') nd.term = e.term;
        else if (e.kind === 'role') {
            nd.role = e.role; nd.term = e.term || 0;
            if (e.role === 'leader') election = e;
        } else if (e.kind === 'commit') nd.commit = e.index;
        else if (e.kind === 'crash') Object.assign(nd, { role: 'crashed', commit: 0 });
        else if (e.kind === 'restart')
            Object.assign(nd, { role: 'follower', term: e.term || 0, commit: e.commit || 0 });
    }
    const live = nodes.slice(1).map((nd, k) => ({ id: k + 1, nd: nd }))
        .filter(x => x.nd.role === 'leader').sort((a, b) => b.nd.term - a.nd.term);
    return {
        leader: String(live.length ? live[0].id : 0),
        roles: nodes.slice(1).map(nd => nd.role).join(','),
        terms: nodes.slice(1).map(nd => nd.term).join(','),
        commits: nodes.slice(1).map(nd => nd.commit).join(','),
        election: election,
    };
}

/* Opens the page once at the first cursor with the others as probes and
 * compares every probe with the trace. */
function checkCursors(scenario, n, cursorsUs, narrate) {
    const { page, events } = record(scenario);
    const fmt = us => (us / 1e6).toFixed(6) + 's';
    const { dom, probes } = probe(page, cursorsUs);
    const state = attributes(/<output id="state"[^>]*>/.exec(dom)[0]);
    assert.equal(state.t, String(cursorsUs[0]), 'the fragment sets the cursor');
    assert.equal(probes.length, cursorsUs.length);
    probes.forEach((p, k) => {
        const want = expected(events, n, cursorsUs[k]);
        const at = 'at ' + fmt(cursorsUs[k]);
        assert.equal(p.t, String(cursorsUs[k]), at);
        assert.equal(p.leader, want.leader, at + ': leader');
        assert.equal(p.roles, want.roles, at + ': roles');
        assert.equal(p.terms, want.terms, at + ': terms');
        assert.equal(p.commits, want.commits, at + ': commit indices');
        if (narrate && want.election && want.election.t_us === cursorsUs[k])
            assert.match(p.narration, new RegExp('n' + want.election.node +
                ' wins the election for term ' + want.election.term), at);
    });
    return { page, events };
}

test('leader_crash_page_shows_the_traced_leader_terms_and_commits', () => {
    const { events } = record('scenarios/leader-crash.scn');
    const leaders = events.filter(e => e.kind === 'role' && e.role === 'leader');
    assert.ok(leaders.length >= 2);
    const crash = events.find(e => e.kind === 'crash');
    const cursors = [leaders[0].t_us, crash.t_us, crash.t_us + 1,
        leaders[1].t_us, 3500000, 5000000];
    checkCursors('scenarios/leader-crash.scn', 5, cursors, true);
});

test('figure7_page_follows_the_repair_index_by_index', () => {
    const { events } = record('scenarios/figure7-log-repair.scn');
    const progress = events.filter(e => e.kind === 'progress').map(e => e.t_us);
    const cursors = [0, 30000, progress[Math.floor(progress.length / 2)],
        progress[progress.length - 1], 1000000];
    const { page } = checkCursors('scenarios/figure7-log-repair.scn', 7,
        cursors, true);
    const html = fs.readFileSync(page, 'utf8');
    assert.doesNotMatch(html, /(src|href)=["']?(https?:)?\/\//i,
        'the page loads nothing from the network');
    assert.doesNotMatch(html, /<link |@import|fetch\(|XMLHttpRequest/,
        'the page loads nothing besides itself');
});

test('a_page_of_100000_events_opens_and_shows_the_traced_state_anywhere', () => {
    const { events } = record('tests/browser/long-run.scn');
    assert.ok(events.length >= 100000, events.length + ' events');
    const end = events[events.length - 1].t_us;
    const leaders = events.filter(e => e.kind === 'role' && e.role === 'leader');
    /* Far apart, backwards and forwards: each probe seeks across
     * checkpoints, and the last steps forward from the one before. */
    const cursors = [end, 1000, leaders[leaders.length - 1].t_us,
        Math.floor(end / 2), Math.floor(end / 2) + 20000];
    checkCursors('tests/browser/long-run.scn', 5, cursors, true);
});

/* A spare is "not a member" until the leader adds it, the joint phase shows
 * the outgoing voter, in the node table and in the lanes' membership
 * strips alike, and the configuration entries and the transfer are on the
 * page (tests/scenarios/grow-and-transfer.scn). */
test('membership_page_shows_each_nodes_place_in_the_configuration', () => {
    const scenario = 'tests/scenarios/grow-and-transfer.scn';
    const { events } = record(scenario);
    const joint = events.find(e => e.kind === 'config' && e.node === 1 &&
        / \| outgoing /.test(e.text));
    assert.ok(joint, 'the leader traced the joint configuration');
    const cursors = [300000, joint.t_us, 2900000];
    const { page } = checkCursors(scenario, 5, cursors, false);
    const dom = dumpDom(page, '#t=' + (cursors[0] / 1e6).toFixed(6) +
        's&probe=' + cursors.map(us => (us / 1e6).toFixed(6) + 's').join(','));
    const outputs = [...dom.matchAll(/<output[^>]*class="probe"[^>]*>/g)]
        .map(m => attributes(m[0]));
    const probes = outputs.map(a => a.members);
    const both = 'joint: both halves';
    assert.deepEqual(probes, [
        'voter,voter,voter,not a member,not a member',
        [both, 'joint: outgoing', both, both, both].join(','),
        'voter,learner,voter,voter,voter']);
    /* The lanes' strips, folded over the whole run apart from the state
     * at the cursor, show the same places at each probe. */
    assert.deepEqual(outputs.map(a => a.strips), probes);
    const legend = /<p id="lanes-legend"[^>]*>(.*?)<\/p>/.exec(dom);
    assert.ok(legend && !/ hidden/.test(legend[0]), 'the strips have a legend');
    assert.match(legend[1], /learner/);
    assert.match(legend[1], /joint: outgoing/);
});

/* The sides of the trace's partition, as the cluster picture names them:
 * each group's nodes, then whether they hold a majority of the five
 * voters ('3 5:minority|1 2 4:majority'); and every pair of nodes in
 * different groups as a link down. Folded from the JSONL records alone. */
function sidesOf(groups) {
    const byGroup = new Map();
    groups.forEach((g, k) => byGroup.set(g, (byGroup.get(g) || [])
        .concat([k + 1])));
    const regions = [...byGroup.keys()].sort((a, b) => a - b).map(g => {
        const ids = byGroup.get(g);
        return ids.join(' ') + ':' + (g === 0 ? 'cut off'
            : ids.length * 2 > groups.length ? 'majority' : 'minority');
    }).join('|');
    const links = [];
    for (let a = 1; a <= groups.length; a++)
        for (let b = a + 1; b <= groups.length; b++)
            if (groups[a - 1] !== groups[b - 1])
                links.push(a + '-' + b + ':partition');
    return { regions: regions, links: links.join(',') };
}

/* Opens page at the first of cursorsUs with all of them as probes;
 * returns what each probe published. */
function probe(page, cursorsUs) {
    const fmt = us => (us / 1e6).toFixed(6) + 's';
    const dom = dumpDom(page, '#t=' + fmt(cursorsUs[0]) + '&probe=' +
        cursorsUs.map(fmt).join(','));
    assert.doesNotMatch(dom, /<html[^>]* data-errors=/, 'a script error occurred');
    return { dom: dom, probes: [...dom.matchAll(
        /<output[^>]*class="probe"[^>]*>/g)].map(m => attributes(m[0])) };
}

test('partition_page_draws_each_side_together_and_the_links_down', () => {
    const { page, events } = record('scenarios/minority-partition.scn');
    const part = events.find(e => e.kind === 'partition');
    const heal = events.find(e => e.kind === 'heal');
    const lost = events.find(e => e.kind === 'drop' && e.text === 'cut');
    assert.ok(part && heal && lost && lost.t_us > part.t_us);
    const want = sidesOf(part.groups);
    /* Into the partition, past the heal, then back into it: scrubbing
     * back shows what playing forward did. */
    const mid = Math.floor((part.t_us + heal.t_us) / 2);
    const cursors = [part.t_us - 1000, part.t_us, lost.t_us, mid,
        heal.t_us, heal.t_us + 500000, mid, part.t_us - 1000];
    const { dom, probes } = probe(page, cursors);
    assert.equal(probes.length, cursors.length);
    const none = { regions: '', links: '' };
    [none, want, want, want, none, none, want, none].forEach((w, k) => {
        const at = 'at ' + cursors[k] + 'us';
        assert.equal(probes[k].regions, w.regions, at + ': sides drawn');
        assert.equal(probes[k].links, w.links, at + ': links down');
    });
    assert.match(probes[2].drops, new RegExp('(^|,)' + lost.node + '>' +
        lost.peer + ':cut(,|$)'), 'the lost message is marked');
    assert.equal(probes[5].drops, '', 'no loss marked long after the heal');
    const major = want.regions.split('|').find(r => /:majority$/.test(r))
        .split(':')[0].split(' ').map(id => 'n' + id);
    assert.match(probes[1].narration, new RegExp('partitioned: .*; only ' +
        major.slice(0, -1).join(', ') + ' and ' + major[major.length - 1] +
        ' hold a majority'), 'the narration names the side with a quorum');
    const legend = /<div id="cluster-legend"[^>]*>(.*?)<\/div>/.exec(dom);
    assert.ok(legend, 'the cluster picture has a legend');
    for (const words of ['side with a majority', 'minority',
        'one-way cut', 'crashed', 'paused', 'message lost here'])
        assert.match(legend[1], new RegExp(words));
    assert.match(/<p id="lanes-legend"[^>]*>(.*?)<\/p>/.exec(dom)[1],
        /majority side/, 'the lanes say which side each node was on');
});

test('one_way_cut_page_draws_the_cut_link_with_its_direction', () => {
    const { page, events } = record('scenarios/one-way-cut.scn');
    const cut = events.find(e => e.kind === 'cut');
    assert.ok(cut);
    const { probes } = probe(page, [cut.t_us + 1000, cut.t_us - 1000,
        cut.t_us]);
    assert.deepEqual(probes.map(p => [p.regions, p.links]), [
        ['', cut.node + '>' + cut.peer + ':cut'], ['', ''],
        ['', cut.node + '>' + cut.peer + ':cut']]);
});
