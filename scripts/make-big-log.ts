// Writes a large strace log for benchmarks by replicating the fixture logs (-f -tt -T, and -k) with fresh
// pids for every copy, so each copy reads as new processes and threads rather than one pid reused.
// Usage: node --import tsx scripts/make-big-log.ts [OUT] [MiB]   (default bench/data/big.strace, 100 MiB)
import { createWriteStream, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..');
const out = process.argv[2] ?? path.join(REPO, 'bench', 'data', 'big.strace');
const target = Number(process.argv[3] ?? 100) * 1024 * 1024;
const dir = path.join(REPO, 'test', 'fixtures', 'logs');
const sources = readdirSync(dir).filter((f) => f.endsWith('.strace')).sort().map((f) => readFileSync(path.join(dir, f), 'latin1'));

mkdirSync(path.dirname(out), { recursive: true });
const w = createWriteStream(out, { encoding: 'latin1' });
let written = 0;
let nextPid = 100_000;
(async () => {
  for (let copy = 0; written < target; copy++) {
    const text = sources[copy % sources.length];
    const pids = new Set(text.match(/^\d+(?= )/gm) ?? []);
    const map = new Map<string, string>();
    for (const p of pids) map.set(p, String(nextPid++));
    // the pids appear as the line prefix, as clone's return value and inside parent_tid=[N]
    const renamed = pids.size ? text.replace(/\b\d{4,6}\b/g, (n) => map.get(n) ?? n) : text;
    written += Buffer.byteLength(renamed, 'latin1');
    if (!w.write(renamed)) await new Promise((r) => w.once('drain', r));
  }
  w.end(() => console.log(`${out}: ${(written / 1048576).toFixed(1)} MiB`));
})();
