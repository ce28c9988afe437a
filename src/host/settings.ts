// The typed mirror of `contributes.configuration` (package.json). Read fresh for every run, so a changed
// setting applies to the next one; anything malformed is dropped with a warning instead of failing a run.
import * as vscode from 'vscode';
import type { Variant } from '../core/run/build';
import { parseVariants, stringRecord } from '../core/run/variants';
import { parseTimeoutSeconds } from '../core/inputs';
import type { TraceMode } from '../core/run/trace';

export const SECTION = 'goMemoryLens';

export interface Settings {
  variants: Variant[];
  programArgs: string[];
  env: Record<string, string>;
  /** where the program runs; empty = the package folder */
  cwd: string;
  /** undefined: no limit (the setting is 0) */
  timeoutSeconds: number | undefined;
  /** undefined: no limit (the setting is 0) */
  buildTimeoutSeconds: number | undefined;
  traceMode: TraceMode;
  stacks: boolean;
  stracePath: string;
  goPath: string;
  codeLensEnabled: boolean;
  /** each run in a new panel, or its package's panel refreshed */
  reportPanel: 'new' | 'reuse';
  /** the kept reports' cap, in bytes */
  historyMaxBytes: number;
}

export function readSettings(scope?: vscode.Uri): { settings: Settings; problems: string[] } {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const { variants, problems } = parseVariants(c.get('variants'));
  const mode = c.get<string>('traceMode');
  const rawTimeout = c.get<unknown>('timeoutSeconds');
  const timeout = rawTimeout === undefined || rawTimeout === null ? { seconds: 60 } : parseTimeoutSeconds(rawTimeout);
  if ('problem' in timeout) problems.push(`goMemoryLens.timeoutSeconds ${timeout.problem}; using 60`);
  const rawBuildTimeout = c.get<unknown>('buildTimeoutSeconds');
  const buildTimeout = rawBuildTimeout === undefined || rawBuildTimeout === null ? { seconds: 600 } : parseTimeoutSeconds(rawBuildTimeout);
  if ('problem' in buildTimeout) problems.push(`goMemoryLens.buildTimeoutSeconds ${buildTimeout.problem}; using 600`);
  const args = c.get<unknown>('programArgs');
  return {
    settings: {
      variants,
      programArgs: Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : [],
      env: stringRecord(c.get('env')) ?? {},
      cwd: c.get<string>('cwd')?.trim() ?? '',
      timeoutSeconds: 'problem' in timeout ? 60 : timeout.seconds,
      buildTimeoutSeconds: 'problem' in buildTimeout ? 600 : buildTimeout.seconds,
      traceMode: mode === 'full' ? 'full' : 'fast',
      stacks: c.get<boolean>('stacks') === true,
      stracePath: c.get<string>('stracePath')?.trim() ?? '',
      goPath: c.get<string>('goPath')?.trim() ?? '',
      codeLensEnabled: c.get<boolean>('codeLens.enabled') !== false,
      reportPanel: c.get<string>('reportPanel') === 'reuse' ? 'reuse' : 'new',
      historyMaxBytes: historyCap(c.get<unknown>('history.maxMegabytes')),
    },
    problems,
  };
}

/** goMemoryLens.history.maxMegabytes in bytes: 10 to 10240 MiB, 500 when unset or malformed. */
function historyCap(v: unknown): number {
  const mib = typeof v === 'number' && Number.isFinite(v) ? Math.min(10240, Math.max(10, v)) : 500;
  return mib * 1024 * 1024;
}
