// One pass of the engine over a log's text, kept as a per-line index so that every request afterwards is a
// lookup: the kind and thread of each line, the partner of each split call, where each thread begins and ends,
// the reservation each mmap made, the parser's complaints. Typed arrays keep it small on million-line logs.

import * as path from 'node:path';
import { TraceModel, type ModelEvent, type ThreadInfo } from '../core/model/model';
import type { Reservation } from '../core/model/addressSpace';
import { splitArgs, str } from '../core/strace/args';
import type { CaptureStyle, TraceEvent, UnparsedLine } from '../core/strace/events';
import { StraceParser, type EntryEvent } from '../core/strace/parser';

export enum LineKind {
  Other = 0,
  Call = 1,
  /** the first half of a split call (`<unfinished ...>`) */
  Unfinished = 2,
  /** the second half (`<... name resumed>`) */
  Resumed = 3,
  Signal = 4,
  Exit = 5,
  StackFrame = 6,
  StraceMessage = 7,
  Unparsed = 8,
}

/** Where the text comes from: a TextDocument in the server, a plain string in the benchmark. */
export interface LineSource {
  readonly lineCount: number;
  /** 0-based line, without its line break */
  lineText(line: number): string;
}

export interface ThreadSpan {
  tid: number;
  /** 0-based first and last lines that carry this tid */
  first: number;
  last: number;
}

/** A call that never got its resumed half, and why (0-based line). */
export interface LostCall {
  line: number;
  pid: number;
  name: string;
  /** the thread's exit came first (normal for calls in flight at exit_group) vs the log simply ends */
  cause: 'thread-exited' | 'log-ended' | 'replaced';
}

export interface MappingHit {
  res: Reservation;
  /** 0-based line where the address of the mapping first appears (the resumed half of a split mmap) */
  line: number;
  tgid: number;
}

export interface IndexOptions {
  /** stop early when a newer version of the text arrived */
  isCancelled?: () => boolean;
  /**
   * the text is fed to the parser in pieces of this many characters, and the time looked at after each;
   * by default the pieces are sized as it goes, to take a fraction of sliceMs however slow the lines are
   */
  sliceChars?: number;
  /**
   * yield to the event loop once this many ms of parsing have passed, so that requests are served during a
   * long parse (0: after every piece). A time, not a size: a size that suits one log blocks for seconds on
   * another that is slower to parse per byte.
   */
  sliceMs?: number;
  /** unparsed lines kept with their reason (all are counted) */
  keepUnparsed?: number;
}

export class CancelledError extends Error {
  constructor() {
    super('superseded by a newer version of the document');
  }
}

/** the range of the parser's pieces, in characters */
const MIN_PIECE = 1 << 10;
const MAX_PIECE = 1 << 20;

const THREAD_CALLS = new Set(['clone', 'clone3', 'fork', 'vfork']);
const MMAP_CALLS = new Set(['mmap', 'mmap2']);

export class LogIndex {
  readonly kinds: Uint8Array;
  readonly pids: Int32Array;
  /** the other half of a split call, or -1 */
  readonly partner: Int32Array;
  readonly threads = new Map<number, ThreadSpan>();
  /** clone/fork lines (both halves) → the child's tid */
  readonly children = new Map<number, number>();
  /** reservations made by mmap, in the order the engine saw them */
  private readonly resRefs: Reservation[] = [];
  private readonly resLines: number[] = [];
  private readonly resTgids: number[] = [];
  /** the engine's note for each memory/thread event line (up to the model's cap) */
  private readonly notes = new Map<number, ModelEvent>();
  readonly lost: LostCall[] = [];
  unparsed: UnparsedLine[] = [];
  unparsedCount = 0;
  orphanResumed = 0;
  style!: CaptureStyle;
  model!: TraceModel;
  /** 0-based lines */
  firstExecve?: { line: number; path?: string };
  firstThreadCall?: number;
  /** the last line with content */
  lastLine = 0;
  /** arena reservation id → thread whose arena it is */
  private readonly arenaOwner = new Map<number, number>();
  parseMs = 0;

  constructor(readonly lineCount: number) {
    this.kinds = new Uint8Array(lineCount + 1);
    this.pids = new Int32Array(lineCount + 1);
    this.partner = new Int32Array(lineCount + 1).fill(-1);
  }

  thread(tid: number): ThreadInfo | undefined {
    return this.model.threads.get(tid);
  }

  noteAt(line: number): ModelEvent | undefined {
    return this.notes.get(line);
  }

  /**
   * The mapping that holds `addr` as of `line`: the latest mmap at or before that line whose reservation
   * contains it, preferring the line's own process. A linear scan over typed numbers: a few ms at 10⁶ mmaps.
   */
  mappingAt(addr: number, line: number): MappingHit | undefined {
    const tgid = this.model.threads.get(this.pids[line])?.tgid;
    let best = -1;
    let bestOther = -1;
    const refs = this.resRefs;
    for (let i = refs.length - 1; i >= 0; i--) {
      const l = this.resLines[i];
      if (l > line) continue;
      const r = refs[i];
      if (addr < r.addr || addr >= r.addr + r.size) continue;
      if (tgid === undefined || this.resTgids[i] === tgid) {
        if (best < 0 || l > this.resLines[best]) best = i;
        if (l === line) break;
      } else if (bestOther < 0) {
        bestOther = i;
      }
    }
    const i = best >= 0 ? best : bestOther;
    return i >= 0 ? { res: refs[i], line: this.resLines[i], tgid: this.resTgids[i] } : undefined;
  }

  /** The thread a reservation belongs to: the thread whose stack or malloc arena it is. */
  ownerOf(res: Reservation): number | undefined {
    return res.threadTid ?? this.arenaOwner.get(res.id);
  }

  /** Builds the index; yields to the event loop between slices and throws CancelledError when superseded. */
  static async build(text: string, lines: LineSource, opts: IndexOptions = {}): Promise<LogIndex> {
    const t0 = performance.now();
    const ix = new LogIndex(lines.lineCount);
    const model = new TraceModel();
    ix.model = model;
    let ending = false;
    const parser = new StraceParser({
      keepUnparsed: opts.keepUnparsed ?? 1000,
      onEvent: (e) => {
        model.onEvent(e);
        ix.onEvent(e, ending);
      },
    });
    const budget = opts.sliceMs ?? 10;
    let piece = opts.sliceChars ?? 16 << 10;
    let since = performance.now();
    for (let i = 0; i < text.length; ) {
      const t = performance.now();
      parser.write(text.slice(i, i + piece));
      i += piece;
      const now = performance.now();
      // a line may cost 100 ns or (many split calls in flight) milliseconds: aim each piece at a quarter of the budget
      if (opts.sliceChars === undefined) piece = Math.max(MIN_PIECE, Math.min(MAX_PIECE, 2 * piece, Math.round((piece * budget) / 4 / Math.max(now - t, 0.01))));
      if (i < text.length && now - since >= budget) {
        await new Promise<void>((r) => setImmediate(r));
        if (opts.isCancelled?.()) throw new CancelledError();
        since = performance.now();
      }
    }
    ending = true;
    parser.end();
    model.finish();
    ix.finish(parser, lines);
    ix.parseMs = performance.now() - t0;
    return ix;
  }

  private mark(line1: number, kind: LineKind, pid: number): void {
    const l = line1 - 1;
    if (l < 0 || l >= this.kinds.length) return;
    this.kinds[l] = kind;
    this.pids[l] = pid;
    const t = this.threads.get(pid);
    if (!t) this.threads.set(pid, { tid: pid, first: l, last: l });
    else {
      if (l < t.first) t.first = l;
      if (l > t.last) t.last = l;
    }
    if (l > this.lastLine) this.lastLine = l;
  }

  private markStack(afterLine1: number, frames: number, pid: number): void {
    for (let k = 1; k <= frames; k++) {
      const l = afterLine1 - 1 + k;
      if (l >= this.kinds.length) break;
      this.kinds[l] = LineKind.StackFrame;
      this.pids[l] = pid;
      if (l > this.lastLine) this.lastLine = l;
    }
  }

  private onEvent(e: TraceEvent | EntryEvent, ending: boolean): void {
    switch (e.type) {
      case 'entry':
        return;
      case 'syscall': {
        if (e.status === 'unfinished') {
          this.mark(e.line, LineKind.Unfinished, e.pid);
          this.lost.push({ line: e.line - 1, pid: e.pid, name: e.name, cause: ending ? 'log-ended' : 'replaced' });
          return;
        }
        if (e.resumedLine !== undefined) {
          this.mark(e.line, LineKind.Unfinished, e.pid);
          this.mark(e.resumedLine, LineKind.Resumed, e.pid);
          this.partner[e.line - 1] = e.resumedLine - 1;
          this.partner[e.resumedLine - 1] = e.line - 1;
        } else {
          this.mark(e.line, LineKind.Call, e.pid);
        }
        const shown = e.resumedLine ?? e.line;
        if (e.stack) this.markStack(shown, e.stack.length, e.pid);
        if (THREAD_CALLS.has(e.name)) {
          this.firstThreadCall ??= e.line - 1;
          if (e.retval !== undefined && e.retval > 0 && !e.errno) {
            this.children.set(e.line - 1, e.retval);
            if (e.resumedLine !== undefined) this.children.set(e.resumedLine - 1, e.retval);
          }
        } else if ((e.name === 'execve' || e.name === 'execveat') && !this.firstExecve) {
          const a = splitArgs(e.args);
          this.firstExecve = { line: e.line - 1, path: str(a[e.name === 'execve' ? 0 : 1]) };
        } else if (MMAP_CALLS.has(e.name) && e.retval !== undefined && !e.errno) {
          const t = this.model.threads.get(e.pid);
          const r = t ? this.model.processes.get(t.tgid)?.space.find(e.retval) : undefined;
          if (t && r) {
            this.resRefs.push(r.res);
            this.resLines.push(shown - 1);
            this.resTgids.push(t.tgid);
          }
        }
        return;
      }
      case 'signal':
        this.mark(e.line, LineKind.Signal, e.pid);
        if (e.stack) this.markStack(e.line, e.stack.length, e.pid);
        return;
      case 'exit':
        this.mark(e.line, LineKind.Exit, e.pid);
        if (e.stack) this.markStack(e.line, e.stack.length, e.pid);
        return;
      case 'attach':
      case 'detach':
        this.mark(e.line, LineKind.StraceMessage, e.pid);
        return;
    }
  }

  private finish(parser: StraceParser, lines: LineSource): void {
    this.style = { ...parser.style };
    this.unparsed = parser.unparsed.map((u) => ({ ...u, line: u.line - 1 }));
    this.unparsedCount = parser.unparsedCount;
    this.orphanResumed = parser.orphanResumed;
    for (const u of this.unparsed) if (u.line < this.kinds.length) this.kinds[u.line] = LineKind.Unparsed;
    for (const e of this.model.events) this.notes.set(e.line - 1, e);
    for (const t of this.model.threads.values()) if (t.arenaRes !== undefined) this.arenaOwner.set(t.arenaRes, t.tid);
    // a call in flight when its thread exited never resumes: that is normal, unlike a log cut short
    for (const c of this.lost) {
      const exited = this.model.threads.get(c.pid)?.exitedLine;
      if (exited !== undefined && exited - 1 > c.line) c.cause = 'thread-exited';
    }
    if (this.orphanResumed > 0) {
      // resumed halves whose start is not in the log were indexed as plain calls: find them by their text
      for (let l = 0; l <= this.lastLine; l++) {
        if (this.kinds[l] === LineKind.Call && lines.lineText(l).includes('<... ')) this.kinds[l] = LineKind.Resumed;
      }
    }
  }
}

/** Lines of a plain string, for the benchmark and tests outside the server. */
export class StringLines implements LineSource {
  private readonly starts: number[] = [0];
  constructor(private readonly text: string) {
    // line ends as the editor counts them: '\n', '\r\n' and a lone '\r'
    let nl = text.indexOf('\n');
    let cr = text.indexOf('\r');
    for (;;) {
      let i = cr < 0 || (nl >= 0 && nl < cr) ? nl : cr;
      if (i < 0) break;
      if (i === cr && nl === cr + 1) i = nl;
      this.starts.push(i + 1);
      if (nl >= 0 && nl <= i) nl = text.indexOf('\n', i + 1);
      if (cr >= 0 && cr <= i) cr = text.indexOf('\r', i + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineText(line: number): string {
    if (line < 0 || line >= this.starts.length) return '';
    const end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
    const s = this.text.slice(this.starts[line], end);
    return s.endsWith('\r') ? s.slice(0, -1) : s;
  }
}

/** The binary the first execve ran, when it exists next to the log or at its absolute path. */
export function execveBinary(ix: LogIndex, logFile: string | undefined, exists: (p: string) => boolean): string | undefined {
  const exe = ix.firstExecve?.path;
  if (!exe || exe.endsWith('...')) return undefined;
  const candidates = path.isAbsolute(exe) ? [exe] : logFile ? [path.resolve(path.dirname(logFile), exe)] : [];
  return candidates.find(exists);
}
