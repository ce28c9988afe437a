// The side bar's "Reports": every kept report, newest first, with what it measured. A click reopens one;
// "Compare with…" puts two side by side; "Delete" forgets one. The list follows the store.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatBytes } from '../core/format';
import { Disposable } from './disposable';
import type { ReportStore, ReportSummary } from './reportStore';

export const VIEW_REPORTS = 'goMemoryLens.reports';
export const CMD_OPEN_REPORT = 'goMemoryLens.openReport';
export const CMD_COMPARE = 'goMemoryLens.compareReports';
export const CMD_DELETE_REPORT = 'goMemoryLens.deleteReport';

/** "12-03 13:40" in local time (the year only when it is not this one): what a person remembers of a run. */
export function shortDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  const year = d.getFullYear() === new Date().getFullYear() ? '' : `${d.getFullYear()}-`;
  return `${year}${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * The label (the package or log, what the narrow side bar must show) and the description: when, the first
 * variant's VSZ and RSS at exit, and how many variants.
 */
export function describeReport(s: ReportSummary): { label: string; description: string; tooltip: string } {
  const what = s.package ? path.basename(s.package) : 'report';
  const sizes = [s.vsize !== undefined ? `VSZ ${formatBytes(s.vsize)}` : '', s.rss !== undefined ? `RSS ${formatBytes(s.rss)}` : ''].filter(Boolean).join(', ');
  const first = s.variants[0] ?? '';
  const description = [shortDate(s.createdAt), sizes ? `${first} ${sizes}` : first, s.variants.length > 1 ? `${s.variants.length} variants` : ''].filter(Boolean).join(' · ');
  const tooltip = [
    s.package ?? what,
    `${s.kind === 'analysis' ? 'analysis' : 'investigation'} of ${s.variants.length} variant${s.variants.length === 1 ? '' : 's'}: ${s.variants.join(', ')}`,
    ...(s.goVersion ? [s.goVersion] : []),
    ...(sizes ? [`${first} at exit: ${sizes}`] : []),
    `${new Date(s.createdAt).toLocaleString()}; ${formatBytes(s.bytes)} kept`,
  ].join('\n');
  return { label: what, description, tooltip };
}

export class ReportHistory extends Disposable implements vscode.TreeDataProvider<ReportSummary> {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: ReportStore) {
    super();
    this._register(store.onDidChange(() => this.changed.fire()));
  }

  getTreeItem(s: ReportSummary): vscode.TreeItem {
    const d = describeReport(s);
    const item = new vscode.TreeItem(d.label, vscode.TreeItemCollapsibleState.None);
    item.id = s.id;
    item.description = d.description;
    item.tooltip = d.tooltip;
    item.contextValue = 'report';
    item.iconPath = new vscode.ThemeIcon(s.kind === 'analysis' ? 'file-text' : 'pulse');
    item.command = { command: CMD_OPEN_REPORT, title: 'Open Report', arguments: [s.id] };
    return item;
  }

  async getChildren(element?: ReportSummary): Promise<ReportSummary[]> {
    return element ? [] : this.store.list();
  }
}
