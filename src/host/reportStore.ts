// The kept reports: each report's JSON (with its logs and binaries in a folder beside it) under the
// extension's global storage, a small summary file per report for the side bar, and a size cap: the
// oldest reports go first when the total passes goMemoryLens.history.maxMegabytes.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Report } from '../protocol/report';
import type { Variant } from '../core/run/build';

/** What a report was made from, so "Run again" can repeat it. */
export interface RunRequest {
  kind: 'investigate' | 'trace';
  packageDir: string;
  /** variant names; all configured variants when absent */
  variants?: string[];
  /** extra environment on top of the settings */
  env?: Record<string, string>;
  /**
   * a suggestion's measured re-run: only this variant is built and traced, and its column is added to the
   * stored report `reportId`, next to the variant it was made from
   */
  measure?: { reportId: string; variant: Variant; after: string };
}

export interface Stored {
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

/** One line of the side bar: enough to recognise a report without reading it. */
export interface ReportSummary {
  id: string;
  kind: Report['kind'];
  package?: string;
  variants: string[];
  goVersion?: string;
  createdAt: string;
  /** the first variant's main process: VSZ at exit, and RSS when the kernel was asked */
  vsize?: number;
  rss?: number;
  /** bytes on disk: the JSON and the folder of logs and binaries */
  bytes: number;
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function summarize(id: string, report: Report, bytes: number): ReportSummary {
  const first = report.variants[0];
  const p = first?.processes[0];
  return {
    id,
    kind: report.kind,
    package: report.package,
    variants: report.variants.map((v) => v.name),
    goVersion: report.variants.find((v) => v.run?.goVersion)?.run?.goVersion,
    createdAt: report.createdAt,
    vsize: p?.vsizeAtExit,
    rss: p?.kernel?.vmRss,
    bytes,
  };
}

async function sizeOf(p: string): Promise<number> {
  const st = await fsp.lstat(p).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const f of await fsp.readdir(p)) n += await sizeOf(path.join(p, f));
  return n;
}

/**
 * No vscode import: the unit tests run it in plain Node (the listeners are a small set instead of a
 * vscode.EventEmitter).
 */
export class ReportStore {
  private readonly listeners = new Set<() => void>();

  /** maxBytes: read at each save, so a changed setting applies to the next report */
  constructor(private readonly dir: string, private readonly maxBytes: () => number) {}

  /** `listener` runs after a report is saved, updated, removed or pruned */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private fire(): void {
    for (const l of [...this.listeners]) l();
  }

  dispose(): void {
    this.listeners.clear();
  }

  private lastTime = 0;

  newId(): string {
    // base 36 of the time first, one millisecond apart at least: ids sort oldest first
    this.lastTime = Math.max(Date.now(), this.lastTime + 1);
    return `${this.lastTime.toString(36)}-${randomBytes(4).toString('hex')}`;
  }

  /**
   * Saves the report under `id` (a new one, or the same id again when a measured column is added); files in
   * `files.copy` are copied beside it, `files.own` are referred to as they are.
   */
  async save(id: string, stored: Stored, files: ReportFiles = {}): Promise<Stored> {
    await fsp.mkdir(this.dir, { recursive: true });
    const logs: Record<string, string> = { ...(stored.logs ?? {}), ...(files.own?.logs ?? {}) };
    const binaries: Record<string, string> = { ...(stored.binaries ?? {}), ...(files.own?.binaries ?? {}) };
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
    const json = JSON.stringify(full);
    await fsp.writeFile(path.join(this.dir, `${id}.json`), json);
    const bytes = Buffer.byteLength(json) + await sizeOf(path.join(this.dir, id));
    await fsp.writeFile(path.join(this.dir, `${id}.summary.json`), JSON.stringify(summarize(id, full.report, bytes)));
    await this.prune(id);
    this.fire();
    return full;
  }

  async load(id: string): Promise<Stored | undefined> {
    if (!ID_RE.test(id)) return undefined;
    try {
      return JSON.parse(await fsp.readFile(path.join(this.dir, `${id}.json`), 'utf8')) as Stored;
    } catch {
      return undefined;
    }
  }

  /** Every kept report, newest first; a report kept by an older version gets its summary made once. */
  async list(): Promise<ReportSummary[]> {
    const names = await fsp.readdir(this.dir).catch(() => [] as string[]);
    const ids = names.filter((f) => f.endsWith('.json') && !f.endsWith('.summary.json')).map((f) => f.slice(0, -'.json'.length)).filter((id) => ID_RE.test(id));
    const out: ReportSummary[] = [];
    for (const id of ids) {
      const file = path.join(this.dir, `${id}.summary.json`);
      let s = await fsp.readFile(file, 'utf8').then((t) => JSON.parse(t) as ReportSummary).catch(() => undefined);
      if (!s) {
        const stored = await this.load(id);
        if (!stored) continue;
        s = summarize(id, stored.report, await sizeOf(path.join(this.dir, `${id}.json`)) + await sizeOf(path.join(this.dir, id)));
        await fsp.writeFile(file, JSON.stringify(s)).catch(() => undefined);
      }
      out.push(s);
    }
    return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  async remove(id: string): Promise<void> {
    if (!ID_RE.test(id)) return;
    for (const f of [`${id}.json`, `${id}.summary.json`, id]) await fsp.rm(path.join(this.dir, f), { recursive: true, force: true });
    this.fire();
  }

  /** Oldest first until the total fits the cap; the report just saved stays whatever its size. */
  private async prune(keep: string): Promise<void> {
    const all = await this.list();
    let total = all.reduce((n, s) => n + s.bytes, 0);
    const cap = this.maxBytes();
    for (const s of [...all].reverse()) {
      if (total <= cap) break;
      if (s.id === keep) continue;
      for (const f of [`${s.id}.json`, `${s.id}.summary.json`, s.id]) await fsp.rm(path.join(this.dir, f), { recursive: true, force: true });
      total -= s.bytes;
    }
  }
}
