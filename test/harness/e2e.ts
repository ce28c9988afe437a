// `npm run test:e2e`: the packaged .vsix installed into code-server, a Go workspace opened in headless
// Chromium, the code lens above func main clicked, and the report panel read as a user sees it: every
// variant, a thread count, the panel surviving a window reload. Screenshots go to test-results/;
// `-- --update-screenshot` also refreshes the README's media/screenshot.png.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { REPO, checkInstalled, goCacheEnv, installVsix, lap, launchBrowser, runDirs, startServer } from './codeServer';
import { makeWorkspace } from './workspace';

const VARIANTS = ['default', 'pure', 'netgo', 'netcgo', 'arena1'];
/** the four built-in variants and a custom one whose env must reach the traced program */
const VARIANT_SETTING = [
  { name: 'default' },
  { name: 'pure', env: { CGO_ENABLED: '0' } },
  { name: 'netgo', tags: ['netgo'] },
  { name: 'netcgo', tags: ['netcgo'] },
  { name: 'arena1', env: { MALLOC_ARENA_MAX: '1' } },
];
const RESULTS = path.join(REPO, 'test-results');

class E2eFailure extends Error {}

function check(ok: unknown, what: string): void {
  if (!ok) throw new E2eFailure(what);
}

/** The report webview's inner frame (iframe.webview → #active-frame) once it shows text matching `want`. */
async function panelText(page: Page, want: (t: string) => boolean, timeoutMs: number): Promise<{ frame: Frame; text: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      try {
        // runs in the page: `document` there, not here (this file has no DOM types)
        const t = await f.evaluate<string>('document.getElementById("root") ? document.body.innerText : ""');
        if (t) last = t;
        if (t && want(t)) return { frame: f, text: t };
      } catch {
        // frame navigating or gone
      }
    }
    await page.waitForTimeout(250);
  }
  throw new E2eFailure(`the report panel did not show the expected text within ${timeoutMs / 1000} s; last text seen:\n${last.slice(0, 2000)}`);
}

/** Runs a command from the palette (F1), as a user would; retried when the palette closes under it. */
async function runCommand(page: Page, title: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.keyboard.press('Escape').catch(() => {});
    await page.locator('.monaco-workbench .part.editor').first().click({ position: { x: 5, y: 5 } }).catch(() => {});
    await page.keyboard.press('F1');
    // the palette's text box (the widget also holds a hidden "select all" checkbox input)
    const input = page.locator('.quick-input-widget .quick-input-box input');
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`, { timeout: 5000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible', timeout: 5000 });
    } catch {
      // focus went elsewhere (a webview, a notification) and closed the palette: try again
      continue;
    }
    await page.keyboard.press('Enter');
    return;
  }
  throw new E2eFailure(`could not run "${title}" from the command palette`);
}

/** Opens a file the way a user does: expand its folder in the Explorer, click the file. */
async function openFile(page: Page, rel: string): Promise<void> {
  const parts = rel.split('/');
  for (let i = 0; i < parts.length; i++) {
    const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${parts[i]}"]`).first();
    await row.waitFor({ timeout: 30_000 });
    const last = i === parts.length - 1;
    if (last || (await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  }
  await page.locator(`.tabs-container .tab[aria-label*="${parts[parts.length - 1]}"]`).first().waitFor({ timeout: 15_000 });
}

async function main(): Promise<number> {
  const t0 = Date.now();
  checkInstalled();
  const update = process.argv.includes('--update-screenshot');
  const runs = path.join(REPO, '.vscode-test', 'runs', 'e2e');
  rmSync(runs, { recursive: true, force: true });
  mkdirSync(RESULTS, { recursive: true });
  const dirs = runDirs(runs);

  const vsix = path.join(runs, 'go-memory-lens.vsix');
  // exactly what a user runs: `npm run package` (vsce, with the production build as its prepublish step)
  execFileSync('npm', ['run', '-s', 'package'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  copyFileSync(path.join(REPO, 'go-memory-lens.vsix'), vsix);
  lap(t0, `packaged ${path.relative(REPO, vsix)} (${(statSync(vsix).size / 1024).toFixed(1)} KiB)`);
  await installVsix(dirs, vsix);
  lap(t0, 'installed into code-server');
  const ws = makeWorkspace(path.join(runs, 'workspace'), { stacks: true, variants: VARIANT_SETTING });
  const server = await startServer(dirs, { env: await goCacheEnv() });
  const browser = await launchBrowser(dirs);
  const page = browser.page;
  const errors: string[] = [];
  // our own errors, and any Content-Security-Policy refusal (the panel must run under its strict CSP)
  page.on('console', (m) => { if (m.type() === 'error' && /go-memory-lens|webview\.js|Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  try {
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    lap(t0, 'workbench up');
    await openFile(page, 'net/main.go');

    const lens = page.locator('.codelens-decoration a', { hasText: 'Investigate memory: cgo vs pure Go' }).first();
    await lens.waitFor({ timeout: 60_000 });
    check(await page.locator('.codelens-decoration a', { hasText: 'Trace this build' }).count() >= 1, 'the "Trace this build" lens is missing');
    await page.screenshot({ path: path.join(RESULTS, 'e2e-lens.png') });
    lap(t0, 'code lenses shown; clicking "Investigate memory"');
    await lens.click();

    const { text } = await panelText(page, (t) => VARIANTS.every((v) => t.includes(v)) && /threads created/.test(t), 180_000);
    lap(t0, 'report panel shows every variant');
    for (const v of VARIANTS) check(text.includes(v), `variant ${v} missing from the panel`);
    const threads = /threads created \/ alive\s+(\d+) \/ (\d+)[^\n]*/.exec(text);
    check(threads, `no thread count in the panel:\n${text.slice(0, 1500)}`);
    check(Number(threads![1]) >= 2, `implausible thread count: ${threads![0]}`);
    check(/8 MiB thread stacks/.test(text) && /malloc arenas/.test(text), 'the stacks/arenas rows are missing');
    check(/VmSize \(kernel\)/.test(text), 'the kernel check row is missing');
    // the custom variant says what it is (its env is applied to the build and the run: test/system/variantEnv.test.ts)
    check(/arena1: MALLOC_ARENA_MAX=1 · go1\./.test(text), 'the custom variant does not say what it is');
    // and its env reached the program: the arena suggestion is measured on it, with fewer malloc arenas
    check(/MALLOC_ARENA_MAX.*Measured: .*\d+ fewer malloc arenas?.*\(default → arena1\)/.test(text), `the custom variant's MALLOC_ARENA_MAX did not change the program:\n${text.split('\n').filter((l) => /MALLOC_ARENA_MAX/.test(l)).join('\n')}`);
    // the same sections as the standalone report
    for (const title of ['Side by side', 'Where the virtual size goes', 'Timeline', 'Threads (', 'Events']) check(text.includes(title), `the panel has no "${title}" section`);
    check(/build reserves \d+\.\d MiB more virtual memory than/.test(text), 'no verdict in the panel');
    // the terminals of the traced runs, named after their variants
    for (const v of VARIANTS) check(await page.getByText(`GML ${v}`).count() > 0 || await page.locator(`[aria-label*="GML ${v}"]`).count() > 0, `no terminal for ${v}`);
    // room for the whole table, and no toasts over it
    await runCommand(page, 'View: Close Primary Side Bar');
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.waitForTimeout(500);
    const shot = path.join(RESULTS, 'e2e-panel.png');
    await page.screenshot({ path: shot });
    lap(t0, `screenshot ${path.relative(REPO, shot)}`);
    if (update) {
      copyFileSync(shot, path.join(REPO, 'media', 'screenshot.png'));
      lap(t0, 'media/screenshot.png updated');
    }

    // a suggestion's button measures its remedy: a labelled column joins the same report, beside its variant
    let threadsRow = threads![0];
    {
      // (MALLOC_ARENA_MAX is measured by the custom variant already; the resolver's GODEBUG is not)
      const { frame: f } = await panelText(page, (t) => /GODEBUG=netdns=go/.test(t), 5000);
      const measure = f.locator('vscode-button[aria-label^="Measure "][aria-label$=" + GODEBUG=netdns=go"]').first();
      await measure.waitFor({ state: 'attached', timeout: 10_000 });
      const label = (await measure.getAttribute('aria-label'))!.replace(/^Measure /, '');
      await measure.scrollIntoViewIfNeeded();
      await measure.click();
      const measured = await panelText(page, (t) => t.includes(`(${label.split(' + ')[0]} → ${label})`), 180_000);
      // the variants' facts list each run in the report's order: the measured one right after its base
      const facts = measured.text.split('\n').map((l) => l.trim());
      const base = facts.findIndex((l) => l.startsWith(`${label.split(' + ')[0]}: `));
      const added = facts.findIndex((l) => l.startsWith(`${label}: `));
      check(base >= 0 && added === base + 1, `the measured column is not beside its variant: ${facts.filter((l) => /^[\w +=,.-]+: .*go1\./.test(l)).join(' | ')}`);
      threadsRow = /threads created \/ alive[^\n]*/.exec(measured.text)![0];
      await runCommand(page, 'Notifications: Clear All Notifications');
      await page.screenshot({ path: path.join(RESULTS, 'e2e-measured.png') });
      lap(t0, `measured ${label}: a new column in the same panel`);
    }

    // double-clicking an event opens that variant's own strace log at the event's line
    const { frame } = await panelText(page, (t) => t.includes('Events'), 5000);
    const row = frame.locator('.ev-rows .ev-row').nth(3);
    const line = await row.getAttribute('data-line');
    await row.dblclick();
    const logTab = page.locator('.tabs-container .tab', { hasText: '.strace' }).first();
    await logTab.waitFor({ timeout: 15_000 });
    check(/\.strace/.test(await logTab.innerText()), 'no strace log tab');
    const status = await page.locator('.statusbar').innerText();
    check(status.includes(`Ln ${line},`), `the log did not open at line ${line} (status bar: ${status.replace(/\s+/g, ' ').slice(0, 200)})`);
    lap(t0, `event at line ${line} opened in its strace log`);

    // with -k stacks, a frame of an event's call stack opens its Go source (go tool addr2line on the kept binary);
    // the list draws only the rows in view, so the Go heap reservations are brought up with the category filter
    await frame.locator('vscode-single-select[aria-label="Category"]').click();
    await frame.locator('vscode-single-select[aria-label="Category"] >> li', { hasText: 'Go heap arenas' }).first().click();
    await frame.locator('.ev-rows .ev-row', { hasText: 'go-heap' }).first().click();
    const frameLink = frame.locator('.ev-details ol.stack a', { hasText: 'runtime.' }).first();
    await frameLink.waitFor({ timeout: 10_000 });
    const frameText = await frameLink.innerText();
    await frameLink.click();
    const srcTab = page.locator('.tabs-container .tab.active', { hasText: '.go' }).first();
    await srcTab.waitFor({ timeout: 20_000 });
    lap(t0, `stack frame "${frameText}" opened ${await srcTab.innerText()}`);

    // the view's state (here: an event filter) is kept with the panel
    await frame.locator('vscode-single-select[aria-label="Category"]').click();
    await frame.locator('vscode-single-select[aria-label="Category"] >> li', { hasText: 'thread stacks' }).first().click();
    const filtered = await frame.locator('.ev-count').innerText();
    check(!/^(\d+) of \1 /.test(filtered), `the category filter did nothing: ${filtered}`);
    // a window reload brings the panel back through the serializer, with the same report
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForEvent('load', { timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const again = await panelText(page, (t) => VARIANTS.every((v) => t.includes(v)) && /threads created/.test(t) && t.includes(filtered), 60_000);
    check(again.text.includes(threadsRow.split('\n')[0].trim()), 'the restored panel shows a different report');
    lap(t0, `panel restored after a window reload, with its filter (${filtered})`);
    // and the last investigation can be run again: its request was kept in the workspace's state
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget .quick-input-box input').fill('>Go Memory: Re-run Last Investigation');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Re-run Last Investigation' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Escape');
    lap(t0, '"Re-run Last Investigation" is offered after the reload');
    // the Reports view in the side bar lists the kept report with its measured column
    await runCommand(page, 'Focus on Reports View');
    const kept = page.locator('.monaco-list-row', { hasText: /net.*default VSZ \d.*6 variants/ }).first();
    await kept.waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(RESULTS, 'e2e-reports.png') });
    lap(t0, 'the Reports view lists the kept report');
    check(errors.length === 0, `errors in the browser console:\n${errors.join('\n')}`);
    return 0;
  } catch (err) {
    await page.screenshot({ path: path.join(RESULTS, 'e2e-failure.png') }).catch(() => {});
    console.error(err instanceof E2eFailure ? `E2E FAILED: ${err.message}` : err);
    console.error(`(screenshot: test-results/e2e-failure.png; server log: ${path.relative(REPO, server.log)})`);
    return 1;
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().then((code) => process.exit(code), (err) => { console.error(err); process.exit(1); });
