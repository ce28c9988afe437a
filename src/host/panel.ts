// The report panel beside the editor. Reports are saved under the extension's storage so a panel comes back
// after a window reload (the serializer gets only the webview's small state: the report id).
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PAGE_ROOT, chromeTrace, pageStart } from '../core/report/exports';
import { renderStandaloneHtml } from '../core/report/htmlFile';
import { packReport, type PackedReport } from '../core/report/packed';
import { renderMarkdown } from '../core/report/exports';
import { readElf } from '../core/elf';
import { addr2line, fileOffsetToVaddr, frameOffset } from '../core/run/addr2line';
import { readSettings } from './settings';
import { locateGo } from './tools';
import { assertNever, isPanelState, isWebviewMessage, type ExportFormat, type HostMessage, type WebviewMessage } from '../protocol/messages';
import type { Report } from '../protocol/report';
import { Disposable } from './disposable';
import type { ReportFiles, ReportStore, RunRequest, Stored } from './reportStore';
import { makeReport } from '../core/investigate';
import { baseName } from '../core/report/suggestions';
import type { VariantReport } from '../protocol/report';

export const PANEL_VIEW_TYPE = 'goMemoryLens.report';

export type { RunRequest, Stored, ReportFiles } from './reportStore';

function nonce(): string {
  return randomBytes(16).toString('base64');
}

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const chartStyle = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'uplot.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `${pageStart(csp)}
<link rel="stylesheet" href="${chartStyle}">
<link rel="stylesheet" href="${style}">
<title>Go Memory Lens</title>
</head>
<body>
${PAGE_ROOT}
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export type PanelMode = 'new' | 'reuse';

/**
 * The open report panels. Each run opens its own panel (goMemoryLens.reportPanel "new"), or refreshes its
 * package's ("reuse"); a measured column updates the panels that show its report; a kept report reopens.
 */
export class ReportPanels extends Disposable {
  /** every open panel */
  private readonly open = new Set<ReportPanel>();
  /** the newest panel of each package (or log), the one "reuse" refreshes */
  private readonly byPackage = new Map<string, ReportPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    readonly store: ReportStore,
    private readonly rerun: (r: RunRequest) => void,
    private readonly log: vscode.LogOutputChannel,
    private readonly mode: () => PanelMode,
  ) {
    super();
    this._register(vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        panel.webview.options = webviewOptions(this.extensionUri);
        const stored = isPanelState(state) ? await this.store.load(state.reportId) : undefined;
        const p = this.adopt(panel, stored ? state as { reportId: string } : undefined, stored);
        if (!stored) p.post({ type: 'failed', message: 'This report is no longer stored.', fix: 'Run the investigation again.' });
      },
    }));
  }

  /** Saves a new report and shows it: in a new panel, or in its package's panel when reportPanel is "reuse". */
  async show(report: Report, request?: RunRequest, files: ReportFiles = {}): Promise<string> {
    const reportId = this.store.newId();
    const stored = await this.store.save(reportId, { report, request }, files);
    const key = request?.packageDir ?? report.package ?? reportId;
    const existing = this.mode() === 'reuse' ? this.byPackage.get(key) : undefined;
    if (existing) {
      existing.setReport(reportId, stored);
      existing.panel.title = titleOf(stored.report);
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      return reportId;
    }
    this.openPanel(reportId, stored);
    return reportId;
  }

  /** The titles of the open panels and the reports they show (the tests read it). */
  get shown(): Array<{ title: string; reportId?: string }> {
    return [...this.open].map((p) => ({ title: p.panel.title, reportId: p.reportId }));
  }

  /** A kept report in a panel: the one already showing it, else a new one. */
  async reopen(reportId: string): Promise<boolean> {
    const showing = [...this.open].find((p) => p.reportId === reportId);
    if (showing) {
      showing.panel.reveal(undefined, false);
      return true;
    }
    const stored = await this.store.load(reportId);
    if (!stored) return false;
    this.openPanel(reportId, stored, false);
    return true;
  }

  /**
   * A measured re-run's column, added to its report next to the variant it was made from (a column of the
   * same name is replaced); every panel showing the report shows the new one, or a panel opens for it.
   */
  async addVariant(reportId: string, variant: VariantReport, after: string, files: ReportFiles): Promise<Stored | undefined> {
    const stored = await this.store.load(reportId);
    if (!stored) return undefined;
    const kept = stored.report.variants.filter((v) => v.name !== variant.name);
    let at = kept.findIndex((v) => v.name === after);
    if (at < 0) at = kept.length - 1;
    while (at + 1 < kept.length && baseName(kept[at + 1].name) === after && kept[at + 1].name !== after) at++;
    kept.splice(at + 1, 0, variant);
    const report = { ...makeReport(stored.report.kind, kept, stored.report.package), createdAt: stored.report.createdAt };
    const saved = await this.store.save(reportId, { ...stored, report }, files);
    const showing = [...this.open].filter((p) => p.reportId === reportId);
    for (const p of showing) p.setReport(reportId, saved);
    if (showing.length) showing[0].panel.reveal(undefined, true);
    else this.openPanel(reportId, saved);
    return saved;
  }

  /**
   * Two kept reports side by side: a new report whose columns are each one's main (first) variant, labelled
   * by package and date ("default @ net 12-03 13:40"), so the side-by-side view shows the differences.
   */
  async compare(firstId: string, secondId: string): Promise<{ reportId: string; report: Report } | undefined> {
    const [a, b] = await Promise.all([this.store.load(firstId), this.store.load(secondId)]);
    if (!a || !b) return undefined;
    const label = (s: Stored, seconds: boolean) => {
      const v = s.report.variants[0];
      const where = path.basename(s.request?.packageDir ?? s.report.package ?? 'report').replace(/[^A-Za-z0-9_.,:=+ -]/g, '_');
      return `${v?.name ?? 'report'} @ ${where} ${s.report.createdAt.slice(5, seconds ? 19 : 16).replace('T', ' ')}`;
    };
    let names = [label(a, false), label(b, false)];
    if (names[0] === names[1]) names = [label(a, true), label(b, true)];
    if (names[0] === names[1]) names[1] += ' 2';
    const pick = (s: Stored, name: string): VariantReport => ({ ...s.report.variants[0], name, run: s.report.variants[0].run && { ...s.report.variants[0].run, variant: name } });
    const variants = [pick(a, names[0]), pick(b, names[1])];
    const report = makeReport('analysis', variants);
    report.package = `${names[0]} vs ${names[1]}`;
    const logs = Object.fromEntries([[names[0], a.logs?.[a.report.variants[0].name]], [names[1], b.logs?.[b.report.variants[0].name]]].filter((x): x is [string, string] => typeof x[1] === 'string'));
    const reportId = this.store.newId();
    const stored = await this.store.save(reportId, { report }, { own: { logs } });
    this.openPanel(reportId, stored, false);
    return { reportId, report };
  }

  private openPanel(reportId: string, stored: Stored, preserveFocus = true): void {
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, titleOf(stored.report), { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, webviewOptions(this.extensionUri));
    this.adopt(panel, { reportId }, stored);
  }

  private adopt(panel: vscode.WebviewPanel, state: { reportId: string } | undefined, stored: Stored | undefined): ReportPanel {
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    const p = new ReportPanel(panel, this.extensionUri, this.rerun, this.log);
    this.open.add(p);
    p.onDispose(() => this.open.delete(p));
    if (state && stored) {
      p.setReport(state.reportId, stored);
      const key = stored.request?.packageDir ?? stored.report.package;
      if (key) {
        this.byPackage.set(key, p);
        p.onDispose(() => { if (this.byPackage.get(key) === p) this.byPackage.delete(key); });
      }
    }
    return p;
  }

  override dispose(): void {
    for (const p of [...this.open]) p.panel.dispose();
    this.open.clear();
    this.byPackage.clear();
    super.dispose();
  }
}

function titleOf(report: Report): string {
  if (report.kind === 'analysis' && report.variants.length === 2 && / vs /.test(report.package ?? '')) return 'Memory: comparison';
  return `Memory: ${path.basename(report.package ?? report.variants[0]?.name ?? 'report')}`;
}

class ReportPanel extends Disposable {
  private ready = false;
  /** the report shown, and its packed form (made once, posted on every `ready`) */
  private current: { reportId: string; stored: Stored; packed?: PackedReport } | undefined;
  private pending: HostMessage[] = [];
  private readonly disposeCallbacks: Array<() => void> = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly rerun: (r: RunRequest) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    panel.webview.html = panelHtml(panel.webview, extensionUri);
    this._register(panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)));
    // a hidden webview is torn down (no retainContextWhenHidden: it would keep a big report's DOM alive);
    // when shown again it starts over, says `ready` with its saved state, and gets the report again
    this._register(panel.onDidChangeViewState(() => { if (!panel.visible) this.ready = false; }));
    this._register(panel.onDidDispose(() => {
      this.disposeCallbacks.forEach((cb) => cb());
      this.dispose();
    }));
  }

  onDispose(cb: () => void): void {
    this.disposeCallbacks.push(cb);
  }

  get reportId(): string | undefined {
    return this.current?.reportId;
  }

  setReport(reportId: string, stored: Stored): void {
    this.current = { reportId, stored };
    this.post(this.reportMessage()!);
  }

  private reportMessage(): HostMessage | undefined {
    if (!this.current) return undefined;
    const { reportId, stored } = this.current;
    const where = stored.request?.packageDir ?? stored.report.package;
    const packed = (this.current.packed ??= packReport(stored.report));
    return { type: 'report', reportId, packed, location: where ? vscode.workspace.asRelativePath(where, true) : undefined };
  }

  /** Status messages wait for `ready`; the report itself is (re)sent on every `ready`. */
  post(m: HostMessage): void {
    if (!this.ready) {
      if (m.type !== 'report') this.pending.push(m);
      return;
    }
    void this.panel.webview.postMessage(m);
  }

  private async saveAs(format: ExportFormat, report: Report): Promise<void> {
    const base = path.basename(report.package ?? report.variants[0]?.name ?? 'report').replace(/\.strace$/, '');
    const kinds: Record<ExportFormat, { ext: string; name: string; filter: string }> = {
      json: { ext: 'memory.json', name: 'JSON report', filter: 'json' },
      'chrome-trace': { ext: 'trace.json', name: 'Chrome trace-event JSON (Perfetto, chrome://tracing)', filter: 'json' },
      html: { ext: 'memory.html', name: 'Standalone HTML report', filter: 'html' },
      markdown: { ext: 'memory.md', name: 'Markdown table', filter: 'md' },
    };
    const k = kinds[format];
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: `Save ${k.name}`,
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${base}.${k.ext}`) : undefined,
      filters: { [k.name]: [k.filter] },
    });
    if (!target) return;
    try {
      const text = format === 'json' ? JSON.stringify(report, null, 2)
        : format === 'chrome-trace' ? JSON.stringify(chromeTrace(report))
          : format === 'html' ? await renderStandaloneHtml(report)
            : renderMarkdown(report) + '\n';
      await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
      this.log.info(`saved ${format} to ${target.fsPath}`);
      void vscode.window.showInformationMessage(`Go Memory Lens: saved ${path.basename(target.fsPath)}.`, 'Reveal').then((a) => a && vscode.commands.executeCommand('revealFileInOS', target));
    } catch (err) {
      void vscode.window.showErrorMessage(`Go Memory Lens: could not save ${target.fsPath}: ${(err as Error).message}`);
    }
  }

  /** Only files this report owns are opened: the webview names a variant, never a path. */
  private async openLog(variant: string, line: number): Promise<void> {
    const file = this.current?.stored.logs?.[variant];
    if (!file) {
      void vscode.window.showInformationMessage(`Go Memory Lens: the strace log of ${variant} was not kept with this report.`);
      return;
    }
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      const pos = new vscode.Position(Math.min(Math.max(0, line - 1), Math.max(0, doc.lineCount - 1)), 0);
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos), preview: true });
    } catch (err) {
      void vscode.window.showErrorMessage(`Go Memory Lens: cannot open the log of ${variant}: ${(err as Error).message}`);
    }
  }

  /** A -k frame to its source line: the kept binary's program headers, then go tool addr2line. */
  private async openFrame(variant: string, line: number, index: number): Promise<void> {
    const stored = this.current?.stored;
    const frame = stored?.report.variants.find((v) => v.name === variant)?.events.find((e) => e.line === line)?.stack?.[index];
    const binary = stored?.binaries?.[variant];
    if (!frame) return;
    if (!binary) {
      void vscode.window.showInformationMessage(`Go Memory Lens: the ${variant} binary was not kept with this report, so its stack cannot be mapped to source.`);
      return;
    }
    try {
      const offset = frameOffset(frame);
      const elf = await readElf(binary);
      const addr = offset !== undefined ? fileOffsetToVaddr(elf, offset) : undefined;
      if (addr === undefined) throw new Error(`the frame "${frame}" is not in ${path.basename(binary)}`);
      const scope = stored?.request ? vscode.Uri.file(stored.request.packageDir) : undefined;
      const { go } = await locateGo(readSettings(scope).settings, scope);
      const [src] = await addr2line(go, binary, [addr]);
      if (!src) throw new Error(`go tool addr2line knows no source line for ${frame}`);
      this.log.info(`${frame} → ${src.func} at ${src.file}:${src.line}`);
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(src.file));
      const pos = new vscode.Position(Math.max(0, src.line - 1), 0);
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos), preview: true });
    } catch (err) {
      void vscode.window.showErrorMessage(`Go Memory Lens: ${(err as Error).message}`);
    }
  }

  private receive(m: unknown): void {
    if (!isWebviewMessage(m)) {
      this.log.warn(`ignored a malformed message from the report panel: ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    const msg: WebviewMessage = m;
    switch (msg.type) {
      case 'ready': {
        this.ready = true;
        const report = this.reportMessage();
        for (const p of report ? [report] : this.pending) void this.panel.webview.postMessage(p);
        this.pending = [];
        break;
      }
      case 'rerun':
        if (this.current?.stored.request) this.rerun(this.current.stored.request);
        break;
      case 'rerunWith': {
        // the same path as the goMemoryLens.measure command: the investigator checks the variant and runs it
        if (!this.current) break;
        if (!this.current.stored.request) {
          void vscode.window.showInformationMessage('Go Memory Lens: this report was not made by an investigation here, so it cannot be re-run. Investigate the package to measure a remedy.');
          break;
        }
        void vscode.commands.executeCommand('goMemoryLens.measure', this.current.reportId, { variant: msg.variants?.[0], env: msg.env, tags: msg.tags });
        break;
      }
      case 'copyMarkdown':
        if (this.current) {
          void vscode.env.clipboard.writeText(renderMarkdown(this.current.stored.report))
            .then(() => vscode.window.showInformationMessage('Go Memory Lens: the report (verdict, table and breakdown) is on the clipboard as Markdown.'));
        }
        break;
      case 'save':
        if (this.current) void this.saveAs(msg.format, this.current.stored.report);
        break;
      case 'openLog':
        void this.openLog(msg.variant, msg.line);
        break;
      case 'openFrame':
        void this.openFrame(msg.variant, msg.line, msg.frame);
        break;
      default:
        assertNever(msg);
    }
  }
}
