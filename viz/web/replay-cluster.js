/* replay-cluster.js: the replay page's cluster picture and its legend.
 *
 * The nodes stand on a ring. While a partition holds, each side of it
 * (RaftReplay.partitionSides()) takes an arc of consecutive places on the
 * ring, with a gap before the next side, inside a shaded region: green
 * for the side that holds a quorum of the voters, grey for the others.
 * Links that carry no message (RaftReplay.brokenLinks()) are red dashed
 * lines: crossed when closed both ways, an arrow ending at a bar when a
 * one-way cut closes them (pointing the way messages are lost). Messages
 * in flight move from sender to receiver, ringed in red when they will be
 * lost; a lost message leaves a red cross where it was lost for a moment
 * (RaftReplay.recentDrops()). Each node shows its role, term, election
 * timer, and whether it is crashed or paused.
 *
 * layout() is pure (tests/js/replay-cluster.test.js); draw() paints one
 * state and returns what it drew, which the page publishes for the
 * browser tests. Nothing is kept between calls: the picture of an instant
 * is the same however the cursor got there (played or scrubbed).
 *
 * Loaded as a plain script in the page (global RaftCluster) and as a
 * CommonJS module by the unit tests.
 */
(function (root, factory) {
    const api = factory();
    if (typeof module === 'object' && module.exports)
        module.exports = api;
    else
        root.RaftCluster = api;
})(typeof self !== 'undefined' ? self : this, function () {
    'use strict';

    /* Every colour of the picture and its legend, named once. */
    const COLORS = {
        role: { follower: '#b8c4d0', candidate: '#f0b429', leader: '#3aa655' },
        crashed: '#555555',
        paused: '#8e7cc3',
        outline: '#33404d',
        ink: '#1d2730',
        timer: '#e0803c',
        majority: { fill: '#e3f3e6', edge: '#2f9e44' },
        minority: { fill: '#eceff2', edge: '#868e96' },
        broken: '#e03131',
        lost: '#e03131',
        heartbeat: '#adb5bd',
        append: '#1c7ed6',
        vote: '#e8590c',
        other: '#7048e8',
    };
    /* A node's radius, the region's margin around it, and the gap between
     * two sides on the ring, in places. */
    const NODE_R = 24, PAD = 12, SIDE_GAP = 0.8;
    /* More broken partition links than this are left out (the regions say
     * it already, and the lines would hide the messages); cuts never are. */
    const MAX_PARTITION_LINES = 60;

    /* The ring: { r, pos, arcs }: pos[id] = { x, y, a } (a: the angle),
     * arcs[k] the mid angle of sides[k]. Without sides, node id stands at
     * place id - 1 of n from the top, clockwise; with them, the sides'
     * nodes in their order, SIDE_GAP places after each side when there
     * are two or more, the first side centred at the top (so that of two
     * sides the second is centred at the bottom). */
    function layout(n, sides, w, h) {
        const r = Math.min(w, h) / 2 - 46;
        const lists = sides.length ? sides.map(sd => sd.nodes)
            : [Array.from({ length: n }, (_, k) => k + 1)];
        const gap = lists.length > 1 ? SIDE_GAP : 0;
        const total = n + gap * lists.length;
        const first = sides.length ? (lists[0].length - 1) / 2 : 0;
        const angle = slot => -Math.PI / 2 + 2 * Math.PI * (slot - first) /
            total;
        const pos = [null], arcs = [];
        let slot = 0;
        for (const list of lists) {
            const first = slot;
            for (const id of list) {
                const a = angle(slot++);
                pos[id] = { x: w / 2 + r * Math.cos(a),
                    y: h / 2 + r * Math.sin(a), a: a };
            }
            arcs.push(angle((first + slot - 1) / 2));
            slot += gap;
        }
        return { r: r, pos: pos, arcs: arcs };
    }

    /* The colour of a message by its type: heartbeats pale. */
    function messageColor(m) {
        if (m.type.startsWith('AppendEntries'))
            return m.count === 0 && m.type === 'AppendEntries'
                ? COLORS.heartbeat : COLORS.append;
        if (m.type.includes('Vote'))
            return COLORS.vote;
        return COLORS.other;
    }

    /* The word a side goes by. */
    function sideName(side) {
        return side.group === 0 ? 'cut off'
            : side.quorum ? 'majority' : 'minority';
    }

    /* ---- drawing ------------------------------------------------------ */

    /* A side's region: the nodes' polygon stroked wide with round joins,
     * once in the edge colour and once, narrower, in the fill. */
    function drawRegion(g, pts, color) {
        const wide = 2 * (NODE_R + PAD);
        const path = () => {
            g.beginPath();
            g.moveTo(pts[0].x, pts[0].y);
            for (const p of pts.slice(1))
                g.lineTo(p.x, p.y);
            g.closePath();
        };
        g.save();
        g.lineJoin = 'round';
        g.lineCap = 'round';
        if (pts.length === 1) {
            g.beginPath();
            g.arc(pts[0].x, pts[0].y, NODE_R + PAD, 0, 2 * Math.PI);
            g.fillStyle = color.fill;
            g.fill();
            g.strokeStyle = color.edge; g.lineWidth = 2; g.stroke();
        } else {
            path();
            g.strokeStyle = color.edge; g.lineWidth = wide + 4; g.stroke();
            g.strokeStyle = color.fill; g.lineWidth = wide; g.stroke();
            g.fillStyle = color.fill; g.fill();
        }
        g.restore();
    }

    /* A cross of half-size k at (x, y). */
    function cross(g, x, y, k) {
        g.beginPath();
        g.moveTo(x - k, y - k); g.lineTo(x + k, y + k);
        g.moveTo(x - k, y + k); g.lineTo(x + k, y - k);
        g.stroke();
    }

    /* The point at fraction f of the way from p to q, and the unit vector
     * along it. */
    function along(p, q, f) {
        const dx = q.x - p.x, dy = q.y - p.y, len = Math.hypot(dx, dy) || 1;
        return { x: p.x + dx * f, y: p.y + dy * f, ux: dx / len,
            uy: dy / len, len: len };
    }

    /* A link that carries no message: dashed red from node to node, pale
     * between two sides of a partition (the regions say why); a cut with
     * a cross at its middle when closed both ways, else an arrow to a bar
     * on the side of the node that does not hear. */
    function drawBrokenLink(g, p, q, link) {
        const v = along(p, q, 0), off = NODE_R + 3;
        const a = { x: p.x + v.ux * off, y: p.y + v.uy * off };
        const b = { x: q.x - v.ux * off, y: q.y - v.uy * off };
        const cut = link.why === 'cut';
        g.save();
        g.strokeStyle = COLORS.broken;
        g.globalAlpha = cut ? 1 : 0.55;
        g.lineWidth = cut ? 2 : 1.5;
        g.setLineDash([5, 4]);
        g.beginPath(); g.moveTo(a.x, a.y); g.lineTo(b.x, b.y); g.stroke();
        g.setLineDash([]);
        if (!cut) {
            /* Nothing more: the regions tell the sides apart. */
        } else if (link.ab && link.ba) {
            const m = along(a, b, 0.5);
            cross(g, m.x, m.y, 5);
        } else {
            const [from, to] = link.ab ? [a, b] : [b, a];
            const m = along(from, to, 0.62), k = 10;
            g.fillStyle = COLORS.broken;
            g.beginPath();
            g.moveTo(m.x, m.y);
            g.lineTo(m.x - m.ux * k - m.uy * k / 2, m.y - m.uy * k + m.ux * k / 2);
            g.lineTo(m.x - m.ux * k + m.uy * k / 2, m.y - m.uy * k - m.ux * k / 2);
            g.closePath(); g.fill();
            g.lineWidth = 2.5;
            g.beginPath();
            g.moveTo(m.x + m.ux * 2 - m.uy * 8, m.y + m.uy * 2 + m.ux * 8);
            g.lineTo(m.x + m.ux * 2 + m.uy * 8, m.y + m.uy * 2 - m.ux * 8);
            g.stroke();
        }
        g.restore();
    }

    function drawNode(g, nd, p, t) {
        g.beginPath();
        g.arc(p.x, p.y, NODE_R, 0, 2 * Math.PI);
        g.fillStyle = !nd.alive ? COLORS.crashed : COLORS.role[nd.role];
        g.fill();
        g.lineWidth = nd.paused ? 4 : 1.5;
        g.strokeStyle = nd.paused ? COLORS.paused : COLORS.outline;
        g.stroke();
        if (nd.alive && nd.timer && nd.role !== 'leader') {
            const span = Math.max(1, nd.timer.due - nd.timer.from);
            const f = Math.min(1, Math.max(0, (t - nd.timer.from) / span));
            g.beginPath();
            g.arc(p.x, p.y, NODE_R + 5, -Math.PI / 2,
                -Math.PI / 2 + f * 2 * Math.PI);
            g.strokeStyle = COLORS.timer; g.lineWidth = 3; g.stroke();
        }
        g.textAlign = 'center';
        g.fillStyle = nd.alive ? COLORS.ink : '#fff';
        g.font = 'bold 13px sans-serif';
        g.fillText('n' + nd.id, p.x, p.y - 2);
        g.font = '11px sans-serif';
        g.fillText(nd.alive ? 'T' + nd.term : 'down', p.x, p.y + 12);
        const fault = !nd.alive ? 'crashed' : nd.paused ? 'paused' : '';
        if (fault) {
            g.font = 'bold 11px sans-serif';
            g.fillStyle = nd.alive ? COLORS.paused : COLORS.crashed;
            g.fillText(fault, p.x, p.y + NODE_R + 13);
        }
    }

    /* Messages in flight at t, at most 400: each moves from its sender to
     * its receiver over its flight, ringed in red when it will be lost.
     * Returns them with their place, for the tooltips. */
    function drawMessages(g, c, pos) {
        const drawn = [];
        for (const m of c.s.inflight.values()) {
            if (drawn.length > 400)
                break;
            const end = c.run.msgEnd.get(m.id);
            const tEnd = end ? end.t : c.run.endUs;
            const f = tEnd > m.sentT ? (c.t - m.sentT) / (tEnd - m.sentT) : 0;
            const at = along(pos[m.from], pos[m.to], Math.min(1, f));
            const lost = !!end && end.kind === 'drop';
            g.beginPath();
            g.arc(at.x, at.y, 5, 0, 2 * Math.PI);
            g.fillStyle = messageColor(m);
            g.fill();
            if (lost || m.copy) {
                g.strokeStyle = lost ? COLORS.lost : '#000';
                g.lineWidth = lost ? 2.5 : 1;
                g.stroke();
            }
            drawn.push({ x: at.x, y: at.y, m: m, lost: lost, end: end });
        }
        return drawn;
    }

    /* The messages lost in the last c.dropWindow: a red cross, fading,
     * just outside the receiver where the link or a crash lost it, just
     * outside the sender for a random loss (lost as it was sent). */
    function drawDrops(g, c, pos) {
        const drops = c.M.recentDrops(c.run, c.t, c.dropWindow);
        g.save();
        g.strokeStyle = COLORS.lost;
        g.lineWidth = 2.5;
        for (const d of drops) {
            const atSender = d.why === 'random';
            const p = pos[atSender ? d.to : d.from];
            const q = pos[atSender ? d.from : d.to];
            const v = along(q, p, 0);
            const off = NODE_R + 10;
            g.globalAlpha = Math.max(0.3, 1 - (c.t - d.t) / c.dropWindow);
            cross(g, q.x + v.ux * off, q.y + v.uy * off, 5);
        }
        g.restore();
        return drops.map(d => d.from + '>' + d.to + ':' + d.why);
    }

    /* Paints state c.s at time c.t on g (w x h): c = { run, s, t, M (the
     * model), dropWindow (how long a lost message stays marked, in
     * microseconds) }. Returns what it drew: { messages (for tooltips),
     * regions ['3 4 5:majority', ...], links ['1-3:partition',
     * '4>5:cut', '4-5:cut', ...], omitted (partition links left out),
     * drops ['3>1:cut', ...] }. */
    function draw(g, w, h, c) {
        const M = c.M, n = c.run.n;
        const sides = M.partitionSides(c.s);
        const ring = layout(n, sides, w, h);
        const out = { regions: [], links: [], omitted: 0 };
        g.clearRect(0, 0, w, h);
        sides.forEach(side => {
            const name = sideName(side);
            drawRegion(g, side.nodes.map(id => ring.pos[id]),
                side.quorum ? COLORS.majority : COLORS.minority);
            out.regions.push(side.nodes.join(' ') + ':' + name);
        });
        const broken = M.brokenLinks(c.s, n);
        const lines = broken.filter(l => l.why === 'cut').length;
        for (const l of broken) {
            if (l.why === 'partition' && broken.length - lines >
                MAX_PARTITION_LINES) {
                out.omitted++;
                continue;
            }
            drawBrokenLink(g, ring.pos[l.a], ring.pos[l.b], l);
            out.links.push(l.why === 'cut' && !(l.ab && l.ba)
                ? (l.ab ? l.a + '>' + l.b : l.b + '>' + l.a) + ':cut'
                : l.a + '-' + l.b + ':' + l.why);
        }
        out.messages = drawMessages(g, c, ring.pos);
        out.drops = drawDrops(g, c, ring.pos);
        for (const nd of c.s.nodes.slice(1))
            drawNode(g, nd, ring.pos[nd.id], c.t);
        drawSideLabels(g, sides, ring, w, h);
        return out;
    }

    /* Each side's name inside its region: at the middle of its nodes, or
     * for a side of one node just inside the ring from it. */
    function drawSideLabels(g, sides, ring, w, h) {
        const rr = ring.r - NODE_R - PAD - 34;
        g.font = 'bold 11px sans-serif';
        g.textAlign = 'center';
        sides.forEach((side, k) => {
            let x = w / 2 + rr * Math.cos(ring.arcs[k]);
            let y = h / 2 + rr * Math.sin(ring.arcs[k]);
            if (side.nodes.length > 1) {
                x = y = 0;
                for (const id of side.nodes) {
                    x += ring.pos[id].x / side.nodes.length;
                    y += ring.pos[id].y / side.nodes.length;
                }
            }
            g.fillStyle = (side.quorum ? COLORS.majority : COLORS.minority).edge;
            g.fillText(sideName(side), x, y + 4);
        });
    }

    /* ---- legend ------------------------------------------------------- */

    /* A 26 x 14 SVG swatch of the given body. */
    function swatch(body) {
        return '<svg width="26" height="14" viewBox="0 0 26 14" ' +
            'aria-hidden="true">' + body + '</svg>';
    }

    function disc(fill, stroke, width) {
        return swatch('<circle cx="13" cy="7" r="5.5" fill="' + fill +
            '" stroke="' + stroke + '" stroke-width="' + width + '"/>');
    }

    function region(c) {
        return swatch('<rect x="1" y="1" width="24" height="12" rx="6" fill="' +
            c.fill + '" stroke="' + c.edge + '" stroke-width="1.5"/>');
    }

    const DASH = '<line x1="1" y1="7" x2="25" y2="7" stroke="' +
        COLORS.broken + '" stroke-width="2" stroke-dasharray="4 3"/>';

    /* The legend's entries, [swatch markup, words], every mark draw()
     * makes. */
    function legendItems() {
        const r = COLORS.role;
        return [
            [disc(r.follower, COLORS.outline, 1), 'follower'],
            [disc(r.candidate, COLORS.outline, 1), 'candidate'],
            [disc(r.leader, COLORS.outline, 1), 'leader'],
            [disc(COLORS.crashed, COLORS.outline, 1), 'crashed'],
            [disc(r.follower, COLORS.paused, 3), 'paused'],
            [swatch('<path d="M13 1 A6 6 0 0 1 19 7" fill="none" stroke="' +
                COLORS.timer + '" stroke-width="3"/>'), 'election timer'],
            [region(COLORS.majority), 'partition side with a majority'],
            [region(COLORS.minority), 'side without one (minority, cut off)'],
            [swatch(DASH.replace('stroke-width="2"',
                'stroke-width="1.5" opacity="0.55"')),
                'no link between two sides'],
            [swatch(DASH + '<path d="M10 3 l6 8 M10 11 l6 -8" stroke="' +
                COLORS.broken + '" stroke-width="1.5"/>'),
                'link cut both ways'],
            [swatch(DASH + '<path d="M10 3 L16 7 L10 11 Z" fill="' +
                COLORS.broken + '"/><line x1="18" y1="2" x2="18" y2="12" ' +
                'stroke="' + COLORS.broken + '" stroke-width="2.5"/>'),
                'one-way cut (messages lost the way it points)'],
            [swatch('<circle cx="13" cy="7" r="4.5" fill="' + COLORS.append +
                '" stroke="' + COLORS.lost + '" stroke-width="2.5"/>'),
                'message that will be lost'],
            [swatch('<path d="M9 3 l8 8 M9 11 l8 -8" stroke="' + COLORS.lost +
                '" stroke-width="2.5"/>'), 'message lost here'],
        ];
    }

    function legendHtml() {
        return legendItems().map(([sw, words]) => '<span class="key">' + sw +
            words + '</span>').join(' ');
    }

    return { COLORS, NODE_R, layout, messageColor, sideName, draw,
        legendItems, legendHtml };
});
