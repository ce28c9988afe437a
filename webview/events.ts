// The event list: every memory and thread call of one variant, filterable, virtualized (only the rows in
// view exist in the DOM, so 10^5+ rows scroll smoothly), keyboard-driven, with the selected call's
// details (decoded flags, the engine's annotation, a -k stack) below it.
import type { EventReport } from '../src/protocol/report';
import { el } from './dom';

const ROW_H = 24;
// rows drawn above and below the viewport: enough for a wheel notch, few enough that a fast scroll (every row
// new each frame) lays out little more than the visible rows
const OVERSCAN = 3;

export interface EventListOptions {
  events: EventReport[];
  /** indexes into events, in order */
  visible: number[];
  selectedLine?: number;
  scrollTop?: number;
  canOpenLog: boolean;
  onSelect(line: number): void;
  onOpenLog(line: number): void;
  onOpenFrame(line: number, frame: number): void;
  onScroll(top: number): void;
}

function size(n: number | undefined): string {
  if (n === undefined) return '';
  if (n >= 1024 * 1024) return `${(n / 1048576).toFixed(n % 1048576 === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} B`;
}

function time(e: EventReport, t0: number | undefined): string {
  if (e.time === undefined || t0 === undefined) return '';
  return `${((e.time - t0) / 1e6).toFixed(6)}`;
}

export function renderEventList(o: EventListOptions): { element: HTMLElement; select(line: number): void } {
  const t0 = o.events.find((e) => e.time !== undefined)?.time;
  const header = el('div', { cls: 'ev-row ev-head', attrs: { role: 'row' } },
    ...['line', 's', 'tid', 'call', 'size', 'address', 'kind', 'what it is'].map((h) => el('span', { text: h, attrs: { role: 'columnheader' } })));
  const spacer = el('div', { cls: 'ev-spacer' });
  const rowsBox = el('div', { cls: 'ev-rows' });
  const viewport = el('div', {
    cls: 'ev-viewport',
    attrs: { tabindex: '0', role: 'grid', 'aria-label': `Memory and thread events: ${o.visible.length} rows. Arrow keys move, Enter opens the log at that line.`, 'aria-rowcount': String(o.visible.length) },
  }, spacer, rowsBox);
  spacer.style.height = `${o.visible.length * ROW_H}px`;
  const details = el('div', { cls: 'ev-details', attrs: { 'aria-live': 'polite' } });
  const count = el('p', { cls: 'muted ev-count', text: `${o.visible.length.toLocaleString()} of ${o.events.length.toLocaleString()} events` });
  let selected = o.visible.findIndex((i) => o.events[i].line === o.selectedLine);

  // Rows are a pool of elements reused as the list scrolls. The row for position `pos` is always pool slot
  // `pos % pool.length`, so scrolling by k rows rewrites k rows (not the whole pool), a row that keeps its
  // position is not touched, and a rewritten row changes its text nodes' data in place: no new DOM nodes
  // and no per-row garbage per frame. Each row is its own layout and paint root (`contain: strict`).
  const CELLS = 8;
  const CELL_CLS = ['', '', '', 'ev-op', 'num', 'mono', '', 'ev-note'];
  const pool: HTMLElement[] = [];
  const texts: Text[][] = [];
  /** per slot: the position it shows (-1: none, hidden), and the class it has */
  const slotPos: number[] = [];
  const slotCls: string[] = [];
  let viewH = 0;
  const makeRow = (): void => {
    const slot = pool.length;
    const row = el('div', { cls: 'ev-row', attrs: { role: 'row', 'aria-selected': 'false' } });
    const tn: Text[] = [];
    for (let c = 0; c < CELLS; c++) {
      const t = document.createTextNode('');
      tn.push(t);
      row.appendChild(el('span', { cls: CELL_CLS[c] }, t));
    }
    row.hidden = true;
    row.addEventListener('click', () => choose(slotPos[slot]));
    row.addEventListener('dblclick', () => { if (o.canOpenLog && slotPos[slot] >= 0) o.onOpenLog(o.events[o.visible[slotPos[slot]]].line); });
    rowsBox.appendChild(row);
    pool.push(row);
    texts.push(tn);
    slotPos.push(-1);
    slotCls.push('ev-row');
  };
  const setText = (t: Text, v: string) => { if (t.data !== v) t.data = v; };
  const setCls = (slot: number, pos: number, kind: string | undefined) => {
    const cls = pos === selected ? (kind ? `ev-row selected k-${kind}` : 'ev-row selected') : (kind ? `ev-row k-${kind}` : 'ev-row');
    if (slotCls[slot] === cls) return;
    slotCls[slot] = cls;
    const row = pool[slot];
    row.className = cls;
    row.setAttribute('aria-selected', pos === selected ? 'true' : 'false');
  };
  const fill = (slot: number, pos: number) => {
    const e = o.events[o.visible[pos]];
    const row = pool[slot];
    slotPos[slot] = pos;
    setCls(slot, pos, e.kind);
    row.id = `ev-${pos}`;
    row.setAttribute('aria-rowindex', String(pos + 1));
    row.setAttribute('data-line', String(e.line));
    const t = texts[slot];
    setText(t[0], String(e.line));
    setText(t[1], time(e, t0));
    setText(t[2], String(e.tid));
    setText(t[3], e.op);
    setText(t[4], size(e.size));
    setText(t[5], e.address ?? (e.child !== undefined ? `→ ${e.child}` : ''));
    setText(t[6], e.kind ?? '');
    setText(t[7], e.note);
    const note = row.lastChild as HTMLElement;
    if (note.title !== e.note) note.title = e.note;
    row.style.transform = `translateY(${pos * ROW_H}px)`;
    if (row.hidden) row.hidden = false;
  };

  let shownFirst = -1;
  let shownLast = -1;
  let shownSelected = -2;
  const paint = () => {
    // reads first (scrollTop; the height comes from a ResizeObserver), then writes: no forced layout here
    const top = viewport.scrollTop;
    const h = viewH || viewport.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(o.visible.length, Math.ceil((top + h) / ROW_H) + OVERSCAN);
    if (first === shownFirst && last === shownLast && selected === shownSelected) return;
    const need = Math.min(o.visible.length, Math.ceil(h / ROW_H) + 1 + 2 * OVERSCAN);
    if (pool.length < need) {
      // a taller viewport: more slots, and every position moves to its new slot
      while (pool.length < need) makeRow();
      slotPos.fill(-1);
      for (const row of pool) row.hidden = true;
    }
    const n = pool.length;
    for (let pos = first; pos < last; pos++) {
      const slot = pos % n;
      if (slotPos[slot] !== pos) fill(slot, pos);
      else if (selected !== shownSelected) setCls(slot, pos, o.events[o.visible[pos]].kind);
    }
    for (let slot = 0; slot < n; slot++) {
      const p = slotPos[slot];
      if (p >= 0 && (p < first || p >= last)) {
        slotPos[slot] = -1;
        pool[slot].hidden = true;
      }
    }
    shownFirst = first;
    shownLast = last;
    shownSelected = selected;
  };
  const resized = new ResizeObserver((entries) => {
    // a list replaced by another (a new filter) lets its observer go
    if (!viewport.isConnected) return resized.disconnect();
    const h = entries[entries.length - 1].contentRect.height;
    if (h && h !== viewH) {
      viewH = h;
      paint();
    }
  });
  resized.observe(viewport);

  const showDetails = () => {
    if (selected < 0) {
      details.replaceChildren(el('p', { cls: 'muted', text: 'Select an event to see its flags, the engine\'s explanation and its call stack.' }));
      return;
    }
    const e = o.events[o.visible[selected]];
    const dl = el('dl');
    const add = (k: string, v: string | undefined) => { if (v) dl.append(el('dt', { text: k }), el('dd', { text: v })); };
    add('call', `${e.op} by thread ${e.tid} (process ${e.pid}), line ${e.line}`);
    add('time', e.time !== undefined && t0 !== undefined ? `${time(e, t0)} s from the first call` : undefined);
    add('kind', e.kind);
    add('address', e.address);
    add('size', e.size !== undefined ? `${size(e.size)} (${e.size.toLocaleString()} bytes)` : undefined);
    add('protection', e.prot);
    add('flags', e.flags);
    add('new thread', e.child !== undefined ? String(e.child) : undefined);
    add('what it is', e.note);
    add('virtual size after', size(e.vsizeAfter));
    const parts: HTMLElement[] = [dl];
    if (e.stack?.length) {
      const frames = el('ol', { cls: 'stack', attrs: { 'aria-label': 'call stack, innermost first' } });
      e.stack.forEach((f, i) => {
        if (!o.canOpenLog) return void frames.appendChild(el('li', { text: f }));
        // in the editor, a frame opens its source line (go tool addr2line on the binary kept with the report)
        const link = el('a', { text: f, attrs: { href: '#', title: 'Open the source of this frame' } });
        link.addEventListener('click', (ev) => { ev.preventDefault(); o.onOpenFrame(e.line, i); });
        frames.appendChild(el('li', {}, link));
      });
      parts.push(el('p', { text: 'call stack (strace -k):' }), frames);
    }
    if (o.canOpenLog) {
      const b = el('button', { text: `Open the log at line ${e.line}`, attrs: { type: 'button' } });
      b.addEventListener('click', () => o.onOpenLog(e.line));
      parts.push(b);
    }
    details.replaceChildren(...parts);
  };

  const choose = (pos: number, scroll = false) => {
    if (pos < 0 || pos >= o.visible.length) return;
    selected = pos;
    viewport.setAttribute('aria-activedescendant', `ev-${pos}`);
    if (scroll) {
      const top = pos * ROW_H;
      if (top < viewport.scrollTop || top + ROW_H > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = Math.max(0, top - viewport.clientHeight / 2);
    }
    paint();
    showDetails();
    o.onSelect(o.events[o.visible[pos]].line);
  };

  // the scroll position is saved once scrolling pauses, not on every frame
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  viewport.addEventListener('scroll', () => {
    paint();
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => o.onScroll(viewport.scrollTop), 150);
  }, { passive: true });
  viewport.addEventListener('keydown', (ev) => {
    const page = Math.max(1, Math.floor(viewport.clientHeight / ROW_H) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (ev.key in moves) {
      choose(Math.max(0, Math.min(o.visible.length - 1, (selected < 0 ? 0 : selected + moves[ev.key]))), true);
      ev.preventDefault();
    } else if (ev.key === 'Home' || ev.key === 'End') {
      choose(ev.key === 'Home' ? 0 : o.visible.length - 1, true);
      ev.preventDefault();
    } else if (ev.key === 'Enter' && selected >= 0 && o.canOpenLog) {
      o.onOpenLog(o.events[o.visible[selected]].line);
    }
  });

  const element = el('div', { cls: 'event-list' }, count, el('div', { cls: 'ev-table' }, header, viewport), details);
  // first paint once the viewport has a height
  requestAnimationFrame(() => {
    if (o.scrollTop) viewport.scrollTop = o.scrollTop;
    paint();
    showDetails();
  });
  return {
    element,
    select: (line: number) => {
      // the closest event at or before the line
      let best = -1;
      for (let pos = 0; pos < o.visible.length; pos++) {
        if (o.events[o.visible[pos]].line <= line) best = pos;
        else break;
      }
      choose(Math.max(0, best), true);
      viewport.focus();
    },
  };
}
