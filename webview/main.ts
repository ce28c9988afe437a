// The report panel's browser side: says `ready`, then renders whatever report the host sends. All text from
// the report (strace strings, paths, program output) goes in through textContent, never as HTML.
import type { HostMessage, PanelState, WebviewMessage } from '../src/protocol/messages';
import type { Report } from '../src/protocol/report';
import { comparisonRows, dnsResolver, markSmallest } from '../src/core/report/table';

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): PanelState | undefined;
  setState(s: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { text?: string; cls?: string; attrs?: Record<string, string> } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.text !== undefined) e.textContent = props.text;
  if (props.cls) e.className = props.cls;
  for (const [k, v] of Object.entries(props.attrs ?? {})) e.setAttribute(k, v);
  for (const c of children) e.appendChild(c);
  return e;
}

function status(text: string, cls: string, fix?: string): void {
  const box = el('div', { cls: `status ${cls}`, attrs: { role: 'status' } }, el('p', { text }));
  if (fix) box.appendChild(el('p', { cls: 'fix', text: fix }));
  root.replaceChildren(box);
}

function renderReport(report: Report, location: string | undefined): void {
  const names = report.variants.map((v) => v.name);
  const header = el('header', {},
    el('h1', { text: report.package ? `Go Memory Lens: ${report.package.split('/').filter(Boolean).pop()}` : 'Go Memory Lens' }),
    el('p', { cls: 'meta', attrs: report.package ? { title: report.package } : {}, text: [
      location ?? report.package ?? '',
      [...new Set(report.variants.map((v) => v.run?.goVersion).filter(Boolean))].join(', '),
      new Date(report.createdAt).toLocaleString(),
    ].filter(Boolean).join(' · ') }),
  );

  const table = el('table', { attrs: { 'aria-label': 'Variants side by side' } });
  const thead = el('thead', {}, el('tr', {}, el('th', { text: '', attrs: { scope: 'col' } }), ...names.map((n) => el('th', { text: n, attrs: { scope: 'col' } }))));
  const tbody = el('tbody');
  for (const r of comparisonRows(report)) {
    const marked = markSmallest(r);
    const tr = el('tr', {}, el('th', { text: r.label, attrs: { scope: 'row' } }));
    marked.forEach((c) => {
      const smallest = c.endsWith(' *');
      tr.appendChild(el('td', { text: smallest ? c.slice(0, -2) : c, cls: smallest ? 'smallest' : '', attrs: smallest ? { title: 'smallest' } : {} }));
    });
    tbody.appendChild(tr);
  }
  table.append(thead, tbody);

  const breakdown = el('section', { cls: 'breakdown', attrs: { 'aria-label': 'Where the virtual size goes' } }, el('h2', { text: 'Where the virtual size goes' }));
  for (const v of report.variants) {
    const p = v.processes[0];
    if (!p) continue;
    const list = el('ul');
    for (const line of p.napkin) list.appendChild(el('li', { text: line }));
    breakdown.appendChild(el('div', { cls: 'variant' }, el('h3', { text: `${v.name}${v.run ? ` · DNS: ${dnsResolver(v.run.dns)}` : ''}` }), list));
  }

  const partial = report.variants.filter((v) => v.partial);
  const notes = el('section', { cls: 'notes' });
  for (const v of partial) notes.appendChild(el('p', { cls: 'partial', text: `${v.name} is partial: ${v.partialReasons.join('; ')}` }));
  if (report.unparsedLines > 0) notes.appendChild(el('p', { text: `${report.unparsedLines} strace lines could not be read; the figures leave them out.` }));

  const actions = el('div', { cls: 'actions' });
  if (report.kind === 'investigation') {
    const rerun = el('button', { text: 'Run again', attrs: { type: 'button' } });
    rerun.addEventListener('click', () => vscode.postMessage({ type: 'rerun' }));
    actions.appendChild(rerun);
  }
  root.replaceChildren(header, table, el('p', { cls: 'legend', text: 'Bold: the smallest value in its row.' }), breakdown, notes, actions);
}

window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
  const m = e.data;
  switch (m.type) {
    case 'report':
      vscode.setState({ reportId: m.reportId });
      renderReport(m.report, m.location);
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

vscode.postMessage({ type: 'ready', state: vscode.getState() });
