// What the panel and the CLI save: the Markdown report (for a GitHub issue), the Chrome trace-event JSON
// (opens in Perfetto and chrome://tracing) and the standalone HTML report. No Node imports: the webview
// builds these too.
import { formatMiB } from '../format';
import type { Report } from '../../protocol/report';
import { packReport } from './packed';
import { escapeMarkdownCell, markdownTable } from './table';
import { breakdown, incompleteReason, originOf, threadLanes, verdict } from './view';

/**
 * The report as a small Markdown document that reads well pasted into a GitHub issue: a title (package,
 * Go version), the verdict, the variants that did not finish, the side-by-side table, and where each
 * variant's virtual size goes, category by category (resident memory is the kernel's total, where known).
 */
export function renderMarkdown(report: Report): string {
  const esc = escapeMarkdownCell;
  // the folder's name, as the panel's title has it: a full path would put this machine's layout in an issue
  const name = report.package
    ? report.package.split(', ').map((p) => p.split(/[\\/]/).filter(Boolean).pop() ?? p).join(', ')
    : report.variants[0]?.name ?? 'report';
  const go = [...new Set(report.variants.map((v) => v.run?.goVersion).filter((x): x is string => !!x))];
  const out: string[] = [`# Go Memory Lens: ${esc(name)}`, ''];
  const meta = [
    go.length ? esc(go.join(', ')) : undefined,
    `${report.variants.length} variant${report.variants.length === 1 ? '' : 's'}`,
    `${report.kind === 'investigation' ? 'traced' : 'analyzed'} ${report.createdAt.slice(0, 10)}`,
  ].filter(Boolean);
  out.push(meta.join(' · '), '', `**Verdict:** ${esc(verdict(report))}`, '');
  const partial = report.variants.filter((v) => v.partial || incompleteReason(v) !== undefined);
  if (partial.length) {
    for (const v of partial) {
      const reasons = v.partialReasons.length ? v.partialReasons.join('; ') : incompleteReason(v)!;
      out.push(`- ⚠ ${esc(v.name)} did not finish: ${esc(reasons)}.`);
    }
    out.push('');
  }
  out.push('## Side by side', '', markdownTable(report), '');
  if (report.variants.length > 1) out.push('✓ marks the smallest value in its row.', '');
  out.push('## Where the virtual size goes', '');
  for (const b of breakdown(report)) {
    const v = report.variants.find((x) => x.name === b.variant)!;
    const rss = v.processes[0]?.kernel?.vmRss;
    const kernel = b.kernel !== undefined ? `; the kernel says ${formatMiB(b.kernel)}` : '';
    out.push(`### ${esc(b.variant)}: ${formatMiB(b.total)} virtual${kernel}${rss !== undefined ? `, ${formatMiB(rss)} resident` : ''}`, '');
    out.push('| category | virtual | share | why |', '| --- | ---: | ---: | --- |');
    for (const s of b.segments) {
      out.push(`| ${esc(s.label)} | ${esc(s.detail)}${s.estimate ? ' (partly estimated)' : ''} | ${s.share > 0 && s.share < 0.001 ? esc('<0.1') : (s.share * 100).toFixed(1)}% | ${esc(s.why)} |`);
    }
    out.push('');
  }
  out.push(`<sub>${esc(`${report.tool.name} ${report.tool.version}`)}</sub>`);
  return out.join('\n');
}

interface TraceEvent {
  name: string;
  ph: 'M' | 'X' | 'C' | 'i';
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  s?: 't' | 'p' | 'g';
  cat?: string;
  args?: Record<string, unknown>;
}

/**
 * One trace "process" per variant, one track per thread (its lifetime as a slice, named by how it was
 * made), counters for virtual/reserved/accessible bytes, and an instant event per memory or thread call.
 * Times are microseconds from the variant's first line (traces of different variants start together).
 */
export function chromeTrace(report: Report): { traceEvents: TraceEvent[]; displayTimeUnit: 'ms'; otherData: Record<string, string> } {
  const ev: TraceEvent[] = [];
  report.variants.forEach((v, i) => {
    const pid = i + 1;
    const p = v.processes[0];
    ev.push({ name: 'process_name', ph: 'M', pid, args: { name: `${v.name}${p ? ` (${p.command})` : ''}` } });
    ev.push({ name: 'process_sort_index', ph: 'M', pid, args: { sort_index: i } });
    const t0 = originOf(v);
    const { lanes, span } = threadLanes(v);
    for (const l of lanes) {
      ev.push({ name: 'thread_name', ph: 'M', pid, tid: l.tid, args: { name: `${l.tid} ${l.how}` } });
      const start = Math.round(l.start * 1e6);
      const end = Math.round((l.end ?? span) * 1e6);
      ev.push({ name: l.how, cat: 'thread', ph: 'X', pid, tid: l.tid, ts: start, dur: Math.max(1, end - start), args: { why: l.why, stack: l.stack, arena: l.arena } });
    }
    for (const pt of v.timeline) {
      ev.push({ name: 'memory', cat: 'memory', ph: 'C', pid, ts: Math.round(pt.t - t0), args: { virtual: pt.vsize, reserved: pt.reserved, accessible: pt.vsize - pt.reserved } });
    }
    for (const e of v.events) {
      if (e.time === undefined) continue;
      ev.push({
        name: e.size !== undefined ? `${e.op} ${e.size}` : e.op, cat: e.kind ?? 'other', ph: 'i', s: 't', pid, tid: e.tid, ts: Math.round(e.time - t0),
        args: { line: e.line, address: e.address, size: e.size, prot: e.prot, flags: e.flags, note: e.note, vsizeAfter: e.vsizeAfter },
      });
    }
  });
  return { traceEvents: ev, displayTimeUnit: 'ms', otherData: { tool: `${report.tool.name} ${report.tool.version}`, createdAt: report.createdAt } };
}

/** JSON safe to put inside <script type="application/json">: no "</script>", no "<!--". */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export interface HtmlParts {
  /** the webview bundle (dist/webview.js) */
  script: string;
  /** stylesheets, in order */
  styles: string[];
  /** sha256 in base64 of `script` and of each style, for the CSP (computed by the caller: crypto differs per platform) */
  scriptHash: string;
  styleHashes: string[];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The report page's document up to its head's own parts (styles, title): the panel's and the standalone file's. */
export function pageStart(csp: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">`;
}

/** The page's root as the page starts: the webview bundle renders into it. */
export const PAGE_ROOT = '<main id="root"><p class="status running" role="status">Loading the report…</p></main>';

/**
 * One self-contained file: the report as JSON data, the same script and styles the panel uses, inlined,
 * under a CSP that allows exactly those (by hash) and nothing from the network. The report goes in packed
 * (packed.ts: columns of numbers, not an object per event), which the page unpacks.
 */
export function standaloneHtml(report: Report, parts: HtmlParts, title = 'Go Memory Lens report'): string {
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${parts.scriptHash}'`,
    `style-src ${parts.styleHashes.map((h) => `'sha256-${h}'`).join(' ')}`,
    'img-src data: blob:',
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  if (/<\/script/i.test(parts.script)) throw new Error('the webview bundle contains "</script": it cannot be inlined');
  return `${pageStart(csp)}
<title>${escapeHtml(title)}</title>
${parts.styles.map((s) => `<style>${s}</style>`).join('\n')}
</head>
<body data-standalone="true">
${PAGE_ROOT}
<script type="application/json" id="report-data">${jsonForHtml(packReport(report))}</script>
<script>${parts.script}</script>
</body>
</html>
`;
}
