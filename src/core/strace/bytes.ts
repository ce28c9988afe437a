/**
 * The pieces of the parser's byte path: reading strace's notation straight from a Buffer, so that a line
 * costs one pass over its bytes and strings are made only for the fields an event keeps. Every function
 * here mirrors a step of the string path in parser.ts and gives up (returns undefined) wherever that step
 * would reject the line or where matching it exactly would take more than the common case needs.
 */

const C_0 = 48;
const C_9 = 57;
const C_SPACE = 32;
const C_DOT = 46;
const C_LT = 60;
const C_GT = 62;

/** Byte classes for the argument scan: one table load per byte instead of seven comparisons. */
const PLAIN = 0;
const QUOTE = 1;
const OPEN = 2;
const CLOSE_PAREN = 3;
const CLOSE_OTHER = 4;
/** `<`: a -y decoration, when right after an fd (see decorationEnd in args.ts) */
const DECOR = 5;
const CLASS = new Uint8Array(256);
CLASS[34] = QUOTE;
CLASS[40] = OPEN;
CLASS[91] = OPEN;
CLASS[123] = OPEN;
CLASS[41] = CLOSE_PAREN;
CLASS[93] = CLOSE_OTHER;
CLASS[125] = CLOSE_OTHER;
CLASS[60] = DECOR;

/** [a-zA-Z0-9_?]: the characters of a call name, as the string path's isNameChar */
export const NAME_CHAR = new Uint8Array(256);
for (let c = 0; c < 256; c++) NAME_CHAR[c] = (c >= 97 && c <= 122) || (c >= C_0 && c <= C_9) || c === 95 || (c >= 65 && c <= 90) || c === 63 ? 1 : 0;

type Latin1Slicer = (this: Buffer, start: number, end: number) => string;
/** Buffer's own latin1 decoder, without toString's argument handling (a measurable share per line). */
const latin1Slice: Latin1Slicer | undefined = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slicer }).latin1Slice;

export function latin1(b: Buffer, start: number, end: number): string {
  return latin1Slice ? latin1Slice.call(b, start, end) : b.toString('latin1', start, end);
}

/** b holds the ASCII text `lit` at `at`, before `end` */
export function bytesAre(b: Buffer, at: number, end: number, lit: string): boolean {
  if (at < 0 || at + lit.length > end) return false;
  for (let k = 0; k < lit.length; k++) if (b[at + k] !== lit.charCodeAt(k)) return false;
  return true;
}

export const UNFINISHED = ' <unfinished ...>';

/**
 * the line ends with ` <unfinished ...>`: its 17 bytes compared at fixed offsets from the end, last first (a
 * -T duration ends in a digit and `>`, so most lines are told apart by their second-to-last byte)
 */
export function endsWithUnfinished(b: Buffer, from: number, end: number): boolean {
  const e = end - 17;
  return e >= from && b[end - 2] === C_DOT && b[end - 1] === C_GT && b[end - 3] === C_DOT && b[end - 4] === C_DOT
    && b[end - 5] === C_SPACE && b[e] === C_SPACE && b[e + 1] === C_LT && b[e + 2] === 117 /* u */ && b[e + 3] === 110 /* n */
    && b[e + 4] === 102 /* f */ && b[e + 5] === 105 /* i */ && b[e + 6] === 110 /* n */ && b[e + 7] === 105 /* i */
    && b[e + 8] === 115 /* s */ && b[e + 9] === 104 /* h */ && b[e + 10] === 101 /* e */ && b[e + 11] === 100 /* d */;
}

/** ` resumed>` at b[at], before `end` */
export function isResumedTag(b: Buffer, at: number, end: number): boolean {
  return at + 9 <= end && b[at] === C_SPACE && b[at + 8] === C_GT && b[at + 1] === 114 /* r */ && b[at + 2] === 101 /* e */
    && b[at + 3] === 115 /* s */ && b[at + 4] === 117 /* u */ && b[at + 5] === 109 /* m */ && b[at + 6] === 101 /* e */
    && b[at + 7] === 100 /* d */;
}

/**
 * The bracket depth after the first half of a split call, `name(HEAD <unfinished ...>`, scanned as parseCall
 * would scan it (from depth 1); -1 when the head holds a quote or closes the arguments, where only the
 * string path joins the halves exactly.
 */
export function headDepthOfBytes(b: Buffer, from: number, to: number): number {
  let depth = 1;
  for (let k = from; k < to; k++) {
    const cl = CLASS[b[k]];
    if (cl === PLAIN) continue;
    if (cl === QUOTE || cl === DECOR) return -1;
    if (cl === OPEN) depth++;
    else if (--depth === 0) return -1;
  }
  return depth;
}

export function headDepthOfString(s: string): number {
  let depth = 1;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    const cl = c < 256 ? CLASS[c] : PLAIN;
    if (cl === PLAIN) continue;
    if (cl === QUOTE || cl === DECOR) return -1;
    if (cl === OPEN) depth++;
    else if (--depth === 0) return -1;
  }
  return depth;
}

/** decorationEnd (args.ts) on bytes */
function decorationEndOfBytes(b: Buffer, lt: number, to: number): number {
  const before = b[lt - 1];
  if (!((before >= 48 && before <= 57) || (before >= 65 && before <= 90) || (before >= 97 && before <= 122) || before === 95)) return -1;
  const after = b[lt + 1] | 32;
  if (after !== 47 /* / */ && !(after >= 97 && after <= 122)) return -1;
  for (let k = lt + 1; k < to; k++) {
    const c = b[k];
    if (c === 92 /* \ */) k++;
    else if (c === C_GT && b[k - 1] !== 45 /* - */) return k;
  }
  return -1;
}

/** What parseCallBytes read; one object is reused for every line. */
export interface ParsedCall {
  /** the bytes of the arguments: [argsStart, argsEnd) */
  argsEnd: number;
  /** the return token [retStart, retEnd) */
  retStart: number;
  retEnd: number;
  retval?: number;
  errno?: string;
  retNote?: string;
  duration?: number;
  truncatedStrings: boolean;
  fdPaths: boolean;
}

export function newParsedCall(): ParsedCall {
  return { argsEnd: 0, retStart: 0, retEnd: 0, retval: undefined, errno: undefined, retNote: undefined, duration: undefined, truncatedStrings: false, fdPaths: false };
}

const ERRNO_RE = /^(E[A-Z0-9]+|ERESTART[A-Z_]*) ?/;

/**
 * parseCall on bytes: `ARGS) = RET [ERRNO] [(note)] [<dur>]` from `from` (just after the opening parenthesis,
 * or where a resumed half goes on) with the bracket scan starting at `depth` (1, or what the first half left).
 * Returns undefined wherever parseCall would return a reason, so that the caller hands the line to the
 * string path, which rejects it with that reason.
 */
export function parseCallBytes(b: Buffer, from: number, end: number, depth: number, out: ParsedCall): ParsedCall | undefined {
  let truncatedStrings = false;
  let i = from;
  for (; i < end; i++) {
    const cl = CLASS[b[i]];
    if (cl === PLAIN) continue;
    if (cl === QUOTE) {
      i++;
      while (i < end) {
        const d = b[i];
        if (d === 92 /* \ */) i += 2;
        else if (d === 34 /* " */) break;
        else i++;
      }
      if (i >= end) return undefined;
      if (i + 3 < end && b[i + 1] === C_DOT && b[i + 2] === C_DOT && b[i + 3] === C_DOT) truncatedStrings = true;
    } else if (cl === DECOR) {
      const close = decorationEndOfBytes(b, i, end);
      if (close > 0) i = close;
    } else if (cl === OPEN) {
      depth++;
    } else if (--depth === 0) {
      if (cl !== CLOSE_PAREN) return undefined;
      break;
    }
  }
  if (i >= end) return undefined;
  out.truncatedStrings = truncatedStrings;
  return parseReturn(b, i, end, out);
}

/**
 * For the calls the consumer does not read: the arguments are not scanned at all. The return part is found
 * from the end of the line instead (the last ` = `, after a `)`), and read as parseCall reads it. A line
 * that does not have that shape gets the full parse.
 */
export function parseCallTail(b: Buffer, from: number, end: number, out: ParsedCall): ParsedCall | undefined {
  let e = end - 3;
  while (e >= from && !(b[e + 1] === 61 /* = */ && b[e] === C_SPACE && b[e + 2] === C_SPACE)) e--;
  let p = e;
  while (p > from && b[p - 1] === C_SPACE) p--;
  if (p <= from || b[p - 1] !== 41 /* ) */) return parseCallBytes(b, from, end, 1, out);
  out.truncatedStrings = false;
  return parseReturn(b, p - 1, end, out);
}

/** tailShape's result bits: the call has a -T duration; its return value carries a -y path */
export const TAIL_DURATION = 1;
export const TAIL_FD_PATH = 2;

/**
 * parseCallTail for a consumer that reads none of the call's return: whether the line has the shape
 * parseCallTail would accept without a full scan (-1 when not: the caller takes the usual path, which
 * decides), and the TAIL_ bits that the capture style learns from it. The same steps as parseCallTail and
 * parseReturn, without the values (no return number, errno or note, no duration arithmetic).
 */
export function tailShape(b: Buffer, from: number, end: number): number {
  // the common shape first, in one pass from the end: `) = TOKEN <D.D>`, TOKEN without a space or '<'
  // (it gives what the steps below give; any other shape is left to them)
  if (b[end - 1] === C_GT) {
    let k = end - 2;
    let dot = -1;
    for (; k > from; k--) {
      const c = b[k];
      if (c === C_DOT) {
        if (dot >= 0) break;
        dot = k;
      } else if (c < C_0 || c > C_9) break;
    }
    // `<` after a space, then digits with one dot, neither first nor last
    if (b[k] === C_LT && b[k - 1] === C_SPACE && dot > k + 1 && dot < end - 2) {
      const lt = k - 1;
      let s = lt - 1;
      while (s > from && b[s] !== C_SPACE && b[s] !== C_LT) s--;
      if (b[s] === C_SPACE && s < lt - 1 && b[s + 1] !== 61 /* = */ && b[s - 1] === 61 && b[s - 2] === C_SPACE) {
        let p = s - 2;
        while (p > from && b[p - 1] === C_SPACE) p--;
        if (p > from && b[p - 1] === 41 /* ) */) return TAIL_DURATION;
      }
    }
  }
  return tailShapeSteps(b, from, end);
}

/** tailShape step by step, for every shape (exported for the test that holds the two to the same answers) */
export function tailShapeSteps(b: Buffer, from: number, end: number): number {
  // the -T duration first, from the end: `<D.D>` holds no ` = `, so the search for the last one can start
  // below it (the same ` = ` is found; see parseReturn for why `lt > j` is checked again below)
  let lt = -1;
  if (b[end - 1] === C_GT) {
    lt = end - 2;
    while (lt > from && !(b[lt] === C_SPACE && b[lt + 1] === C_LT)) lt--;
    if (lt <= from || !isDecimal(b, lt + 2, end - 1)) lt = -1;
  }
  let e = lt >= 0 ? lt - 2 : end - 3;
  while (e >= from && !(b[e + 1] === 61 /* = */ && b[e] === C_SPACE && b[e + 2] === C_SPACE)) e--;
  let p = e;
  while (p > from && b[p - 1] === C_SPACE) p--;
  if (p <= from || b[p - 1] !== 41 /* ) */) return -1;
  // parseReturn from the closing parenthesis at p - 1
  let j = p;
  while (j < end && b[j] === C_SPACE) j++;
  if (j >= end || b[j] !== 61 /* = */) return -1;
  j++;
  while (j < end && b[j] === C_SPACE) j++;
  let stop = end;
  let shape = 0;
  if (lt > j) {
    // parseReturn looks for the last ` <` above j: the one found above when it is above j, else none
    stop = lt;
    shape = TAIL_DURATION;
  }
  let k = j;
  while (k < stop && b[k] !== C_SPACE && b[k] !== C_LT) k++;
  if (k < stop && b[k] === C_LT) {
    let close = stop - 1;
    while (close >= k && b[close] !== C_GT) close--;
    k = close >= k ? close + 1 : stop;
    shape |= TAIL_FD_PATH;
  }
  return k === j ? -1 : shape;
}

/** decimal() would read b[from, to) (`D+.D+`) */
function isDecimal(b: Buffer, from: number, to: number): boolean {
  let dot = -1;
  for (let k = from; k < to; k++) {
    const c = b[k];
    if (c === C_DOT && dot < 0) dot = k;
    else if (c < C_0 || c > C_9) return false;
  }
  return dot > from && dot < to - 1;
}

/** `) = RET [ERRNO] [(note)] [<dur>]` from the parenthesis that closes the arguments, at `argsEnd`. */
function parseReturn(b: Buffer, argsEnd: number, end: number, out: ParsedCall): ParsedCall | undefined {
  let j = argsEnd + 1;
  while (j < end && b[j] === C_SPACE) j++;
  if (j >= end || b[j] !== 61 /* = */) return undefined;
  j++;
  while (j < end && b[j] === C_SPACE) j++;
  let stop = end;
  let duration: number | undefined;
  // trailing -T duration: " <0.000123>"
  if (b[end - 1] === C_GT) {
    // the last " <" of the line, as lastIndexOf finds it, if it lies after the '='
    let lt = end - 2;
    while (lt > j && !(b[lt] === C_SPACE && b[lt + 1] === C_LT)) lt--;
    if (lt > j) {
      duration = decimal(b, lt + 2, end - 1);
      if (duration !== undefined) stop = lt;
    }
  }
  // return token: up to the first space, but a -y decoration "3</path with spaces>" runs to its '>'
  let k = j;
  while (k < stop && b[k] !== C_SPACE && b[k] !== C_LT) k++;
  let fdPaths = false;
  if (k < stop && b[k] === C_LT) {
    let close = stop - 1;
    while (close >= k && b[close] !== C_GT) close--;
    k = close >= k ? close + 1 : stop;
    fdPaths = true;
  }
  if (k === j) return undefined;
  out.argsEnd = argsEnd;
  out.retStart = j;
  out.retEnd = k;
  out.retval = retValue(b, j, k);
  out.errno = undefined;
  out.retNote = undefined;
  if (k < stop) {
    let rest = latin1(b, k, stop).trim();
    if (rest) {
      const em = ERRNO_RE.exec(rest);
      if (em) {
        out.errno = em[1];
        rest = rest.slice(em[0].length);
      }
      if (rest) out.retNote = rest;
    }
  }
  out.duration = duration;
  out.fdPaths = fdPaths;
  return out;
}

const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * `D+.D+` at b[from, to) as parseFloat reads it, or undefined if it is not that shape. With at most 15 digits
 * the digits form an exact integer and the power of ten is exact, so their quotient is the correctly rounded
 * double of the decimal, which is what parseFloat returns. Longer ones go through parseFloat itself.
 */
function decimal(b: Buffer, from: number, to: number): number | undefined {
  let v = 0;
  let dot = -1;
  for (let k = from; k < to; k++) {
    const c = b[k];
    if (c === C_DOT && dot < 0) dot = k;
    else if (c >= C_0 && c <= C_9) v = v * 10 + (c - C_0);
    else return undefined;
  }
  if (dot <= from || dot >= to - 1) return undefined;
  if (to - from - 1 > 15) return parseFloat(latin1(b, from, to));
  return v / POW10[to - dot - 1];
}

/** The return token as a number, as parseCall reads it: parseInt of the hex after 0x, or of a decimal. */
function retValue(b: Buffer, from: number, to: number): number | undefined {
  const rc = b[from];
  let v: number;
  if (rc === C_0 && to - from > 1 && b[from + 1] === 120 /* x */) {
    let k = from + 2;
    v = 0;
    for (; k < to; k++) {
      const c = b[k];
      const d = c >= C_0 && c <= C_9 ? c - C_0 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) break;
      v = v * 16 + d;
    }
    // no digit right after 0x, past 13 hex digits (where the sum may round otherwise), or anything after the
    // digits (parseInt(…, 16) skips a second "0x", e.g. in "0x0x7f…"): parseInt decides, as the string path does
    if (k === from + 2 || k - from - 2 > 13 || k < to) v = parseInt(latin1(b, from + 2, to), 16);
  } else if ((rc >= C_0 && rc <= C_9) || rc === 45 /* - */) {
    let k = rc === 45 ? from + 1 : from;
    const first = k;
    v = 0;
    for (; k < to && b[k] >= C_0 && b[k] <= C_9; k++) v = v * 10 + (b[k] - C_0);
    if (k === first || k - first > 15 || k < to) v = parseInt(latin1(b, from, to), 10);
    else if (rc === 45) v = -v;
  } else {
    return undefined;
  }
  return Number.isNaN(v) ? undefined : v;
}

/** What the parser knows about a call name, found from its bytes without making a string. */
export interface NameInfo {
  name: string;
  /** the consumer reads this call's argument and return text */
  detail: boolean;
  /** the call's entry is reported on its own (exit_group, execve, clone…) */
  entry: boolean;
  /** the name's bytes */
  code: Uint8Array;
}

/** the most names the table keeps; past it (only a log of garbage gets there) a name is described each time */
const NAME_SLOTS = 1024;
const MAX_NAMES = NAME_SLOTS >> 1;
/** the longest name the table keeps (system call names are at most ~24 bytes) */
const NAME_BYTES = 32;

/**
 * Call names, interned by a hash of their bytes: the few distinct names of a log are the only strings made.
 * An open-addressed table (hash, then the bytes, compared in place): no Map and no list per hash.
 */
export class NameTable {
  private readonly hashes = new Int32Array(NAME_SLOTS);
  private readonly infos: Array<NameInfo | undefined> = new Array<NameInfo | undefined>(NAME_SLOTS).fill(undefined);
  /** each kept name's bytes, at slot * NAME_BYTES (compared byte to byte: cheaper than a string's chars) */
  private readonly bytes = new Uint8Array(NAME_SLOTS * NAME_BYTES);
  private readonly lengths = new Uint8Array(NAME_SLOTS);
  private count = 0;

  constructor(private readonly describe: (name: string) => NameInfo) {}

  /** b[start, end) is a name whose bytes hash to `hash` (h = h * 31 + c, 32-bit) */
  lookup(b: Buffer, start: number, end: number, hash: number): NameInfo {
    const mask = NAME_SLOTS - 1;
    const n = end - start;
    const { infos, hashes, lengths, bytes } = this;
    for (let k = (hash ^ (hash >>> 10)) & mask; ; k = (k + 1) & mask) {
      const info = infos[k];
      if (info === undefined) {
        const made = this.describe(latin1(b, start, end));
        // names longer than a slot (only garbage has them) are described each time
        if (this.count < MAX_NAMES && n <= NAME_BYTES) {
          this.count++;
          this.hashes[k] = hash;
          this.infos[k] = made;
          this.lengths[k] = n;
          this.bytes.set(b.subarray(start, end), k * NAME_BYTES);
        }
        return made;
      }
      if (hashes[k] === hash && lengths[k] === n) {
        let at = k * NAME_BYTES;
        let j = start;
        while (j < end && bytes[at] === b[j]) {
          at++;
          j++;
        }
        if (j === end) return info;
      }
    }
  }
}

/** A call awaiting its resumed half: one record per thread, reused from one split call to the next. */
export interface PendingCall {
  /** false once resumed (or dropped): the record stays, for the thread's next split call */
  open: boolean;
  name: string;
  args: string;
  line: number;
  time: number | undefined;
  /** the bracket depth the first half leaves (see headDepthOfBytes); worked out when first needed */
  depth: number | undefined;
  /** what the name table knows of `name`, when the byte path opened the call (kept once it closes: see PendingTable.record) */
  info: NameInfo | undefined;
  /** another name the thread called lately (its previous split call, or a whole call the table named) */
  alt: NameInfo | undefined;
}

/** b holds `info`'s name at `at`, and the line (which ends at `end`) goes on after it; the caller checks how */
export function nameAt(b: Buffer, at: number, end: number, info: NameInfo): boolean {
  const code = info.code;
  const len = code.length;
  if (at + len >= end) return false;
  for (let k = 0; k < len; k++) if (b[at + k] !== code[k]) return false;
  return true;
}

/** b holds `info`'s name at `at`, followed by '(' (so a name scanned from `at` would be this one) */
export function callNameAt(b: Buffer, at: number, end: number, info: NameInfo | undefined): boolean {
  return info !== undefined && nameAt(b, at, end, info) && b[at + info.code.length] === 40; /* ( */
}

const PENDING_MIN_SLOTS = 64;

/**
 * Opens a thread's call in its record (PendingTable.record): what PendingTable.set does when the thread has
 * a record, for a caller that holds it already.
 */
export function reopen(r: PendingCall, name: string, args: string, line: number, time: number | undefined, depth: number | undefined, info?: NameInfo): PendingCall {
  r.open = true;
  if (info !== r.info) r.alt = r.info;
  r.name = name;
  r.args = args;
  r.line = line;
  r.time = time;
  r.depth = depth;
  r.info = info;
  return r;
}

/**
 * The calls awaiting their resumed half, by thread id: an open-addressed table of one record per thread, so
 * that the two halves of a split call (two thirds of a busy log's lines) cost a probe each and no Map
 * insertion, deletion or new object. Records of closed calls are kept for their thread's next call; when the
 * table fills it is rebuilt with the open ones only, so it stays as big as the threads with a call in flight.
 */
export class PendingTable {
  private keys = new Float64Array(PENDING_MIN_SLOTS).fill(-1);
  private recs: Array<PendingCall | undefined> = new Array<PendingCall | undefined>(PENDING_MIN_SLOTS).fill(undefined);
  /** slots in use (open or closed records) */
  private used = 0;
  /** 32 - log2(slots): the hash's top bits pick the slot, so every slot of a table of any size can be hit */
  private shift = 32 - Math.log2(PENDING_MIN_SLOTS);
  /** slots stepped over past the first, over the table's life: what the test of linear growth counts */
  probes = 0;

  private slotOf(pid: number): number {
    const mask = this.keys.length - 1;
    // Fibonacci hashing: the product's high bits (a fixed `>>> 16` reached 65,536 slots only, and past
    // that many threads with a call in flight every probe walked one long cluster)
    let k = Math.imul(pid | 0, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const key = this.keys[k];
      if (key === pid || key === -1) return k;
      k = (k + 1) & mask;
      this.probes++;
    }
  }

  /** the open call of `pid` */
  get(pid: number): PendingCall | undefined {
    const r = this.recs[this.slotOf(pid)];
    return r !== undefined && r.open ? r : undefined;
  }

  /** Opens (or replaces) the call of `pid`; returns its record. */
  set(pid: number, name: string, args: string, line: number, time: number | undefined, depth: number | undefined, info?: NameInfo): PendingCall {
    let k = this.slotOf(pid);
    let r = this.recs[k];
    if (r === undefined) {
      if ((this.used + 1) * 2 > this.keys.length) {
        this.rebuild();
        k = this.slotOf(pid);
      }
      r = { open: true, name, args, line, time, depth, info, alt: undefined };
      this.keys[k] = pid;
      this.recs[k] = r;
      this.used++;
      return r;
    }
    return reopen(r, name, args, line, time, depth, info);
  }

  /**
   * The record of `pid`, open or closed: a closed one still names the thread's last split call, which the
   * byte path compares a line's name with first (threads repeat their calls).
   */
  record(pid: number): PendingCall | undefined {
    return this.recs[this.slotOf(pid)];
  }

  /** Closes the call of `pid` (its record keeps its fields until the thread's next call). */
  delete(pid: number): void {
    const r = this.recs[this.slotOf(pid)];
    if (r !== undefined) r.open = false;
  }

  /** the open calls, as [pid, call], in no particular order */
  entries(): Array<[number, PendingCall]> {
    const out: Array<[number, PendingCall]> = [];
    for (let k = 0; k < this.keys.length; k++) {
      const r = this.recs[k];
      if (r !== undefined && r.open) out.push([this.keys[k], r]);
    }
    return out;
  }

  clear(): void {
    this.keys = new Float64Array(PENDING_MIN_SLOTS).fill(-1);
    this.recs = new Array<PendingCall | undefined>(PENDING_MIN_SLOTS).fill(undefined);
    this.shift = 32 - Math.log2(PENDING_MIN_SLOTS);
    this.used = 0;
  }

  /** keeps the open records only, in a table at most half full after the next insertion */
  private rebuild(): void {
    const open = this.entries();
    let size = PENDING_MIN_SLOTS;
    while ((open.length + 1) * 4 > size) size *= 2;
    this.keys = new Float64Array(size).fill(-1);
    this.recs = new Array<PendingCall | undefined>(size).fill(undefined);
    this.shift = 32 - Math.log2(size);
    this.used = 0;
    for (const [pid, r] of open) {
      const k = this.slotOf(pid);
      this.keys[k] = pid;
      this.recs[k] = r;
      this.used++;
    }
  }
}
