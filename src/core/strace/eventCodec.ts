/**
 * The parser's output as batches that cross a thread boundary cheaply: the numbers of every record in one
 * Float64Array (moved, not copied, by postMessage) and its strings in one array (strings clone as a copy of
 * their bytes). A structured clone of the events themselves costs about 2 µs an event to read back; a batch
 * costs a tenth of that. Records keep log order; decoding one calls the consumer exactly as the parser
 * would have called it.
 */
import type { ExitEvent, SignalEvent, StackFrame, SyscallEvent } from './events';
import type { LogEvent } from './reader';

/** A batch of records: `nums` holds `size` numbers, `strs` the strings in record order. */
export interface EventBatch {
  nums: Float64Array;
  size: number;
  strs: Array<string | undefined>;
}

export interface EventSink {
  onEvent(e: LogEvent): void;
  onOtherCall?(pid: number, time: number | undefined, line: number): void;
  /** see ReadLogOptions.onOtherCalls: needed to decode a batch encoded with `countRepeats` */
  onOtherCalls?(count: number, time: number | undefined, line: number): void;
}

// record tags (the first number of each record)
const OTHER = 0;
const SYSCALL = 1;
const ENTRY = 2;
const EXIT = 3;
const SIGNAL = 4;
const ATTACH = 5;
const DETACH = 6;
/** a run of other calls by threads already sent: count, last time, highest line */
const OTHERS = 7;

/** syscall flags */
const F_UNFINISHED = 1;
const F_RESUMED = 2;
const F_STACK = 4;
const F_FILE = 8;
const F_CORE = 16;

/** undefined numbers travel as NaN (no field the parser fills is ever NaN) */
function n(v: number | undefined): number {
  return v === undefined ? NaN : v;
}
function u(v: number): number | undefined {
  return v === v ? v : undefined;
}

export class EventEncoder {
  private nums = new Float64Array(1 << 14);
  private size = 0;
  private strs: Array<string | undefined> = [];
  /** countRepeats: the threads whose first other call was sent, a bit per thread id (ids from 2^22 on in a set) */
  private readonly sentBits: Int32Array | undefined;
  private readonly sentHigh = new Set<number>();
  /** the run of other calls counted and not yet written */
  private runCount = 0;
  private runTime = NaN;
  private runLine = 0;

  /**
   * `countRepeats`: a thread's first other call is sent as it is, the later ones are counted (one record for
   * each run of them between two other records); the consumer must have onOtherCalls.
   */
  constructor(opts: { countRepeats?: boolean } = {}) {
    // Linux thread ids stay below 2^22 (PID_MAX_LIMIT): 512 KiB of bits
    this.sentBits = opts.countRepeats ? new Int32Array(1 << 17) : undefined;
  }

  /** how much this batch holds so far (0: nothing; a run still counting makes it non-zero) */
  get records(): number {
    return this.size + (this.runCount > 0 ? 1 : 0);
  }

  private room(k: number): Float64Array {
    if (this.size + k > this.nums.length) {
      const grown = new Float64Array(Math.max(this.nums.length * 2, this.size + k));
      grown.set(this.nums.subarray(0, this.size));
      this.nums = grown;
    }
    return this.nums;
  }

  /** A call outside detailCalls, as ParserOptions.onOtherCall gives it. */
  other(pid: number, time: number | undefined, line: number): void {
    const bits = this.sentBits;
    if (bits !== undefined) {
      const w = pid >>> 5;
      const bit = 1 << (pid & 31);
      if (w < bits.length ? (bits[w] & bit) !== 0 : this.sentHigh.has(pid)) {
        this.runCount++;
        if (time !== undefined) this.runTime = time;
        if (line > this.runLine) this.runLine = line;
        return;
      }
      if (w < bits.length) bits[w] |= bit;
      else this.sentHigh.add(pid);
      if (this.runCount > 0) this.flushRun();
    }
    const a = this.room(4);
    let i = this.size;
    a[i++] = OTHER;
    a[i++] = pid;
    a[i++] = time === undefined ? NaN : time;
    a[i++] = line;
    this.size = i;
  }

  event(e: LogEvent): void {
    switch (e.type) {
      case 'syscall': {
        this.head(SYSCALL, e, (e.status === 'unfinished' ? F_UNFINISHED : 0) | ('resumedLine' in e ? F_RESUMED : 0) | (e.stack ? F_STACK : 0));
        const a = this.room(4);
        let i = this.size;
        a[i++] = n(e.resumedLine);
        a[i++] = n(e.resumedTime);
        a[i++] = n(e.retval);
        a[i++] = n(e.duration);
        this.size = i;
        this.strs.push(e.name, e.args, e.ret, e.errno, e.retNote);
        if (e.stack) this.strs.push(JSON.stringify(e.stack));
        return;
      }
      case 'entry': {
        this.head(ENTRY, e, 0);
        this.strs.push(e.name, e.args);
        return;
      }
      case 'exit': {
        this.head(EXIT, e, (e.stack ? F_STACK : 0) | (e.coreDumped ? F_CORE : 0));
        const a = this.room(3);
        a[this.size++] = n(e.code);
        a[this.size++] = n(e.supersededBy);
        a[this.size++] = e.coreDumped === undefined ? 0 : 1;
        this.strs.push(e.signal);
        if (e.stack) this.strs.push(JSON.stringify(e.stack));
        return;
      }
      case 'signal':
        this.head(SIGNAL, e, e.stack ? F_STACK : 0);
        this.strs.push(e.signal, e.info);
        if (e.stack) this.strs.push(JSON.stringify(e.stack));
        return;
      case 'attach':
      case 'detach':
        this.head(e.type === 'attach' ? ATTACH : DETACH, e, 0);
        return;
    }
  }

  private flushRun(): void {
    const a = this.room(4);
    let i = this.size;
    a[i++] = OTHERS;
    a[i++] = this.runCount;
    a[i++] = this.runTime;
    a[i++] = this.runLine;
    this.size = i;
    this.runCount = 0;
    this.runTime = NaN;
    this.runLine = 0;
  }

  /** tag, pid, time, line, flags, file */
  private head(tag: number, e: LogEvent, flags: number): void {
    if (this.runCount > 0) this.flushRun();
    const a = this.room(6);
    let i = this.size;
    a[i++] = tag;
    a[i++] = e.pid;
    a[i++] = n(e.time);
    a[i++] = e.line;
    a[i++] = flags | (e.file !== undefined ? F_FILE : 0);
    a[i++] = e.file ?? 0;
    this.size = i;
  }

  /** The records so far, as a batch the encoder lets go of (its numbers may be transferred). */
  take(): EventBatch {
    if (this.runCount > 0) this.flushRun();
    const batch: EventBatch = { nums: this.nums, size: this.size, strs: this.strs };
    this.nums = new Float64Array(Math.max(1 << 14, this.size));
    this.size = 0;
    this.strs = [];
    return batch;
  }
}

/** Calls the sink for each record of a batch, in order, with the events as the parser made them. */
export function decodeBatch(batch: EventBatch, sink: EventSink): void {
  const a = batch.nums;
  const strs = batch.strs;
  const onOther = sink.onOtherCall;
  let s = 0;
  let i = 0;
  while (i < batch.size) {
    const tag = a[i];
    if (tag === OTHER) {
      const time = a[i + 2];
      onOther!.call(sink, a[i + 1], time === time ? time : undefined, a[i + 3]);
      i += 4;
      continue;
    }
    if (tag === OTHERS) {
      const time = a[i + 2];
      if (sink.onOtherCalls === undefined) throw new Error('an event batch counts calls, and its consumer has no onOtherCalls');
      sink.onOtherCalls(a[i + 1], time === time ? time : undefined, a[i + 3]);
      i += 4;
      continue;
    }
    // every other record starts as head() writes it
    const pid = a[i + 1];
    const time = u(a[i + 2]);
    const line = a[i + 3];
    const flags = a[i + 4];
    const file = flags & F_FILE ? a[i + 5] : undefined;
    i += 6;
    let e: LogEvent;
    switch (tag) {
      case SYSCALL: {
        const x: SyscallEvent = {
          type: 'syscall', pid, time, line, name: strs[s]!, args: strs[s + 1]!, ret: strs[s + 2]!,
          retval: u(a[i + 2]), errno: strs[s + 3], retNote: strs[s + 4], duration: u(a[i + 3]),
          status: flags & F_UNFINISHED ? 'unfinished' : 'complete',
        };
        s += 5;
        if (flags & F_RESUMED) {
          x.resumedLine = u(a[i]);
          x.resumedTime = u(a[i + 1]);
        }
        if (flags & F_STACK) x.stack = JSON.parse(strs[s++]!) as StackFrame[];
        i += 4;
        e = x;
        break;
      }
      case ENTRY:
        e = { type: 'entry', pid, time, line, name: strs[s]!, args: strs[s + 1]! };
        s += 2;
        break;
      case EXIT: {
        const x: ExitEvent = { type: 'exit', pid, time, line };
        const code = u(a[i]);
        const by = u(a[i + 1]);
        const signal = strs[s++];
        if (code !== undefined) x.code = code;
        if (signal !== undefined) x.signal = signal;
        if (a[i + 2] === 1) x.coreDumped = (flags & F_CORE) !== 0;
        if (by !== undefined) x.supersededBy = by;
        i += 3;
        if (flags & F_STACK) x.stack = JSON.parse(strs[s++]!) as StackFrame[];
        e = x;
        break;
      }
      case SIGNAL: {
        const x: SignalEvent = { type: 'signal', pid, time, line, signal: strs[s]!, info: strs[s + 1]! };
        s += 2;
        if (flags & F_STACK) x.stack = JSON.parse(strs[s++]!) as StackFrame[];
        e = x;
        break;
      }
      case ATTACH:
        e = { type: 'attach', pid, time, line };
        break;
      case DETACH:
        e = { type: 'detach', pid, time, line };
        break;
      default:
        throw new Error(`corrupt event batch: record tag ${tag}`);
    }
    if (file !== undefined) e.file = file;
    sink.onEvent(e);
  }
}
