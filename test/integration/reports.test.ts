// Kept reports in a real VS Code: a suggestion's measured re-run adds a labelled column to the same report,
// the Reports view lists what is kept, reopens and compares, each run opens its own panel, and Investigate
// on a module root finds the program in cmd/*. Each test makes the reports it needs.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { GoMemoryLensApi } from '../../src/extension';
import type { Outcome } from '../../src/host/investigator';
import { suggestions } from '../../src/core/report/suggestions';
import { runProcesses, waitFor } from './procs';

const EXTENSION_ID = 'go-memory-lens.go-memory-lens';
const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const file = (rel: string) => vscode.Uri.file(path.join(ws(), rel));

async function api(): Promise<GoMemoryLensApi> {
  return vscode.extensions.getExtension<GoMemoryLensApi>(EXTENSION_ID)!.activate();
}

async function trace(rel: string, variant: string): Promise<Outcome> {
  const outcome = await vscode.commands.executeCommand<Outcome>('goMemoryLens.trace', file(rel), variant);
  assert.equal(outcome.status, 'done', outcome.message);
  return outcome;
}

function arenas(o: Outcome, variant: string): number {
  return o.report!.variants.find((v) => v.name === variant)!.processes[0].categories['malloc-arena']?.count ?? 0;
}

describe('Kept reports', function () {
  this.timeout(240_000);

  it('a suggestion\'s measured re-run adds a labelled column beside its variant, in the same report and panel', async () => {
    const lens = await api();
    const first = await trace('net/main.go', 'default');
    const id = first.reportId!;
    const arena = await vscode.commands.executeCommand<Outcome>('goMemoryLens.measure', id, { variant: 'default', env: { MALLOC_ARENA_MAX: '2' } });
    assert.equal(arena.status, 'done', arena.message);
    assert.equal(arena.reportId, id, 'the same report');
    assert.deepEqual(arena.report!.variants.map((v) => v.name), ['default', 'default + MALLOC_ARENA_MAX=2']);
    const measured = arena.report!.variants[1];
    assert.equal(measured.run?.env?.MALLOC_ARENA_MAX, '2');
    assert.ok(arenas(arena, 'default + MALLOC_ARENA_MAX=2') <= 1, `at most one arena besides the main one: ${arenas(arena, 'default + MALLOC_ARENA_MAX=2')}`);
    const s = suggestions(arena.report!).find((x) => x.remedy === 'malloc-arena-max');
    assert.ok(s?.measured && / Measured: .*\(default → default \+ MALLOC_ARENA_MAX=2\)\.$/.test(s.text), s?.text);
    // a tag remedy: built with -tags netgo, its column goes after the other measured column of default
    const tagged = await vscode.commands.executeCommand<Outcome>('goMemoryLens.measure', id, { variant: 'default', tags: ['netgo'] });
    assert.equal(tagged.status, 'done', tagged.message);
    assert.deepEqual(tagged.report!.variants.map((v) => v.name), ['default', 'default + MALLOC_ARENA_MAX=2', 'default + -tags netgo']);
    assert.deepEqual(tagged.report!.variants[2].run?.tags, ['netgo']);
    assert.ok(!(tagged.report!.variants[2].run?.cgoPackages ?? []).includes('net'), 'net without its cgo files');
    // the kept report has every column, and one panel shows it
    const kept = (await lens.reports()).find((r) => r.id === id)!;
    assert.deepEqual(kept.variants, ['default', 'default + MALLOC_ARENA_MAX=2', 'default + -tags netgo']);
    await waitFor('one panel showing the report', () => lens.panels().filter((p) => p.reportId === id).length === 1);
    // the webview's names: checked before anything runs
    const bad = await vscode.commands.executeCommand<Outcome>('goMemoryLens.measure', id, { variant: 'default', env: { LD_PRELOAD: '/tmp/x.so' } });
    assert.equal(bad.status, 'failed');
  });

  it('a log analyzed on its own cannot be re-run: the measured re-run says so and runs nothing', async () => {
    const analyzed = await vscode.commands.executeCommand<Outcome>('goMemoryLens.analyzeLog', file('logs/cgo.strace'));
    assert.equal(analyzed.status, 'done', analyzed.message);
    const blocked = await vscode.commands.executeCommand<Outcome>('goMemoryLens.measure', analyzed.reportId, { variant: analyzed.report!.variants[0].name, env: { MALLOC_ARENA_MAX: '2' } });
    assert.equal(blocked.status, 'blocked');
    assert.match(blocked.message ?? '', /cannot be re-run/);
  });

  it('the Reports view lists kept reports, reopens a closed one and compares two', async () => {
    const lens = await api();
    const run = await trace('net/main.go', 'pure');
    const log = await vscode.commands.executeCommand<Outcome>('goMemoryLens.analyzeLog', file('logs/cgo.strace'));
    const list = await lens.reports();
    const [a, b] = [list.find((r) => r.id === run.reportId), list.find((r) => r.id === log.reportId)];
    assert.ok(a && b, JSON.stringify(list.map((r) => r.id)));
    assert.ok(list.indexOf(b) < list.indexOf(a), 'newest first');
    assert.equal(a.package, path.join(ws(), 'net'));
    assert.deepEqual(a.variants, ['pure']);
    assert.match(a.goVersion ?? '', /^go1\./);
    assert.equal(a.vsize, run.report!.variants[0].processes[0].vsizeAtExit);
    // closed, then reopened from the view
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('no panel of the run', () => !lens.panels().some((p) => p.reportId === run.reportId));
    assert.equal(await vscode.commands.executeCommand('goMemoryLens.openReport', run.reportId), true);
    await waitFor('the reopened panel', () => lens.panels().some((p) => p.reportId === run.reportId && p.title === 'Memory: net'));
    // compared: the two main variants side by side, labelled by package and date
    const cmp = await vscode.commands.executeCommand<Outcome>('goMemoryLens.compareReports', run.reportId, log.reportId);
    assert.equal(cmp.status, 'done');
    const names = cmp.report!.variants.map((v) => v.name);
    assert.match(names[0], /^pure @ net \d\d-\d\d \d\d:\d\d$/);
    assert.match(names[1], /^cgo\.strace @ cgo\.strace \d\d-\d\d \d\d:\d\d/);
    assert.equal(cmp.report!.variants[0].processes[0].vsizeAtExit, a.vsize);
    await waitFor('the comparison panel', () => lens.panels().some((p) => p.reportId === cmp.reportId && p.title === 'Memory: comparison'));
    assert.ok((await lens.reports()).some((r) => r.id === cmp.reportId), 'the comparison is kept too');
    // deleted from the view
    assert.equal(await vscode.commands.executeCommand('goMemoryLens.deleteReport', { id: log.reportId }), true);
    assert.ok(!(await lens.reports()).some((r) => r.id === log.reportId));
    assert.equal(await vscode.commands.executeCommand('goMemoryLens.openReport', log.reportId), false);
  });

  it('each run opens its own panel; with reportPanel "reuse" a run refreshes its package\'s panel', async () => {
    const lens = await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('no panel', () => lens.panels().length === 0);
    const one = await trace('net/main.go', 'pure');
    const two = await trace('net/main.go', 'pure');
    await waitFor('two panels', () => lens.panels().filter((p) => p.title === 'Memory: net').length === 2);
    assert.deepEqual(lens.panels().map((p) => p.reportId).sort(), [one.reportId, two.reportId].sort());
    const cfg = vscode.workspace.getConfiguration('goMemoryLens');
    await cfg.update('reportPanel', 'reuse', vscode.ConfigurationTarget.Workspace);
    try {
      const three = await trace('net/main.go', 'pure');
      await waitFor('the newest panel shows the third run', () => lens.panels().some((p) => p.reportId === three.reportId));
      assert.equal(lens.panels().filter((p) => p.title === 'Memory: net').length, 2, 'no third panel');
    } finally {
      await cfg.update('reportPanel', undefined, vscode.ConfigurationTarget.Workspace);
    }
    // the terminals: short names, the previous run's gone
    await waitFor('one GML pure terminal', () => vscode.window.terminals.filter((t) => t.name === 'GML pure').length === 1, 10_000);
    assert.deepEqual(vscode.window.terminals.filter((t) => t.name.startsWith('Go Memory')).map((t) => t.name), []);
  });

  it('Investigate on a module root runs the program in its cmd/ folder', async () => {
    const outcome = await vscode.commands.executeCommand<Outcome>('goMemoryLens.trace', file('mod'), 'pure');
    assert.equal(outcome.status, 'done', outcome.message);
    assert.equal(outcome.report!.package, path.join(ws(), 'mod', 'cmd', 'hello'));
    assert.match(outcome.report!.variants[0].run?.output ?? '', /hello from cmd\/hello/);
  });

  it('a program that reads stdin: its variants run one at a time, each waiting in its own short-named terminal', async () => {
    const gml = () => vscode.window.terminals.filter((t) => t.name.startsWith('GML '));
    const running = vscode.commands.executeCommand<Outcome>('goMemoryLens.investigate', file('ask/main.go'));
    const order = ['default', 'pure', 'netgo', 'netcgo'];
    for (const [i, v] of order.entries()) {
      // this variant's program runs (so its terminal is attached) and no later variant has started
      await waitFor(`${v} waiting for input`, () => runProcesses().some((p) => p.cmdline.split(' ')[0].endsWith(`/ask-${v}`)), 60_000);
      // one variant at a time; the previous run's terminals close (the list follows the close a moment later)
      const want = order.slice(0, i + 1).map((n) => `GML ${n}`).join(', ');
      await waitFor(`terminals ${want} (now ${gml().map((t) => t.name).join(', ')})`, () => gml().map((t) => t.name).join(', ') === want, 10_000);
      // typed until the program has read it: a line typed before the terminal is wired to the program is lost
      // (a person would type again), and the program ends once it has its line
      const alive = () => runProcesses().some((p) => p.cmdline.split(' ')[0].endsWith(`/ask-${v}`));
      for (let tries = 0; alive() && tries < 20; tries++) {
        gml().find((t) => t.name === `GML ${v}`)!.sendText(`hello ${v}`);
        await waitFor(`${v} read its line`, () => !alive(), 3_000).catch(() => undefined);
      }
      assert.ok(!alive(), `${v} never got its line`);
    }
    const outcome = await running;
    assert.equal(outcome.status, 'done', outcome.message);
    for (const v of outcome.report!.variants) assert.match(v.run?.output ?? '', new RegExp(`got hello ${v.name}`), v.name);
  });
});
