/**
 * Memory bound: the peak RSS of `go-memory-lens analyze LOG` (the built CLI) on generated logs of growing
 * size, from the kernel's own count (GNU time's maximum resident set size, i.e. the process's VmHWM).
 * The baseline is the same CLI doing nothing (`--version`), measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { generatedLog } from './parse';
import { mustRun, rowOf, type Benchmark, type BenchContext, type Row } from '../lib';

const GNU_TIME = '/usr/bin/time';
const GOAL_MB = 300;

/** GNU time, installed with apt when it is missing (the bench installs what it needs). */
function ensureGnuTime(ctx: BenchContext): void {
  if (existsSync(GNU_TIME)) return;
  ctx.say('installing GNU time (apt-get install time) to read peak RSS');
  execFileSync('apt-get', ['install', '-y', '-q', 'time'], { stdio: 'inherit' });
}

/** peak RSS in MiB of `node dist/cli.js ARGS` */
async function peakRss(ctx: BenchContext, args: string[]): Promise<number> {
  const cli = path.join(ctx.repoDir, 'dist', 'cli.js');
  const r = await mustRun(GNU_TIME, ['-f', 'maxrss_kb=%M', process.execPath, cli, ...args]);
  const m = /maxrss_kb=(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no peak RSS in GNU time's output: ${r.stderr.slice(-500)}`);
  return Number(m[1]) / 1024;
}

export const memoryBound: Benchmark = {
  id: 'memory',
  title: 'peak RSS of analyze on generated logs of growing size',
  async run(ctx: BenchContext): Promise<Row[]> {
    ensureGnuTime(ctx);
    if (!existsSync(path.join(ctx.repoDir, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: npm run build first (npm run bench does)');
    const sizes = ctx.quick ? ['25M', '50M', '100M'] : ['250M', '500M', '1G'];
    const rows: Row[] = [];
    const peaks: number[] = [];
    for (const size of sizes) {
      const file = generatedLog(ctx, size);
      ctx.say(`memory: analyze ${path.basename(file)}`);
      const idle = await peakRss(ctx, ['--version']);
      const peak = await peakRss(ctx, ['analyze', file, '--quiet']);
      peaks.push(peak);
      rows.push(rowOf(`peak RSS analyze ${size}B log`, 'MiB', [peak], [idle], { goal: `< ${GOAL_MB} MiB`, met: peak < GOAL_MB, note: 'baseline: the CLI doing nothing' }));
    }
    rows.push(rowOf(`peak RSS growth ${sizes[0]}B→${sizes[sizes.length - 1]}B`, 'MiB', [peaks[peaks.length - 1]], [peaks[0]], { goal: 'flat (≈ 1×)', note: `log ${sizes.length > 1 ? 'grows ' + (parseSizeRatio(sizes[sizes.length - 1], sizes[0])) + '×' : ''}` }));
    return rows;
  },
};

function parseSizeRatio(a: string, b: string): number {
  const v = (s: string) => parseFloat(s) * (s.endsWith('G') ? 1024 : 1);
  return Math.round(v(a) / v(b));
}
