// Wiring only: every command, provider and listener is created here and owned by the extension context.
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { isCandidateFile, scanGoFile } from './core/goSource';
import { CMD_INVESTIGATE, CMD_TRACE, MainFuncLensProvider } from './host/codeLens';
import { Investigator, type Outcome } from './host/investigator';
import { startStraceLanguageClient } from './host/languageClient';
import { ReportPanels } from './host/panel';
import { ReportStore, type ReportSummary, type RunRequest } from './host/reportStore';
import { CMD_COMPARE, CMD_DELETE_REPORT, CMD_OPEN_REPORT, ReportHistory, VIEW_REPORTS, describeReport } from './host/history';
import { SECTION, readSettings } from './host/settings';
import { locateGo, locateStrace } from './host/tools';
import { ToolError, execTool } from './core/run/tools';

export const CMD_ANALYZE = 'goMemoryLens.analyzeLog';
export const CMD_RERUN = 'goMemoryLens.rerun';
export const CMD_CANCEL = 'goMemoryLens.cancel';
export const CMD_MEASURE = 'goMemoryLens.measure';

/** What activate returns: the kept reports and open panels, for the tests (and other extensions) to read. */
export interface GoMemoryLensApi {
  reports(): Promise<ReportSummary[]>;
  panels(): Array<{ title: string; reportId?: string }>;
}

export function activate(context: vscode.ExtensionContext): GoMemoryLensApi {
  const log = vscode.window.createOutputChannel('Go Memory Lens', { log: true });
  context.subscriptions.push(log);
  const store = new ReportStore(path.join(context.globalStorageUri.fsPath, 'reports'), () => readSettings().settings.historyMaxBytes);
  context.subscriptions.push(store);
  // the panels re-run through the investigator, and the investigator shows reports in the panels
  const investigator: Investigator = new Investigator(context, log, () => panels);
  const panels: ReportPanels = new ReportPanels(context.extensionUri, store, (r) => void investigator.run(r), log, () => readSettings().settings.reportPanel);
  context.subscriptions.push(investigator, panels);
  void investigator.restoreLastRun();
  const history = new ReportHistory(store);
  context.subscriptions.push(history, vscode.window.createTreeView(VIEW_REPORTS, { treeDataProvider: history }));
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
  // a suggestion's button (and the tests): add a measured remedy to a kept report
  register(CMD_MEASURE, async (reportId, change) => investigator.measure(reportId, change));
  // the side bar passes the report's summary (an item) or its id (the item's click)
  const idOf = (arg: unknown): string | undefined => typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null && typeof (arg as { id?: unknown }).id === 'string' ? (arg as { id: string }).id : undefined;
  register(CMD_OPEN_REPORT, async (arg) => {
    const id = idOf(arg);
    if (id && await panels.reopen(id)) return true;
    void vscode.window.showErrorMessage('Go Memory Lens: that report is no longer kept.');
    return false;
  });
  register(CMD_COMPARE, async (arg, otherArg) => {
    const first = idOf(arg);
    if (!first) return undefined;
    let second = idOf(otherArg);
    if (!second) {
      const others = (await store.list()).filter((s) => s.id !== first);
      if (!others.length) {
        void vscode.window.showInformationMessage('Go Memory Lens: there is no other kept report to compare with.');
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(others.map((s) => ({ ...describeReport(s), detail: undefined, id: s.id })), { title: 'Compare with which report?' });
      second = pick?.id;
    }
    if (!second) return undefined;
    const made = await panels.compare(first, second);
    if (!made) {
      void vscode.window.showErrorMessage('Go Memory Lens: one of the two reports is no longer kept.');
      return undefined;
    }
    return { status: 'done', report: made.report, reportId: made.reportId } satisfies Outcome;
  });
  // the walkthrough: a fresh copy of the bundled sample in the extension's storage, opened in an editor
  register('goMemoryLens.openSample', async () => {
    const dest = path.join(context.globalStorageUri.fsPath, 'samples', 'net');
    await fsp.rm(dest, { recursive: true, force: true });
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.cp(path.join(context.extensionPath, 'samples', 'net'), dest, { recursive: true });
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(dest, 'main.go')));
    return true;
  });
  register('goMemoryLens.checkTools', async () => checkTools(log));
  register(CMD_DELETE_REPORT, async (arg) => {
    const id = idOf(arg);
    if (id) await store.remove(id);
    return id !== undefined;
  });
  return { reports: () => store.list(), panels: () => panels.shown };
}

/** The walkthrough's check: strace found and able to trace a child here, ptrace allowed, go found. */
async function checkTools(log: vscode.LogOutputChannel): Promise<boolean> {
  const { settings } = readSettings();
  const lines: string[] = [];
  let ok = true;
  try {
    const strace = await locateStrace(settings);
    const res = await execTool(strace.path, ['-f', '-o', '/dev/null', 'true']);
    if (res.code === 0) lines.push(`strace: ${strace.path} (${strace.why}) traces a child process here.`);
    else {
      ok = false;
      lines.push(`strace: ${strace.path} could not trace a child: ${res.stderr.trim().split('\n')[0]} (in a container, add --cap-add=SYS_PTRACE).`);
    }
  } catch (err) {
    ok = false;
    lines.push(err instanceof ToolError ? `strace: ${err.message}; ${err.fix}.` : `strace: ${(err as Error).message}`);
  }
  const scope = await fsp.readFile('/proc/sys/kernel/yama/ptrace_scope', 'utf8').then((t) => t.trim()).catch(() => undefined);
  if (scope === undefined) lines.push('ptrace: no Yama ptrace_scope here (no restriction from it).');
  else if (scope === '0' || scope === '1') lines.push(`ptrace: kernel.yama.ptrace_scope is ${scope}, enough for strace to start and trace the program.`);
  else {
    ok = false;
    lines.push(`ptrace: kernel.yama.ptrace_scope is ${scope}, which stops strace; set it to 1 (sudo sysctl kernel.yama.ptrace_scope=1).`);
  }
  try {
    const go = await locateGo(settings, undefined);
    lines.push(`go: ${go.go.path} (${go.go.why}).`);
  } catch (err) {
    ok = false;
    lines.push(err instanceof ToolError ? `go: ${err.message}; ${err.fix}.` : `go: ${(err as Error).message}`);
  }
  for (const l of lines) log.info(`check: ${l}`);
  const text = `Go Memory Lens: ${ok ? 'ready to trace.' : 'not ready to trace.'} ${lines.join(' ')}`;
  void (ok ? vscode.window.showInformationMessage(text) : vscode.window.showWarningMessage(text, 'Show Output').then((a) => a && log.show()));
  return ok;
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
 * editor, else the one `package main` in the workspace, else the user's choice among them. A folder that is
 * no program itself (a module root with its commands in cmd/*) offers the programs under it.
 */
async function packageDirFor(arg: unknown): Promise<string | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : undefined;
  if (uri) {
    const stat = await fsp.stat(uri.fsPath).catch(() => undefined);
    if (stat?.isFile()) return path.dirname(uri.fsPath);
    if (!stat?.isDirectory()) {
      void vscode.window.showErrorMessage(`Go Memory Lens: ${uri.fsPath} does not exist.`);
      return undefined;
    }
    if (await isMainDir(uri.fsPath)) return uri.fsPath;
    return pickMainDir(await mainDirs(uri), `no package main with a func main() under ${vscode.workspace.asRelativePath(uri, true)}. Choose a folder with a Go program's main.go.`);
  }
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.languageId === 'go' && doc.uri.scheme === 'file') {
    if (!isCandidateFile(doc.fileName, scanGoFile(doc.getText()))) {
      void vscode.window.showErrorMessage(`Go Memory Lens: ${path.basename(doc.fileName)} is not in package main, so there is no program to run. Open the main.go of a command.`);
      return undefined;
    }
    return path.dirname(doc.uri.fsPath);
  }
  return pickMainDir(await mainDirs(), 'no package main with a func main() in this workspace. Open a Go program\'s main.go.');
}

function isMainFile(file: string, text: string): boolean {
  const facts = scanGoFile(text);
  return !file.endsWith('_test.go') && facts.packageName === 'main' && facts.mains.length > 0;
}

async function isMainDir(dir: string): Promise<boolean> {
  for (const f of (await fsp.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.go'))) {
    if (isMainFile(f, await fsp.readFile(path.join(dir, f), 'utf8').catch(() => ''))) return true;
  }
  return false;
}

/** Folders with a package main and its func main(), in the workspace or under `under`. */
async function mainDirs(under?: vscode.Uri): Promise<string[]> {
  const include = under ? new vscode.RelativePattern(under, '**/*.go') : '**/*.go';
  const files = await vscode.workspace.findFiles(include, '{**/vendor/**,**/testdata/**,**/node_modules/**}', 500);
  const dirs = new Set<string>();
  for (const f of files) {
    if (isMainFile(f.fsPath, await fsp.readFile(f.fsPath, 'utf8').catch(() => ''))) dirs.add(path.dirname(f.fsPath));
  }
  return [...dirs].sort();
}

async function pickMainDir(list: string[], none: string): Promise<string | undefined> {
  if (list.length === 0) {
    void vscode.window.showErrorMessage(`Go Memory Lens: ${none}`);
    return undefined;
  }
  if (list.length === 1) return list[0];
  const pick = await vscode.window.showQuickPick(list.map((d) => ({ label: vscode.workspace.asRelativePath(d), dir: d })), { title: 'Which program?' });
  return pick?.dir;
}
