import { categoryLabel } from './explain';
import { formatMiB } from '../format';
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
    { label: 'Go heap arenas', cells: P.map((p) => formatMiB(cat(p, 'go-heap')?.bytes ?? 0)) },
    { label: 'shared libraries', cells: P.map((p) => (p && p.libraries.length ? p.libraries.map((l) => l.split('/').pop()).join(', ') : 'none')) },
    { label: 'strace lines', cells: vs.map((v) => String(v.log.lines)), values: vs.map((v) => v.log.lines) },
  ];
  if (vs.some((v) => v.run)) {
    rows.push(
      { label: 'binary size', cells: vs.map((v) => (v.run?.binarySize ? formatMiB(v.run.binarySize) : '—')), values: vs.map((v) => v.run?.binarySize) },
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

/** Words of `text` in lines of at most `width` characters; a longer word is cut. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (line) lines.push(line);
      line = '';
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!word) continue;
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || !lines.length) lines.push(line);
  return lines;
}

/** The text table's width: 120 columns up to 4 variants (more get 14 columns each), notes below it. */
export const TABLE_WIDTH = 120;

/**
 * The side-by-side table for a terminal, at most `width` columns wide: a cell longer than its column's
 * share wraps onto more lines, and the notes (a partial run's reasons) go below the table, wrapped too.
 */
export function renderTable(report: Report, width = TABLE_WIDTH): string {
  const all = comparisonRows(report);
  const notes = all.find((r) => r.label === 'note');
  const header = ['', ...report.variants.map((v) => v.name)];
  const rows = all.filter((r) => r !== notes).map((r) => [r.label, ...markSmallest(r)]);
  const labelW = Math.max(...[header, ...rows].map((r) => r[0].length));
  const gap = 2;
  const n = header.length - 1;
  // each variant column gets an equal share of what the labels leave, or less when its cells are shorter
  const share = Math.max(14, Math.floor((width - labelW - gap * n) / Math.max(1, n)));
  const widths = header.map((_, i) => (i === 0 ? labelW : Math.min(share, Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)))));
  const lines = (r: string[]): string[] => {
    const cells = r.map((c, i) => (i === 0 ? [c] : wrapText(c, widths[i])));
    const h = Math.max(...cells.map((c) => c.length));
    return Array.from({ length: h }, (_, k) => cells.map((c, i) => (i === 0 ? (c[k] ?? '').padEnd(widths[i]) : (c[k] ?? '').padStart(widths[i]))).join(' '.repeat(gap)).trimEnd());
  };
  const out = [...lines(header), widths.map((w) => '─'.repeat(w)).join(' '.repeat(gap)), ...rows.flatMap(lines)];
  if (report.variants.length > 1) out.push('(* smallest)');
  if (notes) {
    out.push('');
    notes.cells.forEach((c, i) => {
      if (c === '—') return;
      const [first, ...more] = wrapText(`${report.variants[i].name}: ${c}`, width - 2);
      out.push(`${first}`, ...more.map((l) => `  ${l}`));
    });
  }
  return out.join('\n');
}

/**
 * The side-by-side table in Markdown (GitHub flavour): a column per variant, plain text cells (a ✓ after
 * the smallest value where the row is comparable); a partial run's notes are left to the document.
 */
export function markdownTable(report: Report): string {
  const esc = escapeMarkdownCell;
  const header = ['', ...report.variants.map((v) => esc(v.name))];
  // the notes are sentences: the document lists them under its verdict instead
  const rows = comparisonRows(report).filter((r) => r.label !== 'note').map((r) => {
    const min = smallest(r);
    return [esc(r.label), ...r.cells.map((c, i) => (min[i] ? `${esc(c)} ✓` : esc(c)))];
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
    out.push(`${v.name}: ${formatMiB(p.vsizeAtExit)} virtual at ${p.measuredAt.what} (line ${p.measuredAt.line})`);
    for (const l of p.napkin) out.push(`  ${l}`);
    const est = p.unseen.filter((u) => u.estimate && u.bytes > 0);
    if (est.length) out.push(`  estimated: ${est.map((u) => categoryLabel(u.kind)).join(', ')}`);
  }
  return out.join('\n');
}
