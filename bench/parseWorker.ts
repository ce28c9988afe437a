/**
 * Runs the parse figures in its own process from an esbuild bundle (see parseMeasures.ts): rounds of the
 * line-split baseline, parser + model and the parser alone, alternating, after one untimed pass of each.
 * Usage (from bench/benchmarks/parse.ts): node parse-worker.cjs LOG ROUNDS → JSON { split, ours, parser } in MB/s
 */
import { interleave } from './lib';
import { mbPerSecond, parseAndModel, parseOnly, splitLines } from './parseMeasures';

async function main(): Promise<void> {
  const [file, roundsArg] = process.argv.slice(2);
  const rounds = Number(roundsArg ?? 3);
  await splitLines(file);
  await parseAndModel(file);
  await parseOnly(file);
  const [split, ours, parser] = await interleave(rounds, [
    () => mbPerSecond(file, splitLines),
    () => mbPerSecond(file, parseAndModel),
    () => mbPerSecond(file, parseOnly),
  ]);
  process.stdout.write(JSON.stringify({ split, ours, parser }));
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
