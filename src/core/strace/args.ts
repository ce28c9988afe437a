/** Helpers to read strace's argument notation: top-level splitting, struct fields, flag sets, numbers. */

/**
 * Where a -y/-yy decoration that opens at s[lt] (`<`) closes: `AT_FDCWD</tmp/a(b\"c>`, `3<TCP:[1:2->3:4]>`.
 * strace prints a path there unquoted: `<`, `>` come octal-escaped, `"` and `\` backslash-escaped, but
 * brackets and quotes are the path's own and do not nest; the only bare `>` inside is a socket's `->`. -1
 * when `<` does not open one (it opens one right after an fd, a digit or a name such as AT_FDCWD, and
 * before a path or a letter).
 */
export function decorationEnd(s: string, lt: number, to: number): number {
  const before = lt > 0 ? s.charCodeAt(lt - 1) : 0;
  if (!((before >= 48 && before <= 57) || (before >= 65 && before <= 90) || (before >= 97 && before <= 122) || before === 95)) return -1;
  // and it holds a path or a kind of file (`socket:[…]`, `TCP:[…]`): not `1<<CAP_CHOWN`
  const after = s.charCodeAt(lt + 1) | 32;
  if (after !== 47 /* / */ && !(after >= 97 && after <= 122)) return -1;
  for (let k = lt + 1; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === 92 /* \ */) k++;
    else if (c === 62 /* > */ && s.charCodeAt(k - 1) !== 45 /* - */) return k;
  }
  return -1;
}

/** Splits `a, {b, c}, "d, e"` at top-level commas. Quotes, brackets, braces and parentheses nest. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n && s.charCodeAt(i) !== 34) {
        if (s.charCodeAt(i) === 92) i++;
        i++;
      }
    } else if (c === 60 /* < */) {
      const close = decorationEnd(s, i, n);
      if (close > 0) i = close;
    } else if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth--;
    else if (c === 44 /* , */ && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last || out.length) out.push(last);
  return out;
}

/** `{flags=A|B, stack=0x1, stack_size=0x7fff80}` or `child_stack=0x1, flags=…` → a map of fields. */
export function fields(s: string): Map<string, string> {
  let body = s.trim();
  if (body.startsWith('{')) {
    const close = matchingBrace(body, 0);
    body = body.slice(1, close);
  }
  const m = new Map<string, string>();
  for (const part of splitArgs(body)) {
    const eq = part.indexOf('=');
    if (eq > 0) m.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return m;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      i++;
      while (i < s.length && s.charCodeAt(i) !== 34) {
        if (s.charCodeAt(i) === 92) i++;
        i++;
      }
    } else if (c === 60 /* < */) {
      const close = decorationEnd(s, i, s.length);
      if (close > 0) i = close;
    } else if (c === 123 || c === 91 || c === 40) depth++;
    else if (c === 125 || c === 93 || c === 41) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return s.length;
}

/**
 * A number in strace notation: `0x7f…`, `123`, `NULL`, `8192*1024`, or an fd with a -y path `3</lib/x.so>`.
 * Returns undefined when it is not a number, or when it cannot be held exactly (above 2^53, only page
 * addresses and the like are; above 2^64 none).
 */
export function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === 'NULL') return 0;
  const lt = t.indexOf('<');
  const core = lt > 0 ? t.slice(0, lt) : t;
  let v: number;
  if (/^0x[0-9a-fA-F]+$/.test(core)) {
    v = parseInt(core, 16);
    // above 2^53 a page address (a multiple of 4096, below 2^64) is exact in a double, and so are sums and
    // differences of them: 0xfffffffffffff000 is a number; 0xfffffffffffff001 and 0x20000000000001 are not
    if (!Number.isSafeInteger(v) && v < 2 ** 64 && v % 4096 === 0 && BigInt(v) === BigInt(core)) return v;
  }
  else if (/^-?\d+$/.test(core)) v = parseInt(core, 10);
  else if (/^\d+\*\d+$/.test(core)) {
    const [a, b] = core.split('*');
    v = +a * +b;
  } else return undefined;
  return Number.isSafeInteger(v) ? v : undefined;
}

/** The path of a -y decoration: `3</usr/lib/libc.so.6>` → `/usr/lib/libc.so.6`. */
export function fdPath(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const lt = s.indexOf('<');
  if (lt < 0 || !s.endsWith('>')) return undefined;
  return unescape(s.slice(lt + 1, -1));
}

/** The first string argument's text, unescaped enough for paths: `"/etc/ld.so.cache"` → `/etc/ld.so.cache`. */
export function str(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = s.trim();
  if (!t.startsWith('"')) return undefined;
  const end = t.lastIndexOf('"');
  if (end <= 0) return undefined;
  return unescape(t.slice(1, end));
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', v: '\v', f: '\f' };

/** strace's escapes in a string or a -y path: `\"`, `\\`, `\n`…, octal `\74`, hex `\x3c` */
export function unescape(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  return s.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e.length > 1 && e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e[0] >= '0' && e[0] <= '7') return String.fromCharCode(parseInt(e, 8));
    return ESCAPES[e] ?? e;
  });
}

export const PROT = { READ: 0x1, WRITE: 0x2, EXEC: 0x4, SEM: 0x8, GROWSDOWN: 0x01000000, GROWSUP: 0x02000000 } as const;

export const MAP = {
  SHARED: 0x01, PRIVATE: 0x02, SHARED_VALIDATE: 0x03, FIXED: 0x10, ANONYMOUS: 0x20, GROWSDOWN: 0x0100,
  DENYWRITE: 0x0800, EXECUTABLE: 0x1000, LOCKED: 0x2000, NORESERVE: 0x4000, POPULATE: 0x8000,
  NONBLOCK: 0x10000, STACK: 0x20000, HUGETLB: 0x40000, SYNC: 0x80000, FIXED_NOREPLACE: 0x100000,
} as const;

export const CLONE = {
  VM: 0x100, FS: 0x200, FILES: 0x400, SIGHAND: 0x800, PIDFD: 0x1000, PTRACE: 0x2000, VFORK: 0x4000,
  PARENT: 0x8000, THREAD: 0x10000, NEWNS: 0x20000, SYSVSEM: 0x40000, SETTLS: 0x80000, PARENT_SETTID: 0x100000,
  CHILD_CLEARTID: 0x200000, DETACHED: 0x400000, UNTRACED: 0x800000, CHILD_SETTID: 0x01000000,
  NEWCGROUP: 0x02000000, NEWUTS: 0x04000000, NEWIPC: 0x08000000, NEWUSER: 0x10000000, NEWPID: 0x20000000,
  NEWNET: 0x40000000, IO: 0x80000000,
} as const;

const PROT_NAMES: Record<string, number> = Object.fromEntries(Object.entries(PROT).map(([k, v]) => ['PROT_' + k, v]));
const MAP_NAMES: Record<string, number> = Object.fromEntries(Object.entries(MAP).map(([k, v]) => ['MAP_' + k, v]));
const CLONE_NAMES: Record<string, number> = Object.fromEntries(Object.entries(CLONE).map(([k, v]) => ['CLONE_' + k, v]));
MAP_NAMES.MAP_ANON = MAP.ANONYMOUS;
MAP_NAMES.MAP_FILE = 0;

/** `PROT_READ|PROT_WRITE`, `PROT_NONE`, `0x3` (-X raw) or with its -X verbose comment, `MAP_PRIVATE|0x40` → a bitmask; unknown names add nothing. */
function flagSet(s: string | undefined, names: Record<string, number>): number {
  if (!s) return 0;
  // -X verbose prints `0x3 /* PROT_READ|PROT_WRITE */`: the raw value is exact, the comment only names it
  const comment = s.indexOf('/*');
  if (comment >= 0) s = s.slice(0, comment);
  let v = 0;
  for (const part of s.split('|')) {
    const p = part.trim();
    const known = names[p];
    if (known !== undefined) v |= known;
    else {
      const n = num(p);
      if (n !== undefined) v |= n;
    }
  }
  return v >>> 0;
}

export const protBits = (s: string | undefined): number => flagSet(s, PROT_NAMES);
export const mapBits = (s: string | undefined): number => flagSet(s, MAP_NAMES);
export const cloneBits = (s: string | undefined): number => flagSet(s, CLONE_NAMES);

export function protString(p: number): string {
  if ((p & 7) === 0) return '---';
  return ((p & PROT.READ) ? 'r' : '-') + ((p & PROT.WRITE) ? 'w' : '-') + ((p & PROT.EXEC) ? 'x' : '-');
}

// ---------------------------------------------------------------- the same, without making strings
//
// The model reads a few arguments of every memory and thread call. These give what splitArgs, num, fields
// and the flag sets give, from offsets into the argument text: only the values kept become strings. Any
// shape the fast reading does not cover exactly is handed to the functions above.

/** JavaScript's String.prototype.trim whitespace */
function isTrimSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 5760 || (c >= 8192 && c <= 8202) || c === 8232 || c === 8233 || c === 8239 || c === 8287 || c === 12288 || c === 65279;
}

/**
 * The parts splitArgs(s.slice(from, to)) gives, as offsets into `s`: part k is s.slice(spans[2k], spans[2k+1]),
 * already trimmed. Returns how many parts there are; only the first spans.length / 2 are recorded.
 */
export function argSpans(s: string, spans: Int32Array, from = 0, to = s.length): number {
  return spansUntil(s, spans, from, to, false);
}

/** the argument scan's character classes (ASCII; every other character is plain) */
const A_QUOTE = 1;
const A_OPEN = 2;
const A_CLOSE = 3;
const A_COMMA = 4;
const A_DECOR = 5;
const ARG_CLASS = new Uint8Array(128);
ARG_CLASS[34] = A_QUOTE;
ARG_CLASS[40] = A_OPEN;
ARG_CLASS[91] = A_OPEN;
ARG_CLASS[123] = A_OPEN;
ARG_CLASS[41] = A_CLOSE;
ARG_CLASS[93] = A_CLOSE;
ARG_CLASS[125] = A_CLOSE;
ARG_CLASS[44] = A_COMMA;
ARG_CLASS[60] = A_DECOR;

/**
 * argSpans; with `toClose`, the scan also ends at the first closing bracket that is not matched after
 * `from` (for a struct's fields, scanned from just past its `{`: argSpans up to matchingBrace, in one pass).
 */
function spansUntil(s: string, spans: Int32Array, from: number, to: number, toClose: boolean): number {
  const cap = spans.length >> 1;
  let count = 0;
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    const cl = c < 128 ? ARG_CLASS[c] : 0;
    if (cl === 0) continue;
    if (cl === A_QUOTE) {
      i++;
      while (i < to && s.charCodeAt(i) !== 34) {
        if (s.charCodeAt(i) === 92) i++;
        i++;
      }
    } else if (cl === A_DECOR) {
      const close = decorationEnd(s, i, to);
      if (close > 0) i = close;
    } else if (cl === A_OPEN) depth++;
    else if (cl === A_CLOSE) {
      if (toClose && depth === 0) {
        to = i;
        break;
      }
      depth--;
    } else if (cl === A_COMMA && depth === 0) {
      if (count < cap) trimInto(s, start, i, spans, count);
      count++;
      start = i + 1;
    }
  }
  // the last part: kept when it is not blank, or when a comma came before it
  const k = count < cap ? count : -1;
  let a = start;
  let b = to;
  while (a < b && isTrimSpace(s.charCodeAt(a))) a++;
  while (b > a && isTrimSpace(s.charCodeAt(b - 1))) b--;
  if (a < b || count > 0) {
    if (k >= 0) {
      spans[2 * k] = a;
      spans[2 * k + 1] = b;
    }
    count++;
  }
  return count;
}

function trimInto(s: string, a: number, b: number, spans: Int32Array, k: number): void {
  while (a < b && isTrimSpace(s.charCodeAt(a))) a++;
  while (b > a && isTrimSpace(s.charCodeAt(b - 1))) b--;
  spans[2 * k] = a;
  spans[2 * k + 1] = b;
}

/** num(s.slice(from, to)), reading the common shapes (short hex and decimal numbers) without a string. */
export function numAt(s: string, from: number, to: number): number | undefined {
  let a = from;
  let b = to;
  while (a < b && isTrimSpace(s.charCodeAt(a))) a++;
  while (b > a && isTrimSpace(s.charCodeAt(b - 1))) b--;
  // a -y decoration: the number ends at '<' (when the '<' is not the first character)
  for (let k = a + 1; k < b; k++) {
    if (s.charCodeAt(k) === 60 /* < */) {
      b = k;
      break;
    }
  }
  const c0 = s.charCodeAt(a);
  if (c0 === 48 /* 0 */ && b - a > 2 && s.charCodeAt(a + 1) === 120 /* x */) {
    // 0x followed by at most 13 hex digits: exact, and within 2^53
    if (b - a - 2 <= 13) {
      let v = 0;
      for (let k = a + 2; k < b; k++) {
        const c = s.charCodeAt(k);
        const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (d < 0) return num(s.slice(from, to));
        v = v * 16 + d;
      }
      return v;
    }
  } else if ((c0 >= 48 && c0 <= 57) || c0 === 45 /* - */) {
    const first = c0 === 45 ? a + 1 : a;
    if (b > first && b - first <= 15) {
      let v = 0;
      for (let k = first; k < b; k++) {
        const d = s.charCodeAt(k) - 48;
        if (d < 0 || d > 9) return num(s.slice(from, to));
        v = v * 10 + d;
      }
      return c0 === 45 ? -v : v;
    }
  }
  return num(s.slice(from, to));
}

/** The bitmask of a flag set, remembered by its text (a log has few distinct flag sets). */
class FlagCache {
  private readonly memo = new Map<string, number>();
  constructor(private readonly names: Record<string, number>) {}
  bits(s: string | undefined): number {
    if (!s) return 0;
    let v = this.memo.get(s);
    if (v === undefined) {
      v = flagSet(s, this.names);
      if (this.memo.size >= 4096) this.memo.clear();
      this.memo.set(s, v);
    }
    return v;
  }
}

const PROT_CACHE = new FlagCache(PROT_NAMES);
const MAP_CACHE = new FlagCache(MAP_NAMES);
const CLONE_CACHE = new FlagCache(CLONE_NAMES);
/** protBits, mapBits and cloneBits, remembered by their text */
export const protBitsCached = (s: string | undefined): number => PROT_CACHE.bits(s);
export const mapBitsCached = (s: string | undefined): number => MAP_CACHE.bits(s);
export const cloneBitsCached = (s: string | undefined): number => CLONE_CACHE.bits(s);

const FIELD_SPANS = new Int32Array(128);
const ONE_KEY: string[] = [''];
const ONE_OUT: Array<string | undefined> = [undefined];

/**
 * fieldsOf(first, keys, out) where `first` is splitArgs(args)[0] (clone3's struct): when the arguments
 * start with `{` that is fieldsOf(args) itself, since the struct's matching brace comes before any comma
 * that ends the first argument.
 */
export function firstArgFieldsOf(args: string, keys: readonly string[], out: Array<string | undefined>): void {
  let a = 0;
  while (a < args.length && isTrimSpace(args.charCodeAt(a))) a++;
  if (args.charCodeAt(a) === 123 /* { */) {
    fieldsOf(args, keys, out);
    return;
  }
  const n = argSpans(args, FIRST_SPANS);
  fieldsOf(n > 0 ? args.slice(FIRST_SPANS[0], FIRST_SPANS[1]) : '', keys, out);
}
const FIRST_SPANS = new Int32Array(2);

/** fields(s).get(key), without the map. */
export function fieldOf(s: string, key: string): string | undefined {
  ONE_KEY[0] = key;
  fieldsOf(s, ONE_KEY, ONE_OUT);
  return ONE_OUT[0];
}

/** out[k] = fields(s).get(keys[k]) for every k, in one pass and without the map. */
export function fieldsOf(s: string, keys: readonly string[], out: Array<string | undefined>): void {
  for (let k = 0; k < keys.length; k++) out[k] = undefined;
  let from = 0;
  let to = s.length;
  while (from < to && isTrimSpace(s.charCodeAt(from))) from++;
  while (to > from && isTrimSpace(s.charCodeAt(to - 1))) to--;
  // as fields does: a struct's text up to its matching brace (or the end; past `to` is only blank), found in
  // the same pass as its fields
  const struct = from < to && s.charCodeAt(from) === 123; /* { */
  const n = spansUntil(s, FIELD_SPANS, struct ? from + 1 : from, to, struct);
  if (n > FIELD_SPANS.length >> 1) {
    const f = fields(s);
    for (let k = 0; k < keys.length; k++) out[k] = f.get(keys[k]);
    return;
  }
  for (let j = 0; j < n; j++) {
    const a = FIELD_SPANS[2 * j];
    const b = FIELD_SPANS[2 * j + 1];
    let eq = -1;
    for (let i = a; i < b; i++) {
      if (s.charCodeAt(i) === 61 /* = */) {
        eq = i;
        break;
      }
    }
    if (eq <= a) continue;
    let ke = eq;
    while (ke > a && isTrimSpace(s.charCodeAt(ke - 1))) ke--;
    for (let k = 0; k < keys.length; k++) {
      // the last of equal keys wins, as in the map
      if (ke - a === keys[k].length && s.startsWith(keys[k], a)) out[k] = s.slice(eq + 1, b).trim();
    }
  }
}
