/**
 * npm run bench [-- --quick] [--json FILE] [--only ID,ID]
 *
 * Every figure is measured against its baseline in the same run, the two alternating round by round, and
 * reported as medians with the range of the per-round ratio: these machines are shared and noisy, so only
 * side-by-side ratios mean something. BENCHMARKS.md says what each row measures and what it should be.
 *
 * To add a figure: write a Benchmark (bench/lib.ts) that returns its rows, and list it in BENCHMARKS below.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { endToEnd } from './benchmarks/endToEnd';
import { memoryBound } from './benchmarks/memory';
import { parseThroughput } from './benchmarks/parse';
import { languageServer } from './benchmarks/lsp';
import { panelRender } from './benchmarks/panel';
import { traceOverhead, traceSpawnOverhead } from './benchmarks/trace';
import type { Benchmark, BenchContext, Row } from './lib';

/** The registry, in the order the table shows them. */
const BENCHMARKS: Benchmark[] = [traceOverhead, traceSpawnOverhead, parseThroughput, memoryBound, endToEnd, panelRender, languageServer];

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export function renderTable(rows: Row[]): string {
  const head = ['figure', 'value', 'baseline', 'ratio (min–max)', 'runs', 'goal', ''];
  const body = rows.map((r) => [
    r.name, `${fmt(r.value)} ${r.unit}`, `${fmt(r.baseline)} ${r.unit}`, `${r.ratio.toFixed(2)}× (${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)})`,
    String(r.runs), r.goal ?? '', r.met === undefined ? '' : r.met ? 'met' : 'NOT met',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const only = opt('--only')?.split(',');
  const json = opt('--json');
  const repoDir = path.resolve(__dirname, '..');
  const dataDir = path.join(repoDir, 'bench', 'data');
  mkdirSync(dataDir, { recursive: true });
  const started = performance.now();
  const ctx: BenchContext = {
    quick, dataDir, repoDir,
    say: (l) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${l}\n`),
  };
  ctx.say(`${quick ? 'quick' : 'full'} run on ${os.cpus().length} cores, node ${process.version}`);
  const rows: Row[] = [];
  for (const b of BENCHMARKS) {
    if (only && !only.includes(b.id)) continue;
    ctx.say(`${b.id}: ${b.title}`);
    rows.push(...(await b.run(ctx)));
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${renderTable(rows)}\n\n${quick ? 'quick' : 'full'} run, ${seconds.toFixed(0)} s, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  if (json) {
    writeFileSync(json, JSON.stringify(rows, null, 2) + '\n');
    ctx.say(`wrote ${json}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
