// The typed mirror of `contributes.configuration` (package.json). Read fresh for every run, so a changed
// setting applies to the next one; anything malformed is dropped with a warning instead of failing a run.
import * as vscode from 'vscode';
import { DEFAULT_VARIANTS, type Variant } from '../core/run/build';
import type { TraceMode } from '../core/run/trace';

export const SECTION = 'goMemoryLens';

export interface Settings {
  variants: Variant[];
  programArgs: string[];
  env: Record<string, string>;
  /** where the program runs; empty = the package folder */
  cwd: string;
  timeoutSeconds: number;
  traceMode: TraceMode;
  stacks: boolean;
  stracePath: string;
  goPath: string;
  codeLensEnabled: boolean;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  }
  return out;
}

/** Validates the variants setting; returns the usable ones and a sentence per rejected entry. */
export function parseVariants(raw: unknown): { variants: Variant[]; problems: string[] } {
  const problems: string[] = [];
  if (!Array.isArray(raw)) return { variants: DEFAULT_VARIANTS, problems: raw === undefined ? [] : ['goMemoryLens.variants must be a list; using the four defaults'] };
  const seen = new Set<string>();
  const variants: Variant[] = [];
  raw.forEach((item: unknown, i) => {
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const name = typeof o.name === 'string' ? o.name.trim() : '';
    if (!NAME_RE.test(name)) return void problems.push(`variant ${i + 1}: name "${name}" must be 1–32 letters, digits, '.', '_' or '-'`);
    if (seen.has(name)) return void problems.push(`variant ${i + 1}: name "${name}" is used twice`);
    seen.add(name);
    const v: Variant = { name };
    const env = stringRecord(o.env);
    if (env && Object.keys(env).length) v.env = env;
    if (Array.isArray(o.tags)) v.tags = o.tags.filter((t): t is string => typeof t === 'string' && /^[A-Za-z0-9_.,-]+$/.test(t));
    else if (typeof o.tags === 'string' && o.tags.trim()) v.tags = o.tags.split(/[\s,]+/).filter(Boolean);
    if (typeof o.ldflags === 'string' && o.ldflags.trim()) v.ldflags = o.ldflags;
    if (typeof o.goBinary === 'string' && o.goBinary.trim()) v.goBinary = o.goBinary.trim();
    variants.push(v);
  });
  return { variants, problems };
}

export function readSettings(scope?: vscode.Uri): { settings: Settings; problems: string[] } {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const { variants, problems } = parseVariants(c.get('variants'));
  const mode = c.get<string>('traceMode');
  const timeout = Number(c.get('timeoutSeconds'));
  const args = c.get<unknown>('programArgs');
  return {
    settings: {
      variants,
      programArgs: Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : [],
      env: stringRecord(c.get('env')) ?? {},
      cwd: c.get<string>('cwd')?.trim() ?? '',
      timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 60,
      traceMode: mode === 'full' ? 'full' : 'fast',
      stacks: c.get<boolean>('stacks') === true,
      stracePath: c.get<string>('stracePath')?.trim() ?? '',
      goPath: c.get<string>('goPath')?.trim() ?? '',
      codeLensEnabled: c.get<boolean>('codeLens.enabled') !== false,
    },
    problems,
  };
}
