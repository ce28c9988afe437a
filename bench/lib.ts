/** What every benchmark shares: the row it reports, the context it runs in, and measuring side by side. */
import { spawn } from 'node:child_process';

/** One figure of the table and of the --json output. */
export interface Row {
  name: string;
  /** the median of what was measured */
  value: number;
  unit: string;
  /** the median of the baseline it is compared with, measured in the same run */
  baseline: number;
  /** the median of the per-round ratios value ÷ baseline, and their range */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  /** rounds measured (each round runs the figure and its baseline once) */
  runs: number;
  /** what the figure should be, in words (e.g. "≤ 1.3×") */
  goal?: string;
  /** whether the median meets the goal; absent when the figure has none */
  met?: boolean;
  note?: string;
}

export interface BenchContext {
  quick: boolean;
  /** git-ignored working folder for generated logs and binaries */
  dataDir: string;
  repoDir: string;
  say(line: string): void;
}

/** A benchmark of the registry: it measures and returns its rows. */
export interface Benchmark {
  id: string;
  /** one line: what it measures */
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs each measure once per round, alternating their order from round to round (ABC, CBA, …) so that a
 * drift of the machine's load touches them alike. Returns each measure's results, by round.
 */
export async function interleave(rounds: number, measures: Array<() => Promise<number>>): Promise<number[][]> {
  const out = measures.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = measures.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) out[i].push(await measures[i]());
  }
  return out;
}

/** A row from per-round values and baselines: medians, and the ratio's median and range over the rounds. */
export function rowOf(name: string, unit: string, values: number[], baselines: number[], extra: Partial<Row> = {}): Row {
  const ratios = values.map((v, i) => v / baselines[i]);
  return {
    name, value: median(values), unit, baseline: median(baselines),
    ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios), runs: values.length,
    ...extra,
  };
}

export interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program (no shell) and measures its wall time from spawn to exit. */
export function timed(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-64 * 1024)));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-64 * 1024)));
    c.on('error', reject);
    c.on('close', (code) => resolve({ ms: performance.now() - t0, code, stdout, stderr }));
  });
}

/** Like timed, but a failure is an error that says what ran. */
export async function mustRun(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Timed> {
  const r = await timed(file, args, opts);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${r.code}: ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  return r;
}
