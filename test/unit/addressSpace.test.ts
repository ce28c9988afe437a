// AddressSpace: the interval map under MAP_FIXED overlays, carving, protection changes and brk, checked
// exactly and against a naive page-set model over thousands of seeded random operations.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AddressSpace, PAGE, pageAlignUp, type Region, type RegionKind, type Reservation } from '../../src/core/model/addressSpace';

let nextId = 1;
function res(kind: RegionKind = 'other'): Reservation {
  return { id: nextId++, kind, reason: 'test', addr: 0, size: 0, prot: 0, flags: 0, line: 0, tid: 1, evidence: 'shape' };
}
function region(startPage: number, endPage: number, prot: number, kind: RegionKind = 'other', r = res(kind)): Region {
  return { start: startPage * PAGE, end: endPage * PAGE, prot, kind, res: r };
}
/** [startPage, endPage, prot, reservation id] of every region */
function shape(a: AddressSpace): Array<[number, number, number, number]> {
  return a.all().map((r) => [r.start / PAGE, r.end / PAGE, r.prot, r.res.id]);
}
const RW = 3;
const NONE = 0;

describe('AddressSpace', () => {
  it('insert into an empty map, totals exact', () => {
    const a = new AddressSpace();
    const r = region(10, 20, NONE);
    assert.deepEqual(a.insert(r), []);
    a.insert(region(30, 31, RW));
    assert.deepEqual([a.vsize, a.reserved, a.peak, a.size], [11 * PAGE, 10 * PAGE, 11 * PAGE, 2]);
    assert.equal(a.find(10 * PAGE), r);
    assert.equal(a.find(20 * PAGE - 1), r);
    assert.equal(a.find(20 * PAGE), undefined);
    assert.equal(a.find(9 * PAGE), undefined);
    assert.equal(a.check(), undefined);
  });

  it('insert over existing regions (MAP_FIXED overlay) splits them and returns what it replaced', () => {
    const a = new AddressSpace();
    const big = region(0, 100, NONE);
    const id = big.res.id;
    a.insert(big);
    const over = region(10, 20, RW);
    const replaced = a.insert(over);
    assert.deepEqual(replaced.map((r) => [r.start / PAGE, r.end / PAGE, r.prot]), [[10, 20, NONE]]);
    assert.deepEqual(shape(a), [[0, 10, NONE, id], [10, 20, RW, over.res.id], [20, 100, NONE, id]]);
    assert.deepEqual([a.vsize, a.reserved, a.peak], [100 * PAGE, 90 * PAGE, 100 * PAGE]);
    // an overlay that straddles three regions and a hole
    a.insert(region(150, 160, RW));
    const wide = region(15, 155, 1);
    assert.deepEqual(a.insert(wide).map((r) => [r.start / PAGE, r.end / PAGE]), [[15, 20], [20, 100], [150, 155]]);
    assert.deepEqual(shape(a), [[0, 10, NONE, id], [10, 15, RW, over.res.id], [15, 155, 1, wide.res.id], [155, 160, RW, shape(a)[3][3]]]);
    assert.deepEqual([a.vsize, a.reserved, a.peak], [160 * PAGE, 10 * PAGE, 160 * PAGE]);
    assert.equal(a.check(), undefined);
  });

  it('carve in the middle splits one region into two; edges and whole regions too', () => {
    const a = new AddressSpace();
    const r = region(0, 10, RW);
    a.insert(r);
    const removed = a.carve(3 * PAGE, 5 * PAGE);
    assert.deepEqual(removed.map((x) => [x.start / PAGE, x.end / PAGE, x.res.id]), [[3, 5, r.res.id]]);
    assert.deepEqual(shape(a), [[0, 3, RW, r.res.id], [5, 10, RW, r.res.id]]);
    assert.deepEqual([a.vsize, a.peak], [8 * PAGE, 10 * PAGE]);
    a.carve(0, PAGE); // head
    a.carve(9 * PAGE, 10 * PAGE); // tail
    assert.deepEqual(shape(a), [[1, 3, RW, r.res.id], [5, 9, RW, r.res.id]]);
    a.carve(0, 100 * PAGE); // everything, from a hole to a hole
    assert.deepEqual([a.size, a.vsize, a.reserved, a.peak], [0, 0, 0, 10 * PAGE]);
    assert.equal(a.check(), undefined);
  });

  it('carve of an unmapped range, or an empty range, is a no-op', () => {
    const a = new AddressSpace();
    a.insert(region(0, 10, RW));
    a.insert(region(20, 30, NONE));
    const before = shape(a);
    assert.deepEqual(a.carve(10 * PAGE, 20 * PAGE), []);
    assert.deepEqual(a.carve(40 * PAGE, 50 * PAGE), []);
    assert.deepEqual(a.carve(5 * PAGE, 5 * PAGE), []);
    assert.deepEqual(a.carve(6 * PAGE, 2 * PAGE), []);
    assert.deepEqual(shape(a), before);
    assert.deepEqual([a.vsize, a.reserved], [20 * PAGE, 10 * PAGE]);
  });

  it('protect changes only what is mapped: a hole stays a hole', () => {
    const a = new AddressSpace();
    const lo = region(0, 10, NONE);
    const hi = region(20, 30, NONE);
    a.insert(lo);
    a.insert(hi);
    const seen: number[] = [];
    const pieces = a.protect(5 * PAGE, 25 * PAGE, RW, (r) => seen.push(r.res.id));
    assert.deepEqual(pieces.map((p) => [p.start / PAGE, p.end / PAGE, p.prot]), [[5, 10, RW], [20, 25, RW]]);
    assert.deepEqual(seen, [lo.res.id, hi.res.id]);
    assert.deepEqual(shape(a), [[0, 5, NONE, lo.res.id], [5, 10, RW, lo.res.id], [20, 25, RW, hi.res.id], [25, 30, NONE, hi.res.id]]);
    assert.equal(a.find(15 * PAGE), undefined);
    assert.deepEqual([a.vsize, a.reserved, a.peak], [20 * PAGE, 10 * PAGE, 20 * PAGE]);
    assert.deepEqual(a.protect(12 * PAGE, 18 * PAGE, RW), []);
    assert.equal(a.vsize, 20 * PAGE);
    assert.equal(a.check(), undefined);
  });

  it('protect can relabel a piece (a stack\'s guard page)', () => {
    const a = new AddressSpace();
    const stack = region(0, 2049, NONE, 'thread-stack');
    a.insert(stack);
    a.protect(PAGE, 2049 * PAGE, RW);
    for (const r of a.all()) if (r.prot === NONE) r.kind = 'guard-page';
    const bd = a.breakdown();
    assert.deepEqual(bd.get('guard-page')?.bytes, PAGE);
    assert.deepEqual(bd.get('thread-stack')?.bytes, 8 * 1024 * 1024);
    assert.deepEqual([bd.get('guard-page')?.count, bd.get('thread-stack')?.count], [1, 1]);
    assert.equal(a.reserved, PAGE);
  });

  it('resizeAt: creates, grows over what lies beyond, shrinks and removes a brk heap', () => {
    const a = new AddressSpace();
    const heapRes = res('brk-heap');
    const make = () => region(0, 0, RW, 'brk-heap', heapRes);
    a.resizeAt(100 * PAGE, 100 * PAGE, make); // brk(NULL): nothing
    assert.equal(a.size, 0);
    a.resizeAt(100 * PAGE, 133 * PAGE, make);
    assert.deepEqual(shape(a), [[100, 133, RW, heapRes.id]]);
    a.insert(region(140, 150, NONE));
    a.resizeAt(100 * PAGE, 145 * PAGE, make); // grows over part of the next mapping
    assert.deepEqual(shape(a).map((r) => r.slice(0, 2)), [[100, 145], [145, 150]]);
    assert.deepEqual([a.vsize, a.reserved, a.peak], [50 * PAGE, 5 * PAGE, 50 * PAGE]);
    a.resizeAt(100 * PAGE, 110 * PAGE, make);
    assert.deepEqual(shape(a).map((r) => r.slice(0, 2)), [[100, 110], [145, 150]]);
    a.resizeAt(100 * PAGE, 100 * PAGE, make);
    assert.deepEqual(shape(a).map((r) => r.slice(0, 2)), [[145, 150]]);
    assert.deepEqual([a.vsize, a.peak], [5 * PAGE, 50 * PAGE]);
    assert.equal(a.check(), undefined);
  });

  it('peak is the highest vsize ever, including after frees', () => {
    const a = new AddressSpace();
    a.insert(region(0, 100, NONE));
    a.carve(0, 100 * PAGE);
    a.insert(region(0, 50, RW));
    assert.deepEqual([a.vsize, a.peak], [50 * PAGE, 100 * PAGE]);
  });

  it('clone copies regions independently', () => {
    const a = new AddressSpace();
    a.insert(region(0, 10, RW));
    const b = a.clone();
    b.carve(0, 5 * PAGE);
    b.protect(5 * PAGE, 6 * PAGE, NONE);
    assert.deepEqual([a.vsize, a.reserved, a.all()[0].end], [10 * PAGE, 0, 10 * PAGE]);
    assert.deepEqual([b.vsize, b.reserved], [5 * PAGE, PAGE]);
    assert.equal(b.check(), undefined);
  });

  it('overlapping lists the regions that touch a range', () => {
    const a = new AddressSpace();
    a.insert(region(0, 10, RW));
    a.insert(region(10, 20, NONE));
    a.insert(region(30, 40, RW));
    assert.deepEqual(a.overlapping(9 * PAGE, 31 * PAGE).map((r) => r.start / PAGE), [0, 10, 30]);
    assert.deepEqual(a.overlapping(10 * PAGE, 30 * PAGE).map((r) => r.start / PAGE), [10]);
    assert.deepEqual(a.overlapping(20 * PAGE, 30 * PAGE), []);
  });

  it('check() reports a broken invariant', () => {
    const a = new AddressSpace();
    a.insert(region(0, 10, RW));
    a.vsize += 1;
    assert.match(a.check() ?? '', /vsize/);
  });

  it('agrees with a page-set model over 4000 seeded random operations', () => {
    // mulberry32
    let seed = 0x9e3779b9;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (n: number) => Math.floor(rnd() * n);
    const a = new AddressSpace();
    /** page → [prot, reservation id] */
    const ref = new Map<number, [number, number]>();
    let refPeak = 0;
    const SPAN = 512; // pages: small enough that operations collide often
    const BASE = 0x7f0000000; // pages; addresses near 0x7f0000000000, like real mmaps
    const brkRes = res('brk-heap');
    const brkStart = BASE + SPAN - 64;
    let brkEnd = brkStart;
    for (let step = 0; step < 4000; step++) {
      const s = BASE + int(SPAN);
      const len = 1 + int(Math.min(64, BASE + SPAN - s + 8));
      const e = s + len;
      const op = int(10);
      let what: string;
      if (op < 4) {
        const prot = int(8);
        const r = region(s, e, prot);
        what = `insert ${s}-${e} ${prot}`;
        const replacedPages = [...ref.keys()].filter((p) => p >= s && p < e).length;
        const replaced = a.insert(r);
        assert.equal(replaced.reduce((n, x) => n + (x.end - x.start) / PAGE, 0), replacedPages, what);
        for (let p = s; p < e; p++) ref.set(p, [prot, r.res.id]);
      } else if (op < 7) {
        what = `carve ${s}-${e}`;
        const removed = a.carve(s * PAGE, e * PAGE);
        const want = [...ref.keys()].filter((p) => p >= s && p < e).length;
        assert.equal(removed.reduce((n, x) => n + (x.end - x.start) / PAGE, 0), want, what);
        for (let p = s; p < e; p++) ref.delete(p);
      } else if (op < 9) {
        const prot = int(8);
        what = `protect ${s}-${e} ${prot}`;
        a.protect(s * PAGE, e * PAGE, prot);
        for (let p = s; p < e; p++) {
          const v = ref.get(p);
          if (v) ref.set(p, [prot, v[1]]);
        }
      } else {
        const newEnd = brkStart + int(80);
        what = `brk ${brkEnd} → ${newEnd}`;
        // model: whatever region starts at brkStart is the heap and now ends at newEnd; else a new heap is made
        const heap = a.find(brkStart * PAGE);
        const startsHere = heap && heap.start === brkStart * PAGE ? { end: heap.end / PAGE, prot: heap.prot, id: heap.res.id } : undefined;
        a.resizeAt(brkStart * PAGE, newEnd * PAGE, () => region(0, 0, RW, 'brk-heap', brkRes));
        if (startsHere) {
          if (newEnd > startsHere.end) for (let p = startsHere.end; p < newEnd; p++) ref.set(p, [startsHere.prot, startsHere.id]);
          else for (let p = Math.max(newEnd, brkStart); p < startsHere.end; p++) ref.delete(p);
          if (newEnd <= brkStart) for (let p = brkStart; p < startsHere.end; p++) ref.delete(p);
        } else if (newEnd > brkStart) {
          for (let p = brkStart; p < newEnd; p++) ref.set(p, [RW, brkRes.id]);
        }
        brkEnd = newEnd;
      }
      assert.equal(a.check(), undefined, `after step ${step}: ${what}`);
      const pages = new Map<number, [number, number]>();
      for (const r of a.all()) for (let p = r.start / PAGE; p < r.end / PAGE; p++) pages.set(p, [r.prot, r.res.id]);
      if (pages.size !== ref.size) assert.equal(pages.size, ref.size, `pages after step ${step}: ${what}`);
      for (const [p, v] of ref) {
        const got = pages.get(p);
        if (!got || got[0] !== v[0] || got[1] !== v[1]) assert.deepEqual(got, v, `page ${p} after step ${step}: ${what}`);
      }
      let none = 0;
      for (const [prot] of ref.values()) if ((prot & 7) === 0) none++;
      refPeak = Math.max(refPeak, ref.size);
      assert.deepEqual([a.vsize / PAGE, a.reserved / PAGE], [ref.size, none], `totals after step ${step}: ${what}`);
      assert.equal(a.peak / PAGE, refPeak, `peak after step ${step}: ${what}`);
      // find() agrees at a few random pages
      for (let k = 0; k < 4; k++) {
        const p = BASE + int(SPAN + 8);
        const f = a.find(p * PAGE + int(PAGE));
        assert.equal(f ? f.res.id : undefined, ref.get(p)?.[1], `find page ${p} after step ${step}`);
      }
    }
    assert.ok(a.size > 5, 'the map held many regions');
  });

  it('pageAlignUp', () => {
    assert.deepEqual([pageAlignUp(0), pageAlignUp(1), pageAlignUp(4096), pageAlignUp(38759), pageAlignUp(8392704)], [0, 4096, 4096, 40960, 8392704]);
  });
});

describe('AddressSpace: ranges that map nothing', () => {
  it('insert of an empty or negative range changes nothing', () => {
    const a = new AddressSpace();
    a.insert(region(0, 4, RW));
    for (const [s, e] of [[10, 10], [20, 12], [2, 2]]) assert.deepEqual(a.insert(region(s, e, RW)), []);
    // far above 2^53 a page is below the precision of a double: start + 4096 === start
    const far = 2 ** 70;
    assert.deepEqual(a.insert({ start: far, end: far + PAGE, prot: RW, kind: 'other', res: res() }), []);
    assert.deepEqual(shape(a).map((r) => r.slice(0, 3)), [[0, 4, RW]]);
    assert.deepEqual([a.vsize, a.peak, a.check()], [4 * PAGE, 4 * PAGE, undefined]);
  });

  it('ranges outside [0, 2^53] are ignored, so totals stay exact; page ranges above it (to 2^64) are exact and kept', () => {
    const a = new AddressSpace();
    a.insert({ start: 0, end: 2 ** 53, prot: NONE, kind: 'other', res: res() });
    assert.deepEqual(a.insert({ start: -1, end: -1 + 118784, prot: RW, kind: 'other', res: res() }), []);
    assert.deepEqual(a.insert({ start: 2 ** 53 - PAGE, end: 2 ** 53 + PAGE + 2, prot: RW, kind: 'other', res: res() }), []);
    assert.deepEqual(a.insert({ start: 2 ** 64 - PAGE, end: 2 ** 64 + PAGE, prot: RW, kind: 'other', res: res() }), []);
    a.resizeAt(2 ** 53 - PAGE, 2 ** 53 + PAGE + 2, () => region(0, 0, RW, 'brk-heap'));
    assert.deepEqual([a.size, a.vsize, a.reserved, a.check()], [1, 2 ** 53, 2 ** 53, undefined]);
    a.protect(0, 1, RW); // an unaligned piece: still exact below 2^53
    assert.deepEqual([a.size, a.vsize, a.reserved, a.check()], [2, 2 ** 53, 2 ** 53 - 1, undefined]);
    // the kernel's last page, 0xfffffffffffff000: both ends are page multiples, exact in a double
    a.insert({ start: 2 ** 64 - PAGE, end: 2 ** 64, prot: RW, kind: 'other', res: res() });
    assert.deepEqual([a.size, a.vsize - 2 ** 53, a.check()], [3, PAGE, undefined]);
  });
});
