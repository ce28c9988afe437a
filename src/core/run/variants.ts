// The variants setting, validated: a user's list of builds to compare, each with a safe name (it becomes a
// file name and a column title), string-only environment, tags and ldflags.
import { DEFAULT_VARIANTS, type Variant } from './build';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** one argument of a command line is at most 128 KiB (MAX_ARG_STRLEN); ldflags past this are a mistake */
const MAX_LDFLAGS = 32 * 1024;

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
  // a name used twice is run twice, as "NAME" and "NAME #2" (see labelRuns)
  const variants: Variant[] = [];
  raw.forEach((item: unknown, i) => {
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const name = typeof o.name === 'string' ? o.name.trim() : '';
    if (!NAME_RE.test(name)) return void problems.push(`variant ${i + 1}: name "${name}" must be 1–32 letters, digits, '.', '_' or '-'`);
    const v: Variant = { name };
    const env = stringRecord(o.env);
    if (env && Object.keys(env).length) v.env = env;
    if (Array.isArray(o.tags)) v.tags = o.tags.filter((t): t is string => typeof t === 'string' && /^[A-Za-z0-9_.,-]+$/.test(t));
    else if (typeof o.tags === 'string' && o.tags.trim()) v.tags = o.tags.split(/[\s,]+/).filter(Boolean);
    if (typeof o.ldflags === 'string' && o.ldflags.length > MAX_LDFLAGS) return void problems.push(`variant ${i + 1} (${name}): ldflags are ${o.ldflags.length} characters, more than the ${MAX_LDFLAGS} a command line can carry; leave them shorter`);
    if (typeof o.ldflags === 'string' && o.ldflags.trim()) v.ldflags = o.ldflags;
    if (typeof o.goBinary === 'string' && o.goBinary.trim()) v.goBinary = o.goBinary.trim();
    variants.push(v);
  });
  return { variants, problems };
}

/** A name as part of a file name (what buildVariant does to it for the binary's name too). */
export function fileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export interface LabeledRun {
  /** the variant, named by its label: the column title, and what its binary is named after */
  variant: Variant;
  /** the label as a file name, unique among the runs: the log is STEM.strace, the binary PACKAGE-STEM */
  stem: string;
}

/**
 * Each run its own label and files: a variant named twice (`--variants pure,pure`, or twice in the
 * setting) runs twice, as "pure" and "pure #2", so no two runs write the same binary or log.
 */
export function labelRuns(variants: readonly Variant[]): LabeledRun[] {
  const labels = new Set<string>();
  const stems = new Set<string>();
  return variants.map((v) => {
    let label = v.name;
    for (let k = 2; labels.has(label) || stems.has(fileStem(label)); k++) label = `${v.name} #${k}`;
    labels.add(label);
    stems.add(fileStem(label));
    return { variant: label === v.name ? v : { ...v, name: label }, stem: fileStem(label) };
  });
}
