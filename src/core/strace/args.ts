/** Helpers to read strace's argument notation: top-level splitting, struct fields, flag sets, numbers. */

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
 * Returns undefined when it is not a number, or when it cannot be held exactly (above 2^53).
 */
export function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === 'NULL') return 0;
  const lt = t.indexOf('<');
  const core = lt > 0 ? t.slice(0, lt) : t;
  let v: number;
  if (/^0x[0-9a-fA-F]+$/.test(core)) v = parseInt(core, 16);
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
  return s.slice(lt + 1, -1);
}

/** The first string argument's text, unescaped enough for paths: `"/etc/ld.so.cache"` → `/etc/ld.so.cache`. */
export function str(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = s.trim();
  if (!t.startsWith('"')) return undefined;
  const end = t.lastIndexOf('"');
  if (end <= 0) return undefined;
  return t.slice(1, end).replace(/\\(["\\])/g, '$1');
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
