/**
 * Tracing overhead: a thread-heavy program's wall time traced ÷ untraced, for the product's default trace
 * (straceArgs in fast mode: --seccomp-bpf with the memory, process, gettid, set_robust_list and open/close
 * calls, and the exit_group inject delay) and for plain `strace -f` of every call; and, for a program that runs
 * 200 short children one after another, the product's whole traced run against the same strace fast mode
 * without the exit_group pause, which every child would otherwise pay as it exits.
 */
import * as path from 'node:path';
import { findGo, findStrace, type ToolLocation } from '../../src/core/run/tools';
import { EXIT_PAUSE_US, straceArgs, traceProgram } from '../../src/core/run/trace';
import { interleave, median, mustRun, rowOf, type Benchmark, type BenchContext, type Row } from '../lib';

/** children the spawn-heavy program runs, one after another */
const SPAWN_CHILDREN = 200;

interface Program {
  /** folder under bench/programs */
  dir: string;
  label: string;
  env: Record<string, string>;
  goal: { fast: number; full?: number };
}

/** The programs' own default amount of arithmetic between calls, and the untraced time the bench aims at. */
const DEFAULT_SPIN = 3000;
const TARGET_UNTRACED_MS = 700;

const PROGRAMS: Program[] = [
  { dir: 'threads-go', label: 'pure-go', env: { CGO_ENABLED: '0' }, goal: { fast: 1.3 } },
  { dir: 'threads-cgo', label: 'cgo', env: { CGO_ENABLED: '1' }, goal: { fast: 2 } },
];

/** Builds a bench program with the go the product would find. */
export async function buildProgram(ctx: BenchContext, dir: string, env: Record<string, string>): Promise<string> {
  const go = await findGo();
  const out = path.join(ctx.dataDir, 'bin', dir);
  await mustRun(go.path, ['build', '-o', out, '.'], { cwd: path.join(ctx.repoDir, 'bench', 'programs', dir), env: { ...process.env, ...env } });
  return out;
}

export const traceOverhead: Benchmark = {
  id: 'trace',
  title: 'tracing overhead of the bench programs (fast mode and plain strace -f)',
  async run(ctx: BenchContext): Promise<Row[]> {
    const strace = await findStrace();
    const rounds = ctx.quick ? 3 : 7;
    const rows: Row[] = [];
    for (const p of PROGRAMS) {
      const binary = await buildProgram(ctx, p.dir, p.env);
      const log = path.join(ctx.dataDir, `${p.dir}.strace`);
      // The issue asks for programs that run about 0.5–1 s untraced. Their system calls are fixed (~100k);
      // the arithmetic between them is scaled once, here, so the untraced run lands near 0.7 s on this
      // machine whatever its speed and load; every round then runs the very same work.
      const probe = median([(await mustRun(binary, [String(DEFAULT_SPIN)])).ms, (await mustRun(binary, [String(DEFAULT_SPIN)])).ms]);
      const spin = Math.max(500, Math.min(100_000, Math.round(DEFAULT_SPIN * (TARGET_UNTRACED_MS / probe))));
      const args = [String(spin)];
      ctx.say(`trace ${p.label}: ${rounds} rounds of untraced / fast / strace -f (spin ${spin}: ${probe.toFixed(0)} ms at ${DEFAULT_SPIN})`);
      const fastArgs = straceArgs({ binary, args, logFile: log, mode: 'fast', exitPauseUs: EXIT_PAUSE_US });
      const [bare, fast, full] = await interleave(rounds, [
        async () => (await mustRun(binary, args)).ms,
        // the fixed exit pause is subtracted: it is a wait the product asks for, not tracing overhead
        async () => (await mustRun(strace.path, fastArgs)).ms - EXIT_PAUSE_US / 1000,
        async () => (await mustRun(strace.path, ['-f', '-o', log, '--', binary, ...args])).ms,
      ]);
      rows.push(rowOf(`trace overhead ${p.label}`, 'ms', fast, bare, { goal: `≤ ${p.goal.fast}×`, met: undefined, note: `product fast mode, exit pause subtracted; spin ${spin}` }));
      rows.push(rowOf(`trace overhead ${p.label} strace -f`, 'ms', full, bare, { note: 'plain strace -f, every call' }));
      rows[rows.length - 2].met = rows[rows.length - 2].ratio <= p.goal.fast;
    }
    return rows;
  },
};

export const traceSpawnOverhead: Benchmark = {
  id: 'trace-spawn',
  title: `tracing overhead of a program that runs ${SPAWN_CHILDREN} short children (the product against strace fast mode without the pause)`,
  async run(ctx: BenchContext): Promise<Row[]> {
    return [await spawnRow(ctx, await findStrace(), ctx.quick ? 3 : 7)];
  },
};

/**
 * The spawn-heavy row: the product's traced run (traceProgram, pty, default pause, the root's /proc read at
 * exit) ÷ strace with the same fast-mode options but no exit_group inject, side by side. Each of the 200
 * children exits through exit_group, so the row is the product's per-child pause plus its own work (the log
 * watch, the pty, the snapshot) over what tracing alone costs. strace 6.1 cannot spare the children the pause
 * (see EXIT_PAUSE_US), so the goal is what the pause allows on a quiet machine: 2 ms, against about 4 ms per
 * traced /bin/true child. With a 1 µs pause the row was 0.98×, so the rest of the runner costs nothing here;
 * under load each child pays the load-scaled pause plus strace's wake-up on its timer (at load 4.5-5, pause
 * 4.3-5 ms: 2.0-2.3×).
 */
async function spawnRow(ctx: BenchContext, strace: ToolLocation, rounds: number): Promise<Row> {
  const binary = await buildProgram(ctx, 'spawn-children', { CGO_ENABLED: '0' });
  const log = path.join(ctx.dataDir, 'spawn-children.strace');
  const args = [String(SPAWN_CHILDREN), '/bin/true'];
  const productArgs = straceArgs({ binary, args, logFile: log, mode: 'fast' });
  const inject = productArgs.findIndex((a) => a.startsWith('inject=exit_group:'));
  const plainArgs = productArgs.filter((_, i) => i !== inject && i !== inject - 1);
  ctx.say(`trace spawn: ${rounds} rounds of product / strace fast mode without the pause, ${SPAWN_CHILDREN} children of /bin/true`);
  let snapshots = 0;
  const pauses: string[] = [];
  const [product, plain] = await interleave(rounds, [
    async () => {
      const t0 = performance.now();
      const r = await traceProgram({ strace, binary, args, cwd: ctx.dataDir, logFile: log, mode: 'fast', timeoutMs: 600_000 });
      const ms = performance.now() - t0;
      if (r.exitCode !== 0) throw new Error(`the spawn program exited with ${r.exitCode ?? r.signal} under the product: ${r.output.slice(-500)}`);
      if (r.atExit) snapshots++;
      pauses.push(/delay_enter=(\d+)/.exec(r.command.join(' '))?.[1] ?? '?');
      return ms;
    },
    async () => (await mustRun(strace.path, plainArgs)).ms,
  ]);
  const row = rowOf(`trace overhead spawn ${SPAWN_CHILDREN} children`, 'ms', product, plain, {
    goal: '≤ 1.6×',
    note: `product (pause ${[...new Set(pauses)].join('/')} µs per exit_group as the load asked, kernel view read in ${snapshots}/${rounds} runs) ÷ the same strace fast mode without the pause`,
  });
  row.met = row.ratio <= 1.6;
  return row;
}
