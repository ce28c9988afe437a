// The report as the standalone HTML page embeds it: each variant's events and timeline points as columns
// of small numbers (deltas, indexes into a table of the strings and ids they repeat) instead of one JSON
// object per event. 10^5 events take ~3 MB instead of ~30 MB, and the page parses and unpacks them in a
// fraction of the time JSON.parse takes for the objects. unpackReport gives back the same Report.
// No DOM and no Node: the CLI writes it, the webview reads it, the unit tests check the round trip.
import { PACKED_FORMAT, type PackedEvents, type PackedReport, type PackedTimeline, type PackedVariant } from '../../protocol/packed';
import type { EventReport, Report, TimelinePoint, VariantReport } from '../../protocol/report';

export { PACKED_FORMAT, type PackedReport };

const OPTIONAL = ['time', 'address', 'size', 'prot', 'flags', 'kind', 'child', 'stack'] as const;
const EVENT_KEYS = new Set<string>(['line', 'tid', 'pid', 'op', 'note', 'vsizeAfter', ...OPTIONAL]);
const POINT_KEYS = new Set<string>(['t', 'line', 'vsize', 'reserved']);
const BIT = { time: 1, address: 2, size: 4, prot: 8, flags: 16, kind: 32, child: 64, stack: 128 } as const;

/** Whole numbers whose deltas add back exactly: anything else is left unpacked. */
const exact = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && Math.abs(x) < 2 ** 51;

/** A table of distinct values: `index(x)` is x's place in `values`, added at the end when new. */
function table<T>(): { values: T[]; index(x: T): number } {
  const values: T[] = [];
  const at = new Map<T, number>();
  return {
    values,
    index(x: T): number {
      let i = at.get(x);
      if (i === undefined) {
        i = values.length;
        values.push(x);
        at.set(x, i);
      }
      return i;
    },
  };
}

function packVariant(v: VariantReport): PackedVariant | null {
  const strings = table<string>();
  const ids = table<number>();
  const str = (s: string) => strings.index(s);
  const id = (x: number) => ids.index(x);
  const ev: PackedEvents = { n: v.events.length, mask: [], line: [], time: [], tid: [], pid: [], op: [], note: [], address: [], prot: [], flags: [], kind: [], size: [], vsizeAfter: [], child: [], stack: [] };
  let line = 0;
  let time = 0;
  let vsizeAfter = 0;
  for (const e of v.events) {
    for (const k in e) if (!EVENT_KEYS.has(k) && (e as unknown as Record<string, unknown>)[k] !== undefined) return null;
    if (!exact(e.line) || !exact(e.vsizeAfter) || typeof e.tid !== 'number' || typeof e.pid !== 'number' || typeof e.op !== 'string' || typeof e.note !== 'string') return null;
    let mask = 0;
    ev.line.push(e.line - line);
    line = e.line;
    ev.tid.push(id(e.tid));
    ev.pid.push(id(e.pid));
    ev.op.push(str(e.op));
    ev.note.push(str(e.note));
    ev.vsizeAfter.push(e.vsizeAfter - vsizeAfter);
    vsizeAfter = e.vsizeAfter;
    if (e.time !== undefined) {
      if (!exact(e.time)) return null;
      mask |= BIT.time;
      ev.time.push(e.time - time);
      time = e.time;
    }
    for (const k of ['address', 'prot', 'flags', 'kind'] as const) {
      const s = e[k];
      if (s === undefined) continue;
      if (typeof s !== 'string') return null;
      mask |= BIT[k];
      ev[k].push(str(s));
    }
    for (const k of ['size', 'child'] as const) {
      const x = e[k];
      if (x === undefined) continue;
      if (typeof x !== 'number') return null;
      mask |= BIT[k];
      ev[k].push(x);
    }
    if (e.stack !== undefined) {
      if (!Array.isArray(e.stack) || e.stack.some((f) => typeof f !== 'string')) return null;
      mask |= BIT.stack;
      ev.stack.push(e.stack.map(str));
    }
    ev.mask.push(mask);
  }
  const tl: PackedTimeline = { n: v.timeline.length, t: [], line: [], vsize: [], reserved: [] };
  const last = { t: 0, line: 0, vsize: 0, reserved: 0 };
  for (const p of v.timeline) {
    for (const k in p) if (!POINT_KEYS.has(k) && (p as unknown as Record<string, unknown>)[k] !== undefined) return null;
    for (const k of ['t', 'line', 'vsize', 'reserved'] as const) {
      if (!exact(p[k])) return null;
      tl[k].push(p[k] - last[k]);
      last[k] = p[k];
    }
  }
  return { strings: strings.values, ids: ids.values, events: ev, timeline: tl };
}

/** The report in columns; a variant with anything the columns do not know (a new field) stays as it is. */
export function packReport(report: Report): PackedReport {
  const variants = report.variants.map(packVariant);
  return {
    format: PACKED_FORMAT,
    report: { ...report, variants: report.variants.map((v, i) => (variants[i] ? { ...v, events: [], timeline: [] } : v)) },
    variants,
  };
}

function unpackVariant(v: VariantReport, p: PackedVariant): VariantReport {
  const { strings: S, ids, events: c } = p;
  const events: EventReport[] = new Array(c.n);
  const at = { time: 0, address: 0, size: 0, prot: 0, flags: 0, kind: 0, child: 0, stack: 0 };
  let line = 0;
  let time = 0;
  let vsizeAfter = 0;
  for (let i = 0; i < c.n; i++) {
    const mask = c.mask[i];
    line += c.line[i];
    vsizeAfter += c.vsizeAfter[i];
    // one object literal with every field (absent ones undefined, which JSON drops): one shape for all
    // events, every field in the object, fields in the protocol's order
    events[i] = {
      line,
      time: mask & BIT.time ? (time += c.time[at.time++]) : undefined,
      tid: ids[c.tid[i]],
      pid: ids[c.pid[i]],
      op: S[c.op[i]],
      address: mask & BIT.address ? S[c.address[at.address++]] : undefined,
      size: mask & BIT.size ? c.size[at.size++] : undefined,
      prot: mask & BIT.prot ? S[c.prot[at.prot++]] : undefined,
      flags: mask & BIT.flags ? S[c.flags[at.flags++]] : undefined,
      kind: mask & BIT.kind ? (S[c.kind[at.kind++]] as EventReport['kind']) : undefined,
      note: S[c.note[i]],
      vsizeAfter,
      child: mask & BIT.child ? c.child[at.child++] : undefined,
      stack: mask & BIT.stack ? c.stack[at.stack++].map((j) => S[j]) : undefined,
    };
  }
  const t = p.timeline;
  const timeline: TimelinePoint[] = new Array(t.n);
  let pt = 0;
  let pl = 0;
  let pv = 0;
  let pr = 0;
  for (let i = 0; i < t.n; i++) {
    pt += t.t[i];
    pl += t.line[i];
    pv += t.vsize[i];
    pr += t.reserved[i];
    timeline[i] = { t: pt, line: pl, vsize: pv, reserved: pr };
  }
  return { ...v, events, timeline };
}

/** The Report from what the page embeds: a packed report, or (from other writers) a plain one. */
export function unpackReport(data: unknown): Report {
  const d = data as Partial<PackedReport>;
  if (!d || d.format !== PACKED_FORMAT || !d.report || !Array.isArray(d.variants)) return data as Report;
  const packed = d.variants;
  return { ...d.report, variants: d.report.variants.map((v, i) => (packed[i] ? unpackVariant(v, packed[i]!) : v)) };
}
