import * as path from 'node:path';
import { CLONE, MAP, PROT, argSpans, cloneBitsCached, fdPath, fieldOf, fieldsOf, firstArgFieldsOf, mapBitsCached, num, numAt, protBitsCached, splitArgs, str } from '../strace/args';
import type { StackFrame, SyscallEvent } from '../strace/events';
import type { LogEvent } from '../strace/reader';
import { formatBytes, hex } from '../format';
import { AddressSpace, PAGE, pageAlignUp, type Region, type RegionKind, type Reservation } from './addressSpace';
import { Timeline } from './timeline';

const MiB = 1024 * 1024;
const GLIBC_ARENA_HEAP = 64 * MiB; // HEAP_MAX_SIZE on 64-bit glibc (2 × DEFAULT_MMAP_THRESHOLD_MAX)
const GO_ARENA = 64 * MiB; // heapArenaBytes on 64-bit Linux
/** Go's arena hints on amd64/arm64 are i<<40 | 0x00c0<<32: the low 40 bits are 0xc000000000 */
const GO_HINT_LOW40 = 0xc000000000;
const LOW40 = 2 ** 40;

export type ThreadOrigin = 'initial' | 'pthread_create' | 'go-runtime' | 'clone' | 'fork' | 'vfork' | 'unknown';

export interface ThreadInfo {
  tid: number;
  tgid: number;
  parentTid?: number;
  how: ThreadOrigin;
  /** one sentence: how this thread was made */
  howReason: string;
  createdLine?: number;
  createdTime?: number;
  exitedLine?: number;
  exitedTime?: number;
  exitCode?: number;
  exitSignal?: string;
  /** the thread's own stack mapping, when the log shows one (glibc) */
  stackRes?: number;
  stackBytes?: number;
  guardBytes?: number;
  /** the glibc malloc arena this thread reserved first, if any */
  arenaRes?: number;
  cloneFlags?: number;
  /**
   * a thread past the model's cap (ModelOptions.maxThreads): counted in its process (made, exited, alive)
   * but not kept; this record is made for the event in hand and forgotten
   */
  counted?: boolean;
}

export interface Snapshot {
  line: number;
  time?: number;
  vsize: number;
  reserved: number;
  peak: number;
  threadsAlive: number;
  breakdown: Partial<Record<RegionKind, { count: number; bytes: number }>>;
}

/** A part of the address space that execve maps and the log cannot show. */
export interface UnseenPart {
  kind: RegionKind;
  bytes: number;
  estimate: boolean;
  reason: string;
}

export interface ProcessState {
  pid: number;
  parentPid?: number;
  command?: string;
  exe?: string;
  argv?: string[];
  execLine?: number;
  space: AddressSpace;
  tids: number[];
  isGo: boolean;
  /** the log shows the dynamic loader at work (ld.so.cache opened or shared objects mapped) */
  dynamic: boolean;
  libraries: Map<string, number>;
  fds: Map<number, string>;
  brkStart?: number;
  atExit?: Snapshot;
  /** exit_group seen and the kill not yet: memory events still refresh atExit */
  exitOpen: boolean;
  exitLine?: number;
  exitCode?: number;
  exitSignal?: string;
  ended: boolean;
  timeline: Timeline;
  /** anonymous mappings made before the Go runtime showed itself, to re-label once it does */
  provisional: Reservation[];
  unseen: UnseenPart[];
  /** the log began after execve (attached with -p, or the log starts mid-way) */
  attachedLate: boolean;
  /** how many program images the process ran (successful execve calls): 1 for the traced program itself */
  images: number;
  /** threads past the model's cap (not in tids): how many were made, and how many of them exited */
  countedThreads: number;
  countedExited: number;
  /**
   * tids that no clone in the log made, though the log shows the program start (a resumed half whose
   * start is missing, a mangled pid): not threads the program made, so neither counted nor kept
   */
  strayTids: number;
}

/** One memory or thread event, annotated: what the event list of the report shows. */
export interface ModelEvent {
  seq: number;
  line: number;
  time?: number;
  tid: number;
  pid: number;
  op: string;
  addr?: number;
  size?: number;
  prot?: number;
  flags?: number;
  kind?: RegionKind;
  /** one sentence: what this event did and why */
  note: string;
  vsizeAfter: number;
  child?: number;
  stack?: StackFrame[];
}

export interface ModelOptions {
  /** the most annotated events kept (all are counted); bounds memory on huge logs */
  maxEvents?: number;
  /** points per process timeline before it is thinned */
  maxTimelinePoints?: number;
  /** the traced executable, when known: tells Go from non-Go before the log does */
  exeIsGo?: boolean;
  /**
   * the most threads kept in full (default MODEL_MAX_THREADS); past it a thread is counted in its process
   * (made, exited, alive at exit) and its id kept with its process, so that memory grows with the log's
   * size, not with how many threads it names
   */
  maxThreads?: number;
}

/** threads kept in full by default (see ModelOptions.maxThreads) */
export const MODEL_MAX_THREADS = 10_000;

interface InflightClone {
  flags: number;
  line: number;
  name: string;
}

const THREAD_CALLS = new Set(['clone', 'clone3', 'fork', 'vfork']);
const MEMORY_CALLS = new Set(['mmap', 'mmap2', 'munmap', 'mprotect', 'pkey_mprotect', 'mremap', 'brk', 'madvise', 'shmat', 'shmdt']);
/** Every call whose argument or return text the model reads; for the rest it needs only who, when and the outcome. */
export const MODEL_DETAIL_CALLS: ReadonlySet<string> = new Set([
  ...THREAD_CALLS, ...MEMORY_CALLS, 'execve', 'execveat', 'exit_group', 'openat', 'open', 'creat', 'openat2', 'close',
]);
const CLONE3_STACK = ['stack', 'stack_size'];
const CLONE_STACK = ['child_stack', 'stack'];
const FIELDS: Array<string | undefined> = [];

/** scratch offsets for argSpans (the model is not re-entered while they are in use) */
const SPANS = new Int32Array(16);

/** The arguments of one call, split as splitArgs splits them but held as offsets. */
class Args {
  private text = '';
  private count = 0;
  private readonly spans = new Int32Array(16);

  of(text: string): this {
    this.text = text;
    this.count = argSpans(text, this.spans);
    return this;
  }

  /** splitArgs(text)[k] */
  str(k: number): string | undefined {
    if (k >= this.count) return undefined;
    if (k >= this.spans.length >> 1) return splitArgs(this.text)[k];
    return this.text.slice(this.spans[2 * k], this.spans[2 * k + 1]);
  }

  /** num(splitArgs(text)[k]) */
  num(k: number): number | undefined {
    if (k >= this.count) return undefined;
    if (k >= this.spans.length >> 1) return num(this.str(k));
    return numAt(this.text, this.spans[2 * k], this.spans[2 * k + 1]);
  }

  prot(k: number): number {
    return protBitsCached(this.str(k));
  }

  map(k: number): number {
    return mapBitsCached(this.str(k));
  }
}
const ARGS = new Args();

const GO_WRAPPERS = /^runtime\.(mmap|sysMmap|callCgoMmap|munmap|sysMunmap|callCgoMunmap|sysReserveOS|sysAllocOS|sysMapOS|sysFreeOS|sysHugePageOS|sysNoHugePageOS|sysUsedOS|sysUnusedOS|sysReserve|sysAlloc|sysMap|sysFree|sysReserveAligned|systemstack|mprotect|madvise)\b/;

/**
 * Builds processes, threads and address spaces from strace events. Feed it every event in log order
 * (`onEvent`), then call `finish()`.
 */
export class TraceModel {
  readonly processes = new Map<number, ProcessState>();
  readonly threads = new Map<number, ThreadInfo>();
  readonly events: ModelEvent[] = [];
  eventCount = 0;
  syscallCount = 0;
  /** file names cut at strace's -s limit: their mappings cannot be named */
  truncatedPaths = 0;
  /** the first process of the log: the program that was traced */
  mainPid?: number;
  private nextRes = 1;
  private seq = 0;
  /** clones in flight, by caller tid: lets a child that speaks before its clone returns be placed */
  private inflightClone = new Map<number, InflightClone>();
  /**
   * The clones in flight in the order they began, the latest last; entries no longer in inflightClone are
   * dropped when they reach the top (the latest is found in amortized constant time, not by listing them
   * all for each new thread: with many clones in flight at once that was quadratic).
   */
  private readonly inflightOrder: Array<[number, InflightClone]> = [];
  private readonly maxEvents: number;
  private readonly maxTimelinePoints: number;
  private readonly maxThreads: number;
  /**
   * the threads past maxThreads: tid → its process (tgid), or -(tgid + 1) once it exited. A number each,
   * not a record: what a log of a million threads (or of a million stray pids) holds per thread.
   */
  private readonly countedTids = new Map<number, number>();
  /** stray tids (see ProcessState.strayTids) → their process */
  private readonly strays = new Map<number, number>();
  lastTime?: number;
  lastLine = 0;

  constructor(private readonly opts: ModelOptions = {}) {
    this.maxEvents = opts.maxEvents ?? 200_000;
    this.maxTimelinePoints = opts.maxTimelinePoints ?? 4096;
    this.maxThreads = opts.maxThreads ?? MODEL_MAX_THREADS;
  }

  /** threads counted past the cap (see ModelOptions.maxThreads), in every process */
  get threadsCounted(): number {
    return this.countedTids.size;
  }

  /** stray tids (see ProcessState.strayTids), in every process */
  get strayTids(): number {
    return this.strays.size;
  }

  /**
   * Makes thread `t` of process `p`: kept in full while there is room, else counted (the returned record
   * is then t marked counted, for the event in hand only).
   */
  private addThread(t: ThreadInfo, p: ProcessState): ThreadInfo {
    if (this.threads.size < this.maxThreads || t.tid === p.pid) {
      this.threads.set(t.tid, t);
      p.tids.push(t.tid);
      return t;
    }
    this.countedTids.set(t.tid, p.pid);
    p.countedThreads++;
    t.counted = true;
    return t;
  }

  /** the record of a counted thread, for the event in hand */
  private countedThread(tid: number, code: number): ThreadInfo {
    const exited = code < 0;
    return {
      tid, tgid: exited ? -code - 1 : code, how: 'unknown', howReason: 'a thread past the model\'s cap: counted, not kept',
      exitedLine: exited ? this.lastLine : undefined, counted: true,
    };
  }

  /** A counted thread exits (once). */
  private exitCounted(t: ThreadInfo): boolean {
    const code = this.countedTids.get(t.tid);
    if (code === undefined || code < 0) return false;
    this.countedTids.set(t.tid, -code - 1);
    const p = this.processes.get(code);
    if (p) p.countedExited++;
    return true;
  }

  /** every thread of p has exited (counted ones too) */
  private allExited(p: ProcessState): boolean {
    return p.countedExited === p.countedThreads && p.tids.every((tid) => this.threads.get(tid)?.exitedLine !== undefined);
  }

  // ---------------------------------------------------------------- processes and threads

  private newProcess(pid: number, space: AddressSpace, parentPid?: number): ProcessState {
    const p: ProcessState = {
      pid, parentPid, space, tids: [pid], isGo: false, dynamic: false, libraries: new Map(), fds: new Map(),
      exitOpen: false, ended: false, timeline: new Timeline(this.maxTimelinePoints), provisional: [], unseen: [],
      attachedLate: false, countedThreads: 0, countedExited: 0, strayTids: 0, images: 0,
    };
    this.processes.set(pid, p);
    if (this.mainPid === undefined) this.mainPid = pid;
    return p;
  }

  private threadOf(tid: number, e: LogEvent): ThreadInfo {
    let t = this.threads.get(tid);
    if (t) return t;
    const code = this.countedTids.get(tid);
    if (code !== undefined) return this.countedThread(tid, code);
    const strayOf = this.strays.get(tid);
    if (strayOf !== undefined) return this.countedThread(tid, strayOf);
    const first = this.mainPid !== undefined ? this.processes.get(this.mainPid) : undefined;
    if (first?.pid === 0 && e.type === 'syscall' && this.inflightClone.get(0)?.line === e.line) {
      // strace to a terminal: the unprefixed first thread shows up as [pid N] with the resumed half of its clone
      const mainThread = this.threads.get(0)!;
      this.threads.set(tid, mainThread);
      return mainThread;
    }
    // a thread we have not seen created: a child speaking before its clone returned, or a late attach
    const latest = this.latestInflightClone();
    if (latest !== undefined) {
      const [callerTid, c] = latest;
      const caller = this.threadOf(callerTid, e);
      return this.createChild(caller, tid, c.flags, c.name, undefined, e.line, e.time);
    }
    if (this.processes.size === 0) {
      const p = this.newProcess(tid, new AddressSpace());
      p.attachedLate = true;
      t = { tid, tgid: tid, how: 'initial', howReason: 'the first thread in the log', createdLine: e.line, createdTime: e.time };
      this.threads.set(tid, t);
      return t;
    }
    const main = this.processes.get(this.mainPid!)!;
    if (main.pid === 0) {
      // strace writing to a terminal prints no pid until a second task exists, then "[pid N]" for all:
      // the first such N with no clone in flight is the main thread itself
      const mainThread = this.threads.get(0)!;
      this.threads.set(tid, mainThread);
      return mainThread;
    }
    // a stray tid with no clone in flight: most likely a thread of the main process (attach with -p, or lost lines)
    t = { tid, tgid: main.pid, how: 'unknown', howReason: 'first seen without a clone that made it (attached late, or lines lost)', createdLine: e.line, createdTime: e.time };
    if (main.execLine !== undefined && !main.attachedLate) {
      // the log shows the program start, so every thread's clone: a tid that none made is a stray line's
      // (a resumed half of a call whose start is not in the log, a mangled pid), counted rather than kept
      this.strays.set(tid, main.pid);
      main.strayTids++;
      t.counted = true;
      return t;
    }
    return this.addThread(t, main);
  }

  /** the clone in flight that began last, with its caller's tid */
  private latestInflightClone(): [number, InflightClone] | undefined {
    const order = this.inflightOrder;
    while (order.length > 0) {
      const top = order[order.length - 1];
      if (this.inflightClone.get(top[0]) === top[1]) return top;
      order.pop();
    }
    return undefined;
  }

  private proc(tgid: number): ProcessState {
    return this.processes.get(tgid)!;
  }

  /** Makes (or completes) the child `childTid` of thread `parent`; returns its record. */
  private createChild(parent: ThreadInfo, childTid: number, flags: number, call: string, ev: SyscallEvent | undefined, line: number, time?: number): ThreadInfo {
    const parentProc = this.proc(parent.tgid);
    let t = this.threads.get(childTid);
    if (!t) {
      const code = this.countedTids.get(childTid);
      if (code !== undefined) t = this.countedThread(childTid, code);
    }
    const isThread = (flags & CLONE.THREAD) !== 0;
    if (!t) {
      if (isThread) {
        t = this.addThread({ tid: childTid, tgid: parent.tgid, parentTid: parent.tid, how: 'clone', howReason: '', createdLine: line, createdTime: time }, parentProc);
      } else {
        const shared = (flags & CLONE.VM) !== 0;
        const child = this.newProcess(childTid, shared ? parentProc.space : parentProc.space.clone(), parentProc.pid);
        child.command = parentProc.command;
        child.exe = parentProc.exe;
        child.isGo = parentProc.isGo;
        child.dynamic = parentProc.dynamic;
        child.fds = new Map(parentProc.fds);
        child.brkStart = parentProc.brkStart;
        child.libraries = new Map(parentProc.libraries);
        child.unseen = parentProc.unseen.slice();
        t = { tid: childTid, tgid: childTid, parentTid: parent.tid, how: 'fork', howReason: '', createdLine: line, createdTime: time };
        this.threads.set(childTid, t);
      }
    }
    t.parentTid = parent.tid;
    t.cloneFlags = flags;
    if (ev) {
      t.createdLine = ev.line;
      t.createdTime = ev.time;
    }
    if (!isThread) {
      if (call === 'vfork' || (flags & CLONE.VFORK)) {
        t.how = 'vfork';
        t.howReason = 'vfork: a child process sharing the parent\'s memory until it calls execve';
      } else {
        t.how = 'fork';
        t.howReason = this.intern(`${call === 'fork' ? 'fork' : call}: a new process with a copy of the parent's address space`);
      }
      return t;
    }
    // how was this thread made? glibc pthread_create vs the Go runtime's newosproc
    const glibcFlags = CLONE.SETTLS | CLONE.PARENT_SETTID | CLONE.CHILD_CLEARTID;
    let stackAddr: number | undefined;
    let stackSize: number | undefined;
    if (ev) {
      if (ev.name === 'clone3') {
        firstArgFieldsOf(ev.args, CLONE3_STACK, FIELDS);
        stackAddr = num(FIELDS[0]);
        stackSize = num(FIELDS[1]);
      } else {
        fieldsOf(ev.args, CLONE_STACK, FIELDS);
        const top = num(FIELDS[0] ?? FIELDS[1]);
        if (top) stackAddr = top - 1;
      }
    }
    const stackRegion = stackAddr ? parentProc.space.find(stackAddr) : undefined;
    if ((flags & glibcFlags) === glibcFlags) {
      t.how = 'pthread_create';
      if (stackRegion && (stackRegion.res.kind === 'thread-stack')) {
        const res = stackRegion.res;
        const previous = res.threadTid !== undefined && res.threadTid !== childTid ? res.threadTid : undefined;
        res.threadTid = childTid;
        res.reason = `Stack of thread ${childTid}: glibc pthread_create reserved ${formatBytes(res.size)} (the RLIMIT_STACK default of 8 MiB plus a guard page) with MAP_STACK.`;
        t.stackRes = res.id;
        t.stackBytes = res.size - this.guardOf(parentProc.space, res);
        t.guardBytes = this.guardOf(parentProc.space, res);
        t.howReason = this.intern(previous !== undefined
          ? `glibc pthread_create: ${ev?.name ?? 'clone'} with CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID on the ${formatBytes(res.size)} stack of exited thread ${previous}, reused from glibc's stack cache (no new mmap)`
          : `glibc pthread_create: ${ev?.name ?? 'clone'} with CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID on a ${formatBytes(res.size)} MAP_STACK mapping made for it`);
      } else {
        t.howReason = this.intern(`glibc pthread_create: ${ev?.name ?? 'clone'} with CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID${stackSize ? ` and a ${formatBytes(stackSize)} stack` : ''}`);
      }
    } else if (stackRegion?.res.kind === 'go-heap' || (stackAddr !== undefined && parentProc.isGo && !(flags & CLONE.PARENT_SETTID))) {
      t.how = 'go-runtime';
      t.howReason = 'Go runtime newosproc: clone with CLONE_SETTLS and the new M\'s g0 stack taken from the Go heap (no 8 MiB mmap, no CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID)';
      parentProc.isGo = true;
    } else {
      t.how = 'clone';
      t.howReason = this.intern(`${ev?.name ?? 'clone'} with CLONE_THREAD${stackRegion ? ` on a ${stackRegion.kind} mapping` : ''}`);
    }
    return t;
  }

  private guardOf(space: AddressSpace, res: Reservation): number {
    let g = 0;
    for (const r of space.overlapping(res.addr, res.addr + res.size)) if (r.res === res && r.kind === 'guard-page') g += r.end - r.start;
    return g;
  }

  // ---------------------------------------------------------------- events

  /** a call's who and when, for threadOf when onOtherCall meets a thread for the first time */
  private readonly otherEvent: SyscallEvent = { type: 'syscall', pid: 0, time: undefined, line: 0, name: '', args: '', ret: '', status: 'complete' };
  /** the thread of the last onOtherCall: threads are never forgotten, so it needs no lookup again */
  private otherTid = -1;

  /**
   * A call the model reads nothing of but who and when (the parser's onOtherCall: every call outside
   * MODEL_DETAIL_CALLS): exactly what onEvent does for its event, without the event.
   */
  onOtherCall(pid: number, time: number | undefined, line: number): void {
    if (line > this.lastLine) this.lastLine = line;
    if (time !== undefined) this.lastTime = time;
    this.syscallCount++;
    if (pid === this.otherTid) return;
    this.otherTid = pid;
    if (this.threads.has(pid) || this.countedTids.has(pid) || this.strays.has(pid)) return;
    const e = this.otherEvent;
    e.pid = pid;
    e.time = time;
    e.line = line;
    this.threadOf(pid, e);
  }

  /**
   * `count` such calls, all by threads onOtherCall or onEvent already met (readLog's onOtherCalls): the
   * last one at `time` (when any had a clock), the highest at `line`. Exactly what onOtherCall does for
   * each, since a thread once met is never forgotten.
   */
  onOtherCalls(count: number, time: number | undefined, line: number): void {
    if (line > this.lastLine) this.lastLine = line;
    if (time !== undefined) this.lastTime = time;
    this.syscallCount += count;
  }

  onEvent(e: LogEvent): void {
    this.lastLine = Math.max(this.lastLine, e.line);
    if (e.time !== undefined) this.lastTime = e.time;
    switch (e.type) {
      case 'entry':
        this.onEntry(e.pid, e.name, e.args, e);
        return;
      case 'syscall':
        this.syscallCount++;
        this.onSyscall(e);
        return;
      case 'exit': {
        if (e.supersededBy !== undefined && e.supersededBy !== e.pid) {
          // "+++ superseded by execve in pid N +++": the leader lives on as thread N's new program;
          // it is thread N's own id that disappears
          const gone = this.threads.get(e.supersededBy);
          if (gone && gone.exitedLine === undefined) {
            gone.exitedLine = e.line;
            gone.exitedTime = e.time;
          } else if (!gone) {
            this.exitCounted({ tid: e.supersededBy, tgid: 0, how: 'unknown', howReason: '' });
          }
          return;
        }
        const t = this.threadOf(e.pid, e);
        if (t.counted) {
          if (!this.exitCounted(t)) return;
          this.inflightClone.delete(t.tid);
          const p = this.proc(t.tgid);
          if (p.exitOpen) p.exitOpen = false;
          if (this.allExited(p)) {
            p.ended = true;
            if (!p.atExit) p.atExit = this.snapshot(p, e.line, e.time);
          }
          return;
        }
        if (t.exitedLine !== undefined) return;
        t.exitedLine = e.line;
        t.exitedTime = e.time;
        t.exitCode = e.code;
        t.exitSignal = e.signal;
        this.inflightClone.delete(t.tid);
        const p = this.proc(t.tgid);
        if (p.exitOpen) p.exitOpen = false; // the kill after exit_group's pause: the snapshot is final
        if (e.pid === p.pid && e.supersededBy === undefined) {
          p.exitLine ??= e.line;
          p.exitCode ??= e.code;
          p.exitSignal ??= e.signal;
        }
        if (this.allExited(p)) {
          p.ended = true;
          if (!p.atExit) p.atExit = this.snapshot(p, e.line, e.time);
        }
        if (this.keep()) this.push(p, { line: e.line, time: e.time, tid: e.pid, pid: p.pid, op: 'exit', note: e.signal ? `thread ${e.pid} killed by ${e.signal}` : `thread ${e.pid} exited${e.code !== undefined ? ` with ${e.code}` : ''}` }, false);
        return;
      }
      case 'signal':
      case 'attach':
      case 'detach':
        this.threadOf(e.pid, e);
        return;
    }
  }

  private onEntry(tid: number, name: string, args: string, e: LogEvent): void {
    const t = this.threadOf(tid, e);
    if (THREAD_CALLS.has(name)) {
      const flags = cloneFlagsOf(name, args);
      const c: InflightClone = { flags, line: e.line, name };
      this.inflightClone.set(t.tid, c);
      const order = this.inflightOrder;
      order.push([t.tid, c]);
      if (order.length > 2 * this.inflightClone.size + 1024) {
        // the entries of clones that returned, left below one still in flight: keep the live ones only
        let kept = 0;
        for (const entry of order) if (this.inflightClone.get(entry[0]) === entry[1]) order[kept++] = entry;
        order.length = kept;
      }
      return;
    }
    if (name === 'exit_group') {
      const p = this.proc(t.tgid);
      if (!p.atExit || p.exitOpen) {
        p.atExit = this.snapshot(p, e.line, e.time);
        p.exitOpen = true;
        p.exitLine = e.line;
        const m = /^\s*(-?\d+)/.exec(args);
        if (m) p.exitCode = parseInt(m[1], 10);
      }
    }
  }

  private onSyscall(e: SyscallEvent): void {
    const t = this.threadOf(e.pid, e);
    const name = e.name;
    if (!MODEL_DETAIL_CALLS.has(name)) return; // most calls of a log: the thread is all they tell
    if (THREAD_CALLS.has(name)) {
      // t.tid, not e.pid: they differ for the first thread of a terminal log (pid 0 until prefixes start)
      const inflight = this.inflightClone.get(t.tid);
      this.inflightClone.delete(t.tid);
      if (e.retval !== undefined && e.retval > 0 && e.status === 'complete') {
        const flags = inflight?.flags ?? cloneFlagsOf(name, e.args);
        const child = this.createChild(t, e.retval, flags, name, e, e.line, e.time);
        const p = this.proc(t.tgid);
        if (this.keep()) this.push(p, {
          line: e.line, time: e.time, tid: e.pid, pid: p.pid, op: name, child: e.retval,
          note: `${child.how === 'pthread_create' ? 'new thread' : child.how === 'go-runtime' ? 'new Go runtime thread' : child.how === 'fork' || child.how === 'vfork' ? 'new process' : 'new thread'} ${e.retval}: ${child.howReason}.`,
          stack: e.stack,
        }, false);
      }
      return;
    }
    if (name === 'execve' || name === 'execveat') {
      if (e.status === 'complete' && e.retval === 0) this.onExecve(t, e);
      return;
    }
    if (name === 'exit_group' && e.status === 'complete') {
      this.onEntry(e.pid, name, e.args, e);
      return;
    }
    if (name === 'openat' || name === 'open' || name === 'creat' || name === 'openat2') {
      if (e.retval !== undefined && e.retval >= 0) {
        const n = argSpans(e.args, SPANS);
        const k = name === 'open' || name === 'creat' ? 0 : 1;
        const raw = k < n ? e.args.slice(SPANS[2 * k], SPANS[2 * k + 1]) : undefined;
        if (raw?.endsWith('"...')) this.truncatedPaths++;
        const p = str(raw);
        const pr = this.proc(t.tgid);
        if (p) {
          pr.fds.set(e.retval, p);
          if (p === '/etc/ld.so.cache') pr.dynamic = true;
        }
      }
      return;
    }
    if (name === 'close') {
      const fd = argSpans(e.args, SPANS) > 0 ? numAt(e.args, SPANS[0], SPANS[1]) : undefined;
      if (fd !== undefined) this.proc(t.tgid).fds.delete(fd);
      return;
    }
    if (MEMORY_CALLS.has(name)) this.onMemory(t, e);
  }

  private onExecve(t: ThreadInfo, e: SyscallEvent): void {
    const a = splitArgs(e.args);
    const file = str(e.name === 'execveat' ? a[1] : a[0]);
    if (t.how === 'unknown' && t.tgid !== t.tid) {
      // a tid first seen without a clone that now runs a program: a process of its own, not a stray thread
      const owner = this.processes.get(t.tgid);
      if (t.counted) {
        // a process is kept in full whatever the cap: its thread leaves the count
        if (this.strays.delete(t.tid)) {
          if (owner) owner.strayTids--;
        } else if (this.countedTids.delete(t.tid) && owner) owner.countedThreads--;
        t = { tid: t.tid, tgid: t.tid, how: 'unknown', howReason: '', createdLine: e.line, createdTime: e.time };
        this.threads.set(t.tid, t);
      } else if (owner) owner.tids = owner.tids.filter((x) => x !== t.tid);
      t.tgid = t.tid;
      t.howReason = 'a process first seen at its execve (its fork was not in the log)';
    }
    let p = this.processes.get(t.tgid);
    if (!p) p = this.newProcess(t.tgid, new AddressSpace());
    if (p.execLine !== undefined || p.space.size > 0 || p.tids.length > 1 || p.countedThreads > p.countedExited) {
      // a new program image: fresh address space; threads other than the caller are gone
      p.space = new AddressSpace();
      p.timeline = new Timeline(this.maxTimelinePoints);
      p.libraries = new Map();
      p.provisional = [];
      p.brkStart = undefined;
      p.atExit = undefined;
      p.exitOpen = false;
      p.isGo = false;
      p.dynamic = false;
      // the kernel kills every other thread of the old image (de_thread); strace may print no exit for them
      for (const tid of p.tids) {
        const other = this.threads.get(tid);
        if (tid !== t.tid && other && other.exitedLine === undefined) {
          other.exitedLine = e.resumedLine ?? e.line;
          other.exitedTime = e.resumedTime ?? e.time;
        }
      }
      if (p.countedExited < p.countedThreads) {
        for (const [tid, code] of this.countedTids) if (code === p.pid && tid !== t.tid) this.exitCounted({ tid, tgid: code, how: 'unknown', howReason: '' });
      }
    }
    p.attachedLate = false; // the log shows the program start
    // the traced executable is the main process's first image; a later execve (syscall.Exec) runs another
    // program, Go or not as its own calls show
    const tracedImage = this.mainPid === p.pid && p.execLine === undefined;
    p.images++;
    p.exe = file;
    p.command = file ? path.basename(file) : p.command;
    const argv = a[1 + (e.name === 'execveat' ? 1 : 0)];
    if (argv?.startsWith('[')) p.argv = splitArgs(argv.slice(1, -1)).map((s) => str(s) ?? s);
    p.execLine = e.line;
    if (tracedImage && this.opts.exeIsGo) p.isGo = true;
    if (this.keep()) this.push(p, { line: e.line, time: e.time, tid: t.tid, pid: p.pid, op: e.name, note: `runs ${file ?? 'a program'}: the kernel maps the executable, its interpreter, the stack and the vDSO (none of which the log shows as mmap).` });
  }

  // ---------------------------------------------------------------- memory

  private newRes(partial: Omit<Reservation, 'id'>): Reservation {
    return { id: this.nextRes++, ...partial };
  }

  private onMemory(t: ThreadInfo, e: SyscallEvent): void {
    if (e.status !== 'complete' || e.errno) return; // a failed call changes nothing
    const p = this.proc(t.tgid);
    const space = p.space;
    // the arguments as offsets into e.args (a.num(k) is num(splitArgs(e.args)[k])): only kept values become strings
    const a = ARGS.of(e.args);
    const time = e.resumedTime ?? e.time;
    const line = e.resumedLine ?? e.line;
    // a returned address above 2^53 is exact in a double only when its low bits are zero (a page address
    // such as 0xfffffffffffff000 is): num() keeps those and drops the others (sums of regions would drift)
    const retAddr = Number.isSafeInteger(e.retval) ? e.retval : e.retval !== undefined ? num(e.ret) : undefined;
    switch (e.name) {
      case 'mmap':
      case 'mmap2': {
        const addr = retAddr;
        const len = a.num(1);
        if (addr === undefined || len === undefined || len <= 0) return;
        const hint = a.num(0) ?? 0;
        const prot = a.prot(2);
        const flags = a.map(3);
        const fd = a.num(4);
        const off = a.num(5) ?? 0;
        const size = pageAlignUp(len);
        const filePath = fd !== undefined && fd >= 0 && !(flags & MAP.ANONYMOUS) ? fdPath(a.str(4)) ?? p.fds.get(fd) : undefined;
        const region = this.classifyMmap(p, t, { addr, size, hint, prot, flags, filePath, off, line, time, stack: e.stack });
        space.insert(region);
        this.afterChange(p, line, time);
        if (this.keep()) this.push(p, { line, time, tid: t.tid, pid: p.pid, op: 'mmap', addr, size, prot, flags, kind: region.kind, note: region.res.reason, stack: e.stack }, false);
        return;
      }
      case 'munmap': {
        const addr = a.num(0);
        const len = a.num(1);
        if (addr === undefined || len === undefined) return;
        // A munmap split by another thread's calls took effect somewhere between its two halves. A mapping
        // that another thread got at this address in between (without MAP_FIXED, so the range was free)
        // came after the unmap in the kernel, though its line is logged before the munmap's result.
        const spare = e.resumedLine === undefined ? undefined
          : (r: Region) => r.res.line > e.line && r.res.tid !== t.tid && (r.res.flags & MAP.FIXED) === 0;
        const removed = space.carve(addr, addr + pageAlignUp(len), spare);
        const res = removed[0]?.res;
        const bytes = removed.reduce((s, r) => s + (r.end - r.start), 0);
        if (res?.kind === 'malloc-arena') res.trimmed = (res.trimmed ?? 0) + bytes;
        this.afterChange(p, line, time);
        if (!this.keep()) return;
        const note = res === undefined ? 'unmaps nothing the log showed mapped'
          : res.kind === 'malloc-arena' ? `trims ${formatBytes(bytes)} off the malloc arena reservation so that a ${formatBytes(GLIBC_ARENA_HEAP)}-aligned ${formatBytes(GLIBC_ARENA_HEAP)} heap remains.`
            : `releases ${formatBytes(bytes)} of ${describeRes(res)}.`;
        this.push(p, { line, time, tid: t.tid, pid: p.pid, op: 'munmap', addr, size: pageAlignUp(len), kind: res?.kind, note, stack: e.stack });
        return;
      }
      case 'mprotect':
      case 'pkey_mprotect': {
        const addr = a.num(0);
        const len = a.num(1);
        if (addr === undefined || len === undefined) return;
        const prot = a.prot(2);
        const touched = new Set<Reservation>();
        space.protect(addr, addr + pageAlignUp(len), prot, (r) => {
          touched.add(r.res);
        });
        // the last reservation that has a note of its own names the event (a stack's note reads its guard)
        let noted: Reservation | undefined;
        let firstKind: RegionKind | undefined;
        for (const res of touched) {
          firstKind ??= res.kind;
          if (res.kind === 'thread-stack') {
            for (const r of space.overlapping(res.addr, res.addr + res.size)) {
              if (r.res === res && (r.prot & 7) === 0) r.kind = 'guard-page';
            }
            noted = res;
          } else if (res.kind === 'malloc-arena' || res.kind === 'shared-library' || res.kind === 'executable') {
            noted = res;
          }
        }
        this.afterChange(p, line, time);
        if (!this.keep()) return;
        let note: string;
        if (noted?.kind === 'thread-stack') {
          note = `makes the stack usable (${formatBytes(pageAlignUp(len))} read-write) and leaves the low ${formatBytes(this.guardOf(space, noted))} PROT_NONE as a guard page that faults on overflow.`;
        } else if (noted?.kind === 'malloc-arena') {
          note = `commits the first ${formatBytes(pageAlignUp(len))} of the malloc arena heap (read-write); the rest stays reserved.`;
        } else if (noted) {
          note = `${prot === PROT.READ ? 'makes relocated data read-only (RELRO) in' : 'changes protection in'} ${noted.path ? path.basename(noted.path) : 'a loaded image'}.`;
        } else {
          note = touched.size === 0 ? 'changes protection on memory the log did not show mapped (the executable image or the stack, mapped by execve)' : `sets ${protName(prot)} on ${formatBytes(pageAlignUp(len))} of ${[...touched].map(describeRes).join(', ')}.`;
        }
        this.push(p, { line, time, tid: t.tid, pid: p.pid, op: e.name, addr, size: pageAlignUp(len), prot, kind: firstKind, note, stack: e.stack });
        return;
      }
      case 'mremap': {
        const old = a.num(0);
        const oldLen = a.num(1);
        const newLen = a.num(2);
        const addr = retAddr;
        if (old === undefined || oldLen === undefined || newLen === undefined || addr === undefined) return;
        const removed = space.carve(old, old + pageAlignUp(oldLen));
        const first = removed[0];
        if (first) space.insert({ start: addr, end: addr + pageAlignUp(newLen), prot: first.prot, kind: first.kind, res: first.res });
        this.afterChange(p, line, time);
        if (this.keep()) this.push(p, { line, time, tid: t.tid, pid: p.pid, op: 'mremap', addr, size: pageAlignUp(newLen), kind: first?.kind, note: `${addr === old ? 'resizes' : 'moves'} ${first ? describeRes(first.res) : 'a mapping'} from ${formatBytes(pageAlignUp(oldLen))} to ${formatBytes(pageAlignUp(newLen))}.` });
        return;
      }
      case 'brk': {
        const req = a.num(0) ?? 0;
        const cur = retAddr;
        if (cur === undefined) return;
        if (p.brkStart === undefined) {
          // the first brk(NULL) reports where the heap starts (just past the executable's .bss, randomized)
          p.brkStart = cur;
          if (req === 0) return;
        }
        const start = p.brkStart;
        space.resizeAt(start, pageAlignUp(cur), () => ({
          start, end: start, prot: PROT.READ | PROT.WRITE, kind: 'brk-heap',
          res: this.newRes({ kind: 'brk-heap', reason: 'The brk heap ([heap]): the classic program break, grown by glibc malloc in the main arena.', addr: start, size: 0, prot: PROT.READ | PROT.WRITE, flags: 0, line, tid: t.tid, time, evidence: 'shape' }),
        }));
        this.afterChange(p, line, time);
        if (req !== 0 && this.keep()) this.push(p, { line, time, tid: t.tid, pid: p.pid, op: 'brk', addr: cur, size: pageAlignUp(cur) - start, kind: 'brk-heap', note: `moves the program break: the [heap] is now ${formatBytes(Math.max(0, pageAlignUp(cur) - start))}.` });
        return;
      }
      case 'madvise': {
        const addr = a.num(0);
        const len = a.num(1);
        if (addr === undefined || len === undefined) return;
        const r = space.find(addr);
        if (this.keep()) this.push(p, { line, time, tid: t.tid, pid: p.pid, op: 'madvise', addr, size: len, kind: r?.kind, note: `${a.str(2) ?? ''} on ${r ? describeRes(r.res) : 'unmapped memory'}: changes how pages are backed, not the virtual size.` });
        return;
      }
      default:
        return;
    }
  }

  private classifyMmap(
    p: ProcessState,
    t: ThreadInfo,
    m: { addr: number; size: number; hint: number; prot: number; flags: number; filePath?: string; off: number; line: number; time?: number; stack?: StackFrame[] },
  ): Region {
    const { addr, size, prot, flags } = m;
    const origin = goOrigin(m.stack);
    const fromGo = origin !== undefined || m.stack?.some((f) => f.func === 'x_cgo_mmap') === true;
    if (fromGo && !p.isGo) this.becomeGo(p);
    // one shape for every reservation made here (a spread of a variable set of fields is slow to make and to read)
    const mk = (kind: RegionKind, reason: string, evidence: Reservation['evidence'], extra?: { path?: string; origin?: string }): Region => ({
      start: addr, end: addr + size, prot, kind,
      res: {
        id: this.nextRes++, addr, size, prot, flags, line: m.line, tid: t.tid, time: m.time, kind, reason: this.intern(reason), evidence,
        origin: extra?.origin ?? origin, path: extra?.path,
      },
    });

    // an overlay (MAP_FIXED) inside a mapping we know: same owner (a library's segments and .bss, Go committing its reservations)
    if (flags & MAP.FIXED) {
      const parent = p.space.find(addr);
      if (parent && parent.res.kind !== 'other' && parent.res.kind !== 'thread-stack') {
        const parentRes = parent.res;
        if (!m.filePath || parentRes.path === m.filePath) {
          return { start: addr, end: addr + size, prot, kind: parentRes.kind, res: parentRes };
        }
      }
    }

    if (m.filePath !== undefined) {
      const file = m.filePath;
      const b = path.basename(file);
      if (p.exe && (file === p.exe || path.basename(p.exe) === b)) return mk('executable', `The executable ${b} mapped from its file.`, 'path', { path: file });
      if (/\.so(\.\d+)*$/.test(b) || /\/lib(64|32|x32)?\//.test(file)) {
        p.dynamic = true;
        p.libraries.set(file, (p.libraries.get(file) ?? 0) + size);
        return mk('shared-library', `Shared library ${b}, mapped by the dynamic loader (ld.so) because the binary is dynamically linked${p.isGo ? ' (cgo)' : ''}.`, 'path', { path: file });
      }
      if (file === '/etc/ld.so.cache') return mk('file', 'The dynamic loader\'s cache of library paths, mapped read-only while libraries load, unmapped after.', 'path', { path: file });
      return mk('file', `File ${b} mapped into memory (offset ${m.off}).`, 'path', { path: file });
    }
    if (!(flags & MAP.ANONYMOUS) && (flags & MAP.SHARED)) {
      return mk('file', 'A shared mapping of a file or device the log does not name.', 'shape');
    }

    // glibc thread stacks: MAP_STACK, PROT_NONE at first, then mprotect leaves a guard page
    if (flags & MAP.STACK) {
      return mk('thread-stack', `A thread stack: glibc pthread_create reserves ${formatBytes(size)} (RLIMIT_STACK, 8 MiB by default, plus a guard page) with MAP_STACK before cloning.`, 'shape');
    }
    const none = (prot & 7) === 0;
    // glibc malloc arenas: a PROT_NONE|MAP_NORESERVE reservation of 2 × 64 MiB, trimmed to an aligned 64 MiB heap
    if (none && (flags & MAP.NORESERVE) && (size === 2 * GLIBC_ARENA_HEAP || size === GLIBC_ARENA_HEAP)) {
      if (t.arenaRes === undefined) t.arenaRes = this.nextRes;
      return mk(
        'malloc-arena',
        size === 2 * GLIBC_ARENA_HEAP
          ? `A glibc malloc arena for thread ${t.tid}: 128 MiB reserved PROT_NONE|MAP_NORESERVE so a 64 MiB heap can be cut out at a 64 MiB-aligned address; the head and tail are unmapped next.`
          : `A glibc malloc arena heap for thread ${t.tid}: 64 MiB reserved PROT_NONE|MAP_NORESERVE at an aligned address, committed a little at a time with mprotect.`,
        'shape',
      );
    }
    // the Go heap: arenas of 64 MiB at the runtime's hint addresses (0xc000000000, then just past the last)
    if (!(flags & MAP.FIXED) && m.hint !== 0 && size % GO_ARENA === 0 && (m.hint % LOW40 === GO_HINT_LOW40 || p.space.find(m.hint - 1)?.res.kind === 'go-heap')) {
      if (!p.isGo) this.becomeGo(p);
      return mk('go-heap', `Go heap arena${size > GO_ARENA ? 's' : ''}: ${formatBytes(size)} of address space reserved at the runtime's hint address ${hex(m.hint)}; pages are committed (MAP_FIXED, read-write) as the heap grows.`, origin ? 'stack' : 'shape', { origin: origin ?? 'runtime.(*mheap).sysAlloc' });
    }
    if (p.isGo || fromGo) return mk('go-runtime', goRuntimeReason(size, prot, origin), origin ? 'stack' : 'shape');
    if (m.stack && m.stack.length > 0 && !fromGo) {
      return mk('other', `Anonymous memory (${protName(prot)}) requested by ${m.stack.find((f) => f.func)?.func ?? path.basename(m.stack[0].object)}.`, 'stack');
    }
    const r = mk('other', `Anonymous memory (${protName(prot)}${flags & MAP.NORESERVE ? ', MAP_NORESERVE' : ''}), made before the program showed what runtime it has.`, 'shape');
    p.provisional.push(r.res);
    return r;
  }

  /** The process turned out to be a Go program: anonymous mappings made earlier by its runtime get their names. */
  private becomeGo(p: ProcessState): void {
    p.isGo = true;
    for (const res of p.provisional) {
      // ld.so's own small blocks (TLS, link maps) stay 'other'; the runtime's early reservations are big or PROT_NONE
      if ((res.prot & 7) === 0 || res.size >= 64 * 1024) {
        res.kind = 'go-runtime';
        res.reason = this.intern(goRuntimeReason(res.size, res.prot, undefined));
        for (const r of p.space.overlapping(res.addr, res.addr + res.size)) if (r.res === res) r.kind = 'go-runtime';
      }
    }
    p.provisional = [];
  }

  private afterChange(p: ProcessState, line: number, time?: number): void {
    p.timeline.add(time ?? line, line, p.space.vsize, p.space.reserved);
    if (p.exitOpen) {
      // exit_group is paused (strace's inject delay): what still happens meanwhile is what the kernel reports
      p.atExit = this.snapshot(p, p.atExit!.line, p.atExit!.time);
    }
  }

  private snapshot(p: ProcessState, line: number, time?: number): Snapshot {
    const bd = p.space.breakdown();
    const breakdown: Snapshot['breakdown'] = {};
    for (const [k, v] of bd) breakdown[k] = { count: v.count, bytes: v.bytes };
    return {
      line, time, vsize: p.space.vsize, reserved: p.space.reserved, peak: p.space.peak,
      threadsAlive: p.tids.filter((tid) => this.threads.get(tid)?.exitedLine === undefined).length + p.countedThreads - p.countedExited,
      breakdown,
    };
  }

  /**
   * Counts an event and says whether it is kept: callers build the event (and its note) only then, so that
   * the events past maxEvents cost nothing but the count.
   */
  private keep(): boolean {
    this.eventCount++;
    return this.events.length < this.maxEvents;
  }

  /**
   * Notes and reasons repeat (the same release, the same kind of mapping or thread): one string for each
   * text, so that what is kept for long (events, reservations, threads) does not hold a copy each.
   */
  private readonly texts = new Map<string, string>();

  private intern(text: string): string {
    const known = this.texts.get(text);
    if (known !== undefined) return known;
    if (this.texts.size < 16_384) this.texts.set(text, text);
    return text;
  }

  /**
   * Adds an event that keep() let in. `shared`: false when interning the note would save nothing (it is a
   * reservation's reason, interned when made, or it names a thread and never repeats): interning hashes
   * the whole text, a visible share of a big log's reading.
   */
  private push(p: ProcessState, ev: Omit<ModelEvent, 'seq' | 'vsizeAfter'>, shared = true): void {
    // ev is a fresh literal of the caller's: completed in place rather than copied
    const e = ev as ModelEvent;
    if (shared) e.note = this.intern(e.note);
    e.seq = this.seq++;
    e.vsizeAfter = p.space.vsize;
    this.events.push(e);
  }

  /** Tells the model what execve mapped that the log cannot show (from the binary's ELF headers, or estimates). */
  setUnseen(pid: number, parts: UnseenPart[]): void {
    const p = this.processes.get(pid);
    if (p) p.unseen = parts;
  }

  finish(): void {
    for (const p of this.processes.values()) {
      p.exitOpen = false;
    }
  }
}

/** The clone flags a call asked for: fork copies, vfork shares memory, clone/clone3 say so in their arguments. */
function cloneFlagsOf(name: string, args: string): number {
  if (name === 'fork') return 0;
  if (name === 'vfork') return CLONE.VM | CLONE.VFORK;
  if (name === 'clone3') {
    firstArgFieldsOf(args, FLAGS_KEY, FIELDS);
    return cloneBitsCached(FIELDS[0]);
  }
  return cloneBitsCached(fieldOf(args, 'flags'));
}

const FLAGS_KEY = ['flags'];

function goOrigin(stack: StackFrame[] | undefined): string | undefined {
  if (!stack) return undefined;
  for (const f of stack) {
    if (f.func && f.func.startsWith('runtime.') && !GO_WRAPPERS.test(f.func)) return f.func.replace(/\.abi0$/, '');
  }
  return undefined;
}

function goRuntimeReason(size: number, prot: number, origin: string | undefined): string {
  const from = origin ? ` (from ${origin})` : '';
  if ((prot & 7) === 0) {
    if (size === 512 * MiB) return `Go runtime reservation${from}: 512 MiB of address space for the page allocator's summary level or scavenger index, touched a page at a time; it costs no memory until used.`;
    return `Go runtime reservation${from}: ${formatBytes(size)} of address space (sysReserve) for runtime metadata such as the page allocator's summaries, committed piecemeal.`;
  }
  if (size === 32 * MiB) return `Go runtime${from}: the heap arena index (4M entries × 8 B), allocated once and marked MADV_NOHUGEPAGE.`;
  return `Go runtime off-heap memory${from}: ${formatBytes(size)} from sysAlloc/persistentalloc for runtime metadata (not the Go heap).`;
}

function protName(prot: number): string {
  if ((prot & 7) === 0) return 'PROT_NONE';
  const parts: string[] = [];
  if (prot & PROT.READ) parts.push('PROT_READ');
  if (prot & PROT.WRITE) parts.push('PROT_WRITE');
  if (prot & PROT.EXEC) parts.push('PROT_EXEC');
  return parts.join('|');
}

export function describeRes(res: Reservation): string {
  switch (res.kind) {
    case 'thread-stack': return res.threadTid ? `the stack of thread ${res.threadTid}` : 'a thread stack';
    case 'guard-page': return 'a guard page';
    case 'malloc-arena': return `a malloc arena (thread ${res.tid})`;
    case 'go-heap': return 'the Go heap';
    case 'go-runtime': return 'Go runtime memory';
    case 'shared-library': return res.path ? path.basename(res.path) : 'a shared library';
    case 'executable': return 'the executable';
    case 'file': return res.path ? `the file ${path.basename(res.path)}` : 'a file mapping';
    case 'brk-heap': return 'the brk heap';
    case 'stack-vdso': return 'the stack';
    default: return `anonymous memory at ${hex(res.addr)}`;
  }
}

export { PAGE };
