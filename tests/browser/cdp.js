/* cdp.js: a minimal client of chromium's DevTools protocol over a pipe
 * (--remote-debugging-pipe: requests on fd 3, replies and events on fd 4,
 * each message JSON terminated by a NUL byte), enough to open a page and
 * evaluate script in it. No npm package: node's own child_process only.
 *
 * Used by the replay page's scrub benchmark (scrub-bench.js). */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

class Browser {
    /* Starts headless chromium (binary `chromium`) with a fresh profile. */
    constructor(chromium) {
        this.profile = fs.mkdtempSync(path.join(os.tmpdir(), 'raftsim-cdp-'));
        this.proc = spawn(chromium, ['--headless', '--no-sandbox',
            '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
            '--disable-extensions', '--remote-debugging-pipe',
            '--user-data-dir=' + this.profile, 'about:blank'],
        { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
        this.nextId = 1;
        this.pending = new Map();
        this.waiters = [];
        let buf = Buffer.alloc(0);
        this.proc.stdio[4].on('data', chunk => {
            buf = Buffer.concat([buf, chunk]);
            let nul;
            while ((nul = buf.indexOf(0)) >= 0) {
                this.dispatch(JSON.parse(buf.subarray(0, nul).toString()));
                buf = buf.subarray(nul + 1);
            }
        });
    }

    dispatch(msg) {
        if (msg.id && this.pending.has(msg.id)) {
            const { resolve, reject } = this.pending.get(msg.id);
            this.pending.delete(msg.id);
            if (msg.error)
                reject(new Error(msg.error.message));
            else
                resolve(msg.result);
            return;
        }
        this.waiters = this.waiters.filter(w => !w(msg));
    }

    /* One command; resolves with its result. */
    send(method, params, sessionId) {
        const id = this.nextId++;
        const msg = { id: id, method: method, params: params || {} };
        if (sessionId)
            msg.sessionId = sessionId;
        this.proc.stdio[3].write(JSON.stringify(msg) + '\0');
        return new Promise((resolve, reject) =>
            this.pending.set(id, { resolve, reject }));
    }

    /* Resolves with the first event named method (of sessionId). */
    once(method, sessionId) {
        return new Promise(resolve => this.waiters.push(msg => {
            if (msg.method !== method || msg.sessionId !== sessionId)
                return false;
            resolve(msg.params);
            return true;
        }));
    }

    /* Opens url in a new tab; resolves with its session id once loaded. */
    async open(url) {
        const { targetId } = await this.send('Target.createTarget',
            { url: 'about:blank' });
        const { sessionId } = await this.send('Target.attachToTarget',
            { targetId: targetId, flatten: true });
        await this.send('Page.enable', {}, sessionId);
        const loaded = this.once('Page.loadEventFired', sessionId);
        await this.send('Page.navigate', { url: url }, sessionId);
        await loaded;
        return sessionId;
    }

    /* The value of expression (awaited if a promise) in the page. */
    async evaluate(sessionId, expression) {
        const r = await this.send('Runtime.evaluate', { expression: expression,
            awaitPromise: true, returnByValue: true }, sessionId);
        if (r.exceptionDetails)
            throw new Error('in the page: ' + (r.exceptionDetails.exception ?
                r.exceptionDetails.exception.description :
                r.exceptionDetails.text));
        return r.result.value;
    }

    async close() {
        try {
            await Promise.race([this.send('Browser.close'),
                new Promise(resolve => setTimeout(resolve, 2000))]);
        } finally {
            const exited = new Promise(resolve => this.proc.once('exit', resolve));
            this.proc.kill();
            await exited;
            fs.rmSync(this.profile, { recursive: true, force: true });
        }
    }
}

module.exports = { Browser };
