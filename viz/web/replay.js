/* replay.js: the replay page's view: controls, cluster, nodes, logs,
 * narration, timeline lanes, client plots and checks, all for one cursor
 * over virtual time.
 *
 * Everything shown comes from the embedded run through replay-model.js
 * (the state at the cursor), replay-narrate.js (sentences) and
 * replay-series.js (whole-run series). The cursor lives in the URL fragment
 * (#t=2.137s), so a link opens at that instant. After each render the
 * hidden output element #state holds what is shown as data attributes, for
 * the browser tests (tests/browser/).
 */
(function () {
    'use strict';
    const M = window.RaftReplay, N = window.RaftNarrate, S = window.RaftSeries;
    const C = window.RaftCluster;
    const data = JSON.parse(document.getElementById('run-data').textContent);
    const run = M.load(data);
    const series = {
        lanes: S.lanes(run), checks: S.checks(run), requests: S.requests(run),
    };
    series.throughput = S.throughput(run, series.requests);
    series.transfers = S.transfers(run);
    series.members = S.members(run, M);
    series.network = S.network(run, M);
    series.unavailable = S.unavailable(run, series.requests);
    series.maxLatency = series.requests.reduce((m, r) => Math.max(m, r.latency), 1);
    series.maxBin = series.throughput.reduce((m, b) => Math.max(m, b.count), 1);

    const ui = {
        t: 0, v0: 0, v1: Math.max(1, run.endUs), playing: false,
        speed: 0.1, lastFrame: 0, routine: false, drawn: [], fragmentTimer: 0,
    };
    /* The state at the cursor: stepped forward while the cursor moves on. */
    const cursor = M.cursor(run);
    const $ = id => document.getElementById(id);
    /* The marks of membership, named once in viz/viz_members.c and
     * embedded by viz/viz_html.c: each membership word's strip colour,
     * configuration entries and leadership transfers. */
    const MEMBER_COLOR = data.colors.members;
    const CONFIG_COLOR = data.colors.config_entry;
    const TRANSFER_COLOR = data.colors.transfer;
    const ROLE_COLOR = C.COLORS.role;
    const msgColor = C.messageColor;
    const TERM_COLORS = ['#ffffff', '#a5d8ff', '#b2f2bb', '#ffec99',
        '#fcc2d7', '#d0bfff', '#ffd8a8', '#99e9f2', '#c0eb75', '#eebefa',
        '#ffc9c9', '#e9ecef'];
    const termColor = t => t === 0 ? TERM_COLORS[0]
        : TERM_COLORS[1 + (t - 1) % (TERM_COLORS.length - 1)];
    const fmt = N.formatTime;

    /* ---- the cursor and the URL fragment ------------------------------ */

    function parseTime(text) {
        const m = /^([0-9]+(?:\.[0-9]+)?)(s|ms|us)?$/.exec(text);
        if (!m)
            return null;
        const scale = { s: 1e6, ms: 1e3, us: 1 }[m[2] || 'us'];
        return Math.round(parseFloat(m[1]) * scale);
    }

    function fragmentTime() {
        const m = /(?:^|[#&])t=([^&]+)/.exec(location.hash);
        const t = m ? parseTime(decodeURIComponent(m[1])) : null;
        return t === null ? null : Math.min(Math.max(0, t), run.endUs);
    }

    /* The URL follows the cursor at most every FRAGMENT_MS: the browser
     * limits how often history may change, and a drag moves the cursor at
     * every frame. */
    const FRAGMENT_MS = 200;

    function writeFragment() {
        ui.fragmentTimer = 0;
        const text = (ui.t / 1e6).toFixed(6).replace(/0+$/, '')
            .replace(/\.$/, '') + 's';
        history.replaceState(null, '', '#t=' + text);
    }

    function setCursor(t, fromFragment) {
        ui.t = Math.min(Math.max(0, Math.round(t)), run.endUs);
        if (!fromFragment && !ui.fragmentTimer)
            ui.fragmentTimer = setTimeout(writeFragment, FRAGMENT_MS);
        render();
    }

    /* The next (dir 1) or previous (dir -1) shown event's time. */
    function stepEvent(dir) {
        let i = M.indexAt(run, ui.t);
        if (dir < 0) {
            while (i >= 0 && run.events[i].t >= ui.t) i--;
            while (i > 0 && !shown(run.events[i])) i--;
        } else {
            i++;
            while (i < run.events.length && (run.events[i].t <= ui.t ||
                !shown(run.events[i]))) i++;
        }
        if (i >= 0 && i < run.events.length)
            setCursor(run.events[i].t);
    }

    function shown(e) {
        return ui.routine || !N.minor(e);
    }

    /* ---- controls ----------------------------------------------------- */

    function play(on) {
        ui.playing = on && ui.t < run.endUs;
        $('play').innerHTML = ui.playing ? '&#10074;&#10074; pause'
            : '&#9654; play';
        ui.lastFrame = 0;
        if (ui.playing)
            requestAnimationFrame(tick);
    }

    function tick(now) {
        if (!ui.playing)
            return;
        if (ui.lastFrame)
            setCursor(ui.t + (now - ui.lastFrame) * 1e3 * ui.speed);
        ui.lastFrame = now;
        if (ui.t >= run.endUs)
            play(false);
        else
            requestAnimationFrame(tick);
    }

    function bindControls() {
        $('play').onclick = () => play(!ui.playing);
        $('prev').onclick = () => stepEvent(-1);
        $('next').onclick = () => stepEvent(1);
        $('speed').onchange = ev => { ui.speed = parseFloat(ev.target.value); };
        $('slider').max = String(run.endUs);
        $('slider').oninput = ev => setCursor(parseFloat(ev.target.value));
        $('routine').onchange = ev => { ui.routine = ev.target.checked; render(); };
        window.addEventListener('hashchange', () => {
            const t = fragmentTime();
            if (t !== null && t !== ui.t) setCursor(t, true);
        });
        document.addEventListener('keydown', onKey);
    }

    function onKey(ev) {
        if (ev.target.tagName === 'INPUT' && ev.target.type !== 'range' &&
            ev.target.type !== 'checkbox')
            return;
        const sel = $('speed');
        const keys = {
            ' ': () => play(!ui.playing),
            ArrowLeft: () => stepEvent(-1),
            ArrowRight: () => stepEvent(1),
            Home: () => setCursor(0),
            End: () => setCursor(run.endUs),
            '+': () => { sel.selectedIndex = Math.min(sel.options.length - 1,
                sel.selectedIndex + 1); sel.onchange({ target: sel }); },
            '-': () => { sel.selectedIndex = Math.max(0, sel.selectedIndex - 1);
                sel.onchange({ target: sel }); },
        };
        if (keys[ev.key]) {
            ev.preventDefault();
            keys[ev.key]();
        }
    }

    /* ---- render ------------------------------------------------------- */

    function leaderOf(s) {
        const l = M.leaders(s);
        return l.length ? l[0] : null;
    }

    function render() {
        const idx = M.indexAt(run, ui.t);
        const s = cursor.seek(idx);
        $('clock').textContent = fmt(ui.t);
        $('slider').value = String(ui.t);
        $('eventno').textContent = 'event ' + (idx + 1) + ' of ' +
            run.events.length;
        renderNodes(s);
        renderCluster(s);
        renderLogs(s);
        renderNarration(idx);
        renderChecks();
        drawLanes();
        drawPlots();
        publish(s, idx);
    }

    /* What the page shows, for the browser tests. */
    function publish(s, idx) {
        const out = $('state'), nodes = s.nodes.slice(1);
        const l = leaderOf(s);
        out.dataset.t = String(ui.t);
        out.dataset.index = String(idx);
        out.dataset.leader = l ? String(l.id) : '0';
        out.dataset.terms = nodes.map(nd => nd.term).join(',');
        out.dataset.roles = nodes.map(nd => nd.alive ? nd.role : 'crashed').join(',');
        out.dataset.commits = nodes.map(nd => nd.commit).join(',');
        out.dataset.lastIndexes = nodes.map(nd => M.lastIndex(nd.log)).join(',');
        const cluster = M.clusterConfig(s);
        out.dataset.members = nodes.map(nd => M.memberOf(cluster, nd.id))
            .join(',');
        /* What the lanes' membership strips show at the cursor ('' when
         * the run has none to show). */
        out.dataset.strips = series.members.shown ? nodes.map(nd =>
            stripAt(series.members.spans[nd.id], ui.t)).join(',') : '';
        /* What the cluster picture drew: the partition's sides, the
         * links down, the marks of lost messages. */
        out.dataset.regions = ui.net.regions.join('|');
        out.dataset.links = ui.net.links.join(',');
        out.dataset.drops = ui.net.drops.join(',');
        out.dataset.narration = [...$('narration').querySelectorAll(
            'li:not(.future)')].slice(-6).map(li => li.textContent).join('\n');
        out.dataset.ready = '1';
    }

    /* The member of the span of spans that holds t (the later one at a
     * boundary, as the state at t is after t's events). */
    function stripAt(spans, t) {
        let found = spans[0];
        for (const sp of spans)
            if (sp.from <= t) found = sp;
        return found ? found.member : '';
    }

    /* Sets el's markup only when it changed: an unchanged cell costs the
     * browser no style or layout work. */
    function patch(el, html) {
        if (el.__html !== html) {
            el.innerHTML = html;
            el.__html = html;
        }
    }

    function patchClass(el, cls) {
        if (el.className !== cls)
            el.className = cls;
    }

    /* The table's rows, one per node, built once. */
    const nodeRows = [];

    function buildNodeRows() {
        const body = $('nodes').tBodies[0];
        for (let id = 1; id <= run.n; id++) {
            const tr = body.insertRow();
            for (let k = 0; k < 9; k++)
                tr.insertCell();
            tr.cells[0].textContent = 'n' + id;
            nodeRows[id] = tr;
        }
    }

    /* Where nd stands in the cluster's configuration, and a transfer it
     * runs as leader. */
    function membership(s, cluster, nd) {
        let text = cluster ? M.memberOf(cluster, nd.id) : '';
        const tr = s.transfers.get(nd.id);
        if (tr)
            text += (text ? '; ' : '') + 'transferring to n' + tr.target +
                (tr.stage === 'timeout-now' ? ' (TimeoutNow sent)' : '');
        return text;
    }

    function renderNodes(s) {
        const cluster = M.clusterConfig(s);
        for (const nd of s.nodes.slice(1)) {
            const tr = nodeRows[nd.id], c = tr.cells;
            patchClass(tr, !nd.alive ? 'crashed' : nd.paused ? 'paused' : '');
            const role = !nd.alive ? 'crashed' : nd.role +
                (nd.paused ? ' (paused until ' + fmt(nd.pausedUntil) + ')' : '');
            let timer = '';
            if (nd.alive && nd.timer && nd.role !== 'leader') {
                const span = Math.max(1, nd.timer.due - nd.timer.from);
                const p = Math.min(1, Math.max(0, (ui.t - nd.timer.from) / span));
                timer = '<span class="timer" title="fires at ' + fmt(nd.timer.due) +
                    '"><span style="width:' + (p * 100).toFixed(1) + '%"></span></span> ' +
                    fmt(Math.max(0, nd.timer.due - ui.t)) + ' left';
            }
            patchClass(c[1], 'role-' + nd.role);
            patch(c[1], role);
            patch(c[2], String(nd.term));
            patch(c[3], nd.vote ? 'n' + nd.vote : '-');
            patch(c[4], nd.leader ? 'n' + nd.leader : '-');
            patch(c[5], String(nd.commit));
            patch(c[6], String(nd.applied));
            patch(c[7], timer);
            patch(c[8], escapeHtml(membership(s, cluster, nd)));
        }
    }

    /* ---- cluster picture ---------------------------------------------- */

    /* How long a lost message stays marked on the cluster picture: half
     * a second of wall time at the chosen speed (virtual microseconds),
     * so a loss can be seen while playing; a function of the cursor and
     * the speed only, so scrubbing shows the same marks. */
    function dropWindow() {
        return Math.max(200, ui.speed * 5e5);
    }

    function renderCluster(s) {
        const cv = $('cluster'), g = cv.getContext('2d');
        const drawn = C.draw(g, cv.width, cv.height, { run: run, s: s,
            t: ui.t, M: M, dropWindow: dropWindow() });
        ui.drawn = drawn.messages;
        ui.net = drawn;
        const net = [];
        const sides = M.partitionSides(s);
        if (sides.length)
            net.push('partition: ' + sides.map(sd => sd.nodes.map(id =>
                'n' + id).join(' ') + ' (' + C.sideName(sd) + ')')
                .join(' | '));
        if (s.cuts.length) net.push('cut: ' + s.cuts.map(c => 'n' + c[0] +
            '\u2192n' + c[1]).join(', '));
        net.push(s.inflight.size + (s.inflight.size === 1 ? ' message' : ' messages') + ' in flight');
        patch($('netstate'), escapeHtml(net.join('; ')));
    }

    function tooltipFor(d) {
        const m = d.m;
        const lines = [m.type + ' n' + m.from + ' \u2192 n' + m.to +
            (m.copy ? ' (duplicate)' : ''), 'term ' + m.term];
        if (m.type === 'AppendEntries')
            lines.push('prev index ' + m.index + ', prev term ' + m.aux,
                'entries ' + m.count, 'leader commit ' + m.commit);
        else if (m.type.endsWith('Result'))
            lines.push('result ' + (m.ok ? 'yes' : 'no'), 'index ' + m.index);
        else
            lines.push('last log index ' + m.index + ', term ' + m.aux);
        lines.push('sent ' + fmt(m.sentT) + (d.end ? (d.lost ? ', lost at '
            : ', arrives ') + fmt(d.end.t) : ', still travelling at the end'));
        return lines.join('\n');
    }

    function bindTooltip() {
        const cv = $('cluster'), tip = $('tooltip');
        cv.addEventListener('mousemove', ev => {
            const r = cv.getBoundingClientRect();
            const x = (ev.clientX - r.left) * cv.width / r.width;
            const y = (ev.clientY - r.top) * cv.height / r.height;
            const d = ui.drawn.find(d => Math.hypot(d.x - x, d.y - y) < 8);
            tip.hidden = !d;
            if (d) {
                tip.textContent = tooltipFor(d);
                tip.style.left = (ev.clientX - r.left + 14) + 'px';
                tip.style.top = (ev.clientY - r.top + 30) + 'px';
            }
        });
        cv.addEventListener('mouseleave', () => { tip.hidden = true; });
    }

    /* ---- logs --------------------------------------------------------- */

    const LOG_COLUMNS = 48;

    /* The logs are drawn on a canvas: one row per node, one box per index
     * of the window [lo, hi] (the last LOG_COLUMNS indices), after a box
     * for the elided prefix. A canvas costs the browser no style or layout
     * work per move, whatever the log holds. */
    const LOG = { who: 110, cell: 28, box: 22, rowH: 56, top: 4 };

    function renderLogs(s) {
        const l = leaderOf(s);
        let hi = 0;
        for (const nd of s.nodes.slice(1))
            hi = Math.max(hi, M.lastIndex(nd.log));
        const lo = Math.max(1, hi - LOG_COLUMNS + 1);
        const cv = $('logs');
        const w = LOG.who + LOG.cell * (LOG_COLUMNS + 1) + 8;
        if (cv.width !== w) cv.width = w;
        const h = LOG.top + LOG.rowH * run.n;
        if (cv.height !== h) cv.height = h;
        const g = cv.getContext('2d');
        g.clearRect(0, 0, cv.width, cv.height);
        g.textAlign = 'center';
        g.textBaseline = 'middle';
        for (const nd of s.nodes.slice(1)) {
            const y = LOG.top + (nd.id - 1) * LOG.rowH;
            g.globalAlpha = nd.alive ? 1 : 0.45;
            drawLogRow(g, nd, l && l.id !== nd.id ? l.progress[nd.id] : null,
                lo, hi, y);
        }
        g.globalAlpha = 1;
    }

    function drawLogRow(g, nd, prog, lo, hi, y) {
        g.fillStyle = '#1d2730'; g.textAlign = 'left';
        g.font = '12px ui-monospace, monospace';
        g.fillText('n' + nd.id + ' ' + (nd.alive ? nd.role : 'crashed'), 0, y + 11);
        if (prog)
            g.fillText('m ' + prog.match + ', n ' + prog.next, 0, y + 27);
        g.textAlign = 'center';
        let x = LOG.who;
        if (lo > 1) {
            g.fillStyle = '#65737e';
            g.fillText('\u2026', x + LOG.box / 2, y + 11);
            g.font = '10px ui-monospace, monospace';
            g.fillText('1..' + (lo - 1), x + LOG.box / 2, y + 31);
        }
        x += LOG.cell;
        const durableLast = M.lastIndex(nd.durable);
        for (let i = lo; i <= hi; i++, x += LOG.cell)
            drawLogCell(g, nd, prog, i, durableLast, x, y);
    }

    /* Index i of nd's log: a box labelled and coloured by its term (S, grey:
     * inside the snapshot), dashed while uncommitted, hatched while not
     * durable; the index under it, then c (commit), a (applied), and on a
     * follower m and n (the leader's matchIndex and nextIndex for it). */
    function drawLogCell(g, nd, prog, i, durableLast, x, y) {
        const term = M.termAt(nd.log, i);
        const have = i <= M.lastIndex(nd.log) && (i >= nd.log.first ||
            i <= nd.log.snapIndex);
        const snap = i <= nd.log.snapIndex;
        if (have) {
            g.fillStyle = snap ? '#e9edf1' : termColor(term);
            g.fillRect(x + 0.5, y + 0.5, LOG.box, LOG.box);
            if (i > durableLast || M.termAt(nd.durable, i) !== term) {
                g.fillStyle = 'rgba(0,0,0,0.12)';
                for (let k = 4; k < 2 * LOG.box; k += 6)
                    g.fillRect(x + Math.max(0, k - LOG.box), y + 1 +
                        Math.max(0, LOG.box - k), 2, 2);
            }
            g.setLineDash(i > nd.commit ? [3, 2] : []);
            g.strokeStyle = '#7d8a96'; g.lineWidth = 1;
            g.strokeRect(x + 0.5, y + 0.5, LOG.box, LOG.box);
            g.setLineDash([]);
            if (!snap && M.isConfigEntry(nd.log, i)) {
                /* A configuration entry: an inner frame and a corner tab,
                 * as in the log diagram (viz/viz_log.c). */
                g.strokeStyle = CONFIG_COLOR; g.lineWidth = 2;
                g.strokeRect(x + 2.5, y + 2.5, LOG.box - 4, LOG.box - 4);
                g.fillStyle = CONFIG_COLOR;
                g.beginPath(); g.moveTo(x + LOG.box - 8, y + 0.5);
                g.lineTo(x + LOG.box + 0.5, y + 0.5);
                g.lineTo(x + LOG.box + 0.5, y + 9); g.fill();
                g.lineWidth = 1;
            }
            g.fillStyle = '#1d2730'; g.font = '12px ui-monospace, monospace';
            g.fillText(snap ? 'S' : String(term), x + LOG.box / 2 + 0.5, y + 12);
        }
        g.fillStyle = '#65737e'; g.font = '10px ui-monospace, monospace';
        g.fillText(String(i), x + LOG.box / 2, y + 31);
        const marks = (i === nd.commit ? 'c' : '') + (i === nd.applied ? 'a' : '') +
            (prog && i === prog.match ? 'm' : '') + (prog && i === prog.next ? 'n' : '');
        if (marks) {
            g.fillStyle = '#b03030'; g.font = 'bold 10px ui-monospace, monospace';
            g.fillText(marks, x + LOG.box / 2, y + 44);
        }
    }

    /* ---- narration and checks ----------------------------------------- */

    /* The narration shows the NARRATE_PAST shown events up to the cursor
     * and the NARRATE_AHEAD after it (enough to fill its panel). Events
     * worth a sentence without "routine events too" are listed once;
     * sentences are kept once made; the list changes only when its window
     * moves, and then only at its ends. */
    const NARRATE_PAST = 16, NARRATE_AHEAD = 8;
    const narration = { major: null, key: '', routine: false, items: new Map() };

    /* The window as event indices: [past..., current?, future...]. */
    function narrationWindow(idx) {
        if (ui.routine) {
            const from = Math.max(0, idx - NARRATE_PAST + 1);
            const to = Math.min(run.events.length, idx + 1 + NARRATE_AHEAD);
            return { list: null, from: from, cut: idx + 1, to: to };
        }
        if (!narration.major) {
            narration.major = [];
            for (const e of run.events)
                if (!N.minor(e))
                    narration.major.push(e.i);
        }
        const major = narration.major;
        let lo = 0, hi = major.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (major[mid] <= idx) lo = mid + 1; else hi = mid;
        }
        return { list: major, from: Math.max(0, lo - NARRATE_PAST), cut: lo,
            to: Math.min(major.length, lo + NARRATE_AHEAD) };
    }

    /* Rewrites the list for the window w: items still in it are kept (their
     * class updated), the others removed, new ones inserted at either end. */
    function renderNarration(idx) {
        const w = narrationWindow(idx);
        const key = ui.routine + ':' + w.from + ':' + w.cut + ':' + w.to;
        if (key === narration.key)
            return;
        narration.key = key;
        if (narration.items.size > 20000)
            narration.items.clear();
        const ol = $('narration');
        if (narration.routine !== ui.routine) {
            narration.routine = ui.routine;
            ol.textContent = '';
        }
        const at = k => w.list ? w.list[k] : k;
        const first = w.from < w.to ? at(w.from) : Infinity;
        const last = w.from < w.to ? at(w.to - 1) : -Infinity;
        while (ol.firstChild && !(ol.firstChild.ev >= first))
            ol.removeChild(ol.firstChild);
        while (ol.lastChild && !(ol.lastChild.ev <= last))
            ol.removeChild(ol.lastChild);
        const kept = ol.firstChild ? ol.firstChild.ev : Infinity;
        const keptLast = ol.lastChild ? ol.lastChild.ev : -Infinity;
        const head = document.createDocumentFragment();
        const tail = document.createDocumentFragment();
        let node = ol.firstChild, cur = null;
        for (let k = w.from; k < w.to; k++) {
            const i = at(k);
            const cls = k === w.cut - 1 ? 'current' : k >= w.cut ? 'future' : '';
            let li;
            if (i < kept || i > keptLast) {
                li = narrationItem(i);
                (i < kept ? head : tail).appendChild(li);
            } else {
                li = node;
                node = node.nextSibling;
            }
            if (li.className !== cls)
                li.className = cls;
            if (cls === 'current')
                cur = li;
        }
        ol.insertBefore(head, ol.firstChild);
        ol.appendChild(tail);
        if (cur)
            ol.scrollTop = cur.offsetTop - ol.clientHeight / 2;
    }

    function escapeHtml(s) {
        return s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;',
            '>': '&gt;', '"': '&quot;' })[c]);
    }

    /* The list item of event i (its sentence made once and kept). */
    function narrationItem(i) {
        let html = narration.items.get(i);
        if (html === undefined) {
            const e = run.events[i];
            html = '<span class="t">' + fmt(e.t) + '</span>' +
                escapeHtml(N.narrate(run, i));
            narration.items.set(i, html);
        }
        const li = document.createElement('li');
        li.value = i + 1;
        li.dataset.t = String(run.events[i].t);
        li.innerHTML = html;
        li.ev = i;
        return li;
    }

    function renderChecks() {
        const ul = $('checks');
        if (!ul.dataset.built) {
            ul.innerHTML = series.checks.length ? series.checks.map(c =>
                '<li class="' + (c.ok ? 'ok' : 'fail') + '" data-t="' + c.t + '">' +
                fmt(c.t) + ' ' + (c.kind === 'violation' ? 'VIOLATION ' :
                    c.ok ? 'ok ' : 'FAIL ') + escapeHtml(c.text) + '</li>').join('')
                : '<li>no checks in this run</li>';
            ul.dataset.built = '1';
        }
        for (const li of ul.children)
            li.classList.toggle('current', Number(li.dataset.t) === ui.t);
    }

    function bindLists() {
        for (const id of ['narration', 'checks']) {
            $(id).addEventListener('click', ev => {
                const li = ev.target.closest('li');
                if (li && li.dataset.t !== undefined)
                    setCursor(Number(li.dataset.t));
            });
        }
    }

    /* ---- timeline lanes and plots (shared window [v0, v1]) ------------ */

    const MARGIN = 52;
    /* The membership strip's height, in the gap under a lane's band. */
    const STRIP_H = 3;

    function xOf(cv, t) {
        return MARGIN + (t - ui.v0) / (ui.v1 - ui.v0) * (cv.width - MARGIN - 8);
    }

    function tOf(cv, x) {
        return ui.v0 + (x - MARGIN) / (cv.width - MARGIN - 8) * (ui.v1 - ui.v0);
    }

    function fitCanvas(cv, height) {
        const w = Math.max(600, Math.floor(cv.clientWidth || 1200));
        if (cv.width !== w) cv.width = w;
        if (cv.height !== height) cv.height = height;
    }

    /* Draws what does not depend on the cursor into cv's off-screen layer
     * (drawn again only when the window [v0, v1] or the size changed),
     * then copies the layer and draws the cursor over it. */
    function drawLayered(cv, draw) {
        const key = ui.v0 + ':' + ui.v1 + ':' + cv.width + ':' + cv.height;
        let layer = cv.layer;
        if (!layer || layer.key !== key) {
            const c = layer ? layer.canvas : document.createElement('canvas');
            c.width = cv.width;
            c.height = cv.height;
            const lg = c.getContext('2d');
            lg.clearRect(0, 0, c.width, c.height);
            draw(lg);
            layer = cv.layer = { canvas: c, key: key };
        }
        const g = cv.getContext('2d');
        g.clearRect(0, 0, cv.width, cv.height);
        g.drawImage(layer.canvas, 0, 0);
        drawCursor(g, cv);
    }

    function drawLanes() {
        const cv = $('lanes'), laneH = 26, top = 18;
        fitCanvas(cv, top + laneH * run.n + 20);
        drawLayered(cv, g => drawLaneLayer(g, cv, top, laneH));
    }

    function drawLaneLayer(g, cv, top, laneH) {
        if (series.network.shown)
            drawLaneNetwork(g, cv, top, laneH, false);
        for (let id = 1; id <= run.n; id++) {
            const y = top + (id - 1) * laneH;
            g.fillStyle = '#1d2730'; g.font = '12px sans-serif'; g.textAlign = 'left';
            g.fillText('n' + id, 8, y + 16);
            for (const sp of series.lanes[id]) {
                if (sp.to < ui.v0 || sp.from > ui.v1) continue;
                const x0 = Math.max(MARGIN, xOf(cv, sp.from));
                const x1 = Math.min(cv.width - 8, xOf(cv, sp.to));
                g.fillStyle = sp.state === 'crashed' ? C.COLORS.crashed
                    : sp.state === 'paused' ? C.COLORS.paused
                    : ROLE_COLOR[sp.role];
                g.fillRect(x0, y + 4, Math.max(1, x1 - x0), laneH - 10);
                if (x1 - x0 > 40 && sp.state === 'up') {
                    g.fillStyle = '#1d2730'; g.font = '10px sans-serif';
                    g.fillText('T' + sp.term, x0 + 3, y + 15);
                }
            }
        }
        if (series.members.shown)
            drawLaneMembers(g, cv, top, laneH);
        if (series.network.shown)
            drawLaneNetwork(g, cv, top, laneH, true);
        drawLaneMessages(g, cv, top, laneH);
        drawLaneTransfers(g, cv, top, laneH);
        drawAxis(g, cv, cv.height - 4);
        for (const c of series.checks) {
            if (c.t < ui.v0 || c.t > ui.v1) continue;
            g.fillStyle = c.ok ? '#2b8a3e' : '#c92a2a';
            g.fillRect(xOf(cv, c.t) - 1, 2, 2, 10);
        }
    }

    /* Membership strips, as on the timeline picture (viz/viz_members.c):
     * under each lane's band a strip in the colour of the node's place in
     * the cluster's configuration (none outside it), and the band of a
     * node outside the configuration washed out with a dashed outline. */
    function drawLaneMembers(g, cv, top, laneH) {
        for (let id = 1; id <= run.n; id++) {
            const y = top + (id - 1) * laneH;
            for (const sp of series.members.spans[id]) {
                if (sp.to < ui.v0 || sp.from > ui.v1) continue;
                const x0 = Math.max(MARGIN, xOf(cv, sp.from));
                const x1 = Math.min(cv.width - 8, xOf(cv, sp.to));
                const w = Math.max(1, x1 - x0);
                if (sp.member === 'not a member') {
                    g.fillStyle = 'rgba(255,255,255,0.6)';
                    g.fillRect(x0, y + 4, w, laneH - 10);
                    g.strokeStyle = '#65737e'; g.lineWidth = 1;
                    g.setLineDash([3, 2]);
                    g.strokeRect(x0 + 0.5, y + 4.5, w - 1, laneH - 11);
                    g.setLineDash([]);
                    continue;
                }
                g.fillStyle = MEMBER_COLOR[sp.member];
                g.fillRect(x0, y + laneH - 6, w, STRIP_H);
            }
        }
    }

    /* Partitions and cuts, as the cluster picture shows them at each
     * instant (RaftSeries.network()): the lane behind the band tinted in
     * the colour of the node's side (majority green, minority and cut off
     * grey) with an edge along its top (hatch false); the band of a node
     * a one-way cut keeps from reaching another hatched in red (hatch
     * true). */
    function drawLaneNetwork(g, cv, top, laneH, hatch) {
        for (let id = 1; id <= run.n; id++) {
            const y = top + (id - 1) * laneH;
            for (const sp of series.network.spans[id]) {
                if (sp.to < ui.v0 || sp.from > ui.v1) continue;
                if (hatch ? !sp.cutTo : !sp.side) continue;
                const x0 = Math.max(MARGIN, xOf(cv, sp.from));
                const x1 = Math.min(cv.width - 8, xOf(cv, sp.to));
                const w = Math.max(1, x1 - x0);
                if (!hatch) {
                    const c = sp.side === 'majority' ? C.COLORS.majority
                        : C.COLORS.minority;
                    g.fillStyle = c.fill;
                    g.fillRect(x0, y, w, laneH);
                    g.fillStyle = c.edge;
                    g.fillRect(x0, y, w, 2);
                    continue;
                }
                g.save();
                g.beginPath(); g.rect(x0, y + 4, w, laneH - 10); g.clip();
                g.strokeStyle = C.COLORS.broken; g.lineWidth = 1.5;
                g.beginPath();
                for (let x = x0 - laneH; x < x1; x += 6) {
                    g.moveTo(x, y + laneH - 6); g.lineTo(x + laneH - 10, y + 4);
                }
                g.stroke();
                g.restore();
            }
        }
    }

    /* At most this many arrows: more would be a smear, and slow to draw. */
    const MAX_ARROWS = 6000;

    /* Message arrows inside the window, heartbeats left out when busy;
     * none, and a note saying so, when there are too many to tell apart. */
    function drawLaneMessages(g, cv, top, laneH) {
        const i0 = Math.max(0, M.indexAt(run, ui.v0)), i1 = M.indexAt(run, ui.v1);
        const busy = i1 - i0 > 3000;
        const drawn = e => e.kind === 'send' && !(busy && N.heartbeat(e));
        let arrows = 0;
        for (let i = i0; i <= i1 && arrows <= MAX_ARROWS; i++)
            if (drawn(run.events[i])) arrows++;
        if (arrows > MAX_ARROWS) {
            g.fillStyle = '#65737e'; g.font = '11px sans-serif'; g.textAlign = 'right';
            g.fillText('messages: zoom in to see them', cv.width - 10, 12);
            return;
        }
        const lane = id => top + (id - 1) * laneH + laneH / 2 - 3;
        g.lineWidth = 1;
        for (let i = i0; i <= i1; i++) {
            const e = run.events[i];
            if (!drawn(e)) continue;
            const end = run.msgEnd.get(e.msg);
            const t1 = end ? end.t : run.endUs;
            const x0 = xOf(cv, e.t), x1 = xOf(cv, t1);
            const y0 = lane(e.node), yTo = lane(e.peer);
            g.strokeStyle = end && end.kind === 'drop' ? C.COLORS.lost : msgColor(e);
            g.beginPath(); g.moveTo(x0, y0);
            if (end && end.kind === 'drop') {
                /* A lost message ends, crossed, on the lane it was sent to. */
                g.lineTo(x1, yTo); g.stroke();
                g.beginPath(); g.moveTo(x1 - 3, yTo - 3); g.lineTo(x1 + 3, yTo + 3);
                g.moveTo(x1 - 3, yTo + 3); g.lineTo(x1 + 3, yTo - 3);
            } else {
                g.lineTo(x1, yTo);
            }
            g.stroke();
        }
    }

    /* Leadership transfers: a thick arrow from the leader's lane at the
     * start to the target's at the outcome (dashed, crossed: aborted;
     * dotted: no outcome yet), as on the timeline picture. */
    function drawLaneTransfers(g, cv, top, laneH) {
        const lane = id => top + (id - 1) * laneH + laneH / 2 - 3;
        g.strokeStyle = g.fillStyle = TRANSFER_COLOR;
        g.lineWidth = 3;
        for (const tr of series.transfers) {
            if (tr.t1 < ui.v0 || tr.t0 > ui.v1) continue;
            const x0 = xOf(cv, tr.t0), x1 = xOf(cv, tr.t1);
            const y0 = lane(tr.leader), y1 = lane(tr.target);
            g.setLineDash(tr.outcome === 'abort' ? [6, 3]
                : tr.outcome === 'running' ? [2, 3] : []);
            g.beginPath(); g.moveTo(x0, y0); g.lineTo(x1, y1); g.stroke();
            g.setLineDash([]);
            if (tr.outcome === 'abort') {
                g.beginPath(); g.moveTo(x1 - 4, y1 - 4); g.lineTo(x1 + 4, y1 + 4);
                g.moveTo(x1 - 4, y1 + 4); g.lineTo(x1 + 4, y1 - 4); g.stroke();
            } else if (tr.outcome === 'done') {
                g.beginPath(); g.arc(x1, y1, 4, 0, 2 * Math.PI); g.fill();
            }
        }
        g.lineWidth = 1;
    }

    function drawAxis(g, cv, y) {
        const span = ui.v1 - ui.v0;
        const step = Math.pow(10, Math.floor(Math.log10(span / 5)));
        const nice = [1, 2, 5, 10].map(k => k * step).find(s => span / s <= 10);
        g.fillStyle = '#65737e'; g.font = '10px sans-serif'; g.textAlign = 'center';
        for (let t = Math.ceil(ui.v0 / nice) * nice; t <= ui.v1; t += nice)
            g.fillText(fmt(Math.round(t)), xOf(cv, t), y);
    }

    function drawCursor(g, cv) {
        if (ui.t < ui.v0 || ui.t > ui.v1) return;
        g.strokeStyle = '#c92a2a'; g.lineWidth = 2;
        g.beginPath(); g.moveTo(xOf(cv, ui.t), 0); g.lineTo(xOf(cv, ui.t), cv.height);
        g.stroke();
    }

    function drawPlots() {
        const cv = $('plots');
        fitCanvas(cv, 200);
        drawLayered(cv, g => drawPlotLayer(g, cv));
    }

    function drawPlotLayer(g, cv) {
        const h = cv.height;
        for (const u of series.unavailable) {
            if (u.t1 < ui.v0 || u.t0 > ui.v1) continue;
            g.fillStyle = u.why === 'no leader' ? 'rgba(120,120,120,0.25)'
                : 'rgba(120,120,120,0.12)';
            g.fillRect(xOf(cv, u.t0), 0, xOf(cv, u.t1) - xOf(cv, u.t0), h - 14);
        }
        const reqs = series.requests;
        const maxLat = series.maxLatency, maxBin = series.maxBin;
        g.fillStyle = 'rgba(28,126,214,0.35)';
        for (const b of series.throughput) {
            const bh = b.count / maxBin * 50;
            g.fillRect(xOf(cv, b.t0), h - 14 - bh, xOf(cv, b.t1) - xOf(cv, b.t0) - 1, bh);
        }
        const colors = { ok: '#2b8a3e', retried: '#e8890c', failed: '#c92a2a',
            pending: '#868e96' };
        for (const r of reqs) {
            g.fillStyle = colors[r.outcome];
            g.beginPath();
            g.arc(xOf(cv, r.t0), h - 70 - r.latency / maxLat * (h - 90), 3, 0, 7);
            g.fill();
        }
        g.fillStyle = '#65737e'; g.font = '10px sans-serif'; g.textAlign = 'left';
        g.fillText('latency (max ' + fmt(maxLat) + ')', 4, 12);
        g.fillText(maxBin + '/100ms', 4, h - 66);
        drawAxis(g, cv, h - 2);
    }

    function bindZoom(cv) {
        let drag = null;
        cv.addEventListener('wheel', ev => {
            ev.preventDefault();
            const r = cv.getBoundingClientRect();
            const at = tOf(cv, (ev.clientX - r.left) * cv.width / r.width);
            const k = ev.deltaY > 0 ? 1.25 : 0.8;
            const span = Math.min(run.endUs, Math.max(50, (ui.v1 - ui.v0) * k));
            ui.v0 = Math.max(0, at - (at - ui.v0) * span / (ui.v1 - ui.v0));
            ui.v1 = Math.min(run.endUs, ui.v0 + span);
            drawLanes(); drawPlots();
        }, { passive: false });
        cv.addEventListener('mousedown', ev => { drag = { x: ev.clientX, v0: ui.v0, moved: false }; });
        window.addEventListener('mouseup', ev => {
            if (drag && !drag.moved) {
                const r = cv.getBoundingClientRect();
                setCursor(tOf(cv, (ev.clientX - r.left) * cv.width / r.width));
            }
            drag = null;
        });
        cv.addEventListener('mousemove', ev => {
            if (!drag) return;
            const r = cv.getBoundingClientRect();
            const dt = (ev.clientX - drag.x) * cv.width / r.width *
                (ui.v1 - ui.v0) / (cv.width - MARGIN - 8);
            if (Math.abs(ev.clientX - drag.x) > 3) drag.moved = true;
            const span = ui.v1 - ui.v0;
            ui.v0 = Math.min(Math.max(0, drag.v0 - dt), run.endUs - span);
            ui.v1 = ui.v0 + span;
            drawLanes(); drawPlots();
        });
        cv.addEventListener('dblclick', () => {
            ui.v0 = 0; ui.v1 = Math.max(1, run.endUs); drawLanes(); drawPlots();
        });
    }

    /* The membership strips' legend under the lanes, listing the places
     * the run shows; hidden when there are no strips. */
    function buildLanesLegend() {
        const parts = [];
        if (series.network.shown)
            parts.push(networkLegend());
        if (series.members.shown)
            parts.push(membersLegend());
        if (!parts.length)
            return;
        const el = $('lanes-legend');
        el.innerHTML = parts.join('<br>');
        el.hidden = false;
    }

    /* The partitions' and cuts' marks on the lanes, those the run shows. */
    function networkLegend() {
        const used = new Set();
        for (let id = 1; id <= run.n; id++)
            for (const sp of series.network.spans[id]) {
                used.add(sp.side);
                if (sp.cutTo)
                    used.add('cut');
            }
        const tint = (c, words) => '<span class="tint" style="background:' +
            c.fill + ';border-top:2px solid ' + c.edge + '"></span>' + words;
        const items = [];
        if (used.has('majority'))
            items.push(tint(C.COLORS.majority, 'majority side'));
        if (used.has('minority') || used.has('cut off'))
            items.push(tint(C.COLORS.minority, 'minority side or cut off'));
        if (used.has('cut'))
            items.push('<span class="tint" style="background:repeating-' +
                'linear-gradient(-45deg,' + C.COLORS.broken + ' 0 1.5px,' +
                'transparent 1.5px 6px)"></span>one-way cut from this node');
        return 'Network (behind and over each lane):' + items.join('');
    }

    function membersLegend() {
        const used = new Set();
        for (let id = 1; id <= run.n; id++)
            for (const sp of series.members.spans[id])
                used.add(sp.member);
        const items = Object.keys(MEMBER_COLOR).filter(k => used.has(k))
            .map(k => '<span class="strip" style="background:' +
                MEMBER_COLOR[k] + '"></span>' + escapeHtml(k));
        if (used.has('not a member'))
            items.push('<span class="washed"></span>not a member');
        return 'Membership (strip under each lane):' + items.join('');
    }

    /* ---- start -------------------------------------------------------- */

    /* The panels whose content changes with the cursor keep the height
     * they had at the first render (class "fixed": CSS size and layout
     * containment), so that a redraw lays out only inside them, never the
     * whole page. A resize of the window measures them again. */
    const FIXED = ['controls', 'cluster-panel', 'nodes-panel'];

    function fixSizes(on) {
        const els = FIXED.map($);
        if (!on) {
            for (const el of els) {
                el.style.height = '';
                el.classList.remove('fixed');
            }
            return;
        }
        const heights = els.map(el => el.getBoundingClientRect().height);
        els.forEach((el, k) => {
            el.style.height = heights[k] + 'px';
            el.classList.add('fixed');
        });
    }

    document.title = run.title + ' - raftsim replay';
    $('title').textContent = run.title;
    $('meta').textContent = (run.file ? run.file + ', ' : '') + 'seed ' + run.seed +
        ', ' + run.n + ' nodes, ' + fmt(run.endUs) + ' simulated, ' +
        run.events.length + ' events, trace hash ' + run.hash;
    buildNodeRows();
    buildLanesLegend();
    $('cluster-legend').innerHTML = C.legendHtml();
    bindControls();
    bindTooltip();
    bindLists();
    bindZoom($('lanes'));
    bindZoom($('plots'));
    window.addEventListener('resize', () => {
        fixSizes(false);
        render();
        fixSizes(true);
    });
    const t0 = fragmentTime();
    setCursor(t0 === null ? 0 : t0, t0 !== null);
    fixSizes(true);
    runProbes();

    /* "#t=1s&probe=0.5s,2s": after opening at the cursor, the page moves it
     * to each probe time in turn and keeps a copy of what it showed there
     * (an output element of class "probe"), so that one browser load checks many
     * instants (tests/browser/). The cursor returns to where it opened. */
    function runProbes() {
        const m = /[#&]probe=([^&]+)/.exec(location.hash);
        if (!m)
            return;
        const opened = ui.t;
        for (const text of decodeURIComponent(m[1]).split(',')) {
            const t = parseTime(text);
            if (t === null)
                continue;
            setCursor(t, true);
            const copy = $('state').cloneNode(false);
            copy.removeAttribute('id');
            copy.className = 'probe';
            document.body.appendChild(copy);
        }
        setCursor(opened, true);
    }
})();
