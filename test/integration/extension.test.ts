// Inside a real VS Code extension host (code-server here, VS Code desktop where it exists), with real go,
// strace and node-pty: activation, commands, lenses, a full investigation, Problems, cancellation.
import { strict as assert } from 'node:assert';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { Outcome } from '../../src/host/investigator';
import { analyzeLog } from '../../src/core/analyze';
import { generateLog } from '../../bench/genlog';
import { leftoverTempDirs, runProcesses, waitFor } from './procs';

const EXTENSION_ID = 'go-memory-lens.go-memory-lens';
const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const file = (rel: string) => vscode.Uri.file(path.join(ws(), rel));

async function lensesOf(rel: string): Promise<vscode.CodeLens[]> {
  const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', file(rel));
  return (all ?? []).filter((l) => l.command?.command.startsWith('goMemoryLens.'));
}

function tabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
}

describe('Go Memory Lens in a real VS Code', function () {
  this.timeout(240_000);

  before(async () => {
    const doc = await vscode.workspace.openTextDocument(file('net/main.go'));
    await vscode.window.showTextDocument(doc);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('goMemoryLens').update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('activates on a Go file and registers every command it contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    await waitFor('activation on a Go file', () => ext.isActive);
    const contributed = (ext.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command);
    assert.deepEqual(contributed.sort(), [
      'goMemoryLens.analyzeLog', 'goMemoryLens.cancel', 'goMemoryLens.checkTools', 'goMemoryLens.compareReports', 'goMemoryLens.deleteReport', 'goMemoryLens.investigate',
      'goMemoryLens.measure', 'goMemoryLens.openReport', 'goMemoryLens.openSample', 'goMemoryLens.rerun', 'goMemoryLens.trace',
    ]);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of contributed) assert.ok(registered.has(c), `${c} is not registered`);
    // activation is scoped: no "*" and no onStartupFinished
    const events = ext.packageJSON.activationEvents as string[];
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), events.join(', '));
  });

  it('puts two lenses on the line of func main in package main, none in tests or libraries', async () => {
    const lenses = await lensesOf('net/main.go');
    assert.deepEqual(lenses.map((l) => l.command!.command), ['goMemoryLens.investigate', 'goMemoryLens.trace']);
    const text = readFileSync(file('net/main.go').fsPath, 'utf8').split('\n');
    const mainLine = text.findIndex((l) => l.startsWith('func main()'));
    assert.ok(mainLine > 0);
    for (const l of lenses) assert.equal(l.range.start.line, mainLine);
    assert.match(lenses[0].command!.title, /Investigate memory: cgo vs pure Go/);
    assert.match(lenses[1].command!.title, /Trace this build/);
    for (const [rel, why] of [['net/main_test.go', 'no lens in a _test.go file'], ['lib/lib.go', 'no lens outside package main']]) {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file(rel)));
      assert.equal((await lensesOf(rel)).length, 0, why);
    }
  });

  it('follows edits and the codeLens.enabled setting', async () => {
    const doc = await vscode.workspace.openTextDocument(file('cgo/main.go'));
    const editor = await vscode.window.showTextDocument(doc);
    const before = await lensesOf('cgo/main.go');
    assert.equal(before.length, 2);
    // insert two lines above main: the lenses move with it
    await editor.edit((e) => e.insert(new vscode.Position(before[0].range.start.line, 0), '// moved\n// down\n'));
    const moved = await lensesOf('cgo/main.go');
    assert.equal(moved[0].range.start.line, before[0].range.start.line + 2);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.workspace.getConfiguration('goMemoryLens').update('codeLens.enabled', false, vscode.ConfigurationTarget.Workspace);
    assert.equal((await lensesOf('net/main.go')).length, 0, 'lenses stay when turned off');
    await vscode.workspace.getConfiguration('goMemoryLens').update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    assert.equal((await lensesOf('net/main.go')).length, 2);
  });

  it('investigates the net sample: four variants, cgo stacks and arenas, checked against the kernel', async () => {
    const outcome = await vscode.commands.executeCommand<Outcome>('goMemoryLens.investigate', file('net/main.go'));
    assert.equal(outcome.status, 'done', outcome.message);
    const report = outcome.report!;
    assert.deepEqual(report.variants.map((v) => v.name), ['default', 'pure', 'netgo', 'netcgo']);
    const byName = Object.fromEntries(report.variants.map((v) => [v.name, v]));
    for (const v of report.variants) {
      const p = v.processes[0];
      assert.ok(p.kernel, `${v.name}: no kernel figures`);
      // the model and /proc/PID/status agree (the system tests hold the engine to the same 1%)
      assert.ok(Math.abs(p.vsizeAtExit - p.kernel.vmSize) <= 0.01 * p.kernel.vmSize, `${v.name}: model ${p.vsizeAtExit} vs VmSize ${p.kernel.vmSize}`);
      assert.equal(p.threadsAtExit, p.kernel.threads, `${v.name}: threads`);
      assert.equal(v.partial, false, `${v.name}: ${v.partialReasons.join('; ')}`);
    }
    assert.ok((byName.default.processes[0].categories['thread-stack']?.count ?? 0) >= 1, 'the cgo build creates pthread stacks');
    assert.equal(byName.pure.processes[0].categories['thread-stack']?.count ?? 0, 0, 'the pure build creates none');
    assert.ok(byName.default.processes[0].vsizeAtExit > byName.pure.processes[0].vsizeAtExit);
    assert.equal(byName.pure.run?.linkage, 'static');
    // one terminal per traced variant, and the panel beside the editor
    const terms = vscode.window.terminals.map((t) => t.name);
    for (const n of ['default', 'pure', 'netgo', 'netcgo']) assert.ok(terms.includes(`GML ${n}`), terms.join(', '));
    await waitFor('the report panel', () => tabLabels().includes('Memory: net'));
    assert.deepEqual(leftoverTempDirs(), []);
  });

  it('puts go build errors in Problems and clears them after the next good build', async () => {
    const main = file('broken/main.go');
    const outcome = await vscode.commands.executeCommand<Outcome>('goMemoryLens.trace', main, 'pure');
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message ?? '', /go build failed \(pure\): main\.go:7: undefined: notDefinedAnywhere/);
    const diags = await waitFor('diagnostics', () => { const d = vscode.languages.getDiagnostics(main); return d.length ? d : undefined; });
    assert.equal(diags[0].range.start.line, 6);
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
    assert.match(diags[0].message, /undefined: notDefinedAnywhere/);
    assert.equal(diags[0].source, 'Go Memory Lens');

    // fix it (the workspace is a throwaway copy) and build again: the diagnostics go away
    const original = await fsp.readFile(main.fsPath, 'utf8');
    await fsp.writeFile(main.fsPath, original.replace('\tnotDefinedAnywhere()\n', ''));
    const fixed = await vscode.commands.executeCommand<Outcome>('goMemoryLens.trace', main, 'pure');
    assert.equal(fixed.status, 'done', fixed.message);
    assert.equal(vscode.languages.getDiagnostics(main).length, 0, 'diagnostics cleared');
  });

  it('Cancel stops the traced program and strace, and removes the build folder', async () => {
    assert.deepEqual(runProcesses(), [], 'nothing of ours running before');
    const running = vscode.commands.executeCommand<Outcome>('goMemoryLens.trace', file('hang/main.go'), 'default');
    // wait until strace and the program both run out of the private build folder
    await waitFor('the traced program', () => runProcesses().length >= 2, 60_000);
    assert.ok(await vscode.commands.executeCommand<boolean>('goMemoryLens.cancel'));
    const outcome = await running;
    assert.equal(outcome.status, 'cancelled');
    await waitFor('no process left', () => runProcesses().length === 0, 10_000);
    assert.deepEqual(leftoverTempDirs(), []);
    assert.equal(await vscode.commands.executeCommand<boolean>('goMemoryLens.cancel'), false, 'nothing left to cancel');
  });

  it('Re-run Last Investigation repeats the last successful request', async () => {
    const outcome = await vscode.commands.executeCommand<Outcome>('goMemoryLens.rerun');
    assert.equal(outcome.status, 'done', outcome.message);
    // the last successful run was the fixed broken package, one variant
    assert.deepEqual(outcome.report!.variants.map((v) => v.name), ['pure']);
    // pure has been traced three times by now; its terminal is replaced, not piled up
    await waitFor('one pure terminal', () => vscode.window.terminals.filter((t) => t.name === 'GML pure').length === 1, 10_000);
  });

  it('analyzes an strace log captured elsewhere', async () => {
    const outcome = await vscode.commands.executeCommand<Outcome>('goMemoryLens.analyzeLog', file('logs/cgo.strace'));
    assert.equal(outcome.status, 'done', outcome.message);
    const p = outcome.report!.variants[0].processes[0];
    assert.equal(outcome.report!.kind, 'analysis');
    assert.ok((p.categories['thread-stack']?.count ?? 0) >= 1);
    assert.equal(outcome.report!.unparsedLines, 0);
  });

  it('analyzes a big log (parsed on its reader thread, dist/logWorker.js) as it would on one thread', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gml-big-'));
    try {
      const log = path.join(dir, 'big.strace');
      generateLog({ size: 20 * 1024 * 1024, out: log, seed: 3, sources: [path.join(ws(), 'logs', 'cgo.strace')] });
      const outcome = await vscode.commands.executeCommand<Outcome>('goMemoryLens.analyzeLog', vscode.Uri.file(log));
      assert.equal(outcome.status, 'done', outcome.message);
      // this suite's own bundle has no logWorker.js beside it: it reads on one thread
      const ref = await analyzeLog(log, { name: 'big.strace' });
      const got = outcome.report!.variants[0];
      assert.ok(ref.log.syscalls > 100_000, `a big log: ${ref.log.syscalls} calls`);
      assert.deepEqual(got.log, ref.log);
      assert.deepEqual(got.processes, ref.processes);
      assert.deepEqual(got.timeline, ref.timeline);
      assert.equal(got.eventsTotal, ref.eventsTotal);
      assert.deepEqual(got.events, ref.events);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('says clearly when the configured strace does not exist, and loses nothing', async () => {
    const cfg = vscode.workspace.getConfiguration('goMemoryLens');
    await cfg.update('stracePath', '/nonexistent/strace', vscode.ConfigurationTarget.Workspace);
    try {
      const outcome = await vscode.commands.executeCommand<Outcome>('goMemoryLens.trace', file('net/main.go'), 'pure');
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.message ?? '', /\/nonexistent\/strace/);
      assert.match(outcome.message ?? '', /goMemoryLens\.stracePath/);
    } finally {
      await cfg.update('stracePath', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
