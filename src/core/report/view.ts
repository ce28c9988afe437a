// The report as the panel shows it: a verdict, the side-by-side rows with the smallest marked and deltas
// against a chosen baseline, the breakdown per category, the timeline series, thread lanes, the event
// filter and suggestions. Pure functions of the Report, no DOM and no Node: the webview, the standalone
// HTML and the unit tests all use this.
import { formatMiB, formatSize as formatBytes } from '../format';
import { categoryLabel } from './explain';
import { comparisonRows, dnsResolver, exitStatus } from './table';
import type { CategoryKind, EventReport, ProcessReport, Report, ThreadReport, VariantReport } from '../../protocol/report';

const MiB = 1024 * 1024;

export const CATEGORY_ORDER: CategoryKind[] = ['thread-stack', 'guard-page', 'malloc-arena', 'go-heap', 'go-runtime', 'shared-library', 'executable', 'brk-heap', 'file', 'stack-vdso', 'other'];

/** One sentence per category: what it is and why it is that size. */
export const CATEGORY_WHY: Record<CategoryKind, string> = {
  'thread-stack': 'glibc pthread_create maps every thread an 8 MiB stack (the ulimit -s default), MAP_STACK, reserved but only touched as the thread runs.',
  'guard-page': 'a 4 KiB PROT_NONE page below each glibc thread stack, so an overflow faults instead of corrupting the neighbour.',
  'malloc-arena': 'glibc gives threads that malloc their own arena: 128 MiB reserved PROT_NONE|MAP_NORESERVE, trimmed to a 64 MiB-aligned 64 MiB heap.',
  'go-heap': 'the Go heap: 64 MiB arenas the runtime reserves at hints from 0xc000000000, committed as the program allocates.',
  'go-runtime': 'the Go runtime\'s own reservations: page summaries, the scavenger index and arena metadata, sized for the whole address space but never touched.',
  'shared-library': 'libc and the other shared libraries a dynamically linked (cgo) binary loads, and ld.so.',
  executable: 'the program\'s own segments (text, data, bss), mapped by execve from the binary.',
  'brk-heap': 'the classic heap that brk grows; glibc malloc uses it on the main thread.',
  file: 'files mapped into memory (locale archives, caches).',
  'stack-vdso': 'the main thread\'s stack and the kernel\'s vDSO/vvar pages, mapped by execve.',
  other: 'anonymous mappings the log shows without a telling shape or stack.',
};

export function mainProcess(v: VariantReport): ProcessReport | undefined {
  return v.processes[0];
}

export function usesCgo(v: VariantReport): boolean {
  if (v.run?.cgoPackages?.length) return true;
  if (v.run?.linkage === 'static') return false;
  return (mainProcess(v)?.categories['thread-stack']?.count ?? 0) > 0 && (mainProcess(v)?.libraries.length ?? 0) > 0;
}

function count(p: ProcessReport | undefined, k: CategoryKind): number {
  return p?.categories[k]?.count ?? 0;
}
function bytes(p: ProcessReport | undefined, k: CategoryKind): number {
  return p?.categories[k]?.bytes ?? 0;
}

function signed(n: number, fmt: (x: number) => string): string {
  return `${n >= 0 ? '+' : '−'}${fmt(Math.abs(n))}`;
}

/**
 * Why a variant's figures are not those of a finished run (killed at the timeout, crashed, a log cut
 * short), in a few words; undefined for a run that ended normally.
 */
export function incompleteReason(v: VariantReport): string | undefined {
  const exit = exitStatus(v);
  if (v.run?.timedOut) return 'killed at the timeout';
  // a run whose exit status is not recorded is no evidence of a failure
  if (exit !== undefined && exit !== 'unknown') return `ended with ${exit}`;
  if (v.partial) return v.partialReasons[0] ?? 'partial';
  return undefined;
}

function listNames(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * "The default build reserves 290.3 MiB more virtual memory than pure: 4 thread stacks (32 MiB) + …".
 * Variants that did not finish (timeout, crash, a cut log) are left out of the comparison and named, so
 * the verdict never rests on a killed program's figures; if none finished, the comparison is flagged.
 */
export function verdict(report: Report): string {
  const all = report.variants.filter((v) => mainProcess(v));
  if (all.length === 0) return 'The log shows no process.';
  const incomplete = all.filter((v) => incompleteReason(v) !== undefined);
  const complete = all.filter((v) => incompleteReason(v) === undefined);
  const why = (vs: VariantReport[]) => listNames(vs.map((v) => `${v.name} (${incompleteReason(v)})`));
  const alone = (v: VariantReport) => {
    const p = mainProcess(v)!;
    const k = p.kernel ? `; the kernel says ${formatMiB(p.kernel.vmSize)}` : '';
    return `${v.name}: ${formatMiB(p.vsizeAtExit)} of virtual memory at ${p.measuredAt.what}${k}, ${p.threadsCreated + 1} threads (${count(p, 'thread-stack')} with glibc 8 MiB stacks), ${count(p, 'malloc-arena')} malloc arenas.`;
  };
  if (all.length === 1) {
    return `${alone(all[0])}${incomplete.length ? ` The run did not finish (${incompleteReason(all[0])}): these are its figures when it stopped.` : ''}`;
  }
  // one run finished: nothing to compare it with (the others' figures are of programs stopped early)
  if (complete.length === 1) {
    return `${alone(complete[0])} ${why(incomplete)} did not finish, so there is nothing to compare it with.`;
  }
  // compare the runs that finished; when none did, compare them all but say so
  const vs = complete.length >= 2 ? complete : all;
  const left = complete.length >= 2 && incomplete.length
    ? ` ${why(incomplete)} ${incomplete.length === 1 ? 'is left out: its figures are those of a run' : 'are left out: their figures are those of runs'} that did not finish.`
    : '';
  const flagged = complete.length === 0 ? ` None of the runs finished (${listNames(all.map((v) => `${v.name}: ${incompleteReason(v)}`))}): these are their figures when they stopped.` : '';
  const big = vs.reduce((a, b) => (mainProcess(b)!.vsizeAtExit > mainProcess(a)!.vsizeAtExit ? b : a));
  const small = vs.reduce((a, b) => (mainProcess(b)!.vsizeAtExit < mainProcess(a)!.vsizeAtExit ? b : a));
  const pb = mainProcess(big)!;
  const ps = mainProcess(small)!;
  const diff = pb.vsizeAtExit - ps.vsizeAtExit;
  if (diff === 0) {
    const finished = vs === complete && incomplete.length > 0;
    const which = vs.length === 2 ? `Both ${finished ? 'finished ' : ''}variants` : `All ${vs.length}${finished ? ' finished' : ''} variants`;
    return `${which} have the same virtual size: ${formatMiB(pb.vsizeAtExit)}.${left}${flagged}`;
  }
  const parts: string[] = [];
  const sorted = CATEGORY_ORDER
    .map((k) => ({ k, d: bytes(pb, k) - bytes(ps, k), n: count(pb, k) - count(ps, k) }))
    .filter((x) => x.d > 0)
    .sort((a, b) => b.d - a.d);
  for (const x of sorted.slice(0, 4)) {
    parts.push(x.n > 0 && (x.k === 'thread-stack' || x.k === 'malloc-arena' || x.k === 'guard-page')
      ? `${x.n} ${categoryLabel(x.k)} (${formatBytes(x.d)})`
      : `${categoryLabel(x.k)} (${formatBytes(x.d)})`);
  }
  if (sorted.length > 4) parts.push('…');
  const rss = pb.kernel?.vmRss !== undefined && ps.kernel?.vmRss !== undefined
    ? `; resident memory differs by ${formatMiB(Math.abs(pb.kernel.vmRss - ps.kernel.vmRss))}` : '';
  const who = usesCgo(big) && !usesCgo(small) ? ` (cgo)` : '';
  return `The ${big.name}${who} build reserves ${formatMiB(diff)} more virtual memory than ${small.name}: ${parts.join(' + ')}${rss}.${left}${flagged}`;
}

export interface Cell {
  text: string;
  value?: number;
  smallest?: boolean;
  /** against the baseline variant, when the row is numeric */
  delta?: string;
}

export interface ViewRow {
  label: string;
  /** a sentence for the row header's tooltip */
  help?: string;
  cells: Cell[];
}

const ROW_HELP: Record<string, string> = {
  exit: 'How the program ended when not with exit status 0 (a panic, a fatal signal, a timeout): its figures are those of that run.',
  'VSZ at exit (model)': 'Virtual size rebuilt from the log at exit_group: every mapping the program had.',
  'VmSize (kernel)': 'What /proc/PID/status said at the same moment, and how far the model is from it.',
  'reserved PROT_NONE': 'Address space reserved but not accessible: it costs no memory.',
  '8 MiB thread stacks': 'glibc pthread_create stacks (cgo threads); Go\'s own threads use stacks from the Go heap.',
  'malloc arenas': 'glibc malloc arenas (64 MiB heaps carved from 128 MiB reservations).',
};

/** Rows whose values can be compared with a baseline (bytes or counts). */
export const BYTE_ROWS = new Set(['VSZ at exit (model)', 'VSZ peak (model)', 'RSS (kernel)', 'reserved PROT_NONE', 'binary size']);

export function comparison(report: Report, baseline?: string): ViewRow[] {
  const base = Math.max(0, report.variants.findIndex((v) => v.name === baseline));
  return comparisonRows(report).map((r) => {
    const defined = (r.values ?? []).filter((v): v is number => v !== undefined);
    const min = defined.length >= 2 && !defined.every((v) => v === defined[0]) ? Math.min(...defined) : undefined;
    const cells: Cell[] = r.cells.map((text, i) => {
      const value = r.values?.[i];
      const cell: Cell = { text, value, smallest: min !== undefined && value === min };
      const b = r.values?.[base];
      if (report.variants.length > 1 && i !== base && value !== undefined && b !== undefined && value !== b) {
        // one number in the row's own unit: "−290.0 MiB", never "−290 MiB + 28 KiB"
        cell.delta = BYTE_ROWS.has(r.label) ? signed(value - b, formatMiB) : signed(value - b, String);
      }
      return cell;
    });
    return { label: r.label, help: ROW_HELP[r.label], cells };
  });
}

export interface Segment {
  kind: CategoryKind;
  label: string;
  bytes: number;
  count: number;
  /** "4 × 8 MiB" where every item has the same size by construction */
  detail: string;
  why: string;
  estimate: boolean;
  share: number;
}

export interface Breakdown {
  variant: string;
  total: number;
  kernel?: number;
  segments: Segment[];
}

export function breakdown(report: Report): Breakdown[] {
  return report.variants.flatMap((v) => {
    const p = mainProcess(v);
    if (!p) return [];
    const total = CATEGORY_ORDER.reduce((s, k) => s + bytes(p, k), 0);
    const segments = CATEGORY_ORDER.filter((k) => bytes(p, k) > 0).map((k) => {
      const c = p.categories[k]!;
      const uniform = (k === 'thread-stack' || k === 'guard-page' || k === 'malloc-arena') && c.count > 1 && c.bytes % c.count === 0;
      return {
        kind: k,
        label: categoryLabel(k),
        bytes: c.bytes,
        count: c.count,
        detail: uniform ? `${c.count} × ${formatBytes(c.bytes / c.count)} = ${formatBytes(c.bytes)}` : `${c.count > 1 ? `${c.count} mappings, ` : ''}${formatBytes(c.bytes)}`,
        why: CATEGORY_WHY[k],
        estimate: p.unseen.some((u) => u.kind === k && u.estimate && u.bytes > 0),
        share: total > 0 ? c.bytes / total : 0,
      };
    });
    return [{ variant: v.name, total, kernel: p.kernel?.vmSize, segments }];
  });
}

export interface Marker {
  /** seconds from the variant's first point */
  t: number;
  line: number;
  kind: 'thread' | 'reservation';
  label: string;
}

export interface Series {
  variant: string;
  /** seconds from the first point (or line numbers when the log has no timestamps) */
  t: number[];
  /** the log line of each point */
  lines: number[];
  vsize: number[];
  reserved: number[];
  accessible: number[];
  markers: Marker[];
  timed: boolean;
}

const BIG_RESERVATION = 8 * MiB;

/** Time zero of a variant: its earliest timestamp (the execve usually), shared by the timeline, lanes and trace. */
export function originOf(v: VariantReport): number {
  let t0 = v.timeline.length ? v.timeline[0].t : Infinity;
  for (const t of v.processes[0]?.threads ?? []) if (t.createdTime !== undefined && t.createdTime < t0) t0 = t.createdTime;
  if (v.events.length && v.events[0].time !== undefined && v.events[0].time < t0) t0 = v.events[0].time;
  return Number.isFinite(t0) ? t0 : 0;
}

export function timeline(report: Report): Series[] {
  return report.variants.map((v) => {
    const pts = v.timeline;
    const timed = v.log.capture.timestamps !== 'none' && pts.length > 0 && pts.some((p) => p.t !== p.line);
    const t0 = timed ? originOf(v) : 0;
    const scale = (t: number) => (timed ? (t - t0) / 1e6 : t);
    const markers: Marker[] = [];
    for (const e of v.events) {
      const t = timed ? (e.time !== undefined ? scale(e.time) : undefined) : e.line;
      if (t === undefined) continue;
      if ((e.op === 'clone' || e.op === 'clone3') && e.child !== undefined) markers.push({ t, line: e.line, kind: 'thread', label: `thread ${e.child} created by ${e.tid}` });
      else if (e.op === 'mmap' && (e.size ?? 0) >= BIG_RESERVATION) markers.push({ t, line: e.line, kind: 'reservation', label: `${formatBytes(e.size!)} ${e.kind ? categoryLabel(e.kind) : ''}`.trim() });
    }
    return {
      variant: v.name,
      t: pts.map((p) => scale(timed ? p.t : p.line)),
      lines: pts.map((p) => p.line),
      vsize: pts.map((p) => p.vsize),
      reserved: pts.map((p) => p.reserved),
      accessible: pts.map((p) => p.vsize - p.reserved),
      markers,
      timed,
    };
  });
}

/**
 * A series thinned for drawing: the x range is cut into `buckets` columns and each column keeps its first
 * and last point and the points where virtual, reserved and accessible bytes are lowest and highest, in
 * their order. At a column per pixel or finer the drawn lines are the same as with every point, peaks
 * included; 10^6 points become at most 8 per column. Markers keep the first of each kind per column.
 * A series with at most 8 points per column comes back as it is.
 */
export function downsample(s: Series, buckets: number): Series {
  const n = s.t.length;
  if (n <= buckets * 8 || n < 2) return s;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (s.t[i] < lo) lo = s.t[i];
    if (s.t[i] > hi) hi = s.t[i];
  }
  const width = hi > lo ? (hi - lo) / buckets : 1;
  const col = (t: number) => Math.min(buckets - 1, Math.floor((t - lo) / width));
  // per column: first, last, and argmin/argmax of the three lines (-1: empty column)
  const pick = new Int32Array(buckets * 8).fill(-1);
  const ys = [s.vsize, s.reserved, s.accessible];
  for (let i = 0; i < n; i++) {
    const b = col(s.t[i]) * 8;
    if (pick[b] < 0) pick[b] = i;
    pick[b + 1] = i;
    for (let k = 0; k < 3; k++) {
      const y = ys[k];
      const mn = b + 2 + 2 * k;
      if (pick[mn] < 0 || y[i] < y[pick[mn]]) pick[mn] = i;
      if (pick[mn + 1] < 0 || y[i] > y[pick[mn + 1]]) pick[mn + 1] = i;
    }
  }
  const keep = new Uint8Array(n);
  for (let j = 0; j < pick.length; j++) if (pick[j] >= 0) keep[pick[j]] = 1;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) idx.push(i);
  const seen = new Set<string>();
  const markers = s.markers.filter((m) => {
    const key = `${m.kind}:${col(m.t)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    ...s,
    t: idx.map((i) => s.t[i]),
    lines: idx.map((i) => s.lines[i]),
    vsize: idx.map((i) => s.vsize[i]),
    reserved: idx.map((i) => s.reserved[i]),
    accessible: idx.map((i) => s.accessible[i]),
    markers,
  };
}

export interface Lane {
  tid: number;
  how: ThreadReport['how'];
  why: string;
  /** seconds from the variant's start; end undefined = alive at the end of the log */
  start: number;
  end?: number;
  stack?: string;
  arena?: string;
  label: string;
}

export function threadLanes(v: VariantReport): { lanes: Lane[]; span: number } {
  const p = mainProcess(v);
  if (!p) return { lanes: [], span: 0 };
  const t0 = originOf(v);
  const timed = p.threads.some((t) => t.createdTime !== undefined);
  const at = (time: number | undefined, line: number | undefined) => (timed ? (time !== undefined ? (time - t0) / 1e6 : undefined) : line);
  const lanes = p.threads.map((t) => {
    const start = at(t.createdTime, t.createdLine) ?? 0;
    const end = at(t.exitedTime, t.exitedLine);
    const stack = t.stackBytes ? `${formatBytes(t.stackBytes)} stack${t.guardBytes ? ` + ${formatBytes(t.guardBytes)} guard` : ''} at ${t.stackAddress}` : undefined;
    return {
      tid: t.tid, how: t.how, why: t.why, start, end, stack,
      arena: t.arenaAddress ? `malloc arena at ${t.arenaAddress}` : undefined,
      label: `${t.tid} · ${t.how}`,
    };
  });
  const last = v.timeline.length ? at(v.timeline[v.timeline.length - 1].t, v.timeline[v.timeline.length - 1].line) ?? 0 : 0;
  const span = Math.max(last, ...lanes.map((l) => l.end ?? l.start));
  return { lanes, span };
}

export interface EventFilter {
  tid?: number;
  kind?: CategoryKind | 'none';
  /** minimum size in bytes */
  minSize?: number;
  /** substring of op or note, case-insensitive */
  text?: string;
}

/**
 * Indexes of the events that pass the filter, in log order. `within` (indexes, in order) limits the scan
 * to the events a looser filter let through (see `narrows`): typing on in the text field filters the last
 * result, not every event again.
 */
export function filterEvents(events: EventReport[], f: EventFilter, within?: number[]): number[] {
  const text = f.text?.trim();
  // a case-insensitive search of the literal text: no lower-cased copy of each note per event (10^6 of them)
  const re = text ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') : undefined;
  const out: number[] = [];
  const n = within ? within.length : events.length;
  for (let j = 0; j < n; j++) {
    const i = within ? within[j] : j;
    const e = events[i];
    if (f.tid !== undefined && e.tid !== f.tid) continue;
    if (f.kind !== undefined && (f.kind === 'none' ? e.kind !== undefined : e.kind !== f.kind)) continue;
    if (f.minSize !== undefined && (e.size ?? 0) < f.minSize) continue;
    if (re && !re.test(e.op) && !re.test(e.note) && !(e.flags !== undefined && re.test(e.flags))) continue;
    out.push(i);
  }
  return out;
}

/** Whether every event that passes `next` passes `prev`: the same other fields, and the text only grew. */
export function narrows(prev: EventFilter, next: EventFilter): boolean {
  if (prev.tid !== next.tid || prev.kind !== next.kind || prev.minSize !== next.minSize) return false;
  const a = prev.text?.trim().toLowerCase() ?? '';
  const b = next.text?.trim().toLowerCase() ?? '';
  return b.includes(a);
}

/** Short facts per variant for the header: Go version, DNS resolver, linkage. */
export function variantFacts(v: VariantReport): string[] {
  const f: string[] = [];
  // what the variant is: its environment (for the build and the run), tags and ldflags
  const recipe = [
    ...Object.entries(v.run?.env ?? {}).map(([k, val]) => `${k}=${val}`),
    ...(v.run?.tags?.length ? [`-tags ${v.run.tags.join(',')}`] : []),
    ...(v.run?.ldflags ? [`-ldflags '${v.run.ldflags}'`] : []),
  ];
  if (recipe.length) f.push(recipe.join(' '));
  if (v.run?.goVersion) f.push(v.run.goVersion);
  if (v.run?.linkage) f.push(v.run.linkage);
  if (v.run) f.push(`DNS: ${dnsResolver(v.run.dns)}`);
  if (v.partial) f.push(`partial: ${v.partialReasons.join('; ')}`);
  return f;
}
