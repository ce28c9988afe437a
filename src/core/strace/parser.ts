import { LineSplitter, LoneCarriageReturns, newlinesOf } from './lineSplitter';
import * as bytes from './bytes';
import { decorationEnd } from './args';
import type { NameInfo, ParsedCall } from './bytes';
import type { CaptureStyle, ExitEvent, SignalEvent, StackFrame, SyscallEvent, TraceEvent, UnparsedLine } from './events';

// Module-local bindings of the byte helpers, which run per line and per byte: a CommonJS build of this module
// (tsx, under which the tests and the bench run) reads every use of an imported binding through a getter.
const {
  NAME_CHAR, NameTable, PendingTable, UNFINISHED, bytesAre, reopen, endsWithUnfinished, headDepthOfBytes, headDepthOfString, isResumedTag, latin1,
  callNameAt, nameAt, newParsedCall, parseCallBytes, parseCallTail, tailShape, TAIL_DURATION, TAIL_FD_PATH,
} = bytes;

/** The entry of a call, emitted at once for the few calls whose *start* matters (exit_group: the kernel check). */
export interface EntryEvent {
  type: 'entry';
  pid: number;
  time?: number;
  line: number;
  name: string;
  args: string;
}

export interface ParserOptions {
  /** every event, in log order (a split call is emitted at its resumed half) */
  onEvent: (e: TraceEvent | EntryEvent) => void;
  /** for `-ff` files, which carry no pid column: the pid from the file name */
  fixedPid?: number;
  /** calls whose entry should be reported as soon as it is seen (default: exit_group, execve, the clone family) */
  entryCalls?: ReadonlySet<string>;
  /** how many unparsed lines to keep with their text (all are counted) */
  keepUnparsed?: number;
  /** longest line kept in an unparsed record */
  maxKeptText?: number;
  /**
   * The calls whose argument and return text the consumer reads (default: every call). The others, when
   * they arrive as Buffers, are read from the ends of their lines: their arguments are neither decoded nor
   * checked, so they come with `args` and `ret` empty (pid, times, lines, name, retval, errno, duration and
   * status are as usual), a malformed argument list among them is not counted as unparsed, and
   * `style.truncatedStrings` speaks of the detail calls only. Not scanning what nobody reads is most of
   * what a big log costs.
   */
  detailCalls?: ReadonlySet<string>;
  /**
   * The events of calls outside detailCalls that the byte path reads come in one object, reused from one
   * such call to the next: a consumer that reads them only while onEvent runs (and keeps nothing of them)
   * saves an object per line. Off by default.
   */
  reuseEvents?: boolean;
  /**
   * With detailCalls: the calls outside detailCalls (and entryCalls) that the byte path reads in their
   * common shapes come here instead of onEvent, as who and when only: the thread, and the line and time
   * the call started (a split call's first half). For a consumer that reads nothing else of them, this
   * costs no event, no return value and no -k stack. The others (uncommon shapes, lines that arrive as
   * strings) still come through onEvent; a call reaches the consumer one way or the other, in log order.
   */
  onOtherCall?: (pid: number, time: number | undefined, line: number) => void;
}

const DEFAULT_ENTRY_CALLS: ReadonlySet<string> = new Set(['exit_group', 'execve', 'execveat', 'clone', 'clone3', 'fork', 'vfork']);

const C_SPACE = 32;
const C_0 = 48;
const C_9 = 57;
const C_COLON = 58;
const C_DOT = 46;
const C_QUOTE = 34;
const C_BACKSLASH = 92;
const C_LPAREN = 40;
const C_RPAREN = 41;
const C_LBRACK = 91;
const C_RBRACK = 93;
const C_LBRACE = 123;
const C_RBRACE = 125;
const C_LT = 60;

/** the most text a call resumed and cut again may gather from its later pieces (its first half is a line, capped by the splitter) */
const MAX_JOINED_ARGS = 1 << 20;
/** the longest line the splitter hands over (longer ones are cut) */
const MAX_LINE = 16 * 1024 * 1024;
const US_PER_DAY = 86_400_000_000;

function isDigit(c: number): boolean {
  return c >= C_0 && c <= C_9;
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= C_0 && c <= C_9) || c === 95 || (c >= 65 && c <= 90) || c === 63;
}

/**
 * Streaming parser for strace output. Feed it chunks (`write`), then `end()`. It keeps only the current
 * partial line, the calls still awaiting their resumed half (one per thread at most), and the last call
 * (so that `-k` stack lines can be attached to it): memory stays bounded however long the log.
 */
export class StraceParser {
  private readonly splitter: LineSplitter;
  /** a lone '\r' ends a line too */
  private readonly loneCRs = new LoneCarriageReturns();
  /** write()'s newline offsets, reused from chunk to chunk */
  private readonly newlines = { offsets: new Int32Array(1024) };
  private lineNo = 0;
  private readonly pending = new PendingTable();
  /** the last call or signal, kept until the next line so that -k stack frames can join it */
  private held: SyscallEvent | SignalEvent | ExitEvent | undefined;
  private readonly entryCalls: ReadonlySet<string>;
  private readonly keepUnparsed: number;
  private readonly maxKeptText: number;
  /** -r timestamps are deltas; this accumulates them */
  private relativeClock = 0;
  /** -t/-tt timestamps wrap at midnight; this counts the wraps */
  private dayOffset = 0;
  private lastTimeOfDay = -1;
  /** the byte path's clock of the line in hand (a field: a double passed as an argument is boxed) */
  private lineTime = 0;
  /** a syscall line cut by program output (strace and the program sharing a terminal) */
  private fragment: { pid: number; time?: number; line: number; text: string } | undefined;

  private readonly names: InstanceType<typeof NameTable>;
  private readonly scratch: ParsedCall = newParsedCall();
  /** with reuseEvents: the one event of the calls outside detailCalls */
  private readonly quiet: SyscallEvent | undefined;
  private readonly onOther: ((pid: number, time: number | undefined, line: number) => void) | undefined;
  /** -ff input (opts.fixedPid): lines carry no pid, and the byte path leaves them to the string path */
  private readonly fixed: boolean;
  /**
   * Held after a call that went to onOtherCall, so that -k frames after it have a call to join (as they
   * would join its event); never emitted.
   */
  private readonly otherHeld: SyscallEvent = {
    type: 'syscall', pid: 0, time: undefined, line: 0, name: '', args: '', ret: '', status: 'complete', stack: undefined,
  };

  readonly unparsed: UnparsedLine[] = [];
  unparsedCount = 0;
  linesRead = 0;
  /** resumed halves whose start was not in the log (capture began mid-call) */
  orphanResumed = 0;
  /** lines that strace itself wrote (`strace: ...`) other than attach/detach */
  straceMessages: string[] = [];
  readonly style: CaptureStyle = {
    pidPrefix: 'none',
    timestamps: 'none',
    durations: false,
    fdPaths: false,
    stacks: false,
    truncatedStrings: false,
  };

  constructor(private readonly opts: ParserOptions) {
    this.splitter = new LineSplitter((l) => this.onLine(l), MAX_LINE, (b, start, end) => {
      if (!this.fastLine(b, start, end)) this.onLine(latin1(b, start, end));
    });
    this.entryCalls = opts.entryCalls ?? DEFAULT_ENTRY_CALLS;
    const detail = opts.detailCalls;
    this.names = new NameTable((name) => ({
      name, detail: detail === undefined || detail.has(name), entry: this.entryCalls.has(name), code: Buffer.from(name, 'latin1'),
    }));
    this.keepUnparsed = opts.keepUnparsed ?? 1000;
    this.maxKeptText = opts.maxKeptText ?? 500;
    if (opts.fixedPid !== undefined) this.style.pidPrefix = 'fixed';
    this.onOther = opts.detailCalls !== undefined ? opts.onOtherCall : undefined;
    this.fixed = opts.fixedPid !== undefined;
    if (opts.reuseEvents) {
      this.quiet = {
        type: 'syscall', pid: 0, time: undefined, line: 0, name: '', args: '', ret: '',
        retval: undefined, errno: undefined, retNote: undefined, duration: undefined, status: 'complete',
        resumedLine: undefined, resumedTime: undefined, stack: undefined,
      };
    }
  }

  write(chunk: Buffer | string): void {
    if (typeof chunk === 'string') {
      this.splitter.write(this.loneCRs.string(chunk));
      return;
    }
    this.writeLines(this.loneCRs.bytes(chunk));
  }

  /** write() of bytes whose lone '\r' are newlines already */
  private writeLines(chunk: Buffer): void {
    if (chunk.length > MAX_LINE) {
      this.splitter.write(chunk);
      return;
    }
    const count = newlinesOf(chunk, this.newlines); // may grow the offsets array: read it after
    this.writeIndexedLines(chunk, this.newlines.offsets, count);
  }

  /**
   * write(chunk) for a caller that has found the chunk's newlines already: their offsets, ascending, are
   * `newlines[0, count)` (every newline of the chunk; see newlinesOf). readLog's main thread finds them
   * while its worker thread parses.
   */
  writeIndexed(chunk: Buffer, newlines: Int32Array, count: number): void {
    if (count > newlines.length) throw new RangeError(`writeIndexed: ${count} newlines given in an array of ${newlines.length}`);
    const lines = this.loneCRs.bytes(chunk);
    // lone '\r' (a CR-only log): more line ends than the newlines given
    if (lines !== chunk) this.writeLines(lines);
    else this.writeIndexedLines(chunk, newlines, count);
  }

  private writeIndexedLines(chunk: Buffer, newlines: Int32Array, count: number): void {
    if (count === 0 || chunk.length > MAX_LINE) {
      this.splitter.write(chunk);
      return;
    }
    // The lines wholly inside the chunk are read here, in one loop; the splitter keeps what crosses its edges
    // (it ends a partial line with the bytes up to the first newline, and holds the bytes after the last).
    this.splitter.write(chunk.subarray(0, newlines[0] + 1));
    let start = newlines[0] + 1;
    for (let k = 1; k < count; k++) {
      const nl = newlines[k];
      // as the splitter hands a line over: without its newline, or a '\r' before it
      const end = nl > start && chunk[nl - 1] === 13 ? nl - 1 : nl;
      if (!this.fastLine(chunk, start, end)) this.onLine(latin1(chunk, start, end));
      start = nl + 1;
    }
    if (start < chunk.length) this.splitter.write(chunk.subarray(start));
  }

  /** Flushes the last line and every call still awaiting its resumed half (emitted as 'unfinished'). */
  end(): void {
    this.splitter.end();
    this.flushHeld();
    if (this.fragment) {
      this.reject(this.fragment.line, this.fragment.text, 'call cut off (its line never ended)');
      this.fragment = undefined;
    }
    const rest = this.pending.entries().sort((a, b) => a[1].line - b[1].line);
    this.pending.clear();
    for (const [pid, p] of rest) {
      this.opts.onEvent({
        type: 'syscall', pid, time: p.time, line: p.line, name: p.name, args: p.args, ret: '?', status: 'unfinished',
      });
    }
  }

  /** Slots the table of calls awaiting their resumed half stepped over so far (diagnostics: its cost grows with this). */
  get pendingProbes(): number {
    return this.pending.probes;
  }

  /** Calls started but never resumed so far (exposed for diagnostics). */
  pendingCalls(): Array<{ pid: number; name: string; line: number }> {
    return this.pending.entries().sort((a, b) => a[1].line - b[1].line).map(([pid, p]) => ({ pid, name: p.name, line: p.line }));
  }

  private emit(e: TraceEvent | EntryEvent): void {
    this.opts.onEvent(e);
  }

  private flushHeld(): void {
    if (this.held) {
      const h = this.held;
      this.held = undefined;
      if (h === this.otherHeld) {
        h.stack = undefined;
        return;
      }
      this.emit(h);
    }
  }

  private reject(line: number, text: string, reason: string): void {
    this.unparsedCount++;
    if (this.unparsed.length < this.keepUnparsed) {
      this.unparsed.push({ line, text: text.length > this.maxKeptText ? text.slice(0, this.maxKeptText) + '…' : text, reason });
    }
  }

  private onLine(text: string): void {
    const lineNo = ++this.lineNo;
    this.linesRead++;
    const n = text.length;
    if (n === 0) return;

    // -k stack frame: " > /path(func+0x8e) [0x2f12e]"
    if (text.charCodeAt(0) === C_SPACE && text.startsWith(' > ')) {
      // strace prints frames only after a whole call line: a call still open was cut off, and is reported
      // before this line so that unparsed lines stay in line order
      if (this.fragment) {
        this.reject(this.fragment.line, this.fragment.text, 'call cut off (its line never ended)');
        this.fragment = undefined;
      }
      this.onStackLine(text, lineNo);
      return;
    }

    if (this.fragment) {
      // a call whose line was broken by the traced program's own output (shared terminal): join and retry
      if (!this.looksLikeLineStart(text)) {
        const f = this.fragment;
        if (f.text.length + n < 65536) {
          f.text += '\n' + text;
          if (this.tryCompleteFragment()) return;
          return;
        }
      }
      this.reject(this.fragment.line, this.fragment.text, 'call cut off (its line never ended)');
      this.fragment = undefined;
    }

    this.flushHeld();

    let i = 0;
    let pid = this.opts.fixedPid ?? 0;
    const c0 = text.charCodeAt(0);
    if (c0 === C_LBRACK && text.startsWith('[pid')) {
      i = 4;
      while (i < n && text.charCodeAt(i) === C_SPACE) i++;
      const s = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      if (i === s || text.charCodeAt(i) !== C_RBRACK) {
        this.reject(lineNo, text, 'malformed [pid N] prefix');
        return;
      }
      pid = parseInt(text.slice(s, i), 10);
      i++;
      this.style.pidPrefix = 'bracketed';
    } else if (this.opts.fixedPid === undefined && isDigit(c0)) {
      let j = 0;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      if (j < n && text.charCodeAt(j) === C_SPACE) {
        pid = parseInt(text.slice(0, j), 10);
        i = j;
        this.style.pidPrefix = 'plain';
      }
    }
    while (i < n && text.charCodeAt(i) === C_SPACE) i++;

    // timestamp
    let time: number | undefined;
    if (i < n && isDigit(text.charCodeAt(i))) {
      const s = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const c = text.charCodeAt(i);
      if (c === C_COLON) {
        // HH:MM:SS[.ffffff]
        const m = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?/.exec(text.slice(s, s + 20));
        if (!m) {
          this.reject(lineNo, text, 'malformed time of day');
          return;
        }
        let us = ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1e6;
        if (m[4]) us += Math.round(+('0.' + m[4]) * 1e6);
        if (this.lastTimeOfDay >= 0 && us + this.dayOffset < this.lastTimeOfDay - 3_600_000_000) this.dayOffset += US_PER_DAY;
        time = us + this.dayOffset;
        this.lastTimeOfDay = time;
        i = s + m[0].length;
        if (this.style.timestamps === 'none') this.style.timestamps = m[4] ? 'time-us' : 'time';
      } else if (c === C_DOT) {
        i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        const v = parseFloat(text.slice(s, i));
        if (v >= 1e8) {
          time = Math.round(v * 1e6);
          if (this.style.timestamps === 'none') this.style.timestamps = 'epoch';
        } else {
          // -r: time since the previous line
          this.relativeClock += Math.round(v * 1e6);
          time = this.relativeClock;
          if (this.style.timestamps === 'none') this.style.timestamps = 'relative';
        }
      } else {
        // digits not followed by ':' or '.': not a timestamp (e.g. a pid-less line of digits)
        this.reject(lineNo, text, 'unrecognized line start');
        return;
      }
      while (i < n && text.charCodeAt(i) === C_SPACE) i++;
    }

    if (i >= n) {
      this.reject(lineNo, text, 'line has a prefix but no content');
      return;
    }

    const c = text.charCodeAt(i);
    if (c === 43 /* + */ && text.startsWith('+++ ', i)) {
      this.onExitLine(text, i, pid, time, lineNo);
      return;
    }
    if (c === 45 /* - */ && text.startsWith('--- ', i)) {
      this.onSignalLine(text, i, pid, time, lineNo);
      return;
    }
    if (c === C_LT && text.startsWith('<... ', i)) {
      this.onResumedLine(text, i, pid, time, lineNo);
      return;
    }
    if (c === 115 /* s */ && text.startsWith('strace: ', i)) {
      this.onStraceMessage(text, i, time, lineNo);
      return;
    }
    // syscall name
    const s = i;
    while (i < n && isNameChar(text.charCodeAt(i))) i++;
    if (i === s || text.charCodeAt(i) !== C_LPAREN) {
      this.reject(lineNo, text, 'not a system call, signal, exit or strace message');
      return;
    }
    const name = text.slice(s, i);
    const argsStart = i + 1;
    if (text.endsWith(UNFINISHED)) {
      const args = text.slice(argsStart, n - UNFINISHED.length);
      const p = this.pending.get(pid);
      if (p) {
        // the previous call of this thread never resumed (strace lost it): report and replace
        this.emit({ type: 'syscall', pid, time: p.time, line: p.line, name: p.name, args: p.args, ret: '?', status: 'unfinished' });
      }
      this.pending.set(pid, name, args, lineNo, time, undefined);
      if (this.entryCalls.has(name)) this.emit({ type: 'entry', pid, time, line: lineNo, name, args });
      return;
    }
    const ev = this.parseCall(text, argsStart, name, pid, time, lineNo);
    if (typeof ev === 'string') {
      if (ev === 'unterminated') {
        // maybe the program's output broke the line; wait for the rest
        this.fragment = { pid, time, line: lineNo, text };
        return;
      }
      this.reject(lineNo, text, ev);
      return;
    }
    if (this.entryCalls.has(name)) this.emit({ type: 'entry', pid, time, line: lineNo, name, args: ev.args });
    this.held = ev;
  }

  // ---------------------------------------------------------------- the byte path
  //
  // Lines that arrive as Buffers are first tried here, on their bytes: the common shapes of a `-f -tt` log
  // (`PID HH:MM:SS.micro name(ARGS) = RET <DUR>`, its `<unfinished ...>` and `<... name resumed>` halves)
  // are parsed in one pass, and only the fields an event keeps become strings. Anything else (other
  // prefixes and clocks, exits, signals, strace's messages, -k frames, a line cut by program output, any
  // line the string path would reject) returns false *before any state changes*, and the line goes to
  // onLine, the reference. Both paths give the same events; a unit test holds them to it.

  /** Parses one line from its bytes, or returns false without side effects. */
  private fastLine(b: Buffer, start: number, end: number): boolean {
    if (this.fragment !== undefined || this.fixed || end - start < 20) return false;
    // "PID " (the plain -f prefix)
    let i = start;
    let pid = 0;
    for (let d = b[i] - C_0; d >= 0 && d <= 9 && i < end; d = b[++i] - C_0) pid = pid * 10 + d;
    if (i === start || i - start > 9 || b[i] !== C_SPACE) return false;
    while (i < end && b[i] === C_SPACE) i++;
    // "HH:MM:SS.uuuuuu " (-tt) exactly; other clocks take the string path
    let h = b[i] - C_0;
    if (h < 0 || h > 9) return false;
    i++;
    const d2 = b[i] - C_0;
    if (d2 >= 0 && d2 <= 9) {
      h = h * 10 + d2;
      i++;
    }
    if (end - i < 15 || b[i] !== C_COLON || b[i + 3] !== C_COLON || b[i + 6] !== C_DOT || b[i + 13] !== C_SPACE) return false;
    // the digits, read in place (d >>> 0 > 9: not a digit)
    const m1 = b[i + 1] - C_0;
    const m2 = b[i + 2] - C_0;
    const s1 = b[i + 4] - C_0;
    const s2 = b[i + 5] - C_0;
    if (m1 >>> 0 > 9 || m2 >>> 0 > 9 || s1 >>> 0 > 9 || s2 >>> 0 > 9) return false;
    const mm = m1 * 10 + m2;
    const ss = s1 * 10 + s2;
    let frac = 0;
    for (let k = i + 7; k < i + 13; k++) {
      const d = b[k] - C_0;
      if (d >>> 0 > 9) return false;
      frac = frac * 10 + d;
    }
    i += 14;
    while (i < end && b[i] === C_SPACE) i++;
    if (i >= end) return false;
    const time = ((h * 60 + mm) * 60 + ss) * 1e6 + frac + this.dayOffset;
    // past midnight (the clock went back): rare, the string path counts the day
    if (time < this.lastTimeOfDay - 3_600_000_000) return false;
    this.lineTime = time;

    const c = b[i];
    if (c === C_LT) return this.fastResumed(b, i, end, pid);
    if (c === 43 /* + */) return this.fastExit(b, i, end, pid);
    if (c === 45 /* - */ || (c === 115 /* s */ && bytesAre(b, i, end, 'strace: '))) return false;
    // "name(" ...: the names the thread called lately first (its last split call, then another), then the table
    const nameStart = i;
    const last = this.pending.record(pid);
    let info: NameInfo | undefined;
    if (last !== undefined) {
      if (callNameAt(b, nameStart, end, last.info)) info = last.info;
      else if (callNameAt(b, nameStart, end, last.alt)) info = last.alt;
    }
    if (info !== undefined) i = nameStart + info.code.length;
    else {
      let hash = 0;
      while (i < end && NAME_CHAR[b[i]] === 1) hash = (Math.imul(hash, 31) + b[i++]) | 0;
      if (i === nameStart || i >= end || b[i] !== C_LPAREN) return false;
      info = this.names.lookup(b, nameStart, i, hash);
      if (last !== undefined && info !== last.info) last.alt = info;
    }
    const name = info.name;
    const argsStart = i + 1;
    const keep = info.detail || info.entry;
    if (endsWithUnfinished(b, argsStart, end)) {
      const argsEnd = end - UNFINISHED.length;
      // a call the consumer does not read keeps no text, and its halves are joined without a scan
      const depth = keep ? headDepthOfBytes(b, argsStart, argsEnd) : 1;
      const args = keep ? latin1(b, argsStart, argsEnd) : '';
      this.commitLine();
      const lineNo = this.lineNo;
      const p = last?.open ? last : undefined;
      if (p) {
        // the previous call of this thread never resumed (strace lost it): report and replace
        this.emit({ type: 'syscall', pid, time: p.time, line: p.line, name: p.name, args: p.args, ret: '?', status: 'unfinished' });
      }
      if (last !== undefined) reopen(last, name, args, lineNo, time, depth, info);
      else this.pending.set(pid, name, args, lineNo, time, depth, info);
      if (info.entry) this.emit({ type: 'entry', pid, time, line: lineNo, name, args });
      return true;
    }
    if (!keep && this.onOther !== undefined && this.otherCall(b, argsStart, end, pid)) return true;
    const call = keep ? parseCallBytes(b, argsStart, end, 1, this.scratch) : parseCallTail(b, argsStart, end, this.scratch);
    if (call === undefined) return false;
    this.commitLine();
    const args = keep ? latin1(b, argsStart, call.argsEnd) : '';
    const ev = this.callEvent(b, call, info, args, pid, time, this.lineNo);
    if (info.entry) this.emit({ type: 'entry', pid, time, line: this.lineNo, name, args });
    this.held = ev;
    return true;
  }

  /** `+++ exited with N +++` (a thread's end: one line per thread), as onExitLine reads it; other +++ lines take the string path. */
  private fastExit(b: Buffer, i: number, end: number, pid: number): boolean {
    const time = this.lineTime;
    if (!bytesAre(b, i, end, '+++ exited with ')) return false;
    let k = i + 16;
    const negative = b[k] === 45; /* - */
    if (negative) k++;
    const first = k;
    let code = 0;
    for (let d = b[k] - C_0; k < end && d >= 0 && d <= 9; d = b[++k] - C_0) code = code * 10 + d;
    if (k === first || k - first > 15 || k !== end - 4 || !bytesAre(b, k, end, ' +++')) return false;
    this.commitLine();
    this.dropPending(pid);
    this.held = { type: 'exit', pid, time, line: this.lineNo, code: negative ? -code : code };
    return true;
  }

  /** `<... name resumed>REST`: joined with the pending first half, as onResumedLine does. */
  private fastResumed(b: Buffer, i: number, end: number, pid: number): boolean {
    const time = this.lineTime;
    if (b[i + 1] !== C_DOT || b[i + 2] !== C_DOT || b[i + 3] !== C_DOT || b[i + 4] !== C_SPACE) return false;
    const nameStart = i + 5;
    // the name of the thread's open call first (a resumed half mostly resumes it), then the name table
    const open = this.pending.get(pid);
    let info = open?.info;
    let k = nameStart;
    if (info !== undefined) {
      if (nameAt(b, nameStart, end, info) && isResumedTag(b, nameStart + info.code.length, end)) k = nameStart + info.code.length;
      else info = undefined;
    }
    if (info === undefined) {
      let hash = 0;
      while (k < end && NAME_CHAR[b[k]] === 1) hash = (Math.imul(hash, 31) + b[k++]) | 0;
      // " resumed>" right after the name; other shapes take the string path
      if (k === nameStart || !isResumedTag(b, k, end)) return false;
      info = this.names.lookup(b, nameStart, k, hash);
    }
    const name = info.name;
    const restStart = k + 9;
    // resumed and cut again, or resumed then interrupted by the exit: rare, the string path knows them
    if (b[restStart] === C_SPACE && b[restStart + 1] === C_LT) return false;
    if (endsWithUnfinished(b, restStart, end)) return false;
    let pendingKey = pid;
    let p = open;
    if (p === undefined && pid !== 0 && this.pending.get(0)?.name === name) {
      // strace -f to a terminal: the first thread's call, begun before prefixes started (see onResumedLine)
      p = this.pending.get(0);
      pendingKey = 0;
    }
    const matched = p !== undefined && p.name === name;
    const keep = info.detail || info.entry;
    if (!keep && this.onOther !== undefined) {
      const shape = tailShape(b, restStart, end);
      if (shape >= 0) {
        this.commitLine();
        if (shape !== 0) this.tailStyle(shape);
        if (matched) {
          p!.open = false; // pending.delete(pendingKey): p is its record
          this.onOther(pid, p!.time, p!.line);
        } else {
          this.orphanResumed++;
          this.onOther(pid, time, this.lineNo);
        }
        this.held = this.otherHeld;
        return true;
      }
    }
    let depth = 1;
    if (matched && keep) {
      depth = p!.depth ??= headDepthOfString(p!.args);
      if (depth < 0) return false;
    }
    const call = keep ? parseCallBytes(b, restStart, end, depth, this.scratch) : parseCallTail(b, restStart, end, this.scratch);
    if (call === undefined) return false;
    this.commitLine();
    const lineNo = this.lineNo;
    let startLine = lineNo;
    let startTime: number | undefined = time;
    let args = '';
    if (matched) {
      this.pending.delete(pendingKey);
      startLine = p!.line;
      startTime = p!.time;
      if (keep) args = p!.args + latin1(b, restStart, call.argsEnd);
    } else {
      this.orphanResumed++;
      if (keep) args = latin1(b, restStart, call.argsEnd);
    }
    const ev = this.callEvent(b, call, info, args, pid, startTime, startLine);
    if (startLine !== lineNo) {
      ev.resumedLine = lineNo;
      ev.resumedTime = time;
    }
    this.held = ev;
    return true;
  }

  /**
   * A whole call outside detailCalls, for onOtherCall, when its return has the common shape; false
   * (nothing changed) for the other shapes. (Its first half, when split, is kept as pending as usual.)
   */
  private otherCall(b: Buffer, argsStart: number, end: number, pid: number): boolean {
    const time = this.lineTime;
    const shape = tailShape(b, argsStart, end);
    if (shape < 0) return false;
    this.commitLine();
    if (shape !== 0) this.tailStyle(shape);
    this.onOther!(pid, time, this.lineNo);
    this.held = this.otherHeld;
    return true;
  }

  private tailStyle(shape: number): void {
    if (shape & TAIL_DURATION) this.style.durations = true;
    if (shape & TAIL_FD_PATH) this.style.fdPaths = true;
  }

  /** What onLine does for every line it accepts with a plain pid and a -tt clock, before the content. */
  private commitLine(): void {
    this.lineNo++;
    this.linesRead++;
    if (this.held !== undefined) this.flushHeld();
    this.style.pidPrefix = 'plain';
    this.lastTimeOfDay = this.lineTime;
    if (this.style.timestamps === 'none') this.style.timestamps = 'time-us';
  }

  private callEvent(b: Buffer, c: ParsedCall, info: NameInfo, args: string, pid: number, time: number | undefined, lineNo: number): SyscallEvent {
    if (c.truncatedStrings) this.style.truncatedStrings = true;
    if (c.duration !== undefined) this.style.durations = true;
    if (c.fdPaths) this.style.fdPaths = true;
    const q = this.quiet;
    if (q !== undefined && !info.detail && !info.entry) {
      q.pid = pid;
      q.time = time;
      q.line = lineNo;
      q.name = info.name;
      q.retval = c.retval;
      q.errno = c.errno;
      q.retNote = c.retNote;
      q.duration = c.duration;
      q.resumedLine = undefined;
      q.resumedTime = undefined;
      q.stack = undefined;
      return q;
    }
    return {
      type: 'syscall', pid, time, line: lineNo, name: info.name, args,
      ret: info.detail || info.entry ? latin1(b, c.retStart, c.retEnd) : '',
      retval: c.retval, errno: c.errno, retNote: c.retNote, duration: c.duration, status: 'complete',
    };
  }

  private looksLikeLineStart(text: string): boolean {
    const c = text.charCodeAt(0);
    if (this.opts.fixedPid !== undefined) return isDigit(c) || c === C_LT || c === 43 || c === 45 || /^[a-z_0-9]+\(/.test(text);
    return isDigit(c) || text.startsWith('[pid') || text.startsWith('strace: ') || text.startsWith('+++ ') || text.startsWith('--- ') || text.startsWith('<... ');
  }

  private tryCompleteFragment(): boolean {
    const f = this.fragment!;
    // the program's output sits between the last argument and ") = ": find the last top-level ") = "
    const m = /\) += (.*)$/.exec(f.text.slice(f.text.lastIndexOf('\n') + 1));
    if (!m) return false;
    const open = f.text.indexOf('(');
    const name = /([a-z_0-9]+)\($/.exec(f.text.slice(0, open + 1))?.[1];
    if (!name) return false;
    // keep the arguments up to the point where output started (strace printed the call before the output)
    const firstBreak = f.text.indexOf('\n');
    const head = f.text.slice(open + 1, firstBreak);
    const tail = f.text.slice(f.text.lastIndexOf('\n') + 1);
    const rebuilt = head + tail.slice(tail.indexOf(m[0]));
    const ev = this.parseCall('(' + rebuilt, 1, name, f.pid, f.time, f.line);
    this.fragment = undefined;
    if (typeof ev === 'string') {
      this.reject(f.line, f.text, ev);
      return true;
    }
    this.held = ev;
    return true;
  }

  /**
   * Parses `ARGS) = RET [ERRNO] [(note)] [<dur>]` starting at `from` (just after the opening parenthesis).
   * Returns an event or the reason it could not.
   */
  private parseCall(text: string, from: number, name: string, pid: number, time: number | undefined, lineNo: number): SyscallEvent | string {
    const n = text.length;
    let depth = 1;
    let i = from;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === C_QUOTE) {
        i++;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d === C_BACKSLASH) i += 2;
          else if (d === C_QUOTE) break;
          else i++;
        }
        if (i >= n) return 'unterminated';
        if (text.startsWith('...', i + 1)) this.style.truncatedStrings = true;
      } else if (c === C_LT) {
        // a -y decoration (`AT_FDCWD</a(b>`): its brackets and quotes are a path's
        const close = decorationEnd(text, i, n);
        if (close > 0) i = close;
      } else if (c === C_LPAREN || c === C_LBRACK || c === C_LBRACE) {
        depth++;
      } else if (c === C_RPAREN || c === C_RBRACK || c === C_RBRACE) {
        depth--;
        if (depth === 0) {
          if (c !== C_RPAREN) return 'unbalanced brackets in the arguments';
          break;
        }
      }
    }
    if (i >= n) return 'unterminated';
    const args = text.slice(from, i);
    // "   = RET"
    let j = i + 1;
    while (j < n && text.charCodeAt(j) === C_SPACE) j++;
    if (text.charCodeAt(j) !== 61 /* = */) return 'no return value after the arguments';
    j++;
    while (j < n && text.charCodeAt(j) === C_SPACE) j++;
    let end = n;
    let duration: number | undefined;
    // trailing -T duration: <0.000123>
    if (text.charCodeAt(n - 1) === 62 /* > */) {
      const lt = text.lastIndexOf(' <', n - 1);
      if (lt > j) {
        const d = text.slice(lt + 2, n - 1);
        if (/^\d+\.\d+$/.test(d)) {
          duration = parseFloat(d);
          end = lt;
          this.style.durations = true;
        }
      }
    }
    // return token: up to the first space, but a -y decoration "3</path with spaces>" runs to its '>'
    let k = j;
    while (k < end && text.charCodeAt(k) !== C_SPACE && text.charCodeAt(k) !== C_LT) k++;
    if (k < end && text.charCodeAt(k) === C_LT) {
      const close = text.lastIndexOf('>', end - 1);
      k = close >= k ? close + 1 : end;
      this.style.fdPaths = true;
    }
    const ret = text.slice(j, k);
    if (ret.length === 0) return 'empty return value';
    let retval: number | undefined;
    const rc = ret.charCodeAt(0);
    if (rc === C_0 && ret.charCodeAt(1) === 120 /* x */) retval = parseInt(ret.slice(2), 16);
    else if (isDigit(rc) || rc === 45) retval = parseInt(ret, 10);
    if (retval !== undefined && Number.isNaN(retval)) retval = undefined;
    let errno: string | undefined;
    let retNote: string | undefined;
    let rest = text.slice(k, end).trim();
    if (rest) {
      const em = /^(E[A-Z0-9]+|ERESTART[A-Z_]*) ?/.exec(rest);
      if (em) {
        errno = em[1];
        rest = rest.slice(em[0].length);
      }
      if (rest) retNote = rest;
    }
    return {
      type: 'syscall', pid, time, line: lineNo, name, args, ret, retval, errno, retNote, duration, status: 'complete',
    };
  }

  private onResumedLine(text: string, i: number, pid: number, time: number | undefined, lineNo: number): void {
    const close = text.indexOf(' resumed>', i);
    if (close < 0) {
      this.reject(lineNo, text, 'malformed <... resumed> line');
      return;
    }
    const name = text.slice(i + 5, close);
    let rest = text.slice(close + 9);
    // "<... nanosleep resumed> <unfinished ...>) = ?": resumed, then interrupted again by the exit
    if (rest.startsWith(UNFINISHED)) rest = rest.slice(UNFINISHED.length);
    let pendingKey = pid;
    let p = this.pending.get(pid);
    if (!p && pid !== 0 && this.opts.fixedPid === undefined && this.pending.get(0)?.name === name) {
      // strace -f to a terminal (or 2>file) prints no pid until a second task exists: a call begun by the
      // first thread without a prefix comes back as "[pid N] <... resumed>"
      p = this.pending.get(0);
      pendingKey = 0;
    }
    let startLine = lineNo;
    let startTime = time;
    let startArgs = '';
    if (p && p.name === name) {
      this.pending.delete(pendingKey);
      startLine = p.line;
      startTime = p.time;
      startArgs = p.args;
    } else {
      this.orphanResumed++;
    }
    if (rest.endsWith(UNFINISHED)) {
      // resumed and cut again: keep waiting (rare; strace does this around signals)
      const args = startArgs + rest.slice(0, rest.length - UNFINISHED.length);
      if (args.length > MAX_JOINED_ARGS && args.length > startArgs.length) {
        // cut again and again: keep the call as joined so far rather than buffer without bound
        if (p && p.name === name) this.pending.set(pendingKey, p.name, p.args, p.line, p.time, p.depth);
        this.reject(lineNo, text, 'call resumed and cut again past the length kept');
        return;
      }
      const other = this.pending.get(pid);
      if (other && !(p && p.name === name)) {
        // a different call of this thread was waiting: its resumed half never came; report it, as a new
        // first half does, instead of letting this one take its place unseen
        this.emit({ type: 'syscall', pid, time: other.time, line: other.line, name: other.name, args: other.args, ret: '?', status: 'unfinished' });
      }
      this.pending.set(pid, name, args, startLine, startTime, undefined);
      return;
    }
    const joined = startArgs + rest;
    const ev = this.parseCall(joined, 0, name, pid, startTime, startLine);
    if (typeof ev === 'string') {
      // the first half still happened: report it as a call whose end is unknown, not lose its line
      if (startLine !== lineNo) this.emit({ type: 'syscall', pid, time: startTime, line: startLine, name, args: startArgs, ret: '?', status: 'unfinished' });
      this.reject(lineNo, text, ev === 'unterminated' ? 'resumed call has no closing parenthesis' : ev);
      return;
    }
    if (startLine !== lineNo) {
      ev.resumedLine = lineNo;
      ev.resumedTime = time;
    }
    this.held = ev;
  }

  private onExitLine(text: string, i: number, pid: number, time: number | undefined, lineNo: number): void {
    const body = text.slice(i + 4, text.endsWith(' +++') ? text.length - 4 : text.length);
    let m = /^exited with (-?\d+)$/.exec(body);
    if (m) {
      this.dropPending(pid);
      this.held = { type: 'exit', pid, time, line: lineNo, code: parseInt(m[1], 10) };
      return;
    }
    m = /^killed by (SIG[A-Z0-9+]+|\d+)( \(core dumped\))?$/.exec(body);
    if (m) {
      this.dropPending(pid);
      this.held = { type: 'exit', pid, time, line: lineNo, signal: m[1], coreDumped: !!m[2] };
      return;
    }
    m = /^superseded by execve in pid (\d+)$/.exec(body);
    if (m) {
      // a non-leader thread N called execve: it takes over the leader's pid, so its execve resumes under `pid`
      const by = parseInt(m[1], 10);
      this.dropPending(pid);
      const exec = this.pending.get(by);
      if (exec && by !== pid) {
        this.pending.delete(by);
        this.pending.set(pid, exec.name, exec.args, exec.line, exec.time, exec.depth);
      }
      this.held = { type: 'exit', pid, time, line: lineNo, supersededBy: by };
      return;
    }
    this.reject(lineNo, text, 'unknown +++ line');
  }

  /** A thread that exits with a call in flight never resumes it (its `= ?` may or may not be printed). */
  private dropPending(pid: number): void {
    const p = this.pending.get(pid);
    if (!p) return;
    this.pending.delete(pid);
    this.emit({ type: 'syscall', pid, time: p.time, line: p.line, name: p.name, args: p.args, ret: '?', status: 'unfinished' });
  }

  private onSignalLine(text: string, i: number, pid: number, time: number | undefined, lineNo: number): void {
    const body = text.slice(i + 4, text.endsWith(' ---') ? text.length - 4 : text.length);
    const sp = body.indexOf(' ');
    const signal = sp < 0 ? body : body.slice(0, sp);
    if (!/^(SIG[A-Z0-9+]+|\d+|stopped)$/.test(signal)) {
      this.reject(lineNo, text, 'unknown --- line');
      return;
    }
    this.held = { type: 'signal', pid, time, line: lineNo, signal, info: sp < 0 ? '' : body.slice(sp + 1) };
  }

  private onStraceMessage(text: string, i: number, time: number | undefined, lineNo: number): void {
    const body = text.slice(i + 8);
    const m = /^Process (\d+) (attached|detached)/.exec(body);
    if (m) {
      this.emit({ type: m[2] === 'attached' ? 'attach' : 'detach', pid: parseInt(m[1], 10), time, line: lineNo });
      return;
    }
    if (this.straceMessages.length < 100) this.straceMessages.push(body);
  }

  private onStackLine(text: string, lineNo: number): void {
    const frame = parseStackFrame(text);
    if (!frame) {
      this.reject(lineNo, text, 'malformed -k stack frame');
      return;
    }
    this.style.stacks = true;
    if (!this.held) {
      // stacks follow a complete or resumed call, a signal, or (for the last call) the exit line
      this.reject(lineNo, text, 'stack frame without a preceding call or signal');
      return;
    }
    (this.held.stack ??= []).push(frame);
  }
}

/** ` > /usr/lib/libc.so.6(pthread_create+0x981) [0x8a4e1]` or ` > /bin/x() [0x1234]` or ` > unexpected_backtracing_error [0x…]` */
export function parseStackFrame(text: string): StackFrame | undefined {
  const m = /^ > (.*?)(?:\(([^()+]*)(?:\+(0x[0-9a-f]+))?\))? \[(0x[0-9a-f]+)\]$/.exec(text);
  if (!m) return undefined;
  const f: StackFrame = { object: m[1], address: m[4] };
  if (m[2]) f.func = m[2];
  if (m[3]) f.offset = m[3];
  return f;
}
