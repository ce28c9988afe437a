// VSZ, reserved and accessible bytes over time, one small chart per variant on a shared scale, drawn by
// uPlot on canvas (10^6 points stay smooth). Thread creations and large reservations are ticks along
// the bottom; hovering names the nearest one, clicking selects it in the event list.
import uPlot from 'uplot';
import type { Marker, Series } from '../src/core/report/view';
import { el } from './dom';

const MiB = 1024 * 1024;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

function nearest(markers: Marker[], t: number, within: number): Marker | undefined {
  let best: Marker | undefined;
  let bestD = within;
  for (const m of markers) {
    const d = Math.abs(m.t - t);
    if (d <= bestD) {
      best = m;
      bestD = d;
    }
  }
  return best;
}

export interface TimelineHandle {
  element: HTMLElement;
  resize(width: number): void;
  destroy(): void;
}

export function renderTimeline(series: Series[], onPick: (variant: string, line: number) => void): TimelineHandle {
  const box = el('div', { cls: 'timeline-charts' });
  const charts: uPlot[] = [];
  // loops, not Math.max(...xs): 10^6 arguments overflow the stack
  let maxY = MiB;
  for (const s of series) maxY = Math.max(maxY, peak(s.vsize));
  let maxX = 1e-6;
  for (const s of series) if (s.t.length) maxX = Math.max(maxX, s.t[s.t.length - 1]);
  // the theme's own colours, read now (render) and again whenever the theme changes (main.ts re-renders)
  const fg = cssVar('--vscode-descriptionForeground', cssVar('--vscode-foreground', '#717171'));
  const grid = cssVar('--vscode-editorWidget-border', cssVar('--vscode-widget-border', 'rgba(128,128,128,0.25)'));
  const font = `${cssVar('--vscode-font-size', '12px')} ${cssVar('--vscode-font-family', 'sans-serif')}`;
  const colors = {
    vsize: cssVar('--vscode-charts-blue', '#3794ff'),
    reserved: cssVar('--vscode-charts-purple', '#b180d7'),
    accessible: cssVar('--vscode-charts-green', '#89d185'),
    thread: cssVar('--vscode-charts-orange', '#d18616'),
    reservation: cssVar('--vscode-charts-red', '#f14c4c'),
  };
  const width = Math.max(320, (document.body.clientWidth || 900) - 48);
  for (const s of series) {
    const caption = el('p', { cls: 'timeline-caption', attrs: { 'aria-live': 'polite' }, text: s.markers.length ? 'Hover the chart: ticks mark thread creations (orange) and reservations of 8 MiB or more (red); click to find the call in the event list.' : '' });
    const holder = el('div', { cls: 'timeline-chart', attrs: { role: 'img', 'aria-label': `${s.variant}: virtual size from ${fmtMiB(s.vsize[0] ?? 0)} to ${fmtMiB(s.vsize[s.vsize.length - 1] ?? 0)}, peak ${fmtMiB(peak(s.vsize))}, ${s.markers.filter((m) => m.kind === 'thread').length} thread creations` } });
    const fig = el('figure', { cls: 'timeline-variant', attrs: { 'data-variant': s.variant } }, el('figcaption', { text: s.variant }), holder, caption);
    box.appendChild(fig);
    if (s.t.length === 0) {
      holder.appendChild(el('p', { cls: 'muted', text: 'No memory events in this log.' }));
      continue;
    }
    const markersHook = (u: uPlot) => {
      const ctx = u.ctx;
      const { top, height } = u.bbox;
      ctx.save();
      ctx.lineWidth = Math.max(1, devicePixelRatio);
      for (const m of s.markers) {
        const x = Math.round(u.valToPos(m.t, 'x', true));
        ctx.strokeStyle = m.kind === 'thread' ? colors.thread : colors.reservation;
        ctx.beginPath();
        ctx.moveTo(x, top + height);
        ctx.lineTo(x, top + height - (m.kind === 'thread' ? 10 : 16) * devicePixelRatio);
        ctx.stroke();
      }
      ctx.restore();
    };
    const opts: uPlot.Options = {
      width,
      height: 170,
      scales: { x: { time: false, range: [0, maxX] }, y: { range: [0, maxY * 1.05] } },
      axes: [
        { stroke: fg, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values: (_u, vals) => vals.map((v) => (s.timed ? `${v} s` : `line ${v}`)) },
        // MiB on the axis as in the table: ticks at round MiB (1, 2, 5 × 10^k), never at round bytes
        { stroke: fg, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, size: 80, incrs: MIB_INCRS, values: (_u, vals) => vals.map((v) => axisMiB(v)) },
      ],
      series: [
        { label: s.timed ? 'seconds' : 'line' },
        { label: 'virtual (VSZ)', stroke: colors.vsize, width: 2, points: { show: false }, value: (_u, v) => (v == null ? '—' : fmtMiB(v)) },
        { label: 'reserved (PROT_NONE)', stroke: colors.reserved, width: 1, dash: [4, 4], points: { show: false }, value: (_u, v) => (v == null ? '—' : fmtMiB(v)) },
        { label: 'accessible', stroke: colors.accessible, width: 1, points: { show: false }, value: (_u, v) => (v == null ? '—' : fmtMiB(v)) },
      ],
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        draw: [markersHook],
        setCursor: [(u) => {
          const idx = u.cursor.idx;
          if (idx == null) return;
          const t = s.t[idx];
          const m = nearest(s.markers, t, maxX / 100);
          caption.textContent = m ? `${m.label} (line ${m.line})` : `${s.timed ? `${t.toFixed(3)} s` : `line ${t}`}: ${fmtMiB(s.vsize[idx])} virtual`;
        }],
      },
    };
    const u = new uPlot(opts, [s.t, s.vsize, s.reserved, s.accessible], holder);
    u.over.addEventListener('click', () => {
      const idx = u.cursor.idx;
      if (idx == null) return;
      const m = nearest(s.markers, s.t[idx], maxX / 100);
      onPick(s.variant, m ? m.line : lineAt(s, idx));
    });
    charts.push(u);
  }
  return {
    element: box,
    resize: (w: number) => charts.forEach((c) => c.setSize({ width: Math.max(320, w - 48), height: 170 })),
    destroy: () => charts.forEach((c) => c.destroy()),
  };
}

/** Without a marker nearby, the timeline point's own line is what the user clicked. */
function lineAt(s: Series, idx: number): number {
  return s.lines[idx];
}

function peak(xs: number[]): number {
  let m = 0;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/** The table's unit: MiB with one decimal, whatever the size (1558.4 MiB, not 1.52 GiB). */
function fmtMiB(n: number): string {
  return `${(n / MiB).toFixed(1)} MiB`;
}

/** Axis ticks fall on round MiB, so they need no decimals: "500 MiB", "1500 MiB", "0.5 MiB" for small logs. */
function axisMiB(n: number): string {
  const m = n / MiB;
  return `${Number.isInteger(m) ? m : +m.toFixed(2)} MiB`;
}

const MIB_INCRS = [0.25, 0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000].map((x) => x * MiB);
