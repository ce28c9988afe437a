// The standalone HTML report in a real browser (Debian's Chromium through playwright-core), built from real
// logs of the net sample: every section is there, the numbers are the JSON report's, filters and clicks
// work, no console errors, strace text stays text; a screenshot per theme goes to test-results/.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { analyzeLog } from '../../src/core/analyze';
import { formatMiB } from '../../src/core/format';
import { filterEvents } from '../../src/core/report/view';
import { makeReport } from '../../src/core/investigate';
import { renderStandaloneHtml } from '../../src/core/report/htmlFile';
import type { Report } from '../../src/protocol/report';
import { fourVariantReport } from '../unit/helpers/fourVariants';

const REPO = path.resolve(__dirname, '..', '..');
const LOGS = path.join(REPO, 'test', 'fixtures', 'logs');
const RESULTS = path.join(REPO, 'test-results');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

let browser: Browser;
let report: Report;
let file: string;
/** four variants, one killed at the timeout with a long partial note */
let four: Report;
let fourFile: string;
const tmp = path.join(os.tmpdir(), `gml-browser-${process.pid}`);

async function open(htmlFile: string, theme?: string, width = 1400): Promise<{ page: Page; errors: string[]; dialogs: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 1000 } });
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await page.goto(`file://${htmlFile}`);
  if (theme) {
    // these run in the page (strings: this file has no DOM types)
    await page.evaluate(`sessionStorage.setItem('go-memory-lens-state', ${JSON.stringify(JSON.stringify({ reportId: 'x', theme }))})`);
    await page.reload();
  }
  await page.locator('[data-section="events"] .ev-rows .ev-row').first().waitFor({ timeout: 15_000 });
  return { page, errors, dialogs };
}

/**
 * Waits, frame by frame, until `condition` (an expression, in the page) holds: page.waitForFunction would
 * poll through eval, which the report's CSP forbids. False after `ms`.
 */
async function until(page: Page, condition: string, ms = 5000): Promise<boolean> {
  return page.evaluate<boolean>(`new Promise((resolve) => {
    const t0 = performance.now();
    const tick = () => (${condition}) ? resolve(true) : performance.now() - t0 > ${ms} ? resolve(false) : requestAnimationFrame(tick);
    tick();
  })`);
}

before(async () => {
  mkdirSync(RESULTS, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const vs = [];
  for (const [name, base] of [['default', 'net-default-go1.23'], ['pure', 'net-pure-go1.23'], ['netgo', 'net-netgo-go1.23']]) {
    const kernel = JSON.parse(readFileSync(path.join(LOGS, `${base}.proc.json`), 'utf8'));
    vs.push(await analyzeLog(path.join(LOGS, `${base}.strace`), { name, kernel }));
  }
  report = makeReport('analysis', vs);
  report.package = 'samples/net';
  file = path.join(tmp, 'net.html');
  writeFileSync(file, await renderStandaloneHtml(report));
  four = await fourVariantReport();
  fourFile = path.join(tmp, 'four.html');
  writeFileSync(fourFile, await renderStandaloneHtml(four));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});

after(async () => {
  await browser?.close();
});

describe('standalone HTML report in Chromium', () => {
  it('shows every section, the verdict, and the JSON report\'s numbers', async () => {
    const { page, errors } = await open(file);
    for (const s of ['header', 'comparison', 'suggestions', 'breakdown', 'timeline', 'threads', 'events']) {
      assert.equal(await page.locator(`[data-section="${s}"]`).count(), 1, `section ${s}`);
    }
    assert.match(await page.locator('.verdict').innerText(), /The default \(cgo\) build reserves \d+\.\d MiB more virtual memory than pure/);
    const vsz = await page.locator('tr[data-row="VSZ at exit (model)"] td > span:first-child').allInnerTexts();
    assert.deepEqual(vsz, report.variants.map((v) => formatMiB(v.processes[0].vsizeAtExit)));
    const kernel = await page.locator('tr[data-row="VmSize (kernel)"] td > span:first-child').allInnerTexts();
    assert.deepEqual(kernel.map((k) => k.split(' (')[0]), report.variants.map((v) => formatMiB(v.processes[0].kernel!.vmSize)));
    assert.equal(await page.locator('.timeline-variant canvas').count() >= 3, true, 'a uPlot canvas per variant');
    assert.equal(await page.locator('[data-section="threads"] .lane').count(), report.variants[0].processes[0].threads.length);
    assert.equal(await page.locator('[data-section="breakdown"] .variant-breakdown').count(), 3);
    assert.equal(await page.locator('.ev-count').innerText(), `${report.variants[0].events.length} of ${report.variants[0].events.length} events`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('filters the event list by category and shows an event\'s details on click', async () => {
    const { page, errors } = await open(file);
    const events = report.variants[0].events;
    const expected = events.filter((e) => e.kind === 'thread-stack').length;
    // the category select is a vscode-elements single select: open it and pick the option as a user would
    const sel = page.locator('vscode-single-select[aria-label="Category"]');
    await sel.click();
    await page.locator('vscode-single-select[aria-label="Category"] >> li', { hasText: 'thread stacks' }).first().click();
    await page.waitForFunction(`document.querySelector('.ev-count')?.textContent?.startsWith('${expected} of')`, undefined, { timeout: 5000 });
    const rows = page.locator('.ev-rows .ev-row');
    assert.equal(await rows.count(), expected);
    const first = events.find((e) => e.kind === 'thread-stack')!;
    await rows.first().click();
    const details = await page.locator('.ev-details').innerText();
    assert.match(details, new RegExp(`line ${first.line}`));
    assert.ok(details.includes(first.note), details);
    assert.match(details, /MAP_STACK/);
    // keyboard: the next row
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('.ev-rows .ev-row.selected').getAttribute('data-line'), String(events.filter((e) => e.kind === 'thread-stack')[1].line));
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a long event list scrolls with the right rows in the right places, and the keyboard walks it', async () => {
    // the net report's default variant grown to 3,000 events: the row pool wraps around many times
    const v = report.variants[0];
    const events = Array.from({ length: 3000 }, (_, i) => ({ ...v.events[i % v.events.length], line: i + 1 }));
    const big: Report = { ...report, variants: [{ ...v, events, eventsTotal: events.length }] };
    const bigFile = path.join(tmp, 'big.html');
    writeFileSync(bigFile, await renderStandaloneHtml(big));
    const { page, errors } = await open(bigFile);
    // in the page: the shown rows, as [row index, data-line, translateY], and the scrolled range
    const shown = async (top: number) => page.evaluate<{ rows: number[][]; first: number; last: number }>(`(async () => {
      const vp = document.querySelector('.ev-viewport');
      vp.scrollTop = ${top};
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const rows = [...document.querySelectorAll('.ev-rows .ev-row:not([hidden])')].map((r) => [
        Number(r.getAttribute('aria-rowindex')), Number(r.getAttribute('data-line')), new DOMMatrix(getComputedStyle(r).transform).m42]);
      return { rows, first: Math.floor(vp.scrollTop / 24), last: Math.ceil((vp.scrollTop + vp.clientHeight) / 24) };
    })()`);
    for (const top of [0, 24_007, 24_031, 24_055, 24_400, 30_000, 71_640, 5_000]) {
      const { rows, first, last } = await shown(top);
      const at = new Set(rows.map((r) => r[0]));
      for (let pos = first; pos < Math.min(last, events.length); pos++) assert.ok(at.has(pos + 1), `row ${pos + 1} is shown at scrollTop ${top}`);
      assert.equal(at.size, rows.length, 'no position shown twice');
      for (const [index, line, y] of rows) {
        assert.equal(line, events[index - 1].line, `row ${index} shows its event`);
        assert.equal(y, (index - 1) * 24, `row ${index} sits at its place`);
      }
    }
    await page.locator('.ev-rows .ev-row:not([hidden])').first().click();
    const selected = () => page.evaluate<string[]>(`[...document.querySelectorAll('.ev-rows .ev-row.selected:not([hidden])')].map((r) => r.getAttribute('data-line'))`);
    const before = Number((await selected())[0]);
    await page.keyboard.press('PageDown');
    await page.keyboard.press('ArrowDown');
    const after = await selected();
    assert.equal(after.length, 1, 'one selected row');
    assert.ok(Number(after[0]) > before + 10, `${after[0]} after ${before}`);
    await page.keyboard.press('End');
    assert.deepEqual(await selected(), [String(events[events.length - 1].line)]);
    assert.match(await page.locator('.ev-details').innerText(), new RegExp(`line ${events.length}\\b`));
    await page.keyboard.press('Home');
    assert.deepEqual(await selected(), ['1']);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a click on the timeline selects the nearest call in the event list', async () => {
    const { page, errors } = await open(file);
    const over = page.locator('.timeline-variant[data-variant="default"] .u-over');
    const box = (await over.boundingBox())!;
    const at = { x: box.width * 0.4, y: box.height / 2 };
    await over.hover({ position: at });
    assert.match(await page.locator('.timeline-variant[data-variant="default"] .timeline-caption').innerText(), /line \d+|virtual/);
    await over.click({ position: at });
    await page.locator('.ev-rows .ev-row.selected').waitFor({ timeout: 5000 });
    const line = Number(await page.locator('.ev-rows .ev-row.selected').getAttribute('data-line'));
    assert.ok(report.variants[0].events.some((e) => e.line === line), `selected line ${line} is an event of the report`);
    assert.match(await page.locator('.ev-details').innerText(), new RegExp(`line ${line}`));
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a screenshot per theme, with the theme\'s own colours', async () => {
    const bg: Record<string, string> = {};
    for (const theme of ['light', 'dark', 'high-contrast']) {
      const { page, errors } = await open(file, theme);
      bg[theme] = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      await page.screenshot({ path: path.join(RESULTS, `report-${theme}.png`), fullPage: true });
      assert.deepEqual(errors, [], theme);
      await page.close();
    }
    assert.deepEqual(bg, { light: 'rgb(255, 255, 255)', dark: 'rgb(31, 31, 31)', 'high-contrast': 'rgb(0, 0, 0)' });
  });

  it('strace text is rendered as text, never as markup', async () => {
    const log = path.join(tmp, 'evil.strace');
    writeFileSync(log, [
      '100 execve("/tmp/<img src=x onerror=alert(1)>", ["<script>alert(2)</script>"], 0x7ffc /* 1 var */) = 0',
      '100 openat(AT_FDCWD, "/lib/<script>alert(3)</script>.so", O_RDONLY|O_CLOEXEC) = 3',
      '100 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3, 0) = 0x7f0000000000',
      '100 exit_group(0) = ?',
      '100 +++ exited with 0 +++',
      '',
    ].join('\n'));
    const vr = await analyzeLog(log, { name: '<b>evil</b>' });
    const evil = makeReport('analysis', [vr]);
    evil.package = '</script><script>alert(4)</script>';
    const evilFile = path.join(tmp, 'evil.html');
    writeFileSync(evilFile, await renderStandaloneHtml(evil));
    const { page, errors, dialogs } = await open(evilFile);
    const text = await page.locator('body').innerText();
    assert.ok(text.includes('<b>evil</b>'), 'the variant name shows literally');
    assert.ok(text.includes('</script><script>alert(4)</script>'), 'the package shows literally');
    const notes = (await page.locator('.ev-note').allInnerTexts()).join('\n');
    assert.ok(notes.includes('runs /tmp/<img src=x onerror=alert(1)>:'), `the program path shows literally in the events: ${notes}`);
    assert.ok(notes.includes('Shared library script>.so'), 'a library path with "</script>" in it (its basename is "script>.so")');
    assert.equal(await page.locator('main script, main img, main b').count(), 0, 'no element came from the data');
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('four variants and a long partial note fit at 600 and 1,200 px in every theme: no horizontal overflow', async () => {
    // 801 px: the narrowest panel that shows four variants as a table (media/panel.css), its tightest fit
    const all = ['light', 'dark', 'high-contrast'];
    for (const [width, themes] of [[600, all], [801, ['light']], [1200, all]] as const) {
      for (const theme of themes) {
        const { page, errors } = await open(fourFile, theme, width);
        const where = `${theme} at ${width} px`;
        await page.screenshot({ path: path.join(RESULTS, `four-${width}-${theme}.png`), fullPage: true });
        // in the page: the document's overflow, and every table, card, chart and event list against the viewport
        const m = await page.evaluate<{ scroll: number; client: number; out: string[] }>(`(() => {
          const se = document.scrollingElement;
          const vw = document.documentElement.clientWidth;
          const out = [];
          for (const e of document.querySelectorAll('table, .variant-card, .timeline-variant, .ev-table, .stack-bar, .verdict, .facts li')) {
            const r = e.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (r.left < 0 || r.right > vw + 0.5) out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
            if (e.scrollWidth > e.clientWidth + 1 && e.tagName !== 'TABLE') out.push(e.tagName + '.' + e.className + ' scrolls ' + e.scrollWidth + '>' + e.clientWidth);
          }
          for (const w of document.querySelectorAll('.table-wrap')) if (w.scrollWidth > w.clientWidth + 1) out.push('table-wrap scrolls ' + w.scrollWidth + '>' + w.clientWidth);
          return { scroll: se.scrollWidth, client: se.clientWidth, out };
        })()`);
        assert.ok(m.scroll <= m.client, `${where}: the page is ${m.scroll} px wide in ${m.client} px`);
        assert.deepEqual(m.out, [], where);
        // every variant's figures are there to read: as table columns (wide) or cards (narrow)
        const shown = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-section="comparison"] [data-variant-name]')].filter((e) => e.getClientRects().length > 0).map((e) => e.getAttribute('data-variant-name'))`);
        assert.deepEqual([...new Set(shown)], ['default', 'pure', 'netgo', 'netcgo'], where);
        // each variant's name says what it is, on hover: its env and tags
        const titles = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-section="comparison"] [data-variant-name] .variant-name')].filter((e) => e.getClientRects().length > 0).map((e) => e.getAttribute('title'))`);
        assert.ok(titles.some((t) => /^pure: CGO_ENABLED=0 · /.test(t)) && titles.some((t) => /^netgo: -tags netgo · /.test(t)), `${where}: ${titles.join(' | ')}`);
        if (width > 800) assert.equal(await page.locator('[data-section="comparison"] table').isVisible(), true, `${where}: the table itself`);
        // figures on one line each: a cell's first line is its whole value
        if (width > 800) {
          const wrapped = await page.evaluate<string[]>(`[...document.querySelectorAll('.side-by-side td.num > span:first-child')].filter((s) => s.getClientRects().length > 1).map((s) => s.textContent)`);
          assert.deepEqual(wrapped, [], `${where}: figures broken over lines`);
          const over = await page.evaluate<string[]>(`[...document.querySelectorAll('.side-by-side td')].filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent)`);
          assert.deepEqual(over, [], `${where}: cells whose text spills over`);
        }
        assert.deepEqual(errors, [], where);
        await page.close();
      }
    }
  });

  it('the text filter follows typing, without Enter, and keeps the field\'s focus', async () => {
    const { page, errors } = await open(file);
    const events = report.variants[0].events;
    const expected = filterEvents(events, { text: 'map_stack' }).length;
    assert.ok(expected > 0 && expected < events.length, `${expected} of ${events.length}`);
    // in the page: count how many times the list is rebuilt while typing
    await page.evaluate(`(() => {
      window.rebuilt = 0;
      new MutationObserver((ms) => { for (const m of ms) window.rebuilt += [...m.addedNodes].filter((n) => n.classList?.contains('event-list')).length; })
        .observe(document.querySelector('.event-list-holder'), { childList: true });
    })()`);
    const field = page.locator('vscode-textfield[aria-label="Filter events by text"] input');
    await field.pressSequentially('map_stack', { delay: 25 });
    assert.ok(await until(page, `document.querySelector('.ev-count')?.textContent?.startsWith('${expected} of')`), `the count becomes ${expected}`);
    const rebuilt = await page.evaluate<number>('window.rebuilt');
    assert.ok(rebuilt >= 1 && rebuilt < 'map_stack'.length, `the list was rebuilt ${rebuilt} times for 9 keystrokes`);
    assert.equal(await field.inputValue(), 'map_stack', 'the field keeps what was typed');
    assert.equal(await page.evaluate<string>(`document.activeElement?.getAttribute('aria-label') ?? ''`), 'Filter events by text', 'and keeps the focus');
    // deleting back widens the list again (the narrowing shortcut must not stick)
    for (let i = 0; i < 'map_stack'.length; i++) await field.press('Backspace');
    assert.ok(await until(page, `document.querySelector('.ev-count')?.textContent?.startsWith('${events.length} of')`), `the count becomes ${events.length}`);
    await field.pressSequentially('mmap', { delay: 10 });
    await field.press('Enter');
    assert.ok(await until(page, `document.querySelector('.ev-count')?.textContent?.startsWith('${filterEvents(events, { text: 'mmap' }).length} of')`), `the count becomes ${filterEvents(events, { text: 'mmap' }).length}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a one-variant report has no "smallest" legend, no baseline and no deltas', async () => {
    const one = makeReport('analysis', [report.variants[0]]);
    const oneFile = path.join(tmp, 'one.html');
    writeFileSync(oneFile, await renderStandaloneHtml(one));
    const { page, errors } = await open(oneFile, undefined, 600);
    const comparison = page.locator('[data-section="comparison"]');
    assert.equal(await comparison.locator('.legend').count(), 0);
    assert.doesNotMatch(await comparison.innerText(), /smallest|baseline/i);
    assert.equal(await comparison.locator('.delta').count(), 0);
    assert.equal(await comparison.locator('table').isVisible(), true, 'one column fits at 600 px: a table');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('the charts take the theme\'s colours, and follow a theme change without a reload', async () => {
    const { page, errors } = await open(fourFile, 'light', 1200);
    // in the page: the y-axis labels' strongest contrast against the page's background (WCAG ratio)
    const contrast = () => page.evaluate<number>(`(() => {
      const lum = (r, g, b) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
      const bg = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
      const lb = lum(bg[0], bg[1], bg[2]);
      const canvas = document.querySelector('.timeline-variant canvas');
      const d = canvas.getContext('2d').getImageData(0, 0, Math.round(70 * devicePixelRatio), canvas.height).data;
      let best = 1;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] < 250) continue;
        const l = lum(d[i], d[i + 1], d[i + 2]);
        best = Math.max(best, (Math.max(l, lb) + 0.05) / (Math.min(l, lb) + 0.05));
      }
      return best;
    })()`);
    const light = await contrast();
    assert.ok(light >= 4.5, `light: axis labels at ${light.toFixed(2)}:1`);
    for (const theme of ['dark', 'high-contrast']) {
      // as VS Code does: the theme changes under the page (no reload, no message); the charts must redraw
      await page.evaluate(`(() => { window.oldCanvas = document.querySelector('.timeline-variant canvas'); document.body.dataset.theme = '${theme}'; })()`);
      assert.ok(await until(page, `document.querySelector('.timeline-variant canvas') !== window.oldCanvas`), `${theme}: the charts are redrawn`);
      const c = await contrast();
      assert.ok(c >= 4.5, `${theme}: axis labels at ${c.toFixed(2)}:1`);
    }
    // one unit: the charts say MiB, as the table does, never GiB (their text alternatives, and the hover caption)
    const labels = await page.evaluate<string[]>(`[...document.querySelectorAll('.timeline-chart')].map((e) => e.getAttribute('aria-label'))`);
    assert.equal(labels.length, 4);
    for (const l of labels) assert.match(l, /^\w+: virtual size from \d+\.\d MiB to \d+\.\d MiB, peak \d+\.\d MiB/);
    const over = page.locator('.timeline-variant[data-variant="default"] .u-over');
    const box = (await over.boundingBox())!;
    await over.hover({ position: { x: box.width * 0.9, y: box.height / 2 } });
    assert.match(await page.locator('.timeline-variant[data-variant="default"] .timeline-caption').innerText(), /\d+\.\d MiB virtual|line \d+/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

