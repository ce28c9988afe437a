import { categoryLabel } from './explain';
import { formatBytes, formatMiB } from '../format';
import type { CategoryKind, ProcessReport, Report, VariantReport } from '../../protocol/report';

/** Which resolver Go said it used (GODEBUG=netdns=2 output), in a few words. */
export function dnsResolver(dns: string | undefined): string {
  if (!dns) return 'no lookup';
  const order = /hostLookupOrder\([^)]*\) = (\S+)/.exec(dns);
  if (order) return order[1] === 'cgo' ? 'cgo (libc getaddrinfo)' : `go (${order[1]})`;
  if (/netCgo = true|using cgo DNS resolver/.test(dns)) return 'cgo';
  if (/using the Go DNS resolver|netGo = true/.test(dns)) return 'go';
  return dns.split('\n')[0].replace(/^go package net: /, '');
}

export interface Row {
  label: string;
  cells: string[];
  /** numeric values to mark the smallest, when comparable */
  values?: Array<number | undefined>;
}

function mainProcess(v: VariantReport): ProcessReport | undefined {
  return v.processes[0];
}

function diff(model: number, kernel: number | undefined): string {
  if (kernel === undefined) return '';
  const d = ((model - kernel) / kernel) * 100;
  return ` (${d >= 0 ? '+' : ''}${d.toFixed(2)}%)`;
}

/** The side-by-side table: one column per variant. */
export function comparisonRows(report: Report): Row[] {
  const vs = report.variants;
  const P = vs.map(mainProcess);
  const cat = (p: ProcessReport | undefined, k: CategoryKind) => p?.categories[k];
  const rows: Row[] = [
    { label: 'VSZ at exit (model)', cells: P.map((p) => (p ? formatMiB(p.vsizeAtExit) : '—')), values: P.map((p) => p?.vsizeAtExit) },
    { label: 'VmSize (kernel)', cells: P.map((p) => (p?.kernel ? formatMiB(p.kernel.vmSize) + diff(p.vsizeAtExit, p.kernel.vmSize) : '—')) },
    { label: 'VSZ peak (model)', cells: P.map((p) => (p ? formatMiB(p.vsizePeak) : '—')), values: P.map((p) => p?.vsizePeak) },
    { label: 'VmPeak (kernel)', cells: P.map((p) => (p?.kernel ? formatMiB(p.kernel.vmPeak) + diff(p.vsizePeak, p.kernel.vmPeak) : '—')) },
    { label: 'RSS (kernel)', cells: P.map((p) => (p?.kernel?.vmRss !== undefined ? formatMiB(p.kernel.vmRss) : '—')), values: P.map((p) => p?.kernel?.vmRss) },
    { label: 'reserved PROT_NONE', cells: P.map((p) => (p ? formatMiB(p.reservedAtExit) : '—')), values: P.map((p) => p?.reservedAtExit) },
    { label: 'threads created / alive', cells: P.map((p) => (p ? `${p.threadsCreated} / ${p.threadsAtExit}${p.kernel ? ` (kernel ${p.kernel.threads})` : ''}` : '—')), values: P.map((p) => p?.threadsAtExit) },
    { label: '8 MiB thread stacks', cells: P.map((p) => String(cat(p, 'thread-stack')?.count ?? 0)), values: P.map((p) => cat(p, 'thread-stack')?.count ?? 0) },
    { label: 'malloc arenas', cells: P.map((p) => String(cat(p, 'malloc-arena')?.count ?? 0)), values: P.map((p) => cat(p, 'malloc-arena')?.count ?? 0) },
    { label: 'Go heap arenas', cells: P.map((p) => formatBytes(cat(p, 'go-heap')?.bytes ?? 0)) },
    { label: 'shared libraries', cells: P.map((p) => (p && p.libraries.length ? p.libraries.map((l) => l.split('/').pop()).join(', ') : 'none')) },
    { label: 'strace lines', cells: vs.map((v) => String(v.log.lines)), values: vs.map((v) => v.log.lines) },
  ];
  if (vs.some((v) => v.run)) {
    rows.push(
      { label: 'binary size', cells: vs.map((v) => (v.run?.binarySize ? formatBytes(v.run.binarySize) : '—')), values: vs.map((v) => v.run?.binarySize) },
      { label: 'linkage', cells: vs.map((v) => v.run?.linkage ?? '—') },
      { label: 'DNS resolver', cells: vs.map((v) => dnsResolver(v.run?.dns)) },
      { label: 'cgo brought in by', cells: vs.map((v) => (v.run?.cgoPackages?.length ? v.run.cgoPackages.join(', ') : 'nothing')) },
      { label: 'Go version', cells: vs.map((v) => v.run?.goVersion ?? '—') },
    );
  }
  const partial = vs.map((v) => (v.partial ? `partial: ${v.partialReasons.join('; ')}` : ''));
  if (partial.some(Boolean)) rows.push({ label: 'note', cells: partial.map((s) => s || '—') });
  return rows;
}

/** The cells, with " *" after the smallest value where the row is comparable and not all equal. */
export function markSmallest(r: Row): string[] {
  if (!r.values || r.values.length < 2) return r.cells;
  const defined = r.values.filter((v): v is number => v !== undefined);
  if (defined.length < 2) return r.cells;
  const min = Math.min(...defined);
  if (defined.every((v) => v === min)) return r.cells;
  return r.cells.map((c, i) => (r.values![i] === min ? `${c} *` : c));
}

export function renderTable(report: Report): string {
  const header = ['', ...report.variants.map((v) => v.name)];
  const rows = comparisonRows(report).map((r) => [r.label, ...markSmallest(r)]);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
  if (report.variants.length > 1) out.push('(* smallest)');
  return out.join('\n');
}

export function renderMarkdown(report: Report): string {
  const header = ['', ...report.variants.map((v) => v.name)];
  const rows = comparisonRows(report).map((r) => [r.label, ...markSmallest(r).map((c) => c.replace(/ \*$/, ' **✓**'))]);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** The seed's napkin math, per variant: where the virtual size goes. */
export function renderBreakdown(report: Report): string {
  const out: string[] = [];
  for (const v of report.variants) {
    const p = mainProcess(v);
    if (!p) continue;
    out.push(`${v.name}: ${formatBytes(p.vsizeAtExit)} virtual at ${p.measuredAt.what} (line ${p.measuredAt.line})`);
    for (const l of p.napkin) out.push(`  ${l}`);
    const est = p.unseen.filter((u) => u.estimate && u.bytes > 0);
    if (est.length) out.push(`  estimated: ${est.map((u) => categoryLabel(u.kind)).join(', ')}`);
  }
  return out.join('\n');
}
