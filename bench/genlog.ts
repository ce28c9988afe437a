/**
 * Builds a large, real-shaped `strace -f -tt -T` log by replaying the real logs in test/fixtures/logs.
 *
 *   node --import tsx bench/genlog.ts --size 200M [--out bench/data/gen-200M.strace] [--seed 1]
 *
 * The result is one long-running process: the first source's start-up (execve, ld.so, runtime init) once,
 * then "episodes", each the rest of a real log (thread creation, mmaps, futexes, sleeps, thread exits)
 * replayed with its thread ids shifted and its timestamps moved onto one clock. A few episodes run at once
 * and their lines interleave; as in a real log of many busy threads, a call of one thread that another
 * thread's line interrupts is printed in two halves (`<unfinished ...>`, then `<... NAME resumed>`), so
 * split calls dominate. Everything is driven by a seeded generator: the same size and seed give the same
 * bytes.
 *
 * Thread ids are recycled after a window of episodes (the kernel recycles ids too), so the thread table
 * stays the size of a long-running program's while the log grows: the log's size, not its thread count,
 * is what the memory benchmark varies.
 */
import { closeSync, openSync, readFileSync, readdirSync, renameSync, writeSync } from 'node:fs';
import * as path from 'node:path';

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures', 'logs');
/** the -f -tt -T fixtures: every NAME.strace whose name does not say another capture style */
export function defaultSources(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.strace') && !/\.(plain|epoch-yy|stacks)\.strace$/.test(f))
    .sort()
    .map((f) => path.join(FIXTURES, f));
}

interface SourceLine {
  tid: number;
  /** microseconds since the previous line of the same source, clipped (a 1 s sleep must not stretch the clock) */
  delta: number;
  /** everything after the timestamp */
  rest: string;
  /** calls whose text names thread ids (clone's return, gettid, tgkill): remapped when replayed */
  namesTids: boolean;
}

interface Source {
  name: string;
  mainTid: number;
  /** the main thread's start-up, up to its first clone */
  startup: SourceLine[];
  /** the rest, without the main thread's exit_group and exit */
  body: SourceLine[];
  /** the other threads, in order of first appearance */
  others: number[];
}

const LINE_RE = /^(\d+) +(\d\d):(\d\d):(\d\d)\.(\d{6}) (.*)$/;
const TID_CALL_RE = /^(?:<\.\.\. )?(clone3?|fork|vfork|gettid|set_tid_address|tgkill|tkill)\b/;
const MAX_DELTA_US = 2000;

export function loadSource(file: string): Source {
  const lines = readFileSync(file, 'latin1').split('\n').filter((l) => l.length > 0);
  const parsed: Array<{ tid: number; us: number; rest: string }> = [];
  for (const l of lines) {
    const m = LINE_RE.exec(l);
    if (!m) throw new Error(`${file}: not a -f -tt line: ${l.slice(0, 80)}`);
    parsed.push({ tid: +m[1], us: ((+m[2] * 60 + +m[3]) * 60 + +m[4]) * 1e6 + +m[5], rest: m[6] });
  }
  const mainTid = parsed[0].tid;
  const firstClone = parsed.findIndex((p) => p.tid === mainTid && /^clone3?\(/.test(p.rest));
  if (firstClone < 0) throw new Error(`${file}: the main thread never clones`);
  const toLine = (p: { tid: number; us: number; rest: string }, prev: number): SourceLine => ({
    tid: p.tid,
    delta: Math.max(1, Math.min(MAX_DELTA_US, p.us - prev)),
    rest: p.rest,
    namesTids: TID_CALL_RE.test(p.rest),
  });
  const startup: SourceLine[] = [];
  const body: SourceLine[] = [];
  const others: number[] = [];
  let prev = parsed[0].us;
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i];
    if (i >= firstClone && p.tid !== mainTid && !others.includes(p.tid)) others.push(p.tid);
    // the process ends once, at the end of the generated log
    // (any thread may call exit_group: Go's main goroutine need not run on the first thread)
    if (/^(?:exit_group\(|<\.\.\. exit_group resumed>)/.test(p.rest) || (p.tid === mainTid && p.rest.startsWith('+++ '))) continue;
    (i < firstClone ? startup : body).push(toLine(p, prev));
    prev = p.us;
  }
  return { name: path.basename(file), mainTid, startup, body, others };
}

/** mulberry32: small, fast, and the same everywhere */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  /** bytes to write at least (the log ends with the episodes in flight, so it runs a little over) */
  size: number;
  out: string;
  seed?: number;
  sources?: string[];
  /** episodes in flight at once */
  concurrency?: number;
  /** chance that a complete call is printed in two halves when another thread's line can come between */
  splitChance?: number;
}

export interface GenerateResult {
  bytes: number;
  lines: number;
  episodes: number;
  /** lines that are one half of a split call */
  splitHalves: number;
  threads: number;
}

const MAIN_PID = 4242;
/** episodes whose thread ids are distinct; after that they are reused */
const TID_WINDOW = 64;

/** Writes the log; returns what it wrote. */
export function generateLog(o: GenerateOptions): GenerateResult {
  const sources = (o.sources ?? defaultSources()).map(loadSource);
  const rnd = prng(o.seed ?? 1);
  const concurrency = o.concurrency ?? 3;
  const splitChance = o.splitChance ?? 0.8;
  const span = Math.max(...sources.map((s) => s.others.length)) + 1; // the source's first thread and its others

  const tmp = o.out + '.part';
  const fd = openSync(tmp, 'w');
  let buf: string[] = [];
  let bufLen = 0;
  let bytes = 0;
  let lines = 0;
  let splitHalves = 0;
  const flush = (): void => {
    if (buf.length === 0) return;
    writeSync(fd, buf.join(''), null, 'latin1');
    buf = [];
    bufLen = 0;
  };
  // the clock: 09:00:00 plus the replayed deltas; formatted as HH:MM:SS.uuuuuu
  let clock = 9 * 3600 * 1e6;
  const stamp = (): string => {
    const s = Math.floor(clock / 1e6);
    const us = String(clock % 1e6).padStart(6, '0');
    const hh = Math.floor(s / 3600) % 24;
    const mm = Math.floor(s / 60) % 60;
    const ss = s % 60;
    return `${hh < 10 ? '0' : ''}${hh}:${mm < 10 ? '0' : ''}${mm}:${ss < 10 ? '0' : ''}${ss}.${us}`;
  };
  /** a line that is a half of a split call, waiting for `after` more lines before it is printed */
  const waiting = new Map<number, { rest: string; after: number }>();
  const put = (tid: number, rest: string): void => {
    const line = `${tid} ${stamp()} ${rest}\n`;
    buf.push(line);
    bufLen += line.length;
    bytes += line.length;
    lines++;
    if (bufLen >= 1 << 20) flush();
  };
  const resume = (tid: number): void => {
    const w = waiting.get(tid)!;
    waiting.delete(tid);
    clock += 1 + Math.floor(rnd() * 20);
    put(tid, w.rest);
    splitHalves++;
  };
  /** after each line, the halves whose turn has come */
  const tick = (except: number): void => {
    for (const [tid, w] of waiting) if (tid !== except && --w.after <= 0) resume(tid);
  };

  // the start-up of the first source, once
  const first = sources[0];
  for (const l of first.startup) {
    clock += l.delta;
    put(MAIN_PID, l.rest);
  }

  interface Episode { src: Source; i: number; tidMap: Map<number, number> }
  const active: Episode[] = [];
  let started = 0;
  const startEpisode = (): void => {
    const src = sources[started % sources.length];
    const base = MAIN_PID + 1 + (started % TID_WINDOW) * span;
    // the source's first thread becomes a new thread of the one process, started the way the Go runtime
    // starts an M; the episodes in flight each have their own threads, so their calls cannot collide
    const tidMap = new Map<number, number>([[src.mainTid, base]]);
    src.others.forEach((t, k) => tidMap.set(t, base + 1 + k));
    clock += 50;
    put(MAIN_PID, `clone(child_stack=0xc00002c000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS, tls=0xc00004a098) = ${base} <0.000072>`);
    active.push({ src, i: 0, tidMap });
    started++;
  };
  const remapTids = (rest: string, tidMap: Map<number, number>): string =>
    rest.replace(/\b\d{3,7}\b/g, (d) => String(tidMap.get(+d) ?? d));

  for (let k = 0; k < concurrency; k++) startEpisode();
  while (active.length > 0) {
    const e = active[Math.floor(rnd() * active.length)];
    const l = e.src.body[e.i++];
    const tid = e.tidMap.get(l.tid)!;
    let rest = l.namesTids ? remapTids(l.rest, e.tidMap) : l.rest;
    // a thread's split call ends before it does anything else
    if (waiting.has(tid)) resume(tid);
    clock += Math.max(1, Math.round(l.delta / concurrency));
    const eq = /^[a-z_0-9]+\(/.test(rest) && !rest.endsWith('<unfinished ...>') ? rest.lastIndexOf(' = ') : -1;
    if (eq > 0 && rnd() < splitChance) {
      // "name(ARGS)   = RET <dur>" -> "name(ARGS <unfinished ...>" ... "<... name resumed>) = RET <dur>"
      let close = eq;
      while (close > 0 && rest.charCodeAt(close - 1) === 32) close--;
      close--; // the ')' that ends the arguments
      const open = rest.indexOf('(');
      if (rest.charCodeAt(close) === 41 && close > open) {
        const name = rest.slice(0, open);
        const args = rest.slice(open + 1, close);
        put(tid, `${name}(${args} <unfinished ...>`);
        splitHalves++;
        waiting.set(tid, { rest: `<... ${name} resumed>) = ${rest.slice(eq + 3)}`, after: 1 + Math.floor(rnd() * 3) });
        rest = '';
      }
    }
    if (rest) put(tid, rest);
    tick(tid);
    if (e.i >= e.src.body.length) {
      // the source's exit_group ended its other threads; its first thread ends here
      const first = e.tidMap.get(e.src.mainTid)!;
      if (waiting.has(first)) resume(first);
      clock += 10;
      put(first, '+++ exited with 0 +++');
      active.splice(active.indexOf(e), 1);
      if (bytes < o.size) startEpisode();
    }
  }
  for (const tid of [...waiting.keys()]) resume(tid);
  clock += 1000;
  put(MAIN_PID, 'exit_group(0)                     = ?');
  put(MAIN_PID, '+++ exited with 0 +++');
  flush();
  closeSync(fd);
  renameSync(tmp, o.out);
  return { bytes, lines, episodes: started, splitHalves, threads: Math.min(started, TID_WINDOW) * span };
}

/** "200M", "1G", "500000" -> bytes */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)B?$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s}`);
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.round(parseFloat(m[1]) * mult);
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sizeText = opt('--size') ?? '200M';
  const out = opt('--out') ?? path.join(__dirname, 'data', `gen-${sizeText}.strace`);
  const t0 = performance.now();
  const r = generateLog({ size: parseSize(sizeText), out, seed: Number(opt('--seed') ?? 1) });
  const s = (performance.now() - t0) / 1000;
  console.log(`${out}: ${(r.bytes / 1024 ** 2).toFixed(1)} MiB, ${r.lines} lines (${((100 * r.splitHalves) / r.lines).toFixed(0)}% split halves), ${r.episodes} episodes, ${s.toFixed(1)} s`);
}
