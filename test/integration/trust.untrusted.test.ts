// The same extension in a window whose folder is not trusted (workspace trust on, never granted): building
// and running the workspace's code must not happen, and say why; analyzing an existing log still works.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { Outcome } from '../../src/host/investigator';
import { leftoverTempDirs, runProcesses, waitFor } from './procs';

const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const file = (rel: string) => vscode.Uri.file(path.join(ws(), rel));

describe('Go Memory Lens in Restricted Mode', function () {
  this.timeout(120_000);

  it('the window really is untrusted, and the extension is active there', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file('net/main.go')));
    const ext = vscode.extensions.getExtension('go-memory-lens.go-memory-lens')!;
    await waitFor('activation', () => ext.isActive);
  });

  for (const [command, args] of [['goMemoryLens.investigate', []], ['goMemoryLens.trace', ['pure']]] as const) {
    it(`${command} builds and runs nothing, and says why`, async () => {
      const outcome = await vscode.commands.executeCommand<Outcome>(command, file('net/main.go'), ...args);
      assert.equal(outcome.status, 'blocked');
      assert.match(outcome.message ?? '', /Restricted Mode/);
      assert.match(outcome.message ?? '', /Analyze strace Log/);
      assert.deepEqual(runProcesses(), []);
      assert.deepEqual(leftoverTempDirs(), [], 'no build folder was even made');
      assert.equal(vscode.window.terminals.filter((t) => t.name.startsWith('Go Memory Lens')).length, 0, 'no traced run');
    });
  }

  it('analyzing an existing log still works', async () => {
    const outcome = await vscode.commands.executeCommand<Outcome>('goMemoryLens.analyzeLog', file('logs/cgo.strace'));
    assert.equal(outcome.status, 'done', outcome.message);
    assert.ok((outcome.report!.variants[0].processes[0].categories['thread-stack']?.count ?? 0) >= 1);
  });
});
