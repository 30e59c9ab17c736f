/* replay-cluster.test.js: the replay page's cluster picture draws each
 * side of a partition together, every link down and every message just
 * lost, the same at an instant however the cursor got there
 * (viz/web/replay-cluster.js). */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const M = require('../../viz/web/replay-model.js');
const C = require('../../viz/web/replay-cluster.js');
const { partitionRunData } = require('./run-builder.js');

/* A 2D context that draws nothing: every method a no-op, every property
 * settable. */
function nullContext() {
    return new Proxy({}, {
        get: (o, k) => k in o ? o[k] : () => undefined,
        set: (o, k, v) => { o[k] = v; return true; },
    });
}

const W = 460, H = 360;

test('each_side_of_a_partition_stands_on_consecutive_places_of_the_ring', () => {
    const sides = [{ group: 1, nodes: [3, 5] }, { group: 2, nodes: [1, 2, 4] }];
    const ring = C.layout(5, sides, W, H);
    /* Around the ring, each side's nodes follow one another: the side
     * changes once per side; and two neighbours of different sides are
     * further apart than two of one side, far enough that their regions
     * do not meet. */
    const norm = a => (a + 4 * Math.PI) % (2 * Math.PI);
    const around = [1, 2, 3, 4, 5].sort((a, b) => norm(ring.pos[a].a) -
        norm(ring.pos[b].a));
    const sideOf = id => sides.findIndex(sd => sd.nodes.includes(id));
    const d = (a, b) => Math.hypot(ring.pos[a].x - ring.pos[b].x,
        ring.pos[a].y - ring.pos[b].y);
    let changes = 0, within = 0, across = Infinity;
    around.forEach((id, k) => {
        const next = around[(k + 1) % around.length];
        if (sideOf(id) !== sideOf(next)) {
            changes++;
            across = Math.min(across, d(id, next));
        } else {
            within = Math.max(within, d(id, next));
        }
    });
    assert.equal(changes, 2, 'sides on consecutive places: ' + around);
    assert.ok(across > within, 'sides apart more than neighbours within');
    assert.ok(across > 2 * (C.NODE_R + 12) + 4, 'regions apart: ' + across);
    assert.ok(Math.abs(ring.arcs[0] + Math.PI / 2) < 1e-9,
        'the first side is centred at the top');
    assert.ok(Math.abs(ring.arcs[1] - Math.PI / 2) < 1e-9,
        'the second at the bottom');
    const plain = C.layout(5, [], W, H);
    assert.ok(Math.abs(plain.pos[1].x - W / 2) < 1e-9 &&
        plain.pos[1].y < H / 2, 'without a partition n1 is at the top');
    assert.ok(plain.pos[2].x > W / 2, 'and the ring goes clockwise');
});

test('the_picture_draws_each_side_every_link_down_and_recent_losses', () => {
    const run = M.load(partitionRunData());
    const c = M.cursor(run);
    const drawAt = t => C.draw(nullContext(), W, H, { run: run, M: M,
        s: c.seek(M.indexAt(run, t)), t: t, dropWindow: 50 });
    let d = drawAt(170);
    assert.deepEqual(d.regions, ['1 2:minority', '3 4 5:majority']);
    assert.deepEqual(d.links, ['1-3:partition', '1-4:partition',
        '1-5:partition', '2-3:partition', '2-4:partition', '2-5:partition',
        '4>5:cut']);
    d = drawAt(230);
    assert.deepEqual(d.regions, ['1:minority', '2 3 5:majority',
        '4:cut off']);
    assert.deepEqual(d.drops, ['1>2:cut', '2>4:cut']);
    d = drawAt(400);
    assert.deepEqual([d.regions, d.links, d.drops], [[], [], []],
        'heal removes it all');
    /* Back across checkpoints: the same picture as on the way forward. */
    assert.deepEqual(drawAt(170).links, ['1-3:partition', '1-4:partition',
        '1-5:partition', '2-3:partition', '2-4:partition', '2-5:partition',
        '4>5:cut']);
    assert.deepEqual(drawAt(215).drops, ['1>2:cut']);
});

test('a_message_that_will_be_lost_is_drawn_so', () => {
    const run = M.load(partitionRunData());
    const s = M.stateAt(run, 205);
    const d = C.draw(nullContext(), W, H, { run: run, M: M, s: s, t: 205,
        dropWindow: 50 });
    assert.deepEqual(d.messages.map(m => [m.m.id, m.lost]), [[7, true]]);
});

test('the_legend_names_every_fault_mark', () => {
    const words = C.legendItems().map(([, w]) => w).join(' | ');
    for (const w of ['crashed', 'paused', 'majority', 'minority',
        'cut both ways', 'one-way cut', 'will be lost', 'lost here'])
        assert.match(words, new RegExp(w));
});
