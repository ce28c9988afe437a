// Runs investigations from the editor: checks trust and platform, locates the tools, shows progress with a
// Cancel button, streams each traced run into its own terminal, puts build errors in Problems, and opens
// the report panel. One run at a time; Cancel kills every process the run started.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readsStdin } from '../core/goSource';
import { baseName, measuredName } from '../core/report/suggestions';
import { isWebviewMessage } from '../protocol/messages';
import type { Variant } from '../core/run/build';
import { analyzeLog } from '../core/analyze';
import { BuildError, CancelledError, investigate, makeReport, type Progress } from '../core/investigate';
import { removeTempDir, type Diagnostic as BuildDiagnostic } from '../core/run/build';
import { ToolError } from '../core/run/tools';
import { MAX_TIMEOUT_SECONDS } from '../core/inputs';
import type { Report } from '../protocol/report';
import { Disposable } from './disposable';
import type { ReportPanels } from './panel';
import type { RunRequest } from './reportStore';
import { readSettings } from './settings';
import { TraceTerminal } from './terminal';
import { loadPty, locateGo, locateStrace, type PtyChoice } from './tools';

export type OutcomeStatus = 'done' | 'failed' | 'cancelled' | 'blocked';

/** What a command returns: the tests (and other extensions) read it; people see messages instead. */
export interface Outcome {
  status: OutcomeStatus;
  message?: string;
  report?: Report;
  reportId?: string;
}

export const CTX_RUNNING = 'goMemoryLens.running';
export const CTX_HAS_LAST = 'goMemoryLens.hasLastRun';
/** workspaceState key of the last request, so "Re-run Last Investigation" survives a window reload */
const LAST_RUN_KEY = 'goMemoryLens.lastRun';

/** A request read back from workspaceState: only the fields a run uses, with their types. */
export function asRunRequest(x: unknown): RunRequest | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  if ((o.kind !== 'investigate' && o.kind !== 'trace') || typeof o.packageDir !== 'string') return undefined;
  const variants = Array.isArray(o.variants) && o.variants.every((v) => typeof v === 'string') ? o.variants as string[] : undefined;
  const env = typeof o.env === 'object' && o.env !== null && Object.values(o.env).every((v) => typeof v === 'string') ? o.env as Record<string, string> : undefined;
  return { kind: o.kind, packageDir: o.packageDir, ...(variants ? { variants } : {}), ...(env ? { env } : {}) };
}

/** The terminal of a variant's run: short, so the tab shows the variant ("GML netcgo"). */
export function terminalName(variant: string): string {
  return `GML ${variant}`;
}

export class Investigator extends Disposable {
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('go-memory-lens'));
  private running: AbortController | undefined;
  private last: RunRequest | undefined;
  private pty: PtyChoice | undefined;
  private readonly terminals: TraceTerminal[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly panels: () => ReportPanels,
  ) {
    super();
    this._register({ dispose: () => this.running?.abort() });
    this._register({ dispose: () => [...this.terminals].forEach((t) => t.terminal.dispose()) });
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  get lastRequest(): RunRequest | undefined {
    return this.last ?? asRunRequest(this.context.workspaceState.get(LAST_RUN_KEY));
  }

  /** On activation: the last run of this workspace (kept across reloads) makes "Re-run" available again. */
  async restoreLastRun(): Promise<void> {
    if (this.lastRequest) await vscode.commands.executeCommand('setContext', CTX_HAS_LAST, true);
  }

  /**
   * A suggestion's measured re-run: the report's variant `change.variant` built with the extra tags and run
   * with the extra environment (both checked as the webview's rerunWith is), added to the same report as a
   * column beside it ("default + MALLOC_ARENA_MAX=2").
   */
  async measure(reportId: unknown, change: unknown): Promise<Outcome> {
    const c = (typeof change === 'object' && change !== null ? change : {}) as Record<string, unknown>;
    const msg = Object.fromEntries(Object.entries({ type: 'rerunWith', variants: c.variant === undefined ? undefined : [c.variant], env: c.env, tags: c.tags }).filter(([, v]) => v !== undefined));
    if (typeof reportId !== 'string' || typeof c.variant !== 'string' || !isWebviewMessage(msg) || msg.type !== 'rerunWith') {
      return this.fail('A measured re-run names a kept report, one of its variants, and only the environment and tags a suggestion offers.');
    }
    const stored = await this.panels().store.load(reportId);
    if (!stored) return this.fail('That report is no longer stored.', 'Run the investigation again.');
    if (!stored.request) {
      const text = 'This report was not made by an investigation here (a log analyzed on its own, or a comparison), so it cannot be re-run. Investigate the package to measure a remedy.';
      void vscode.window.showInformationMessage(`Go Memory Lens: ${text}`);
      return { status: 'blocked', message: text };
    }
    const from = stored.report.variants.find((v) => v.name === c.variant);
    if (!from) return this.fail(`The report has no variant ${c.variant}.`);
    const base = baseName(from.name).replace(/ #\d+$/, '');
    const configured = readSettings(vscode.Uri.file(stored.request.packageDir)).settings.variants.find((v) => v.name === base);
    const def: Variant = configured ?? { name: base, env: from.run?.env, tags: from.run?.tags, ldflags: from.run?.ldflags };
    const env = msg.env ?? {};
    const tags = msg.tags ?? [];
    const variant: Variant = {
      ...def,
      name: measuredName(base, { env, tags }),
      env: { ...(def.env ?? {}), ...env },
      // a remedy's tag replaces the opposite choice the variant made (netgo over netcgo)
      tags: [...(def.tags ?? []).filter((t) => !tags.some((x) => x.replace(/go$/, 'cgo') === t)), ...tags.filter((t) => !(def.tags ?? []).includes(t))],
    };
    return this.run({ ...stored.request, measure: { reportId, variant, after: from.name } });
  }

  cancel(): boolean {
    if (!this.running) return false;
    this.log.info('cancel requested');
    this.running.abort();
    return true;
  }

  private forget(t: TraceTerminal): void {
    const i = this.terminals.indexOf(t);
    if (i >= 0) this.terminals.splice(i, 1);
  }

  private ptyChoice(): PtyChoice {
    if (!this.pty) {
      this.pty = loadPty(vscode.env.appRoot, this.context.extensionPath);
      this.log.info(`node-pty: ${this.pty.why}`);
    }
    return this.pty;
  }

  /** Builds and traces the package in every requested variant, then shows the report. */
  async run(request: RunRequest): Promise<Outcome> {
    if (!vscode.workspace.isTrusted) {
      const msg = 'Go Memory Lens builds and runs code from this workspace, so it is off in Restricted Mode. Trust the workspace to use it; "Analyze strace Log…" still works.';
      void vscode.window.showWarningMessage(msg, 'Manage Workspace Trust').then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'));
      return { status: 'blocked', message: msg };
    }
    if (process.platform !== 'linux') {
      const msg = `Tracing needs Linux with strace and ptrace; this extension host runs on ${process.platform}. Open the folder over Remote-SSH, WSL or a dev container, or analyze a log captured on Linux with "Go Memory Lens: Analyze strace Log…".`;
      void vscode.window.showErrorMessage(msg);
      return { status: 'blocked', message: msg };
    }
    if (this.running) {
      const msg = 'An investigation is already running; cancel it first.';
      void vscode.window.showInformationMessage(msg, 'Cancel It').then((a) => a && this.cancel());
      return { status: 'blocked', message: msg };
    }
    const abort = new AbortController();
    this.running = abort;
    await vscode.commands.executeCommand('setContext', CTX_RUNNING, true);
    try {
      return await this.runTrusted(request, abort);
    } finally {
      this.running = undefined;
      await vscode.commands.executeCommand('setContext', CTX_RUNNING, false);
    }
  }

  private async runTrusted(request: RunRequest, abort: AbortController): Promise<Outcome> {
    const scope = vscode.Uri.file(request.packageDir);
    const { settings, problems } = readSettings(scope);
    for (const p of problems) {
      this.log.warn(`settings: ${p}`);
      void vscode.window.showWarningMessage(`Go Memory Lens settings: ${p}`);
    }
    const variants = request.measure ? [request.measure.variant] : request.variants ? settings.variants.filter((v) => request.variants!.includes(v.name)) : settings.variants;
    if (variants.length === 0) return this.fail(`No variant to run (asked for ${request.variants?.join(', ') ?? 'all'}; configured: ${settings.variants.map((v) => v.name).join(', ') || 'none'}).`, 'Check the goMemoryLens.variants setting.');

    this.log.info(`${request.kind} ${request.packageDir} (${variants.map((v) => v.name).join(', ')})`);
    let goChoice: Awaited<ReturnType<typeof locateGo>>;
    let strace: Awaited<ReturnType<typeof locateStrace>>;
    try {
      goChoice = await locateGo(settings, scope);
      if (Object.keys(goChoice.buildEnv).length) this.log.info(`go.toolsEnvVars: ${JSON.stringify(goChoice.buildEnv)}`);
      strace = await locateStrace(settings);
    } catch (err) {
      return this.failWith(err);
    }
    const pty = this.ptyChoice();
    const folder = vscode.workspace.getWorkspaceFolder(scope)?.uri.fsPath ?? request.packageDir;
    const cwd = settings.cwd ? path.resolve(folder, settings.cwd.replace(/\$\{workspaceFolder\}/g, folder)) : undefined;
    const terms = new Map<string, TraceTerminal>();
    const total = variants.length * 3;
    // a program that reads stdin waits for the user: one variant at a time, in the terminal that says so
    const interactive = await packageReadsStdin(request.packageDir);
    if (interactive) this.log.info('the program reads standard input: tracing one variant at a time');
    let cleared = false;

    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Go Memory Lens', cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          const onProgress = (p: Progress) => {
            const increment = p.step === 'build' || p.step === 'trace' || p.step === 'analyze' ? 100 / total : 0;
            progress.report({ message: p.message, increment });
            if (p.step === 'trace' && p.variant) {
              // the builds all succeeded: last run's build errors are gone
              this.diagnostics.clear();
              // the previous run's terminals go when this run's first trace starts, instead of piling up
              if (!cleared) {
                cleared = true;
                for (const old of this.terminals.filter((x) => x.isFinished)) old.terminal.dispose();
              }
              const title = terminalName(p.variant);
              const t = new TraceTerminal(title, pty.module === undefined, () => abort.abort(), () => this.forget(t));
              this.terminals.push(t);
              terms.set(p.variant, t);
              t.terminal.show(!interactive);
              t.note(`Go Memory Lens: tracing the ${p.variant} build under strace (${settings.traceMode} mode); type here to talk to the program.`);
              if (interactive) {
                t.note('The program reads standard input: it is waiting for what you type here.');
                progress.report({ message: `waiting for input in '${title}' (${p.index} of ${p.total})` });
              }
            }
          };
          return investigate({
            packageDir: request.packageDir,
            variants,
            args: settings.programArgs,
            env: { ...settings.env, ...(request.env ?? {}) },
            buildEnv: goChoice.buildEnv,
            cwd,
            mode: settings.traceMode,
            stacks: settings.stacks,
            timeoutMs: settings.timeoutSeconds === undefined ? undefined : settings.timeoutSeconds * 1000,
            buildTimeoutMs: (settings.buildTimeoutSeconds ?? MAX_TIMEOUT_SECONDS) * 1000,
            go: goChoice.go,
            strace,
            signal: abort.signal,
            // the logs are copied beside the report below, then the folder goes
            keep: true,
            traceJobs: interactive ? 1 : undefined,
            usePty: pty.module !== undefined,
            ptyModule: pty.module,
            onProgress,
            log: (line) => this.log.info(line),
            onOutput: (variant, data) => terms.get(variant)?.write(data),
            onTraceStart: (variant, io) => terms.get(variant)?.attach(io),
          });
        },
      );
      const report = result.report;
      const workDir = result.workDir;
      for (const v of report.variants) {
        const run = v.run;
        terms.get(v.name)?.finish(run ? `[${run.signal ? `killed by ${run.signal}` : `exited with ${run.exitCode}`} after ${((run.wallMs ?? 0) / 1000).toFixed(1)} s${v.partial ? `; partial: ${v.partialReasons.join('; ')}` : ''}]` : '[done]');
      }
      this.diagnostics.clear();
      if (!request.measure) {
        this.last = request;
        await this.context.workspaceState.update(LAST_RUN_KEY, request);
        await vscode.commands.executeCommand('setContext', CTX_HAS_LAST, true);
      }
      let reportId: string;
      let shown = report;
      try {
        // each run's own log (a variant named twice has two: pure.strace, pure_2.strace)
        const logs = Object.fromEntries(report.variants.map((v) => [v.name, path.join(workDir ?? '', v.log.files[0] ?? `${v.name}.strace`)]));
        // binaries only when there are stacks to map to source (they are megabytes each)
        const binaries = settings.stacks ? Object.fromEntries(report.variants.filter((v) => v.run?.binary).map((v) => [v.name, path.join(workDir ?? '', v.run!.binary!)])) : undefined;
        const files = workDir ? { copy: { logs, binaries } } : {};
        if (request.measure) {
          const saved = await this.panels().addVariant(request.measure.reportId, report.variants[0], request.measure.after, files);
          if (!saved) return this.fail('The report was removed while the remedy was measured.');
          reportId = request.measure.reportId;
          shown = saved.report;
        } else {
          reportId = await this.panels().show(report, request, files);
        }
      } finally {
        if (workDir) await removeTempDir(workDir).catch((err: Error) => this.log.warn(`could not remove ${workDir}: ${err.message}`));
      }
      this.log.info(`report ${reportId}: ${report.variants.map((v) => `${v.name} ${v.processes[0] ? (v.processes[0].vsizeAtExit / 1048576).toFixed(1) + ' MiB' : '?'}`).join(', ')}`);
      return { status: 'done', report: shown, reportId };
    } catch (err) {
      for (const t of terms.values()) t.finish(abort.signal.aborted ? '[cancelled]' : '[stopped]');
      if (abort.signal.aborted || err instanceof CancelledError) {
        this.log.info('cancelled; every process it started was stopped');
        void vscode.window.showInformationMessage('Go Memory Lens: cancelled.');
        return { status: 'cancelled', message: 'cancelled' };
      }
      if (err instanceof BuildError) {
        this.showBuildErrors(err);
        const first = err.failures[0];
        const d = first.diagnostics[0];
        const where = d ? `${path.relative(request.packageDir, d.file) || path.basename(d.file)}:${d.line}: ${d.message.split('\n')[0]}` : first.stderr.trim().split('\n')[0];
        const msg = `go build failed (${err.failures.map((f) => f.variant.name).join(', ')}): ${where}`;
        this.log.error(`${msg}\n${first.stderr}`);
        void vscode.window.showErrorMessage(msg, 'Show Problems').then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
        return { status: 'failed', message: msg };
      }
      return this.failWith(err);
    }
  }

  /**
   * Opens an existing strace log (captured anywhere) and shows its report; works in Restricted Mode too.
   * `binary`, when known, is the traced executable: its ELF headers size what execve mapped, and -k frames
   * map to source through it.
   */
  async analyze(file: string, binary?: string): Promise<Outcome> {
    try {
      const vr = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Go Memory Lens: analyzing ${path.basename(file)}`, cancellable: true },
        async (_progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return analyzeLog(file, { name: path.basename(file), binary, signal: abort.signal });
        },
      );
      const report = makeReport('analysis', [vr]);
      report.package = file;
      const reportId = await this.panels().show(report, undefined, { own: { logs: { [vr.name]: file }, binaries: binary ? { [vr.name]: binary } : undefined } });
      this.log.info(`analyzed ${file}: ${vr.log.lines} lines, ${vr.log.unparsedLines} unreadable`);
      return { status: 'done', report, reportId };
    } catch (err) {
      return this.failWith(err);
    }
  }

  private showBuildErrors(err: BuildError): void {
    this.diagnostics.clear();
    const byFile = new Map<string, Map<string, vscode.Diagnostic>>();
    for (const f of err.failures) {
      for (const d of f.diagnostics) {
        const key = `${d.line}:${d.column ?? 0}:${d.message}`;
        const m = byFile.get(d.file) ?? new Map<string, vscode.Diagnostic>();
        const existing = m.get(key);
        if (existing) {
          existing.message = existing.message.replace(/\(go build, ([^)]*)\)$/, `(go build, $1, ${f.variant.name})`);
        } else {
          m.set(key, toDiagnostic(d, f.variant.name));
        }
        byFile.set(d.file, m);
      }
    }
    for (const [file, m] of byFile) this.diagnostics.set(vscode.Uri.file(file), [...m.values()]);
  }

  private fail(message: string, fix?: string): Outcome {
    const text = fix ? `${message} ${fix}` : message;
    this.log.error(text);
    void vscode.window.showErrorMessage(`Go Memory Lens: ${text}`);
    return { status: 'failed', message: text };
  }

  private failWith(err: unknown): Outcome {
    if (err instanceof ToolError) {
      const text = `${err.message}. ${err.fix.charAt(0).toUpperCase()}${err.fix.slice(1)}.`;
      this.log.error(text);
      void vscode.window.showErrorMessage(`Go Memory Lens: ${text}`, 'Open Settings').then((a) => a && vscode.commands.executeCommand('workbench.action.openSettings', 'goMemoryLens'));
      return { status: 'failed', message: text };
    }
    const e = err as Error;
    this.log.error(e.stack ?? String(e));
    return this.fail(e.message ?? String(e));
  }
}

/** Whether the package's Go files (tests aside) read standard input. */
async function packageReadsStdin(dir: string): Promise<boolean> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  for (const f of names.filter((n) => n.endsWith('.go') && !n.endsWith('_test.go'))) {
    if (readsStdin(await fsp.readFile(path.join(dir, f), 'utf8').catch(() => ''))) return true;
  }
  return false;
}

function toDiagnostic(d: BuildDiagnostic, variant: string): vscode.Diagnostic {
  const line = Math.max(0, d.line - 1);
  const col = Math.max(0, (d.column ?? 1) - 1);
  const diag = new vscode.Diagnostic(new vscode.Range(line, col, line, d.column ? col + 1 : Number.MAX_SAFE_INTEGER), `${d.message} (go build, ${variant})`, vscode.DiagnosticSeverity.Error);
  diag.source = 'Go Memory Lens';
  return diag;
}
