/**
 * Runs the parse figures in its own process from an esbuild bundle (see parseMeasures.ts): rounds of the
 * two line-split baselines (readline, the issue's; the indexOf split, stricter), parser + model (as
 * analyze runs them, and on one thread) and the parser alone, alternating, after one untimed pass of each (which also starts readLog's worker thread, kept warm as in
 * the editor, where it reads each variant's log).
 * Usage (from bench/benchmarks/parse.ts): node parse-worker.cjs LOG ROUNDS → JSON { readline, split, ours, oneThread, parser } in MB/s
 */
import { interleave } from './lib';
import { mbPerSecond, parseAndModel, parseAndModelOneThread, parseOnly, readlineLines, splitLines } from './parseMeasures';

async function main(): Promise<void> {
  const [file, roundsArg] = process.argv.slice(2);
  const rounds = Number(roundsArg ?? 3);
  await readlineLines(file);
  await splitLines(file);
  await parseAndModel(file);
  await parseAndModelOneThread(file);
  await parseOnly(file);
  const [readline, split, ours, oneThread, parser] = await interleave(rounds, [
    () => mbPerSecond(file, readlineLines),
    () => mbPerSecond(file, splitLines),
    () => mbPerSecond(file, parseAndModel),
    () => mbPerSecond(file, parseAndModelOneThread),
    () => mbPerSecond(file, parseOnly),
  ]);
  process.stdout.write(JSON.stringify({ readline, split, ours, oneThread, parser }));
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
