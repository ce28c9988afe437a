// The strace language in a real VS Code: the language client starts dist/server.js, and a log opened in the
// editor gets its language, an outline, hovers, diagnostics and the "Analyze this log" lens, which opens the
// report panel.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { Outcome } from '../../src/host/investigator';
import { processes, waitFor } from './procs';

const file = (rel: string) => vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, rel));

function tabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
}

describe('strace logs in a real VS Code', function () {
  this.timeout(120_000);
  let doc: vscode.TextDocument;

  // this extension's server only (another VS Code on the machine may run its own copy)
  const serverPath = () => path.join(vscode.extensions.getExtension('go-memory-lens.go-memory-lens')!.extensionPath, 'dist', 'server.js');
  const servers = () => processes().filter((p) => p.cmdline.includes(serverPath()));

  before(async () => {
    // the extension is active (Go files were open) but no strace log was: the server has not been started
    assert.deepEqual(servers(), []);
    doc = await vscode.workspace.openTextDocument(file('logs/cgo.strace'));
    await vscode.window.showTextDocument(doc);
  });

  it('recognizes strace logs by extension and by their first line, and starts the server for them', async () => {
    assert.equal(doc.languageId, 'strace');
    await waitFor('the language server process', () => servers().length === 1);
    const bare = await vscode.workspace.openTextDocument(file('logs/native-trace'));
    assert.equal(bare.languageId, 'strace', 'a file without extension whose first line is strace output');
  });

  it('fills the outline with the process and its threads, from the language server', async () => {
    // the client starts with the extension: ask until its provider answers
    const symbols = await waitFor('document symbols', async () => {
      const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri);
      return s?.length ? s : undefined;
    });
    assert.equal(symbols.length, 1);
    assert.equal(symbols[0].name, 'process 30244 cgo-default-go1.23');
    assert.equal(symbols[0].children.length, 6);
    const t = symbols[0].children.find((c) => c.name === 'thread 30246')!;
    assert.equal(t.detail, 'glibc pthread_create');
    assert.match(doc.lineAt(t.selectionRange.start.line).text, /^30246 /, 'the thread\'s first line');
  });

  it('hovers and diagnostics come from the server', async () => {
    const line = doc.getText().split('\n').findIndex((l) => l.includes('mmap(NULL, 8392704'));
    const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf('8392704') + 2);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /8 MiB \+ 4 KiB: usually a glibc thread stack/);
    const diags = await waitFor('diagnostics', () => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'strace').at(0));
    assert.match(diags.message, /-s limit/);
  });

  it('"Analyze this log" at the top opens the report panel', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const lens = lenses.find((l) => l.command?.command === 'goMemoryLens.analyzeLog');
    assert.ok(lens, JSON.stringify(lenses.map((l) => l.command?.title)));
    assert.equal(lens.range.start.line, 0);
    assert.equal(lens.command!.title, 'Analyze this log');
    // an earlier suite analyzed the same log: close its panel so the one found below is this run's
    const earlier = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.label === 'Memory: cgo.strace');
    await vscode.window.tabGroups.close(earlier);
    assert.ok(!tabLabels().includes('Memory: cgo.strace'));
    const outcome = await vscode.commands.executeCommand<Outcome>(lens.command!.command, ...(lens.command!.arguments ?? []));
    assert.equal(outcome.status, 'done', outcome.message);
    assert.equal(outcome.report!.kind, 'analysis');
    assert.equal(outcome.report!.variants[0].name, 'cgo.strace');
    await waitFor('the report panel', () => tabLabels().includes('Memory: cgo.strace'));
  });
});
