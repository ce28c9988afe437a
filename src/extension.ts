// Wiring only: every command, provider and listener is created here and owned by the extension context.
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { isCandidateFile, scanGoFile } from './core/goSource';
import { CMD_INVESTIGATE, CMD_TRACE, MainFuncLensProvider } from './host/codeLens';
import { Investigator, type Outcome } from './host/investigator';
import { startStraceLanguageClient } from './host/languageClient';
import { ReportPanels, ReportStore, type RunRequest } from './host/panel';
import { SECTION, readSettings } from './host/settings';

export const CMD_ANALYZE = 'goMemoryLens.analyzeLog';
export const CMD_RERUN = 'goMemoryLens.rerun';
export const CMD_CANCEL = 'goMemoryLens.cancel';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Go Memory Lens', { log: true });
  context.subscriptions.push(log);
  const store = new ReportStore(path.join(context.globalStorageUri.fsPath, 'reports'));
  // the panels re-run through the investigator, and the investigator shows reports in the panels
  const investigator: Investigator = new Investigator(context, log, () => panels);
  const panels: ReportPanels = new ReportPanels(context.extensionUri, store, (r) => void investigator.run(r), log);
  context.subscriptions.push(investigator, panels);
  context.subscriptions.push(startStraceLanguageClient(context, log));

  const lenses = new MainFuncLensProvider(() => readSettings().settings.codeLensEnabled);
  context.subscriptions.push(lenses, vscode.languages.registerCodeLensProvider({ language: 'go', scheme: 'file' }, lenses));
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration(`${SECTION}.codeLens`)) lenses.refresh(); }));

  const register = (id: string, fn: (...args: unknown[]) => Promise<Outcome | boolean | undefined>) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register(CMD_INVESTIGATE, async (arg) => {
    const dir = await packageDirFor(arg);
    return dir ? investigator.run({ kind: 'investigate', packageDir: dir }) : undefined;
  });
  register(CMD_TRACE, async (arg, variantArg) => {
    const dir = await packageDirFor(arg);
    if (!dir) return undefined;
    const { settings } = readSettings(vscode.Uri.file(dir));
    let variant = typeof variantArg === 'string' ? variantArg : undefined;
    if (!variant) {
      const pick = await vscode.window.showQuickPick(
        settings.variants.map((v) => ({ label: v.name, description: describeVariant(v) })),
        { title: `Trace ${path.basename(dir)}: which build?`, placeHolder: 'The build runs under strace in a terminal' },
      );
      variant = pick?.label;
    }
    return variant ? investigator.run({ kind: 'trace', packageDir: dir, variants: [variant] }) : undefined;
  });
  // the strace language server's "Analyze this log" lens passes the binary the log's first execve ran
  register(CMD_ANALYZE, async (arg, binaryArg) => {
    let file = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : undefined;
    if (!file) {
      const active = vscode.window.activeTextEditor?.document;
      const picked = await vscode.window.showOpenDialog({
        title: 'Analyze an strace log',
        canSelectMany: false,
        defaultUri: active && active.languageId === 'strace' ? active.uri : undefined,
        filters: { 'strace logs': ['strace', 'txt', 'log'], 'All files': ['*'] },
      });
      file = picked?.[0]?.fsPath;
    }
    const binary = binaryArg instanceof vscode.Uri ? binaryArg.fsPath : typeof binaryArg === 'string' ? binaryArg : undefined;
    return file ? investigator.analyze(file, binary) : undefined;
  });
  register(CMD_RERUN, async () => {
    const last: RunRequest | undefined = investigator.lastRequest;
    if (!last) {
      void vscode.window.showInformationMessage('Go Memory Lens: nothing to run again yet.');
      return undefined;
    }
    return investigator.run(last);
  });
  register(CMD_CANCEL, async () => investigator.cancel());
}

export function deactivate(): void {
  // everything is owned by context.subscriptions
}

function describeVariant(v: { env?: Record<string, string>; tags?: string[]; ldflags?: string; goBinary?: string }): string {
  const parts = [
    ...Object.entries(v.env ?? {}).map(([k, x]) => `${k}=${x}`),
    ...(v.tags?.length ? [`-tags ${v.tags.join(',')}`] : []),
    ...(v.ldflags ? [`-ldflags '${v.ldflags}'`] : []),
    ...(v.goBinary ? [v.goBinary] : []),
  ];
  return parts.join(' ') || 'default build (cgo as the toolchain decides)';
}

/**
 * The package to investigate: the folder of the given file (code lens, explorer), else of the active Go
 * editor, else the one `package main` in the workspace, else the user's choice among them.
 */
async function packageDirFor(arg: unknown): Promise<string | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : undefined;
  if (uri) {
    const stat = await fsp.stat(uri.fsPath).catch(() => undefined);
    if (stat?.isDirectory()) return uri.fsPath;
    if (stat?.isFile()) return path.dirname(uri.fsPath);
    void vscode.window.showErrorMessage(`Go Memory Lens: ${uri.fsPath} does not exist.`);
    return undefined;
  }
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.languageId === 'go' && doc.uri.scheme === 'file') {
    if (!isCandidateFile(doc.fileName, scanGoFile(doc.getText()))) {
      void vscode.window.showErrorMessage(`Go Memory Lens: ${path.basename(doc.fileName)} is not in package main, so there is no program to run. Open the main.go of a command.`);
      return undefined;
    }
    return path.dirname(doc.uri.fsPath);
  }
  const files = await vscode.workspace.findFiles('**/*.go', '{**/vendor/**,**/testdata/**,**/node_modules/**}', 500);
  const dirs = new Set<string>();
  for (const f of files) {
    if (f.fsPath.endsWith('_test.go')) continue;
    const text = await fsp.readFile(f.fsPath, 'utf8').catch(() => '');
    const facts = scanGoFile(text);
    if (facts.packageName === 'main' && facts.mains.length) dirs.add(path.dirname(f.fsPath));
  }
  const list = [...dirs].sort();
  if (list.length === 0) {
    void vscode.window.showErrorMessage('Go Memory Lens: no package main with a func main() in this workspace. Open a Go program\'s main.go.');
    return undefined;
  }
  if (list.length === 1) return list[0];
  const pick = await vscode.window.showQuickPick(list.map((d) => ({ label: vscode.workspace.asRelativePath(d), dir: d })), { title: 'Which program?' });
  return pick?.dir;
}
