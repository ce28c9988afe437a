/**
 * One process's address space as the log shows it: a sorted, non-overlapping set of regions, driven by
 * mmap / munmap / mprotect / mremap / brk. Lookups are binary searches (O(log n)); an update touches only
 * the regions it overlaps, plus an array splice. The totals (virtual size, the PROT_NONE part) are kept
 * up to date at every change, so a timeline point costs nothing extra.
 */

import type { CategoryKind } from '../../protocol/report';
import { hex } from '../format';

/** The categories of the report are the kinds of region: one list, in src/protocol. */
export type RegionKind = CategoryKind;

/** What one mmap (or brk area) was when it was made; every region carved out of it points back to it. */
export interface Reservation {
  id: number;
  kind: RegionKind;
  /** one sentence: why this mapping exists */
  reason: string;
  /** the address and size first mapped */
  addr: number;
  size: number;
  prot: number;
  flags: number;
  path?: string;
  /** line and thread that made it */
  line: number;
  tid: number;
  time?: number;
  /** for thread stacks: the thread it became */
  threadTid?: number;
  /** for malloc arenas: bytes trimmed off the reservation (head + tail) */
  trimmed?: number;
  /** the function that asked for it, from a -k stack when there is one */
  origin?: string;
  /** 'stack' when attributed from a -k stack, 'shape' when by its size/flags/place */
  evidence: 'stack' | 'shape' | 'path' | 'elf';
}

export interface Region {
  start: number;
  end: number;
  prot: number;
  /** usually the reservation's kind; a stack's PROT_NONE low page becomes 'guard-page' */
  kind: RegionKind;
  res: Reservation;
}

export const PAGE = 4096;

/**
 * Regions lie in [0, 2^53] (or are page ranges above it, see exactRange): there every address, size and
 * total is exact in a double, so vsize kept incrementally always equals the sum of the regions. User space ends at 2^47 (2^56 with 5-level paging,
 * only on request), so only a corrupt log reaches past it; such a range is ignored.
 */
const MAX_ADDRESS = 2 ** 53;
/**
 * Above 2^53 (up to 2^64, where the kernel's own pages sit) a range is kept when both its ends are page
 * multiples: every multiple of 4096 below 2^64 is exact in a double, and so are their differences and sums.
 * Such a range is at most the size of user space (2^47), so that totals stay exact too.
 */
const MAX_HIGH_ADDRESS = 2 ** 64;
const MAX_HIGH_RANGE = 2 ** 47;

/** [start, end) can be held exactly (see MAX_ADDRESS) */
function exactRange(start: number, end: number): boolean {
  if (start < 0) return false;
  if (end <= MAX_ADDRESS) return true;
  return end <= MAX_HIGH_ADDRESS && start % PAGE === 0 && end % PAGE === 0 && end - start <= MAX_HIGH_RANGE;
}

export function pageAlignUp(n: number): number {
  return Math.ceil(n / PAGE) * PAGE;
}

export class AddressSpace {
  private regions: Region[] = [];
  /** bytes mapped (what the kernel calls total_vm, VmSize) as far as the log shows */
  vsize = 0;
  /** bytes mapped PROT_NONE: reserved address space that cannot be touched */
  reserved = 0;
  peak = 0;

  get size(): number {
    return this.regions.length;
  }

  all(): readonly Region[] {
    return this.regions;
  }

  clone(): AddressSpace {
    const a = new AddressSpace();
    a.regions = this.regions.map((r) => ({ ...r }));
    a.vsize = this.vsize;
    a.reserved = this.reserved;
    a.peak = this.vsize;
    return a;
  }

  /** index of the first region whose end is above addr */
  private firstEndingAfter(addr: number): number {
    let lo = 0;
    let hi = this.regions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.regions[mid].end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  find(addr: number): Region | undefined {
    const i = this.firstEndingAfter(addr);
    const r = this.regions[i];
    return r && r.start <= addr ? r : undefined;
  }

  /** regions overlapping [start, end) */
  overlapping(start: number, end: number): Region[] {
    const out: Region[] = [];
    for (let i = this.firstEndingAfter(start); i < this.regions.length && this.regions[i].start < end; i++) out.push(this.regions[i]);
    return out;
  }

  private account(r: { start: number; end: number; prot: number }, sign: 1 | -1): void {
    const len = r.end - r.start;
    this.vsize += sign * len;
    if ((r.prot & 7) === 0) this.reserved += sign * len;
  }

  /**
   * Removes [start, end) from the map, splitting regions that straddle its edges.
   * Returns the pieces removed (clipped to the range), in address order.
   */
  carve(start: number, end: number, spare?: (r: Region) => boolean): Region[] {
    if (end <= start) return [];
    const regions = this.regions;
    const i = this.firstEndingAfter(start);
    let j = i;
    const removed: Region[] = [];
    // what stays of [i, j): the region cut at `start` (its own object, shortened), spared regions, the region
    // cut at `end`; a region wholly inside the range leaves the array and is returned as it is (no copies)
    let keep: Region[] | undefined;
    while (j < regions.length && regions[j].start < end) {
      const r = regions[j];
      this.account(r, -1);
      j++;
      if (spare?.(r)) {
        (keep ??= []).push(r);
        continue;
      }
      const rs = r.start;
      const re = r.end;
      if (rs >= start && re <= end) {
        removed.push(r);
        continue;
      }
      removed.push({ start: rs < start ? start : rs, end: re > end ? end : re, prot: r.prot, kind: r.kind, res: r.res });
      if (rs < start) {
        r.end = start;
        (keep ??= []).push(r);
        if (re > end) keep.push({ start: end, end: re, prot: r.prot, kind: r.kind, res: r.res });
      } else {
        r.start = end;
        (keep ??= []).push(r);
      }
    }
    if (j === i) return removed;
    if (keep === undefined) {
      regions.splice(i, j - i);
      return removed;
    }
    for (const k of keep) this.account(k, 1);
    if (keep.length === j - i) {
      for (let k = 0; k < keep.length; k++) regions[i + k] = keep[k];
    } else if (keep.length === 1) {
      regions.splice(i, j - i, keep[0]);
    } else if (keep.length === 2) {
      regions.splice(i, j - i, keep[0], keep[1]);
    } else {
      regions.splice(i, j - i, ...keep);
    }
    return removed;
  }

  /** Adds a region over [start, end), replacing whatever was there (the kernel does this for MAP_FIXED). */
  insert(r: Region): Region[] {
    // an empty or negative range maps nothing: mremap to length 0, or an address so far above 2^53 that
    // adding the size rounds back to it
    if (!(r.end > r.start)) return [];
    if (!exactRange(r.start, r.end)) return [];
    const replaced = this.carve(r.start, r.end);
    const i = this.firstEndingAfter(r.start);
    this.regions.splice(i, 0, r);
    this.account(r, 1);
    if (this.vsize > this.peak) this.peak = this.vsize;
    return replaced;
  }

  /** Changes protection over [start, end); the holes stay holes (the kernel fails with ENOMEM there). */
  protect(start: number, end: number, prot: number, relabel?: (r: Region) => void): Region[] {
    const pieces = this.carve(start, end);
    for (const p of pieces) {
      p.prot = prot;
      relabel?.(p);
      const i = this.firstEndingAfter(p.start);
      this.regions.splice(i, 0, p);
      this.account(p, 1);
    }
    return pieces;
  }

  /** Sets the end of a region that starts at `start` (brk); creates or removes it as needed. */
  resizeAt(start: number, newEnd: number, make: () => Region): void {
    if (!exactRange(start, Math.max(start, newEnd))) return;
    const r = this.find(start);
    if (r && r.start === start) {
      if (newEnd > r.end) {
        this.carve(r.end, newEnd);
        this.account(r, -1);
        r.end = newEnd;
        this.account(r, 1);
      } else if (newEnd <= r.start) {
        this.carve(r.start, r.end);
      } else {
        this.carve(newEnd, r.end);
      }
    } else if (newEnd > start) {
      const nr = make();
      nr.start = start;
      nr.end = newEnd;
      this.insert(nr);
    }
    if (this.vsize > this.peak) this.peak = this.vsize;
  }

  /** Totals by kind: bytes, and how many distinct reservations contribute. */
  breakdown(): Map<RegionKind, { bytes: number; count: number; ids: Set<number> }> {
    const m = new Map<RegionKind, { bytes: number; count: number; ids: Set<number> }>();
    for (const r of this.regions) {
      let e = m.get(r.kind);
      if (!e) m.set(r.kind, (e = { bytes: 0, count: 0, ids: new Set() }));
      e.bytes += r.end - r.start;
      if (!e.ids.has(r.res.id)) {
        e.ids.add(r.res.id);
        e.count++;
      }
    }
    return m;
  }

  /** Invariant check used by tests: sorted, non-overlapping, totals match. */
  check(): string | undefined {
    let v = 0;
    let none = 0;
    for (let i = 0; i < this.regions.length; i++) {
      const r = this.regions[i];
      if (!(r.end > r.start)) return `empty or negative region at ${hex(r.start)}`;
      if (i > 0 && this.regions[i - 1].end > r.start) return `overlap at ${hex(r.start)}`;
      v += r.end - r.start;
      if ((r.prot & 7) === 0) none += r.end - r.start;
    }
    if (v !== this.vsize) return `vsize ${this.vsize} != sum ${v}`;
    if (none !== this.reserved) return `reserved ${this.reserved} != sum ${none}`;
    return undefined;
  }
}
