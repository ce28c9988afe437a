/**
 * End to end: `go-memory-lens investigate samples/net` (four variants: build, trace, analyze, report) against
 * a bare shell script that runs the same four `go build`s and the same four traces one after another.
 * Both run with a warm build cache (one untimed run each first).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_VARIANTS } from '../../src/core/run/build';
import { findGo, findStrace } from '../../src/core/run/tools';
import { straceArgs } from '../../src/core/run/trace';
import { interleave, mustRun, rowOf, type Benchmark, type BenchContext, type Row } from '../lib';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The script a person would write: build each variant, then trace each, in sequence. */
async function bareScript(ctx: BenchContext, pkg: string): Promise<string> {
  const go = await findGo();
  const strace = await findStrace();
  const out = path.join(ctx.dataDir, 'e2e');
  await fsp.mkdir(out, { recursive: true });
  const lines = ['#!/bin/bash', 'set -e', `cd ${quote(pkg)}`];
  for (const v of DEFAULT_VARIANTS) {
    const env = Object.entries(v.env ?? {}).map(([k, val]) => `${k}=${quote(val)} `).join('');
    const tags = v.tags?.length ? ` -tags=${v.tags.join(',')}` : '';
    lines.push(`${env}${quote(go.path)} build${tags} -o ${quote(path.join(out, v.name))} .`);
  }
  for (const v of DEFAULT_VARIANTS) {
    const args = straceArgs({ binary: path.join(out, v.name), logFile: path.join(out, `${v.name}.strace`), mode: 'fast' });
    lines.push(`${quote(strace.path)} ${args.map(quote).join(' ')} > /dev/null`);
  }
  const file = path.join(out, 'bare.sh');
  await fsp.writeFile(file, lines.join('\n') + '\n', { mode: 0o755 });
  return file;
}

export const endToEnd: Benchmark = {
  id: 'e2e',
  title: 'investigate samples/net (four variants) against a bare build-and-strace script',
  async run(ctx: BenchContext): Promise<Row[]> {
    const pkg = path.join(ctx.repoDir, 'samples', 'net');
    const script = await bareScript(ctx, pkg);
    const cli = path.join(ctx.repoDir, 'dist', 'cli.js');
    const investigate = async () => (await mustRun(process.execPath, [cli, 'investigate', pkg, '--quiet'])).ms;
    const bare = async () => (await mustRun('/bin/bash', [script])).ms;
    ctx.say('e2e: warming the build cache');
    await bare();
    await investigate();
    const rounds = ctx.quick ? 2 : 4;
    ctx.say(`e2e: ${rounds} rounds of investigate / bare script`);
    const [ours, base] = await interleave(rounds, [investigate, bare]);
    const row = rowOf('end-to-end investigate samples/net', 'ms', ours, base, { goal: '≤ 1.2×', note: 'four variants, warm build cache' });
    return [{ ...row, met: row.ratio <= 1.2 }];
  },
};
