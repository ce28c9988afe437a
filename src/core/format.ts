/** Sizes and addresses the way people read them. */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** 8392704 → "8 MiB + 4 KiB", 134217728 → "128 MiB", 60649472 → "57.8 MiB", 4096 → "4 KiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const neg = n < 0;
  const a = Math.abs(n);
  let s: string;
  if (a >= MiB && a % MiB !== 0 && a % KiB === 0 && a % MiB <= 64 * KiB) {
    // a round MiB size plus a few pages: the guard-page shape, say it exactly
    s = `${Math.floor(a / MiB)} MiB + ${(a % MiB) / KiB} KiB`;
  } else if (a >= GiB) s = `${trim(a / GiB)} GiB`;
  else if (a >= MiB) s = `${trim(a / MiB)} MiB`;
  else if (a >= KiB) s = `${trim(a / KiB)} KiB`;
  else s = `${a} B`;
  return neg ? `−${s}` : s;
}

function trim(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return v >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, '');
}

/**
 * Like formatBytes, but never in GiB: the report's one rule is binary units with MiB as the largest, so
 * any size reads against the tables' and charts' MiB ("1134 MiB", "8 MiB + 4 KiB", "16 KiB").
 */
export function formatSize(n: number): string {
  if (!Number.isFinite(n) || Math.abs(n) < GiB) return formatBytes(n);
  const a = Math.abs(n);
  const s = a % MiB === 0 || a % MiB > 64 * KiB || a % KiB !== 0 ? `${trim(a / MiB)} MiB` : formatBytes(a);
  return n < 0 ? `−${s}` : s;
}

/** A whole number of MiB with one decimal, for tables: 1558.4 MiB. */
export function formatMiB(n: number): string {
  return `${(n / MiB).toFixed(1)} MiB`;
}

/**
 * An address in hex, as the kernel prints it: unsigned. A negative number is read as the 64-bit pattern it
 * would be (-4096 → 0xfffffffffffff000), never `0x-1000`; so is one of 2^64 or more (cut to 64 bits).
 */
export function hex(n: number): string {
  if (Number.isInteger(n) && (n < 0 || n >= 2 ** 64)) return '0x' + BigInt.asUintN(64, BigInt(n)).toString(16);
  return '0x' + n.toString(16);
}

export function pct(a: number, b: number): string {
  if (b === 0) return a === 0 ? '0%' : '∞';
  const d = ((a - b) / b) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(2)}%`;
}
