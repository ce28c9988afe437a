/**
 * The parse figures' measures: the latin1 line-split baseline and what analyze does before it writes the
 * report. Kept apart so bench/parseWorker.ts can run them from an esbuild bundle, the shape the product
 * ships in (tsx, which runs the rest of the bench, makes every imported binding a getter call).
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { modelLog } from '../src/core/analyze';
import { readLog } from '../src/core/strace/reader';

const CHUNK = 1 << 20;

/**
 * The baseline: stream the file as latin1 and split it into lines, Node's own way (readline over a
 * latin1 read stream). Issue 6 anchors its "latin1 line split" at ≈ 128 MB/s on this machine kind; this
 * measures 126–132 MB/s here.
 */
export async function readlineLines(file: string): Promise<number> {
  let lines = 0;
  const input = createReadStream(file, { encoding: 'latin1', highWaterMark: CHUNK });
  for await (const line of createInterface({ input, crlfDelay: Infinity })) if (line.length >= 0) lines++;
  return lines;
}

/**
 * A stricter baseline, about 3× faster than readline: stream the file in 1 MiB Buffers, find each newline
 * with the native indexOf and make a latin1 string of every line, nothing else. (It was the only baseline
 * until round 7; its row stays beside the issue's.)
 */
export async function splitLines(file: string): Promise<number> {
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

/**
 * What analyze does before it writes the report (modelLog): the parser feeding the model. A big log is
 * parsed in readLog's worker thread (logWorker.js beside this bundle) while this thread builds the model.
 */
export async function parseAndModel(file: string): Promise<number> {
  return (await modelLog({ files: [file] })).model.syscallCount;
}

/** The same on one thread (readLog without its worker). */
export async function parseAndModelOneThread(file: string): Promise<number> {
  return (await modelLog({ files: [file] }, { read: { workerMinBytes: Infinity } })).model.syscallCount;
}

/** The parser alone, every call in full (no detailCalls), on this thread: for reference. */
export async function parseOnly(file: string): Promise<number> {
  let n = 0;
  await readLog({ files: [file] }, () => void n++, { workerMinBytes: Infinity });
  return n;
}

export async function mbPerSecond(file: string, f: (file: string) => Promise<number>): Promise<number> {
  const t0 = performance.now();
  await f(file);
  return statSync(file).size / 2 ** 20 / ((performance.now() - t0) / 1000);
}
