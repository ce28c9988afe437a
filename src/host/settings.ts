// The typed mirror of `contributes.configuration` (package.json). Read fresh for every run, so a changed
// setting applies to the next one; anything malformed is dropped with a warning instead of failing a run.
import * as vscode from 'vscode';
import type { Variant } from '../core/run/build';
import { parseVariants, stringRecord } from '../core/run/variants';
import type { TraceMode } from '../core/run/trace';

export const SECTION = 'goMemoryLens';

export interface Settings {
  variants: Variant[];
  programArgs: string[];
  env: Record<string, string>;
  /** where the program runs; empty = the package folder */
  cwd: string;
  timeoutSeconds: number;
  buildTimeoutSeconds: number;
  traceMode: TraceMode;
  stacks: boolean;
  stracePath: string;
  goPath: string;
  codeLensEnabled: boolean;
}

export function readSettings(scope?: vscode.Uri): { settings: Settings; problems: string[] } {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const { variants, problems } = parseVariants(c.get('variants'));
  const mode = c.get<string>('traceMode');
  const timeout = Number(c.get('timeoutSeconds'));
  const buildTimeout = Number(c.get('buildTimeoutSeconds'));
  const args = c.get<unknown>('programArgs');
  return {
    settings: {
      variants,
      programArgs: Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : [],
      env: stringRecord(c.get('env')) ?? {},
      cwd: c.get<string>('cwd')?.trim() ?? '',
      timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 60,
      buildTimeoutSeconds: Number.isFinite(buildTimeout) && buildTimeout > 0 ? buildTimeout : 600,
      traceMode: mode === 'full' ? 'full' : 'fast',
      stacks: c.get<boolean>('stacks') === true,
      stracePath: c.get<string>('stracePath')?.trim() ?? '',
      goPath: c.get<string>('goPath')?.trim() ?? '',
      codeLensEnabled: c.get<boolean>('codeLens.enabled') !== false,
    },
    problems,
  };
}
