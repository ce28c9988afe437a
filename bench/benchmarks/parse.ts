/**
 * Parser + model throughput on a generated real-shaped log, against baselines in the same process that
 * only stream the same file and split it into latin1 lines: how close reading a log comes to the cost of
 * merely looking at every line. The goal's baseline is the (readline, ≈ 128 MB/s); the stricter
 * indexOf split is measured beside it.
 */
import { existsSync } from 'node:fs';
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { generateLog, parseSize } from '../genlog';
import { rowOf, timed, type Benchmark, type BenchContext, type Row } from '../lib';

/** bump when genlog's output changes, so cached logs are made again */
const GENERATOR_VERSION = 1;

/** A generated log of about `size` (e.g. "200M"), made once and kept in the data folder. */
export function generatedLog(ctx: BenchContext, size: string): string {
  const file = path.join(ctx.dataDir, `gen-v${GENERATOR_VERSION}-${size}.strace`);
  if (!existsSync(file)) {
    ctx.say(`generating a ${size} log (${path.basename(file)})`);
    generateLog({ size: parseSize(size), out: file, seed: 1 });
  }
  return file;
}

export const parseThroughput: Benchmark = {
  id: 'parse',
  title: 'parser + model throughput against a latin1 line split of the same file',
  async run(ctx: BenchContext): Promise<Row[]> {
    const size = ctx.quick ? '50M' : '200M';
    const file = generatedLog(ctx, size);
    const rounds = ctx.quick ? 3 : 5;
    ctx.say(`parse: ${rounds} rounds on ${path.basename(file)}`);
    // measured in a child process running a bundle of bench/parseWorker.ts, as the CLI and the editor run
    // the parser (one esbuild bundle), with the baseline in that same process
    // (and readLog's worker thread beside it, as dist/logWorker.js sits beside dist/cli.js)
    const worker = path.join(ctx.dataDir, 'parse-worker.cjs');
    const build = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' } as const;
    await esbuild.build({ ...build, entryPoints: [path.join(ctx.repoDir, 'bench', 'parseWorker.ts')], outfile: worker });
    await esbuild.build({ ...build, entryPoints: [path.join(ctx.repoDir, 'src', 'core', 'strace', 'logWorker.ts')], outfile: path.join(ctx.dataDir, 'logWorker.js') });
    const res = await timed(process.execPath, [worker, file, String(rounds)]);
    if (res.code !== 0) throw new Error(`the parse worker failed: ${res.stderr.trim().split('\n').slice(-3).join(' ')}`);
    const { readline, split, ours, oneThread, parser } = JSON.parse(res.stdout) as Record<'readline' | 'split' | 'ours' | 'oneThread' | 'parser', number[]>;
    return [
      rowOf('parse throughput', 'MB/s', ours, readline, { goal: '≥ 0.6×', met: undefined, note: `parser + model as analyze runs them (parser on a worker thread) ÷ readline's latin1 line split (the issue's baseline), ${size} generated -f -tt -T log` }),
      rowOf('parse throughput one thread', 'MB/s', oneThread, readline, { note: 'parser + model on one thread ÷ readline' }),
      rowOf('parse throughput ÷ indexOf split', 'MB/s', ours, split, { note: 'parser + model (two threads) ÷ the stricter baseline: Buffers, native indexOf, a latin1 string per line' }),
      rowOf('parse throughput parser only', 'MB/s', parser, split, { note: 'every call in full, no model, one thread ÷ the indexOf split' }),
      rowOf('line split indexOf ÷ readline', 'MB/s', split, readline, { note: 'the two baselines side by side' }),
    ].map((r) => (r.goal ? { ...r, met: r.ratio >= 0.6 } : r));
  },
};
