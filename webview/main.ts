// The report panel's browser side, in VS Code (a webview) and as a standalone HTML file. In VS Code it
// says `ready` and renders what the host sends; standalone, it reads the report embedded in the page.
// Everything from the report goes in as text, never as markup.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { HostMessage, PanelState, WebviewMessage } from '../src/protocol/messages';
import type { CategoryKind, Report } from '../src/protocol/report';
import { chromeTrace, renderMarkdown } from '../src/core/report/exports';
import { unpackReport } from '../src/core/report/packed';
import { breakdown, comparison, downsample, filterEvents, incompleteReason, narrows, type EventFilter, threadLanes, timeline, variantFacts, verdict, CATEGORY_ORDER, type Cell, type ViewRow } from '../src/core/report/view';
import { measuredName, suggestions } from '../src/core/report/suggestions';
import { categoryLabel } from '../src/core/report/explain';
import { ce, el, richText, section } from './dom';
import { renderEventList } from './events';
import { renderTimeline, type TimelineHandle } from './timeline';

interface Host {
  standalone: boolean;
  post(m: WebviewMessage): void;
  getState(): PanelState | undefined;
  setState(s: PanelState): void;
}

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): PanelState | undefined;
  setState(s: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const STATE_KEY = 'go-memory-lens-state';

function makeHost(): Host {
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    return { standalone: false, post: (m) => api.postMessage(m), getState: () => api.getState(), setState: (s) => api.setState(s) };
  }
  // a standalone file: exports happen here, state lives in the page's session
  return {
    standalone: true,
    post: (m) => standaloneAction(m),
    getState: () => {
      try {
        return JSON.parse(sessionStorage.getItem(STATE_KEY) ?? 'null') ?? undefined;
      } catch {
        return undefined;
      }
    },
    setState: (s) => {
      try {
        sessionStorage.setItem(STATE_KEY, JSON.stringify(s));
      } catch {
        // file:// pages may have no storage; state just does not survive a reload then
      }
    },
  };
}

const host = makeHost();
const root = document.getElementById('root') as HTMLElement;
let current: { report: Report; reportId: string; location?: string } | undefined;
let state: PanelState = host.getState() ?? { reportId: '' };
let timelineHandle: TimelineHandle | undefined;

function save(patch: Partial<PanelState>): void {
  state = { ...state, ...patch };
  host.setState(state);
}

function download(name: string, type: string, text: string): void {
  const a = el('a', { attrs: { download: name, href: URL.createObjectURL(new Blob([text], { type })) } });
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function standaloneAction(m: WebviewMessage): void {
  if (!current) return;
  const base = (current.report.package ?? 'report').split('/').filter(Boolean).pop() ?? 'report';
  switch (m.type) {
    case 'save':
      if (m.format === 'json') download(`${base}.memory.json`, 'application/json', JSON.stringify(current.report, null, 2));
      else if (m.format === 'chrome-trace') download(`${base}.trace.json`, 'application/json', JSON.stringify(chromeTrace(current.report)));
      else if (m.format === 'markdown') download(`${base}.memory.md`, 'text/markdown', renderMarkdown(current.report));
      else if (m.format === 'html') download(`${base}.memory.html`, 'text/html', `<!DOCTYPE html>\n${document.documentElement.outerHTML}`);
      break;
    case 'copyMarkdown':
      void navigator.clipboard?.writeText(renderMarkdown(current.report)).then(
        () => toast('Markdown report copied.'),
        () => toast('The browser refused the clipboard; use Save Markdown instead.'),
      );
      break;
    default:
      // re-running and opening logs need the editor
      break;
  }
}

function toast(text: string): void {
  const t = el('div', { cls: 'toast', text, attrs: { role: 'status' } });
  document.body.appendChild(t);
  setTimeout(() => t.remove(), 3000);
}

function status(text: string, cls: string, fix?: string): void {
  root.replaceChildren(el('div', { cls: `status ${cls}`, attrs: { role: 'status' } }, el('p', { text }), fix ? el('p', { cls: 'fix', text: fix }) : null));
}

function button(text: string, onClick: () => void, opts: { secondary?: boolean; label?: string } = {}): HTMLElement {
  const b = ce('vscode-button', { text, attrs: { 'aria-label': opts.label ?? text, ...(opts.secondary ? { secondary: '' } : {}) } });
  b.addEventListener('click', onClick);
  return b;
}

function select(label: string, options: Array<{ value: string; text: string }>, value: string | undefined, onChange: (v: string) => void): HTMLElement {
  const s = ce('vscode-single-select', { attrs: { 'aria-label': label } });
  for (const o of options) {
    const opt = ce('vscode-option', { text: o.text, attrs: { value: o.value, ...(o.value === value ? { selected: '' } : {}) } });
    s.appendChild(opt);
  }
  s.addEventListener('change', () => onChange((s as unknown as { value: string }).value));
  return el('label', { cls: 'control' }, el('span', { text: label }), s);
}

const CAT_VAR: Record<CategoryKind, string> = {
  'thread-stack': 'var(--vscode-charts-orange, #d18616)',
  'guard-page': 'var(--vscode-charts-yellow, #cca700)',
  'malloc-arena': 'var(--vscode-charts-red, #f14c4c)',
  'go-heap': 'var(--vscode-charts-blue, #3794ff)',
  'go-runtime': 'var(--vscode-charts-purple, #b180d7)',
  'shared-library': 'var(--vscode-charts-green, #89d185)',
  executable: 'var(--vscode-charts-foreground, #888)',
  'brk-heap': 'var(--vscode-charts-yellow, #cca700)',
  file: 'var(--vscode-charts-lines, #777)',
  'stack-vdso': 'var(--vscode-charts-lines, #777)',
  other: 'var(--vscode-descriptionForeground, #999)',
};

function renderHeader(r: Report, location: string | undefined): HTMLElement {
  const name = (r.package ?? r.variants[0]?.name ?? 'report').split('/').filter(Boolean).pop();
  const meta = [location ?? r.package ?? '', [...new Set(r.variants.map((v) => v.run?.goVersion).filter(Boolean))].join(', '), new Date(r.createdAt).toLocaleString()].filter(Boolean).join(' · ');
  const tools = el('div', { cls: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Report actions' } });
  if (r.variants.length > 1) {
    tools.appendChild(select('Baseline', r.variants.map((v) => ({ value: v.name, text: v.name })), state.baseline ?? r.variants[0].name, (v) => { save({ baseline: v }); render(); }));
  }
  tools.append(
    button('Copy as Markdown', () => host.post({ type: 'copyMarkdown' }), { secondary: true }),
    button('Save JSON', () => host.post({ type: 'save', format: 'json' }), { secondary: true }),
    button('Save Chrome trace', () => host.post({ type: 'save', format: 'chrome-trace' }), { secondary: true, label: 'Save Chrome trace-event JSON for Perfetto or chrome://tracing' }),
    button('Save HTML', () => host.post({ type: 'save', format: 'html' }), { secondary: true, label: 'Save a standalone HTML report' }),
  );
  if (!host.standalone && r.kind === 'investigation') tools.appendChild(button('Run again', () => host.post({ type: 'rerun' })));
  if (host.standalone) {
    tools.appendChild(select('Theme', [{ value: 'light', text: 'light' }, { value: 'dark', text: 'dark' }, { value: 'high-contrast', text: 'high contrast' }], document.body.dataset.theme, (v) => {
      // the CSS follows at once; the charts are redrawn by watchTheme
      document.body.dataset.theme = v;
      save({ theme: v as PanelState['theme'] });
    }));
  }
  return el('header', { cls: 'section header', attrs: { 'data-section': 'header' } },
    el('h1', { text: `Go Memory Lens: ${name}` }),
    el('p', { cls: 'meta', text: meta, attrs: r.package ? { title: r.package } : {} }),
    el('p', { cls: 'verdict', text: verdict(r) }),
    tools);
}

/**
 * The variants side by side, twice over from the same rows: a table (a column per variant) where the
 * panel is wide enough for every column, and a card per variant where it is not (media/panel.css picks
 * one by the panel's width and the number of variants), so nothing ever scrolls sideways. Cells wrap,
 * numbers do not; a partial run's note sits under the table, not in a cell that would widen it.
 */
function renderComparison(r: Report): HTMLElement {
  const rows = comparison(r, state.baseline).filter((row) => row.label !== 'note');
  const names = r.variants.map((v) => v.name);
  const baseline = names.length > 1 ? (names.includes(state.baseline ?? '') ? state.baseline! : names[0]) : undefined;
  const partial = (i: number) => r.variants[i].partial || incompleteReason(r.variants[i]) !== undefined;
  const heading = (n: string, i: number) => [
    // the name's tooltip says what the variant is: its env (build and run), tags, ldflags, Go, linkage
    el('span', { cls: 'variant-name', text: n, attrs: { title: `${n}: ${variantFacts(r.variants[i]).join(' · ') || 'log analyzed on its own'}` } }),
    n === baseline ? el('span', { cls: 'tag', text: 'baseline' }) : null,
    partial(i) ? el('span', { cls: 'tag partial', text: 'partial', attrs: { title: r.variants[i].partialReasons.join('; ') || incompleteReason(r.variants[i]) } }) : null,
  ];
  // figures stay on one line ("1487.5 MiB (+0.00%)"); words (libraries, resolvers, exits) wrap in their cell
  const numeric = (row: ViewRow) => row.cells.some((c) => c.value !== undefined || /^[\d.]+ MiB/.test(c.text));
  const cell = (c: Cell, tag: 'td' | 'dd', wrap: boolean) => {
    const e = el(tag, { cls: [c.smallest ? 'smallest' : '', wrap ? 'text' : 'num'].filter(Boolean).join(' '), attrs: c.smallest ? { title: 'the smallest of the variants' } : {} }, el('span', { text: c.text }));
    if (c.delta) e.appendChild(el('span', { cls: 'delta', text: ` ${c.delta}` }));
    return e;
  };
  const table = el('table', { cls: 'side-by-side', attrs: { 'aria-label': 'Variants side by side' } });
  const cols = el('colgroup', {}, el('col', { cls: 'label-col' }), ...names.map(() => el('col')));
  table.appendChild(cols);
  table.appendChild(el('thead', {}, el('tr', {}, el('th', { attrs: { scope: 'col' }, text: '' }), ...names.map((n, i) => el('th', { attrs: { scope: 'col', 'data-variant-name': n } }, ...heading(n, i))))));
  const body = el('tbody');
  for (const row of rows) {
    const wrap = !numeric(row);
    const tr = el('tr', { attrs: { 'data-row': row.label } }, el('th', { text: row.label, attrs: { scope: 'row', title: row.help } }));
    for (const c of row.cells) tr.appendChild(cell(c, 'td', wrap));
    body.appendChild(tr);
  }
  table.appendChild(body);
  // the same rows as a card per variant, for a narrow panel
  const cards = el('div', { cls: 'variant-cards' }, ...names.map((n, i) => el('section', { cls: 'variant-card', attrs: { 'data-variant-name': n, 'aria-label': `${n}${n === baseline ? ' (baseline)' : ''}` } },
    el('h3', {}, ...heading(n, i)),
    el('dl', {}, ...rows.flatMap((row) => [el('dt', { text: row.label, attrs: { title: row.help } }), cell(row.cells[i], 'dd', !numeric(row))])))));
  const facts = el('ul', { cls: 'facts' }, ...r.variants.map((v) => el('li', { cls: v.partial ? 'partial' : '', text: `${v.name}: ${variantFacts(v).join(' · ') || 'log analyzed on its own'}` })));
  // a legend only for what the page shows: one variant has no smallest and no baseline
  const legend = names.length > 1 ? el('p', { cls: 'legend muted', text: `Bold: the smallest of the variants. Small print: the difference from the baseline (${baseline}).` }) : null;
  return section('Side by side', 'comparison', el('div', { cls: `table-wrap variants-${Math.min(names.length, 6)}` }, table, cards), legend, facts);
}

function renderSuggestions(r: Report): HTMLElement | null {
  const list = suggestions(r);
  if (!list.length) return null;
  return section('Suggestions', 'suggestions', el('ul', {}, ...list.map((s) => {
    const li = el('li', {}, el('span', {}, richText(s.text)));
    if (s.rerun && !host.standalone) {
      // the measured run becomes a new column of this report, next to the variant it was made from
      const { variants, env, tags } = s.rerun;
      const b = button(`Measure ${measuredName(variants?.[0] ?? 'default', { env, tags })}`, () => host.post({ type: 'rerunWith', variants, env, tags }));
      if (r.kind === 'analysis') {
        b.setAttribute('disabled', '');
        b.title = 'This report was not made by an investigation here (a log analyzed on its own, or a comparison), so it cannot be re-run: investigate the package to measure this.';
        li.appendChild(el('span', { cls: 'muted', text: ' (investigate the package to measure it: this report cannot be re-run)' }));
      }
      li.appendChild(b);
    }
    return li;
  })));
}

function renderBreakdown(r: Report): HTMLElement {
  const all = breakdown(r);
  const max = Math.max(1, ...all.map((b) => b.total));
  const blocks = all.map((b) => {
    const bar = el('div', { cls: 'stack-bar', attrs: { role: 'img', 'aria-label': `${b.variant}: ${b.segments.map((s) => `${s.label} ${s.detail}`).join(', ')}` } });
    bar.style.width = `${(b.total / max) * 100}%`;
    for (const s of b.segments) {
      const seg = el('div', { cls: 'seg', attrs: { title: `${s.label}: ${s.detail}` } });
      seg.style.flexGrow = String(s.bytes);
      seg.style.background = CAT_VAR[s.kind];
      bar.appendChild(seg);
    }
    const legend = el('ul', { cls: 'seg-legend' }, ...b.segments.map((s) => {
      const sw = el('span', { cls: 'swatch', attrs: { 'aria-hidden': 'true' } });
      sw.style.background = CAT_VAR[s.kind];
      return el('li', {}, sw, el('strong', { text: s.label }), el('span', { text: ` ${s.detail}${s.estimate ? ' (partly estimated)' : ''}` }), el('span', { cls: 'why', text: ` — ${s.why}` }));
    }));
    const total = `${(b.total / 1048576).toFixed(1)} MiB${b.kernel ? `; kernel ${(b.kernel / 1048576).toFixed(1)} MiB` : ''}`;
    const v = r.variants.find((x) => x.name === b.variant);
    const unfinished = v ? incompleteReason(v) : undefined;
    const tag = unfinished ? el('span', { cls: 'tag partial', text: 'partial', attrs: { title: `${unfinished}: the figures are those when it stopped` } }) : null;
    return el('div', { cls: 'variant-breakdown', attrs: { 'data-variant': b.variant } }, el('h3', {}, el('span', { text: `${b.variant} · ${total}` }), tag), el('div', { cls: 'bar-track' }, bar), legend);
  });
  return section('Where the virtual size goes', 'breakdown', ...blocks);
}

function renderLanes(r: Report, variant: string): HTMLElement {
  const v = r.variants.find((x) => x.name === variant) ?? r.variants[0];
  const { lanes, span } = threadLanes(v);
  const list = el('ol', { cls: 'lanes', attrs: { 'aria-label': `Threads of ${v.name}` } });
  for (const l of lanes) {
    const bar = el('div', { cls: `lane-bar how-${l.how}`, attrs: { title: l.why } });
    const from = span > 0 ? (l.start / span) * 100 : 0;
    const to = span > 0 ? ((l.end ?? span) / span) * 100 : 100;
    bar.style.marginLeft = `${from}%`;
    bar.style.width = `${Math.max(0.5, to - from)}%`;
    const under = [l.stack, l.arena].filter(Boolean).join(' · ');
    list.appendChild(el('li', { cls: 'lane', attrs: { 'aria-label': `thread ${l.tid}, ${l.how}: ${l.why}${under ? `; ${under}` : ''}` } },
      el('span', { cls: 'lane-label', text: l.label }),
      el('div', { cls: 'lane-track' }, bar, under ? el('div', { cls: 'lane-under', text: under }) : null)));
  }
  const legend = el('p', { cls: 'muted legend' }, el('span', { cls: 'swatch how-pthread_create' }), el('span', { text: ' glibc pthread_create (8 MiB stack) ' }), el('span', { cls: 'swatch how-go-runtime' }), el('span', { text: ' Go runtime (stack in the Go heap) ' }), el('span', { cls: 'swatch how-initial' }), el('span', { text: ' the first thread' }));
  return section(`Threads (${lanes.length})`, 'threads', legend, list);
}

let eventList: { select(line: number): void } | undefined;

/** How long typing pauses before the event list follows: a keystroke at a time would filter 10^6 events each. */
const TYPE_AHEAD_MS = 150;

function renderEvents(r: Report, variant: string): HTMLElement {
  const v = r.variants.find((x) => x.name === variant) ?? r.variants[0];
  const tids = [...new Set(v.events.map((e) => e.tid))].sort((a, b) => a - b);
  const holder = el('div', { cls: 'event-list-holder' });
  // the last filter and what it let through: typing on ("mm" → "mmap") only narrows that set
  let last: { f: EventFilter; visible: number[] } | undefined;
  const apply = (initial: boolean) => {
    const saved = state.filter ?? {};
    const f: EventFilter = { tid: saved.tid, kind: saved.kind as EventFilter['kind'], minSize: saved.minSize, text: saved.text };
    const visible = filterEvents(v.events, f, last && narrows(last.f, f) ? last.visible : undefined);
    last = { f, visible };
    const list = renderEventList({
      events: v.events,
      visible,
      selectedLine: state.selectedLine,
      scrollTop: initial ? state.scrollTop : 0,
      canOpenLog: !host.standalone,
      onSelect: (line) => save({ selectedLine: line }),
      onOpenLog: (line) => host.post({ type: 'openLog', variant: v.name, line }),
      onOpenFrame: (line, frame) => host.post({ type: 'openFrame', variant: v.name, line, frame }),
      onScroll: (top) => save({ scrollTop: top }),
    });
    eventList = list;
    holder.replaceChildren(list.element);
  };
  // a filter changes only the list: the text field keeps its focus and caret, the rest of the page stays
  const refresh = (patch: PanelState['filter']) => {
    save({ filter: { ...(state.filter ?? {}), ...patch }, scrollTop: 0 });
    apply(false);
  };
  const f = state.filter ?? {};
  const text = ce('vscode-textfield', { attrs: { placeholder: 'mmap, MAP_STACK, arena…', 'aria-label': 'Filter events by text', value: f.text ?? '' } });
  const typed = () => (text as unknown as { value: string }).value || undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const now = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    // a section replaced meanwhile (another variant) has nothing to filter
    if (holder.isConnected && typed() !== state.filter?.text) refresh({ text: typed() });
  };
  text.addEventListener('input', () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(now, TYPE_AHEAD_MS);
  });
  // Enter (or leaving the field) filters at once
  text.addEventListener('change', now);
  const filters = el('div', { cls: 'toolbar filters' },
    select('Thread', [{ value: '', text: 'all threads' }, ...tids.map((t) => ({ value: String(t), text: String(t) }))], f.tid !== undefined ? String(f.tid) : '', (x) => refresh({ tid: x ? Number(x) : undefined })),
    select('Category', [{ value: '', text: 'all' }, ...CATEGORY_ORDER.map((k) => ({ value: k, text: categoryLabel(k) })), { value: 'none', text: 'thread and process calls' }], f.kind ?? '', (x) => refresh({ kind: x || undefined })),
    select('Size at least', [{ value: '', text: 'any size' }, ...[4096, 65536, 1048576, 8388608, 67108864].map((n) => ({ value: String(n), text: n >= 1048576 ? `${n / 1048576} MiB` : `${n / 1024} KiB` }))], f.minSize !== undefined ? String(f.minSize) : '', (x) => refresh({ minSize: x ? Number(x) : undefined })),
    el('label', { cls: 'control' }, el('span', { text: 'Text' }), text));
  apply(true);
  const capped = v.eventsTotal > v.events.length ? el('p', { cls: 'muted', text: `The report keeps the first ${v.events.length.toLocaleString()} of ${v.eventsTotal.toLocaleString()} events.` }) : null;
  return section('Events', 'events', filters, capped, holder);
}

function renderNotes(r: Report): HTMLElement | null {
  const notes: HTMLElement[] = [];
  for (const v of r.variants) {
    if (v.partial) notes.push(el('p', { cls: 'partial', text: `${v.name} is partial: ${v.partialReasons.join('; ')}` }));
    for (const w of v.log.warnings) notes.push(el('p', { text: `${v.name}: ${w}` }));
    for (const u of v.unparsedLines.slice(0, 5)) notes.push(el('p', { cls: 'mono', text: `${v.name} line ${u.line}: ${u.reason}: ${u.text.slice(0, 200)}` }));
  }
  if (r.unparsedLines > 0) notes.unshift(el('p', { text: `${r.unparsedLines} strace line(s) could not be read; the figures leave them out.` }));
  return notes.length ? section('Notes', 'notes', ...notes) : null;
}

/** The charts, in the theme's colours as they are now: built again when the theme changes. */
function renderTimelineSection(r: Report, variant: string | undefined): HTMLElement {
  timelineHandle?.destroy();
  // the charts draw at most ~8 points per 1/2048 of their width: the same lines as every point, drawn fast at 10^6
  timelineHandle = renderTimeline(timeline(r).map((s) => downsample(s, 2048)), (v, line) => {
    if (v !== variant) save({ variant: v, filter: {}, scrollTop: 0 });
    save({ selectedLine: line });
    render();
    eventList?.select(line);
    document.querySelector('[data-section="events"]')?.scrollIntoView({ block: 'start' });
  });
  return section('Timeline', 'timeline', timelineHandle.element);
}

/**
 * Canvas charts take their colours when drawn, unlike CSS: when VS Code switches theme (the body's class
 * and the --vscode-* variables on <html> change) or the standalone page's theme select does, redraw them.
 */
function watchTheme(): void {
  let pending = false;
  const redraw = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const old = document.querySelector('[data-section="timeline"]');
      if (!current || !old) return;
      const variant = current.report.variants.some((v) => v.name === state.variant) ? state.variant : current.report.variants[0]?.name;
      old.replaceWith(renderTimelineSection(current.report, variant));
    });
  };
  const observer = new MutationObserver(redraw);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-theme', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}

function render(): void {
  if (!current) return;
  const r = current.report;
  const variant = r.variants.some((v) => v.name === state.variant) ? state.variant! : r.variants[0]?.name;
  const picker = r.variants.length > 1
    ? el('div', { cls: 'toolbar' }, select('Variant', r.variants.map((v) => ({ value: v.name, text: v.name })), variant, (x) => { save({ variant: x, filter: {}, selectedLine: undefined, scrollTop: 0 }); render(); }))
    : null;
  const scrollY = window.scrollY;
  root.replaceChildren(
    renderHeader(r, current.location),
    renderComparison(r),
    ...[renderSuggestions(r)].filter((x): x is HTMLElement => x !== null),
    renderBreakdown(r),
    renderTimelineSection(r, variant),
    ...(picker ? [picker] : []),
    renderLanes(r, variant ?? ''),
    renderEvents(r, variant ?? ''),
    ...[renderNotes(r)].filter((x): x is HTMLElement => x !== null),
  );
  window.scrollTo(0, scrollY);
  // for the benchmark (bench/benchmarks/panel.ts): when the first full render is in the DOM
  if (performance.getEntriesByName('gml-rendered').length === 0) performance.mark('gml-rendered');
}

function show(report: Report, reportId: string, location?: string): void {
  const same = state.reportId === reportId;
  current = { report, reportId, location };
  // a new report starts fresh; the same report (hidden and shown, or reloaded) keeps its view
  save(same ? { reportId } : { reportId, baseline: undefined, variant: undefined, filter: {}, selectedLine: undefined, scrollTop: 0 });
  render();
}

window.addEventListener('resize', () => timelineHandle?.resize(document.body.clientWidth));

if (host.standalone) {
  document.body.dataset.theme = state.theme ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  const data = document.getElementById('report-data');
  try {
    const report = unpackReport(JSON.parse(data?.textContent ?? ''));
    show(report, `file-${report.createdAt.replace(/[^0-9]/g, '')}`);
  } catch (err) {
    status(`This file holds no readable report (${(err as Error).message}).`, 'failed');
  }
} else {
  window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
    const m = e.data;
    switch (m.type) {
      case 'report':
        show(unpackReport(m.packed), m.reportId, m.location);
        break;
      case 'running':
        status(m.message, 'running');
        break;
      case 'failed':
        status(m.message, 'failed', m.fix);
        break;
      default: {
        const never: never = m;
        console.error('unknown message', never);
      }
    }
  });
  host.post({ type: 'ready', state: host.getState() });
}
// after the standalone page has set its theme: that first setting is no change to redraw for
watchTheme();
