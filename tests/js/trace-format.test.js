/* trace-format.test.js: every record of every library scenario's JSONL
 * trace matches the schema that docs/trace-format.md shows (read from the
 * document itself, between its <!-- schema --> markers), and `--trace -`
 * writes that trace, alone, to standard output.
 *
 * Needs the command: $RAFTSIM (default build/raftsim; `make check-js`
 * builds it). The document's jq examples are run by `make check-docs`. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');
const RAFTSIM = path.resolve(ROOT, process.env.RAFTSIM || 'build/raftsim');
const DOC = path.join(ROOT, 'docs', 'trace-format.md');

function documentedSchema() {
    const doc = fs.readFileSync(DOC, 'utf8');
    const m = /<!-- schema -->\n```json\n([\s\S]*?)\n```\n<!-- \/schema -->/
        .exec(doc);
    assert.ok(m, 'docs/trace-format.md shows the schema between its markers');
    return JSON.parse(m[1]);
}

/* Runs `raftsim run ARGS --trace -`: stdout, stderr and the status. */
function traceToStdout(args) {
    return traceToStdoutWith(args, []);
}

function traceToStdoutWith(args, more) {
    const r = spawnSync(RAFTSIM, ['run', ...args, '--trace', '-', ...more],
        { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
    return { records: r.stdout.trim().split('\n').map(l => JSON.parse(l)),
        stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/* Why value does not have type (a schema type), or '' when it does. */
function typeError(value, type, name) {
    if (Array.isArray(type))
        return type.includes(value) ? '' : name + ': not one of ' + type;
    if (typeof type === 'object') {
        if (typeof value !== 'object' || value === null)
            return name + ': not an object';
        for (const k of Object.keys(type))
            if (!(k in value)) return name + '.' + k + ': missing';
        for (const k of Object.keys(value)) {
            if (!(k in type)) return name + '.' + k + ': not in the schema';
            const e = typeError(value[k], type[k], name + '.' + k);
            if (e) return e;
        }
        return '';
    }
    const ok = {
        integer: Number.isSafeInteger(value) && value >= 0,
        boolean: typeof value === 'boolean',
        string: typeof value === 'string',
        hex64: typeof value === 'string' && /^[0-9a-f]{16}$/.test(value),
        integers: Array.isArray(value) &&
            value.every(v => Number.isSafeInteger(v) && v >= 0),
    }[type];
    assert.notEqual(ok, undefined, 'unknown schema type ' + type);
    return ok ? '' : name + ': not ' + type;
}

/* Why record does not match the schema, or '' when it does. */
function recordError(schema, record, isEvent) {
    const spec = schema.records[record.kind];
    if (!spec)
        return 'unknown kind ' + record.kind;
    if (isEvent === (record.kind === 'header' || record.kind === 'footer'))
        return record.kind + ' record in the wrong place';
    const required = (isEvent ? schema.event : []).concat(spec.required || []);
    const allowed = new Set(required.concat(spec.optional || []));
    for (const f of required)
        if (!(f in record)) return record.kind + ': ' + f + ' missing';
    for (const [f, v] of Object.entries(record)) {
        if (!allowed.has(f)) return record.kind + ': ' + f + ' not allowed';
        const e = typeError(v, schema.types[f], f);
        if (e) return record.kind + ': ' + e;
    }
    return '';
}

/* The library, and the membership scenario of the pictures, whose trace
 * has every kind of `config` and `transfer` record. */
const LIBRARY = fs.readdirSync(path.join(ROOT, 'scenarios'))
    .filter(f => f.endsWith('.scn')).sort().map(f => 'scenarios/' + f)
    .concat(['tests/scenarios/grow-and-transfer.scn']);

test('every_record_of_every_library_trace_matches_the_documented_schema', () => {
    const schema = documentedSchema();
    assert.ok(LIBRARY.length > 10);
    const page = path.join(ROOT, process.env.BUILD || 'build', 'trace-format-test.html');
    fs.mkdirSync(path.dirname(page), { recursive: true });
    for (const file of LIBRARY) {
        fs.rmSync(page, { force: true });
        const { records, stderr, status } = traceToStdoutWith([file],
            ['--html', page]);
        const header = records[0], footer = records[records.length - 1];
        const events = records.slice(1, -1);
        assert.equal(header.kind, 'header', file);
        assert.equal(footer.kind, 'footer', file);
        assert.equal(header.format, schema.format, file);
        assert.equal(header.file, file);
        for (const r of [header, footer])
            assert.equal(recordError(schema, r, false), '', file);
        events.forEach((e, k) => {
            assert.equal(recordError(schema, e, true), '', file + ' ' +
                JSON.stringify(e));
            assert.equal(e.seq, k + 1, file + ': seq is dense from 1');
        });
        assert.equal(footer.events, events.length, file);
        /* The report went to stderr and names the footer's hash. */
        assert.match(stderr, new RegExp('Trace hash +' + footer.hash), file);
        assert.equal(footer.verdict, status === 0 ? 'pass' : 'fail', file);
        /* The replay page of the same run is written too, with its hash. */
        assert.match(fs.readFileSync(page, 'utf8'),
            new RegExp('"hash":"' + footer.hash + '"'), file + ': --html');
        assert.equal(Math.max(...events.map(e => e.node || 0)) <= header.nodes,
            true, file);
    }
});

test('check_records_carry_the_line_of_their_statement', () => {
    let checks = 0;
    for (const file of LIBRARY) {
        const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
        for (const e of traceToStdout([file]).records) {
            if (e.kind !== 'check')
                continue;
            checks++;
            assert.ok(e.line >= 1 && e.line <= lines.length, file + ' ' + e.line);
            assert.match(lines[e.line - 1], /\b(expect|settle)\b/,
                file + ':' + e.line + ' is a check');
            if (/^line \d+: /.test(e.text))
                assert.ok(e.text.startsWith('line ' + e.line + ': '), e.text);
        }
    }
    assert.ok(checks > 50, checks + ' checks');
});

test('trace_to_stdout_holds_json_lines_only_and_equals_the_trace_file', () => {
    const out = path.join(ROOT, process.env.BUILD || 'build', 'trace-format-test.jsonl');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    execFileSync(RAFTSIM, ['run', '--quiet', 'scenarios/leader-crash.scn',
        '--trace', out], { cwd: ROOT });
    const r = traceToStdout(['--quiet', 'scenarios/leader-crash.scn']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, fs.readFileSync(out, 'utf8'));
    assert.match(r.stderr, /^PASS scenarios\/leader-crash\.scn/m,
        'the verdict goes to stderr');
});

test('the_replay_page_and_the_trace_of_a_run_hold_the_same_run', () => {
    const M = require('../../viz/web/replay-model.js');
    const base = path.join(ROOT, process.env.BUILD || 'build', 'trace-format-page');
    for (const file of ['scenarios/figure7-log-repair.scn',
        'scenarios/leader-crash.scn', 'scenarios/snapshot-catch-up.scn']) {
        execFileSync(RAFTSIM, ['run', '--quiet', file, '--html', base + '.html',
            '--trace', base + '.jsonl'], { cwd: ROOT });
        const html = fs.readFileSync(base + '.html', 'utf8');
        const embedded = JSON.parse(/<script type="application\/json" id="run-data">\n([\s\S]*?)\n<\/script>/
            .exec(html)[1]);
        const records = fs.readFileSync(base + '.jsonl', 'utf8').trim()
            .split('\n').map(l => JSON.parse(l));
        const page = M.load(embedded), trace = M.load(M.fromTrace(records));
        for (const k of ['file', 'seed', 'hash', 'n', 'endUs', 'initialTerms'])
            assert.deepEqual(trace[k], page[k], file + ': ' + k);
        assert.equal(trace.title, page.title, file);
        assert.deepEqual(trace.events, page.events, file + ': events');
    }
});
