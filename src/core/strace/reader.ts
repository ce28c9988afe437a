import { createReadStream, existsSync, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { decodeBatch, type EventSink } from './eventCodec';
import { newlinesOf } from './lineSplitter';
import type { LogWorkerJob, LogWorkerMessage, LogWorkerRequest } from './logWorker';
import type { CaptureStyle, TraceEvent, UnparsedLine } from './events';
import { StraceParser, type EntryEvent } from './parser';
import { InputError } from '../inputs';

export type LogEvent = (TraceEvent | EntryEvent) & { file?: number };

export interface LogSource {
  /** the files read: one, or several for `-ff` (one per thread, `name.PID`) */
  files: string[];
  /** for -ff: the pid of each file */
  pids?: number[];
  /** for -ff: entries named like its files that are not regular files (subfolders, pipes), left out */
  skipped?: string[];
}

export interface ParseSummary {
  linesRead: number;
  bytesRead: number;
  unparsedCount: number;
  unparsed: Array<UnparsedLine & { file?: number }>;
  orphanResumed: number;
  straceMessages: string[];
  style: CaptureStyle;
  /** true when -ff files had no timestamps, so they were concatenated by pid rather than merged by time */
  mergedWithoutTime?: boolean;
  /** an -ff set with files missing (see FfGaps) */
  ffGaps?: FfGaps;
}

/**
 * The files an -ff set lacks, as the set itself shows: a clone or fork whose child has no file, and the
 * main process's file (the one that begins with its execve) when no file does and some file's thread was
 * made by no call in the set.
 */
export interface FfGaps {
  /** children made by a call in the set that have no file of their own: pid, and who made it at which line */
  missingChildren: Array<{ pid: number; parent: number; line: number }>;
  /** the main process's own file is missing */
  rootMissing: boolean;
  /** the files (pids) whose thread no call in the set made, other than the root's: made by a thread whose file is missing */
  orphans: number[];
}

const FORK_CALLS = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** What an -ff set's files show of who made whom: the input of ffGapsOf, gathered while they are read. */
class FfLineage {
  /** child pid → the thread that made it and the line of the call */
  readonly made = new Map<number, { parent: number; line: number }>();
  /** per file: whether its first call is an execve (the file of a process that starts there) */
  readonly startsWithExec: Array<boolean | undefined>;

  constructor(private readonly pids: number[]) {
    this.startsWithExec = pids.map(() => undefined);
  }

  see(file: number, e: TraceEvent | EntryEvent): void {
    if (e.type !== 'syscall' && e.type !== 'entry') return;
    if (this.startsWithExec[file] === undefined) this.startsWithExec[file] = e.name === 'execve' || e.name === 'execveat';
    if (e.type === 'syscall' && FORK_CALLS.has(e.name) && e.status === 'complete' && e.retval !== undefined && e.retval > 0 && !this.made.has(e.retval)) {
      this.made.set(e.retval, { parent: this.pids[file], line: e.line });
    }
  }

  gaps(): FfGaps | undefined {
    const have = new Set(this.pids);
    const missingChildren = [...this.made].filter(([pid]) => !have.has(pid)).map(([pid, m]) => ({ pid, parent: m.parent, line: m.line }));
    // the root: a file that no call in the set made and that begins with the program's execve (the lowest
    // pid if several); every other file that no call made was made by a thread whose file is missing
    const unmade = this.pids.map((pid, file) => ({ pid, file })).filter((x) => !this.made.has(x.pid));
    const root = unmade.find((x) => this.startsWithExec[x.file]);
    const orphans = unmade.filter((x) => x !== root).map((x) => x.pid);
    if (missingChildren.length === 0 && orphans.length === 0 && root !== undefined) return undefined;
    return { missingChildren, rootMissing: root === undefined, orphans };
  }
}

const CHUNK = 1 << 20;

/**
 * Finds what to read for a path: the file itself, or for `-ff` captures the files `PREFIX.PID` (given the
 * prefix, one of the files, or the folder that holds them).
 */
export async function resolveLogSource(p: string): Promise<LogSource> {
  const fix = 'give a strace log file (strace -f -o LOG), the folder or PREFIX of an -ff capture, or one of its PREFIX.PID files';
  const st = await fs.stat(p).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new InputError(`the log ${p} cannot be opened (${err.code ?? err.message})`, fix);
  });
  if (st?.isDirectory()) {
    const found = await ffFiles(p, (n) => /\.\d+$/.test(n));
    if (found.files.length === 0) {
      throw new InputError(`${p} is a folder without strace -ff files (NAME.PID)${found.skipped.length ? `; ${found.skipped.length} entr${found.skipped.length === 1 ? 'y is' : 'ies are'} not regular files` : ''}`, fix);
    }
    return ffSource(found.files, found.skipped);
  }
  if (st?.isFile()) {
    const m = /^(.*)\.(\d+)$/.exec(p);
    if (m) {
      const dir = path.dirname(p);
      const base = path.basename(m[1]);
      const found = await ffFiles(dir, (n) => n.startsWith(base + '.') && /^\d+$/.test(n.slice(base.length + 1)));
      if (found.files.length > 1) return ffSource(found.files, found.skipped);
    }
    return { files: [p] };
  }
  // a pipe or a device would be read forever (or block): only regular files are logs
  if (st) throw new InputError(`the log ${p} is ${st.isFIFO() ? 'a pipe (FIFO)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file'}, not a regular file`, fix);
  // a prefix given to -ff -o PREFIX
  const dir = path.dirname(p);
  const base = path.basename(p);
  const found = await ffFiles(dir, (n) => n.startsWith(base + '.') && /^\d+$/.test(n.slice(base.length + 1)));
  if (found.files.length === 0) throw new InputError(`no strace log at ${p}`, fix);
  return ffSource(found.files, found.skipped);
}

/** The entries of `dir` that `match` picks, regular files only; the others (subfolders, pipes) are listed as skipped. */
async function ffFiles(dir: string, match: (name: string) => boolean): Promise<{ files: string[]; skipped: string[] }> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  const skipped: string[] = [];
  for (const e of entries) {
    if (!match(e.name)) continue;
    const full = path.join(dir, e.name);
    // a symbolic link counts as what it points to
    const isFile = e.isFile() || (e.isSymbolicLink() && (await fs.stat(full).catch(() => undefined))?.isFile() === true);
    (isFile ? files : skipped).push(full);
  }
  return { files, skipped };
}

function ffSource(files: string[], skipped: string[]): LogSource {
  const withPid = files.map((f) => ({ f, pid: parseInt(/\.(\d+)$/.exec(f)![1], 10) })).sort((a, b) => a.pid - b.pid);
  return { files: withPid.map((x) => x.f), pids: withPid.map((x) => x.pid), ...(skipped.length ? { skipped: skipped.sort() } : {}) };
}

/** Reads a log (or -ff set) and sends each event to `onEvent`, in time order. Streams; memory stays bounded. */
export interface ReadLogOptions {
  signal?: AbortSignal;
  /** the calls whose argument and return text the consumer reads (see ParserOptions.detailCalls) */
  detailCalls?: ReadonlySet<string>;
  /** see ParserOptions.reuseEvents: for a consumer that keeps nothing of the events of the other calls */
  reuseEvents?: boolean;
  /** see ParserOptions.onOtherCall (a single file only: the -ff merge orders events, so it sends them all to onEvent) */
  onOtherCall?: (pid: number, time: number | undefined, line: number) => void;
  /**
   * For a consumer to which a thread's other calls after its first tell nothing but that they happened
   * (the model: it never forgets a thread): given with onOtherCall, the two-thread path sends each
   * thread's first call outside detailCalls to onOtherCall and counts the later ones, which saves both
   * threads a record per call. `count` calls, in log order between the events and onOtherCall calls
   * around them; `time` the last one's time (undefined when none had one), `line` the highest line.
   * The one-thread path calls onOtherCall for every call.
   */
  onOtherCalls?: (count: number, time: number | undefined, line: number) => void;
  /**
   * A single file at least this big is parsed in a worker thread while this thread consumes the events
   * (overlapped, a megabyte at a time), when the machine has a second core and the worker's script is
   * found. Default WORKER_MIN_BYTES; Infinity keeps every read on this thread.
   */
  workerMinBytes?: number;
  /** the worker's script (default: logWorker.js beside this module, as bundled in dist/) */
  workerFile?: string;
}

/** Below this, a worker's start (some 30 ms) costs more than the overlap saves. */
export const WORKER_MIN_BYTES = 16 * 1024 * 1024;

/** how many reads went to a worker thread, and how many threads were started (for tests and diagnostics) */
export const workerStats = { reads: 0, threads: 0 };

export async function readLog(source: LogSource, onEvent: (e: LogEvent) => void, opts: ReadLogOptions = {}): Promise<ParseSummary> {
  if (!source.pids) {
    const worker = await workerFor(source.files[0], opts);
    if (worker) return readSingleInWorker(source.files[0], worker, onEvent, opts);
    return readSingle(source.files[0], onEvent, opts);
  }
  return readMerged(source, onEvent, opts);
}

/** the worker script to read `file` with, or undefined to read it on this thread */
async function workerFor(file: string, opts: ReadLogOptions): Promise<string | undefined> {
  const min = opts.workerMinBytes ?? WORKER_MIN_BYTES;
  if (min === Infinity || availableParallelism() < 2) return undefined;
  const script = opts.workerFile ?? path.join(__dirname, 'logWorker.js');
  if (!existsSync(script)) return undefined;
  const st = await fs.stat(file).catch(() => undefined);
  // a file that cannot be read is left to readSingle, which says why as usual
  return st?.isFile() && st.size >= min ? script : undefined;
}

/** Idle reader threads by script, warm for the next big log (the extension reads one per variant). */
const idleWorkers = new Map<string, Array<{ worker: Worker; timer: NodeJS.Timeout }>>();
const MAX_IDLE_WORKERS = 2;
/** an idle thread is ended after this long (its heap is tens of MiB) */
const IDLE_WORKER_MS = 30_000;

function takeWorker(script: string): Worker {
  const idle = idleWorkers.get(script)?.pop();
  if (idle) {
    clearTimeout(idle.timer);
    idle.worker.ref();
    return idle.worker;
  }
  const fresh = new Worker(script);
  workerStats.threads++;
  // an idle thread that fails or ends leaves the pool; while busy, the job's own listeners report it
  const drop = (): void => {
    const list = idleWorkers.get(script);
    const k = list ? list.findIndex((x) => x.worker === fresh) : -1;
    if (k >= 0) clearTimeout(list!.splice(k, 1)[0].timer);
  };
  fresh.on('error', drop);
  fresh.on('exit', drop);
  return fresh;
}

function returnWorker(script: string, worker: Worker): void {
  const list = idleWorkers.get(script) ?? [];
  idleWorkers.set(script, list);
  if (list.length >= MAX_IDLE_WORKERS) {
    void worker.terminate();
    return;
  }
  // an idle thread keeps neither the process alive nor its heap for long
  worker.unref();
  const timer = setTimeout(() => void worker.terminate(), IDLE_WORKER_MS);
  timer.unref();
  list.push({ worker, timer });
}

/** chunks handed to the worker and not yet back as events: the worker parses one while the next waits */
const CHUNKS_AHEAD = 3;

/**
 * readSingle on two threads. This thread reads the file a chunk at a time, finds the chunk's newlines
 * (cheap, native) and hands both to the worker, which parses the chunk (the costly part) and sends back
 * its events as a batch; this thread hands them to the consumer while the worker parses the next chunk.
 * At most CHUNKS_AHEAD chunks are out, their buffers reused, so memory stays bounded whichever side is
 * slower. The consumer sees the same calls, in the same order, with the same values as readSingle gives
 * it; events are fresh objects (reuseEvents only spares the worker's allocations).
 */
async function readSingleInWorker(file: string, script: string, onEvent: (e: LogEvent) => void, opts: ReadLogOptions): Promise<ParseSummary> {
  const { signal } = opts;
  if (signal?.aborted) throw new Error('cancelled');
  const handle = await fs.open(file, 'r');
  const sink: EventSink = { onEvent, onOtherCall: opts.onOtherCall, onOtherCalls: opts.onOtherCalls };
  const worker = takeWorker(script);
  workerStats.reads++;
  let failure: Error | undefined;
  let summary: ParseSummary | undefined;
  let out = 0;
  const spare: Array<{ data: ArrayBuffer; newlines: Int32Array }> = [];
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (err: Error): void => {
    failure ??= err;
    poke();
  };
  const onMessage = (m: LogWorkerMessage): void => {
    if (failure) return;
    if (m.kind === 'batch') {
      if (m.data) {
        out--;
        spare.push({ data: m.data, newlines: m.newlines! });
      }
      try {
        decodeBatch(m, sink);
      } catch (err) {
        fail(err as Error);
        return;
      }
    } else if (m.kind === 'done') {
      summary = m.summary;
    } else {
      fail(new Error(m.message));
    }
    poke();
  };
  const onError = (err: Error): void => fail(err);
  const onExit = (code: number): void => fail(new Error(`the log reader thread stopped (exit code ${code}) before the end of ${file}`));
  const onAbort = (): void => fail(new Error('cancelled'));
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  signal?.addEventListener('abort', onAbort);
  const job: LogWorkerJob = {
    detailCalls: opts.detailCalls ? [...opts.detailCalls] : undefined,
    reuseEvents: opts.reuseEvents,
    otherCalls: opts.onOtherCall !== undefined,
    countRepeats: opts.onOtherCall !== undefined && opts.onOtherCalls !== undefined,
  };
  const until = async (ready: () => boolean): Promise<void> => {
    while (!failure && !ready()) await new Promise<void>((resolve) => (wake = resolve));
  };
  try {
    worker.postMessage({ kind: 'start', job } satisfies LogWorkerRequest);
    for (;;) {
      await until(() => out < CHUNKS_AHEAD);
      if (failure) break;
      const buf = spare.pop() ?? { data: new ArrayBuffer(CHUNK), newlines: new Int32Array(CHUNK >> 5) };
      const { bytesRead } = await handle.read(new Uint8Array(buf.data), 0, CHUNK, null);
      if (failure) break;
      if (bytesRead === 0) break;
      const index = { offsets: buf.newlines };
      const count = newlinesOf(Buffer.from(buf.data, 0, bytesRead), index);
      out++;
      const msg: LogWorkerRequest = { kind: 'chunk', data: buf.data, length: bytesRead, newlines: index.offsets, count };
      worker.postMessage(msg, [buf.data, index.offsets.buffer as ArrayBuffer]);
    }
    if (!failure) worker.postMessage({ kind: 'end' } satisfies LogWorkerRequest);
    await until(() => summary !== undefined);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
    // a thread stopped mid-file (cancel, a consumer's error, a read error) is not reused: chunks it still
    // holds would send their events to the next reader
    if (failure || summary === undefined) void worker.terminate();
    else returnWorker(script, worker);
    await handle.close();
  }
  if (failure) throw failure;
  return summary!;
}

async function readSingle(file: string, onEvent: (e: LogEvent) => void, opts: ReadLogOptions): Promise<ParseSummary> {
  const { signal } = opts;
  const parser = new StraceParser({ onEvent, detailCalls: opts.detailCalls, reuseEvents: opts.reuseEvents, onOtherCall: opts.onOtherCall });
  let bytes = 0;
  const stream = createReadStream(file, { highWaterMark: CHUNK });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (signal?.aborted) {
      stream.destroy();
      throw new Error('cancelled');
    }
    bytes += chunk.length;
    parser.write(chunk);
  }
  parser.end();
  return summarizeParsers([parser], bytes);
}

/** The summary of one or more parsers (the files of an -ff set, in order). */
export function summarizeParsers(parsers: StraceParser[], bytes: number): ParseSummary {
  const style: CaptureStyle = { ...parsers[0].style };
  for (const p of parsers.slice(1)) {
    if (style.timestamps === 'none') style.timestamps = p.style.timestamps;
    style.durations ||= p.style.durations;
    style.fdPaths ||= p.style.fdPaths;
    style.stacks ||= p.style.stacks;
    style.truncatedStrings ||= p.style.truncatedStrings;
  }
  return {
    linesRead: parsers.reduce((a, p) => a + p.linesRead, 0),
    bytesRead: bytes,
    unparsedCount: parsers.reduce((a, p) => a + p.unparsedCount, 0),
    unparsed: parsers.flatMap((p, file) => p.unparsed.map((u) => (parsers.length > 1 ? { ...u, file } : u))).slice(0, 1000),
    orphanResumed: parsers.reduce((a, p) => a + p.orphanResumed, 0),
    straceMessages: parsers.flatMap((p) => p.straceMessages).slice(0, 100),
    style,
  };
}

/**
 * -ff: one file per thread, no pid column. Each file is parsed on its own and the events are merged by
 * timestamp (a k-way merge that reads each file a chunk at a time, so memory stays bounded).
 */
async function readMerged(source: LogSource, onEvent: (e: LogEvent) => void, opts: ReadLogOptions): Promise<ParseSummary> {
  const { signal } = opts;
  const k = source.files.length;
  const queues: LogEvent[][] = Array.from({ length: k }, () => []);
  const heads = Array.from({ length: k }, () => 0);
  const lineage = new FfLineage(source.pids!);
  const parsers = source.files.map((_, idx) => new StraceParser({
    fixedPid: source.pids![idx],
    detailCalls: opts.detailCalls,
    reuseEvents: opts.reuseEvents,
    onEvent: (e) => {
      lineage.see(idx, e);
      queues[idx].push({ ...e, file: idx });
    },
  }));
  const handles = await Promise.all(source.files.map((f) => fs.open(f, 'r')));
  const done = Array.from({ length: k }, () => false);
  // one buffer per file: the first fills run concurrently
  const bufs = source.files.map(() => Buffer.allocUnsafe(256 * 1024));
  let bytes = 0;
  let untimed = false;
  try {
    const fill = async (idx: number): Promise<void> => {
      // read until this file has at least one queued event or ends
      while (queues[idx].length - heads[idx] === 0 && !done[idx]) {
        const buf = bufs[idx];
        const { bytesRead } = await handles[idx].read(buf, 0, buf.length, null);
        if (bytesRead === 0) {
          parsers[idx].end();
          done[idx] = true;
        } else {
          bytes += bytesRead;
          parsers[idx].write(buf.subarray(0, bytesRead));
        }
      }
      if (heads[idx] > 4096) {
        queues[idx] = queues[idx].slice(heads[idx]);
        heads[idx] = 0;
      }
    };
    await Promise.all(queues.map((_, i) => fill(i)));
    for (;;) {
      if (signal?.aborted) throw new Error('cancelled');
      let best = -1;
      let bestTime = Infinity;
      for (let i = 0; i < k; i++) {
        if (heads[i] >= queues[i].length) continue;
        const t = queues[i][heads[i]].time;
        if (t === undefined) {
          untimed = true;
          if (best < 0) best = i;
          break;
        }
        if (t < bestTime) {
          bestTime = t;
          best = i;
        }
      }
      if (best < 0) break;
      const ev = queues[best][heads[best]++];
      onEvent(ev);
      if (heads[best] >= queues[best].length) await fill(best);
    }
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
  const s = summarizeParsers(parsers, bytes);
  if (untimed) s.mergedWithoutTime = true;
  const gaps = lineage.gaps();
  if (gaps) s.ffGaps = gaps;
  return s;
}
