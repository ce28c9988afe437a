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

/**
 * How the program ended, when not with a clean exit 0: "2 (panic)", "2 (SIGSEGV)" (a fatal signal the Go
 * runtime caught, as in cgo code), "SIGSEGV" (killed by it), "SIGKILL (timeout)"; undefined for exit 0.
 * From the run when there is one (its exit status and output), else from the log's main process.
 */
export function exitStatus(v: VariantReport): string | undefined {
  const run = v.run;
  const p = mainProcess(v);
  const signal = run ? run.signal : p?.exitSignal;
  const code = run ? run.exitCode : p?.exitCode;
  if (run?.timedOut) return `${signal ?? 'killed'} (timeout)`;
  if (signal) return signal;
  if (code === 0) return undefined;
  if (code === undefined || code === null) return run ? 'unknown' : undefined;
  const out = run?.output ?? '';
  if (/^panic: /m.test(out)) return `${code} (panic)`;
  const sig = /^\[signal (SIG[A-Z0-9]+)/m.exec(out) ?? /^(SIG[A-Z0-9]+): /m.exec(out);
  if (sig) return `${code} (${sig[1]})`;
  if (/^fatal error: /m.test(out)) return `${code} (fatal error)`;
  return String(code);
}

/** The side-by-side table: one column per variant. */
export function comparisonRows(report: Report): Row[] {
  const vs = report.variants;
  const P = vs.map(mainProcess);
  const cat = (p: ProcessReport | undefined, k: CategoryKind) => p?.categories[k];
  const exits = vs.map(exitStatus);
  const rows: Row[] = [
    // first, when any variant did not end cleanly: its figures are of a crashed or killed program
    ...(exits.some((e) => e !== undefined) ? [{ label: 'exit', cells: exits.map((e) => e ?? '0') }] : []),
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

/** Whether each cell holds the smallest value, where the row is comparable and not all equal. */
function smallest(r: Row): boolean[] {
  const none = r.cells.map(() => false);
  if (!r.values || r.values.length < 2) return none;
  const defined = r.values.filter((v): v is number => v !== undefined);
  if (defined.length < 2) return none;
  const min = Math.min(...defined);
  if (defined.every((v) => v === min)) return none;
  return r.cells.map((_, i) => r.values![i] === min);
}

/** The cells, with " *" after the smallest value where the row is comparable and not all equal. */
export function markSmallest(r: Row): string[] {
  const min = smallest(r);
  return r.cells.map((c, i) => (min[i] ? `${c} *` : c));
}

/**
 * Text for a Markdown table cell, shown as written: names come from files, libraries and settings, so
 * HTML (<, >, &) and Markdown (| ` * _ [ ] ~ \) in them must not become markup, and a line break must not
 * end the row.
 */
export function escapeMarkdownCell(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)
    .replace(/[\\`*_[\]|~]/g, '\\$&');
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
  const esc = escapeMarkdownCell;
  const header = ['', ...report.variants.map((v) => esc(v.name))];
  const rows = comparisonRows(report).map((r) => {
    const min = smallest(r);
    return [esc(r.label), ...r.cells.map((c, i) => (min[i] ? `${esc(c)} **✓**` : esc(c)))];
  });
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
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
