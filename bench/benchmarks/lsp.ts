/**
 * The strace language server on a big log, in process (src/server/index.ts, what dist/server.js runs):
 * the initial index against a plain split of the same text into lines, and hovers after it against the
 * 100 ms an editor can wait for one.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LogSession } from '../../src/server/index';
import { interleave, median, rowOf, type Benchmark, type BenchContext, type Row } from '../lib';
import { generatedLog } from './parse';

const HOVER_BUDGET_MS = 100;

/** Positions near the end of the log (the farthest from any start-of-file shortcut): sizes, flags, addresses, names. */
function probes(lines: string[]): Array<{ line: number; character: number }> {
  const want: Array<[RegExp, (l: string) => number]> = [
    [/mmap\(NULL, 134217728/, (l) => l.indexOf('134217728') + 2],
    [/MAP_NORESERVE/, (l) => l.indexOf('MAP_NORESERVE') + 2],
    [/ = 0x[0-9a-f]+/, (l) => l.lastIndexOf('0x') + 3],
    [/<\.\.\. \w+ resumed>/, (l) => l.indexOf('<... ') + 6],
    [/^\d+ /, () => 2],
  ];
  const out: Array<{ line: number; character: number }> = [];
  for (const [re, col] of want) {
    for (let i = lines.length - 1; i >= 0; i--) {
      if (re.test(lines[i])) {
        out.push({ line: i, character: col(lines[i]) });
        break;
      }
    }
  }
  return out;
}

export const languageServer: Benchmark = {
  id: 'lsp',
  title: 'language server: initial index of a big log, then hover latency',
  async run(ctx: BenchContext): Promise<Row[]> {
    const size = ctx.quick ? '50M' : '100M';
    const file = generatedLog(ctx, size);
    const text = readFileSync(file, 'latin1');
    const rounds = ctx.quick ? 2 : 3;
    ctx.say(`lsp: ${rounds} rounds on ${path.basename(file)}`);
    let session: LogSession | undefined;
    const [index, split] = await interleave(rounds, [
      async () => {
        const t0 = performance.now();
        session = await LogSession.open(text);
        return performance.now() - t0;
      },
      async () => {
        const t0 = performance.now();
        const n = text.split('\n').length;
        return n >= 0 ? performance.now() - t0 : 0;
      },
    ]);
    const lines = text.split('\n');
    const hovers: number[] = [];
    for (const p of probes(lines)) {
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        session!.hover(p.line, p.character);
        hovers.push(performance.now() - t0);
      }
    }
    const worst = Math.max(...hovers);
    return [
      rowOf(`lsp initial index ${size}`, 'ms', index, split, { note: 'LogSession.open ÷ text.split of the same text' }),
      {
        ...rowOf('lsp hover after index', 'ms', [median(hovers)], [HOVER_BUDGET_MS]),
        goal: `≤ ${HOVER_BUDGET_MS} ms`, met: worst <= HOVER_BUDGET_MS,
        note: `${hovers.length} hovers near the end of the ${size} log, worst ${worst.toFixed(2)} ms; baseline = the budget`,
      },
    ];
  },
};
