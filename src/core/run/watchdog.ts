// A run must die with the process that started it, even one killed by SIGKILL, which runs no handler. A parent-
// death signal on strace is not enough: strace 6.1 does not set PTRACE_O_EXITKILL (its --kill-on-exit came in
// 6.2), so when strace dies the kernel only detaches its tracees and they run on (checked: `setpriv --pdeathsig
// KILL strace -f PROG`, parent SIGKILLed, left PROG and its children running). So a tiny watchdog process,
// started beside strace in its own process group, holds a pipe from us: when the pipe closes without a "done"
// (we died), it kills everything strace traces (found by TracerPid, so a setsid child is found too) while strace
// still holds them, then every process the log names that started after strace, then strace.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';

/** Plain JavaScript run with `node -e` (the extension host's Electron as node), so it needs no file of its own. */
const WATCHDOG_JS = String.raw`'use strict';
const fs = require('fs');
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGPIPE']) process.on(s, () => {});
const jobs = new Map();
let done = false, buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
    const m = JSON.parse(buf.slice(0, i));
    if (m.add) jobs.set(m.add, m); else if (m.remove) jobs.delete(m.remove); else if (m.done) done = true;
  }
});
const fields = (pid) => { try { const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); return s.slice(s.lastIndexOf(')') + 2).split(' '); } catch { return null; } };
const startOf = (pid) => { const f = fields(pid); return f && f[0] !== 'Z' && f[0] !== 'X' ? Number(f[19]) : -1; };
const kill = (pid) => { try { process.kill(pid, 'SIGKILL'); } catch {} };
const nap = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const traced = (tracer) => {
  const out = [];
  for (const n of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try { if (fs.readFileSync('/proc/' + n + '/status', 'utf8').includes('\nTracerPid:\t' + tracer + '\n')) out.push(Number(n)); } catch {}
  }
  return out;
};
const logPids = (file) => {
  const pids = new Set();
  let fd;
  try { fd = fs.openSync(file, 'r'); } catch { return pids; }
  const chunk = Buffer.alloc(1 << 20);
  let rest = '';
  for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0;) {
    const lines = (rest + chunk.toString('latin1', 0, n)).split('\n');
    rest = lines.pop();
    for (const l of lines) {
      const h = /^(\d+) /.exec(l);
      if (h) pids.add(Number(h[1]));
      const c = /(?:clone3?|fork)\b.* = (\d+)/.exec(l);
      if (c) pids.add(Number(c[1]));
    }
  }
  fs.closeSync(fd);
  return pids;
};
const descendants = (root) => {
  const kids = new Map();
  for (const n of fs.readdirSync('/proc')) {
    const f = /^\d+$/.test(n) ? fields(n) : null;
    if (f) kids.set(Number(f[1]), [...(kids.get(Number(f[1])) || []), Number(n)]);
  }
  const out = [];
  for (let q = [root]; q.length;) for (const c of kids.get(q.shift()) || []) if (!out.includes(c)) { out.push(c); q.push(c); }
  return out;
};
const stopTracer = (job) => {
  const strace = job.pid;
  const ours = () => startOf(strace) === job.start;
  for (let i = 0; i < 100 && ours(); i++) {
    const t = traced(strace);
    if (t.length === 0) break;
    t.forEach(kill);
    nap(20);
  }
  for (const pid of logPids(job.log)) if (pid !== strace && startOf(pid) >= job.start) kill(pid);
  if (ours()) { kill(-strace); kill(strace); }
};
const stopGroup = (job) => {
  if (startOf(job.pid) !== job.start) return;
  for (const pid of descendants(job.pid).reverse()) kill(pid);
  kill(-job.pid);
  kill(job.pid);
};
const stop = () => {
  if (!done) for (const job of jobs.values()) job.log !== undefined ? stopTracer(job) : stopGroup(job);
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
`;


/** /proc/PID/stat's starttime (clock ticks after boot): with the pid, it names one process, not a later one with a reused pid. */
export function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const v = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One watchdog process for a run (an investigation, or one trace on its own). Each guard added names a process
 * to stop if we die: a strace (with everything it traces and its log names) or a process group (a go build with
 * the compilers and tools it started). A guard is released when its process has ended normally; close() ends the
 * watchdog without killing anything. Best effort: if it cannot start, runs go on without it.
 */
export class Watchdog {
  private nextId = 1;
  private closed = false;

  private constructor(private readonly input: Writable | undefined) {}

  static start(): Watchdog {
    try {
      const c = spawn(process.execPath, ['-e', WATCHDOG_JS], {
        detached: true, // its own group: a Ctrl-C or hangup meant for us must not take it first
        stdio: ['pipe', 'ignore', 'ignore'],
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      });
      c.on('error', () => {}); // could not start: nothing to guard with
      c.stdin?.on('error', () => {});
      c.unref();
      (c.stdin as Socket | null)?.unref();
      return new Watchdog(c.stdin ?? undefined);
    } catch {
      return new Watchdog(undefined);
    }
  }

  /** strace at `pid`, writing `logFile`: if we die, it, everything it traces and every process its log names die. */
  guardTracer(pid: number, logFile: string): () => void {
    return this.add({ pid, log: logFile });
  }

  /** the process group led by `pid` (a detached child) and its descendants */
  guardGroup(pid: number): () => void {
    return this.add({ pid });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.input?.end(JSON.stringify({ done: true }) + '\n');
  }

  private add(job: { pid: number; log?: string }): () => void {
    const start = startTimeOf(job.pid);
    if (start === undefined || this.closed || !this.input) return () => {};
    const id = this.nextId++;
    this.input.write(JSON.stringify({ add: id, start, ...job }) + '\n');
    return () => void (this.closed || this.input?.write(JSON.stringify({ remove: id }) + '\n'));
  }
}
