// The report panel beside the editor. Reports are saved under the extension's storage so a panel comes back
// after a window reload (the serializer gets only the webview's small state: the report id).
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
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

export const PANEL_VIEW_TYPE = 'goMemoryLens.report';
const KEEP_REPORTS = 20;

/** What a report was made from, so "Run again" can repeat it. */
export interface RunRequest {
  kind: 'investigate' | 'trace';
  packageDir: string;
  /** variant names; all configured variants when absent */
  variants?: string[];
  /** extra environment on top of the settings (a suggestion's "re-run with MALLOC_ARENA_MAX=2") */
  env?: Record<string, string>;
}

interface Stored {
  report: Report;
  request?: RunRequest;
  /** each variant's strace log: a copy kept with the report, or the user's own file for an analysis */
  logs?: Record<string, string>;
  /** each variant's binary, kept when the logs have -k stacks (for go tool addr2line) */
  binaries?: Record<string, string>;
}

/** Files to copy beside a report (their folder is about to be removed) or to refer to where they are. */
export interface ReportFiles {
  copy?: { logs?: Record<string, string>; binaries?: Record<string, string> };
  own?: { logs?: Record<string, string>; binaries?: Record<string, string> };
}

export class ReportStore {
  constructor(private readonly dir: string) {}

  newId(): string {
    return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  }

  /** Saves the report; files in `files.copy` are copied beside it, `files.own` are referred to as they are. */
  async save(id: string, stored: Stored, files: ReportFiles = {}): Promise<Stored> {
    await fsp.mkdir(this.dir, { recursive: true });
    const logs: Record<string, string> = { ...(files.own?.logs ?? {}) };
    const binaries: Record<string, string> = { ...(files.own?.binaries ?? {}) };
    const copies: Array<[Record<string, string>, Record<string, string>, string]> = [[files.copy?.logs ?? {}, logs, '.strace'], [files.copy?.binaries ?? {}, binaries, '.bin']];
    for (const [from, into, ext] of copies) {
      for (const [variant, file] of Object.entries(from)) {
        const dest = path.join(this.dir, id, `${variant.replace(/[^A-Za-z0-9_.-]/g, '_')}${ext}`);
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        await fsp.copyFile(file, dest);
        into[variant] = dest;
      }
    }
    const full: Stored = { ...stored, logs, binaries };
    await fsp.writeFile(path.join(this.dir, `${id}.json`), JSON.stringify(full));
    await this.prune();
    return full;
  }

  async load(id: string): Promise<Stored | undefined> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return undefined;
    try {
      return JSON.parse(await fsp.readFile(path.join(this.dir, `${id}.json`), 'utf8')) as Stored;
    } catch {
      return undefined;
    }
  }

  private async prune(): Promise<void> {
    const files = (await fsp.readdir(this.dir)).filter((f) => f.endsWith('.json')).sort();
    for (const f of files.slice(0, Math.max(0, files.length - KEEP_REPORTS))) {
      await fsp.rm(path.join(this.dir, f), { force: true });
      await fsp.rm(path.join(this.dir, f.slice(0, -'.json'.length)), { recursive: true, force: true });
    }
  }
}

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

/** One panel per package (or log): running the same package again refreshes its panel. */
export class ReportPanels extends Disposable {
  private readonly panels = new Map<string, ReportPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: ReportStore,
    private readonly rerun: (r: RunRequest) => void,
    private readonly log: vscode.LogOutputChannel,
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

  /** Shows a saved report in its package's panel, opening one beside the editor if needed. */
  async show(report: Report, request?: RunRequest, files: ReportFiles = {}): Promise<string> {
    const reportId = this.store.newId();
    const stored = await this.store.save(reportId, { report, request }, files);
    const key = request?.packageDir ?? report.package ?? reportId;
    const title = `Memory: ${path.basename(report.package ?? report.variants[0]?.name ?? 'report')}`;
    const existing = this.panels.get(key);
    if (existing) {
      existing.setReport(reportId, stored);
      existing.panel.title = title;
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      return reportId;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(this.extensionUri));
    const p = this.adopt(panel, { reportId }, stored);
    this.track(key, p);
    return reportId;
  }

  /** The package's (or log's) panel, until it is closed. */
  private track(key: string, p: ReportPanel): void {
    this.panels.set(key, p);
    p.onDispose(() => { if (this.panels.get(key) === p) this.panels.delete(key); });
  }

  private adopt(panel: vscode.WebviewPanel, state: { reportId: string } | undefined, stored: Stored | undefined): ReportPanel {
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    const p = new ReportPanel(panel, this.extensionUri, this.rerun, this.log);
    if (state && stored) {
      p.setReport(state.reportId, stored);
      const key = stored.request?.packageDir ?? stored.report.package;
      if (key && !this.panels.has(key)) {
        this.track(key, p);
      }
    }
    return p;
  }

  override dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
    this.panels.clear();
    super.dispose();
  }
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
        const req = this.current?.stored.request;
        if (!req) break;
        // only variants this report has: the webview cannot invent a build
        const known = new Set(this.current!.stored.report.variants.map((v) => v.name));
        // a label of a variant run twice ("pure #2") asks for the variant ("pure")
        const variants = msg.variants?.filter((v) => known.has(v)).map((v) => v.replace(/ #\d+$/, ''));
        this.rerun({ ...req, variants: variants?.length ? variants : req.variants, env: { ...(req.env ?? {}), ...(msg.env ?? {}) } });
        break;
      }
      case 'copyMarkdown':
        if (this.current) {
          void vscode.env.clipboard.writeText(renderMarkdown(this.current.stored.report))
            .then(() => vscode.window.showInformationMessage('Go Memory Lens: the table is on the clipboard as Markdown.'));
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
