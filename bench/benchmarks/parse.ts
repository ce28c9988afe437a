/**
 * Parser + model throughput on a generated real-shaped log, against a baseline in the same process that
 * only streams the same file and splits it into latin1 lines: how close reading a log comes to the cost of
 * merely looking at every line.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { MODEL_DETAIL_CALLS, TraceModel } from '../../src/core/model/model';
import { readLog } from '../../src/core/strace/reader';
import { generateLog, parseSize } from '../genlog';
import { interleave, rowOf, type Benchmark, type BenchContext, type Row } from '../lib';

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

const CHUNK = 1 << 20;

/** The baseline: stream the file and make a latin1 string of every line, nothing else. */
async function splitLines(file: string): Promise<number> {
  let lines = 0;
  let carry: Buffer | undefined;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    const b = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = b.indexOf(10, start); nl >= 0; nl = b.indexOf(10, start)) {
      if (b.toString('latin1', start, nl).length >= 0) lines++;
      start = nl + 1;
    }
    carry = start < b.length ? b.subarray(start) : undefined;
  }
  return lines;
}

/** What analyze does before it writes the report: the parser feeding the model. */
async function parseAndModel(file: string): Promise<number> {
  const model = new TraceModel();
  await readLog({ files: [file] }, (e) => model.onEvent(e), { detailCalls: MODEL_DETAIL_CALLS, reuseEvents: true });
  model.finish();
  return model.syscallCount;
}

/** The parser alone, every call in full (no detailCalls): for reference. */
async function parseOnly(file: string): Promise<number> {
  let n = 0;
  await readLog({ files: [file] }, () => void n++);
  return n;
}

async function mbPerSecond(file: string, f: (file: string) => Promise<number>): Promise<number> {
  const t0 = performance.now();
  await f(file);
  return statSync(file).size / 2 ** 20 / ((performance.now() - t0) / 1000);
}

export const parseThroughput: Benchmark = {
  id: 'parse',
  title: 'parser + model throughput against a latin1 line split of the same file',
  async run(ctx: BenchContext): Promise<Row[]> {
    const size = ctx.quick ? '50M' : '200M';
    const file = generatedLog(ctx, size);
    const rounds = ctx.quick ? 3 : 5;
    ctx.say(`parse: ${rounds} rounds on ${path.basename(file)}`);
    // one untimed pass: the file in the page cache and the code compiled, for all three alike
    await splitLines(file);
    await parseAndModel(file);
    const [split, ours, parser] = await interleave(rounds, [
      () => mbPerSecond(file, splitLines),
      () => mbPerSecond(file, parseAndModel),
      () => mbPerSecond(file, parseOnly),
    ]);
    return [
      rowOf('parse throughput', 'MB/s', ours, split, { goal: '≥ 0.6×', met: undefined, note: `parser + model, ${size} generated -f -tt -T log` }),
      rowOf('parse throughput parser only', 'MB/s', parser, split, { note: 'every call in full, no model' }),
    ].map((r) => (r.goal ? { ...r, met: r.ratio >= 0.6 } : r));
  },
};
