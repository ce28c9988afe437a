// The variants setting, validated: a user's list of builds to compare, each with a safe name (it becomes a
// file name and a column title), string-only environment, tags and ldflags.
import { DEFAULT_VARIANTS, type Variant } from './build';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

export function stringRecord(v: unknown): Record<string, string> | undefined {
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
