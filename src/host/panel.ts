// The report panel beside the editor. Reports are saved under the extension's storage so a panel comes back
// after a window reload (the serializer gets only the webview's small state: the report id).
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { assertNever, isPanelState, isWebviewMessage, type HostMessage, type WebviewMessage } from '../protocol/messages';
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
}

interface Stored {
  report: Report;
  request?: RunRequest;
}

export class ReportStore {
  constructor(private readonly dir: string) {}

  newId(): string {
    return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  }

  async save(id: string, stored: Stored): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    await fsp.writeFile(path.join(this.dir, `${id}.json`), JSON.stringify(stored));
    await this.prune();
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
    for (const f of files.slice(0, Math.max(0, files.length - KEEP_REPORTS))) await fsp.rm(path.join(this.dir, f), { force: true });
  }
}

function nonce(): string {
  return randomBytes(16).toString('base64');
}

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Go Memory Lens</title>
</head>
<body>
<main id="root" aria-live="polite"><p class="status running">Loading the report…</p></main>
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
  async show(report: Report, request?: RunRequest): Promise<string> {
    const reportId = this.store.newId();
    await this.store.save(reportId, { report, request });
    const key = request?.packageDir ?? report.package ?? reportId;
    const title = `Memory: ${path.basename(report.package ?? report.variants[0]?.name ?? 'report')}`;
    const existing = this.panels.get(key);
    if (existing) {
      existing.setReport(reportId, { report, request });
      existing.panel.title = title;
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      return reportId;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(this.extensionUri));
    const p = this.adopt(panel, { reportId }, { report, request });
    this.panels.set(key, p);
    p.onDispose(() => { if (this.panels.get(key) === p) this.panels.delete(key); });
    return reportId;
  }

  private adopt(panel: vscode.WebviewPanel, state: { reportId: string } | undefined, stored: Stored | undefined): ReportPanel {
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    const p = new ReportPanel(panel, this.extensionUri, this.rerun, this.log);
    if (state && stored) {
      p.setReport(state.reportId, stored);
      const key = stored.request?.packageDir ?? stored.report.package;
      if (key && !this.panels.has(key)) {
        this.panels.set(key, p);
        p.onDispose(() => { if (this.panels.get(key) === p) this.panels.delete(key); });
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
  private current: { reportId: string; stored: Stored } | undefined;
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
    const where = stored.request?.packageDir ?? stored.report.package;
    this.post({ type: 'report', reportId, report: stored.report, location: where ? vscode.workspace.asRelativePath(where, true) : undefined });
  }

  post(m: HostMessage): void {
    if (!this.ready) {
      // only the latest report matters; status messages queue in order
      this.pending = m.type === 'report' ? [...this.pending.filter((x) => x.type !== 'report'), m] : [...this.pending, m];
      return;
    }
    void this.panel.webview.postMessage(m);
  }

  private receive(m: unknown): void {
    if (!isWebviewMessage(m)) {
      this.log.warn(`ignored a malformed message from the report panel: ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    const msg: WebviewMessage = m;
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        for (const p of this.pending) void this.panel.webview.postMessage(p);
        this.pending = [];
        break;
      case 'rerun':
        if (this.current?.stored.request) this.rerun(this.current.stored.request);
        break;
      default:
        assertNever(msg);
    }
  }
}
