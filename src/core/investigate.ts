import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { analyzeLog } from './analyze';
import { DEFAULT_VARIANTS, buildVariant, makePrivateTempDir, removeStaleTempDirs, removeTempDir, type BuildFailure, type BuildResult, type Variant } from './run/build';
import { leftoverSentence } from './run/reaper';
import { Watchdog } from './run/watchdog';
import { ToolError, findGo, findStrace, goVersion, type ToolLocation } from './run/tools';
import { labelRuns } from './run/variants';
import { checkFolder, MAX_TIMEOUT_SECONDS } from './inputs';
import { traceProgram, straceArgs, type PtyModule, type TraceIo, type TraceMode, type TraceResult } from './run/trace';
import { SCHEMA_VERSION, type Report, type RunReport, type VariantReport } from '../protocol/report';

export const TOOL_VERSION = '0.1.0';
/** the private folders of runs: go-memory-lens-PID-XXXXXX */
const TEMP_PREFIX = 'go-memory-lens-';
/** The exit pause of a second trace when the first one's kernel view was missed: the hold used before issue 18, never missed. */
const RETRY_EXIT_PAUSE_US = 500_000;

export interface Progress {
  step: 'locate' | 'build' | 'trace' | 'analyze' | 'done';
  variant?: string;
  index?: number;
  total?: number;
  message: string;
}

export interface InvestigateOptions {
  packageDir: string;
  variants?: Variant[];
  args?: string[];
  env?: Record<string, string>;
  /** extra environment for go only (an editor's go.toolsEnvVars), on top of env */
  buildEnv?: Record<string, string>;
  cwd?: string;
  mode?: TraceMode;
  stacks?: boolean;
  timeoutMs?: number;
  /** trace what the program leaves running until it exits or the timeout, instead of killing it once the program exits */
  waitForChildren?: boolean;
  /** each variant's build (go list and go build) is stopped after this long; default 10 min */
  buildTimeoutMs?: number;
  /** strace's pause on entry to exit_group, in µs (default: by the machine's load, see exitPauseForLoad); tests set it to force a late view */
  exitPauseUs?: number;
  /** a go already located by the caller (an editor asks its Go extension first); else goPath/goroot/findGo */
  go?: ToolLocation;
  goPath?: string;
  goroot?: string;
  stracePath?: string;
  /** a strace already located by the caller; else stracePath/findStrace */
  strace?: ToolLocation;
  signal?: AbortSignal;
  usePty?: boolean;
  ptyModule?: PtyModule;
  /** how many variants are traced at once (default: one per core) */
  traceJobs?: number;
  /** keep the temporary folder (binaries and logs) instead of removing it */
  keep?: boolean;
  onProgress?: (p: Progress) => void;
  /** every command line run, with the tool paths and why they were chosen */
  log?: (line: string) => void;
  onOutput?: (variant: string, data: string) => void;
  /** the running program's terminal: write input to it, resize it */
  onTraceStart?: (variant: string, io: TraceIo) => void;
}

export class BuildError extends Error {
  constructor(readonly failures: BuildFailure[]) {
    super(`go build failed for ${failures.map((f) => f.variant.name).join(', ')}:\n${failures[0].stderr.trim()}`);
    this.name = 'BuildError';
  }
}

export interface InvestigateResult {
  report: Report;
  /** the temporary folder with binaries and logs, when kept */
  workDir?: string;
  go: ToolLocation;
  strace: ToolLocation;
}

/** The run was cancelled (through InvestigateOptions.signal), in whichever step it was. */
export class CancelledError extends Error {
  constructor(step?: string) {
    super(step ? `cancelled while ${step}` : 'cancelled');
    this.name = 'CancelledError';
  }
}

/** The whole pipeline: locate tools, build every variant, trace each, analyze each, one report. */
export async function investigate(opts: InvestigateOptions): Promise<InvestigateResult> {
  let step: Progress['step'] = 'locate';
  const onProgress = opts.onProgress;
  try {
    return await investigateSteps({ ...opts, onProgress: (p) => { step = p.step; onProgress?.(p); } });
  } catch (err) {
    // whatever a step threw when it saw the signal (an AbortError from a child process, a cut-short
    // parse), the caller gets one kind of error for a cancel
    if (opts.signal?.aborted && !(err instanceof CancelledError)) throw new CancelledError(STEP_WORDS[step]);
    throw err;
  }
}

const STEP_WORDS: Record<Progress['step'], string> = { locate: 'locating go and strace', build: 'building', trace: 'tracing', analyze: 'analyzing', done: 'finishing' };

async function investigateSteps(opts: InvestigateOptions): Promise<InvestigateResult> {
  const progress = opts.onProgress ?? (() => {});
  const log = opts.log ?? (() => {});
  // a variant named twice runs twice, under its own label ("pure #2"), binary and log
  const runs = labelRuns(opts.variants ?? DEFAULT_VARIANTS);
  const variants = runs.map((r) => r.variant);
  if (variants.length === 0) throw new ToolError('no variants to build', 'name at least one variant (default, pure, netgo, netcgo)');
  const t = opts.timeoutMs;
  // Node's timers hold at most 2^31-1 ms; a larger one fires at once (and kills the program at its start)
  if (t !== undefined && !(Number.isFinite(t) && t > 0 && t <= MAX_TIMEOUT_SECONDS * 1000)) {
    throw new ToolError(`the timeout ${t} ms is out of range`, `give a timeout from 1 to ${MAX_TIMEOUT_SECONDS} seconds, or none for no limit`);
  }
  await checkFolder(opts.packageDir, 'the package folder', 'open or give the folder of a Go main package');
  if (opts.cwd) await checkFolder(opts.cwd, 'the working folder', 'fix the goMemoryLens.cwd setting or leave it empty (the package folder)');
  const packageDir = path.resolve(opts.packageDir);
  progress({ step: 'locate', message: 'locating go and strace' });
  const go = opts.go ?? await findGo({ explicitPath: opts.goPath, goroot: opts.goroot, env: { ...process.env, ...(opts.env ?? {}), ...(opts.buildEnv ?? {}) } });
  log(`go: ${go.path} (${go.why})`);
  const version = await goVersion(go);
  log(`go version: ${version}`);
  const strace = opts.strace ?? await findStrace({ explicitPath: opts.stracePath });
  log(`strace: ${strace.path} (${strace.why})`);
  if (process.platform !== 'linux') throw new ToolError(`tracing needs Linux (this is ${process.platform})`, 'run it on Linux, or analyze a log captured there with `go-memory-lens analyze LOG`');

  for (const stale of await removeStaleTempDirs(TEMP_PREFIX)) log(`removed ${stale}, left by a run that was killed`);
  const workDir = await makePrivateTempDir(TEMP_PREFIX).catch((err: NodeJS.ErrnoException) => {
    throw new ToolError(`cannot make a temporary folder in ${os.tmpdir()} (${err.code ?? err.message})`, 'set TMPDIR to an existing folder you can write to');
  });
  let kept = false;
  // if we die, even by SIGKILL, the builds and traces still running die with us (the folder goes with the next run)
  const watchdog = Watchdog.start();
  try {
    // builds in parallel, as many at once as there are cores (the toolchain itself is parallel too)
    const builds: Array<BuildResult | BuildFailure> = new Array(variants.length);
    let next = 0;
    const jobs = Math.max(1, Math.min(variants.length, os.cpus().length));
    // one build that throws (a timeout) stops the others: none may run on into the folder being removed
    const buildStop = new AbortController();
    const buildSignal = opts.signal ? AbortSignal.any([opts.signal, buildStop.signal]) : buildStop.signal;
    const buildsSettled = await Promise.allSettled(Array.from({ length: jobs }, async () => {
      while (next < variants.length && !buildSignal.aborted) {
        const i = next++;
        const v = variants[i];
        progress({ step: 'build', variant: v.name, index: i + 1, total: variants.length, message: `building ${v.name} (${i + 1} of ${variants.length})` });
        try {
          builds[i] = await buildVariant({ go, packageDir, outDir: workDir, variant: v, env: { ...process.env, ...(opts.env ?? {}), ...(opts.buildEnv ?? {}) }, signal: buildSignal, timeoutMs: opts.buildTimeoutMs, watchdog, log })
            .catch((err: unknown) => { throw spawnProblem(err, `building ${v.name}`); });
        } catch (err) {
          buildStop.abort();
          throw err;
        }
      }
    }));
    const buildFailed = buildsSettled.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof Error && r.reason.name === 'AbortError' && !opts.signal?.aborted));
    if (buildFailed) throw buildFailed.reason;
    if (opts.signal?.aborted) throw new CancelledError('building');
    const failures = builds.filter((b): b is BuildFailure => !b.ok);
    if (failures.length > 0) throw new BuildError(failures);

    // Traces run side by side, as many as there are cores (most of a run is waiting: the program's own
    // sleeps and the exit pause). Each traced process is measured on its own, so the kernel check is
    // unaffected; the report keeps the variants' order.
    const reports: VariantReport[] = new Array(builds.length);
    const traceOne = async (i: number): Promise<void> => {
      const b = builds[i] as BuildResult;
      const v = b.variant;
      if (opts.signal?.aborted) throw new CancelledError('tracing');
      const logFile = path.join(workDir, `${runs[i].stem}.strace`);
      progress({ step: 'trace', variant: v.name, index: i + 1, total: builds.length, message: `tracing ${v.name} (${i + 1} of ${builds.length})` });
      const mode = opts.mode ?? 'fast';
      log(`trace: ${strace.path} ${straceArgs({ binary: b.binary, args: opts.args, logFile, mode, stacks: opts.stacks }).join(' ')}`);
      const trace = (exitPauseUs?: number): Promise<TraceResult> => traceProgram({
        strace, binary: b.binary, args: opts.args, cwd: opts.cwd ?? packageDir, env: { ...(opts.env ?? {}), ...(v.env ?? {}) }, logFile, mode,
        stacks: opts.stacks, timeoutMs: opts.timeoutMs, waitForChildren: opts.waitForChildren, watchdog, signal: opts.signal, usePty: opts.usePty, ptyModule: opts.ptyModule,
        exitPauseUs,
        onOutput: opts.onOutput ? (d) => opts.onOutput!(v.name, d) : undefined,
        onStart: opts.onTraceStart ? (io) => opts.onTraceStart!(v.name, io) : undefined,
      }).catch((err: unknown) => { throw spawnProblem(err, `tracing ${v.name}`); });
      let tr = await trace(opts.exitPauseUs);
      // The short exit pause (EXIT_PAUSE_US) spares child processes, but on a busy machine the runner can see the
      // program's exit_group too late to hold it. The kernel check is the point of the run, so a program that
      // ended normally is traced once more with the long pause, which holds it however busy the machine is.
      if (tr.exitViewMissed && !tr.timedOut && !tr.cancelled && !tr.diskFull && !tr.signal && !opts.signal?.aborted) {
        const again = `the kernel view at exit was missed (a busy machine), so ${v.name} was traced again with a ${RETRY_EXIT_PAUSE_US / 1000} ms exit pause`;
        log(`notice (${v.name}): ${again}`);
        opts.onOutput?.(v.name, `\r\n[Go Memory Lens: ${again}]\r\n`);
        const first = tr;
        tr = await trace(RETRY_EXIT_PAUSE_US);
        tr.notices.unshift(...first.notices.filter((n) => !/kernel view at exit_group was not read/.test(n)), again);
      }
      for (const n of tr.notices) log(`notice (${v.name}): ${n}`);
      if (tr.cancelled) throw new CancelledError('tracing');
      progress({ step: 'analyze', variant: v.name, index: i + 1, total: builds.length, message: `analyzing ${v.name}` });
      const vr = await analyzeLog(logFile, { binary: b.binary, kernel: tr.atExit, name: v.name, signal: opts.signal });
      vr.run = runReport(b, tr, mode);
      vr.log.files = [path.basename(logFile)];
      if (tr.leftovers) vr.partialReasons.push(leftoverSentence(tr.programRunMs ?? tr.programExitMs ?? tr.wallMs, tr.leftovers, tr.timedOut ? opts.timeoutMs : undefined));
      if (tr.timedOut && tr.programExitMs === undefined) vr.partialReasons.push(`the program did not exit within ${Math.round((opts.timeoutMs ?? 0) / 1000)} s and was killed`);
      if (tr.diskFull) vr.partialReasons.push('the disk holding the log filled up (no space left on device), so the run was stopped and the log is cut short');
      if (tr.signal && !tr.diskFull && !tr.timedOut) vr.partialReasons.push(`the program was killed by ${tr.signal}`);
      vr.partial = vr.partialReasons.length > 0;
      reports[i] = vr;
    };
    let nextTrace = 0;
    let failing = false;
    const traceJobs = Math.max(1, Math.min(builds.length, opts.traceJobs ?? os.cpus().length));
    // every worker settles before the folder goes (a failing trace must not pull it from under another),
    // and none starts a new trace once one has failed
    const settled = await Promise.allSettled(Array.from({ length: traceJobs }, async () => {
      while (!failing && nextTrace < builds.length) {
        try {
          await traceOne(nextTrace++);
        } catch (err) {
          failing = true;
          throw err;
        }
      }
    }));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    progress({ step: 'done', message: 'done' });
    if (opts.keep) kept = true;
    return { report: makeReport('investigation', reports, packageDir), workDir: kept ? workDir : undefined, go, strace };
  } finally {
    watchdog.close();
    if (!kept) await removeTempDir(workDir).catch(() => fsp.rm(workDir, { recursive: true, force: true }));
  }
}

/** A child process that could not start, as one sentence with the fix; anything else as it was. */
function spawnProblem(err: unknown, doing: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'E2BIG') {
    return new ToolError(`${doing}: the command line and environment are too long for the kernel (E2BIG)`, 'shorten the ldflags, the program arguments or the environment (one argument can be at most 128 KiB)');
  }
  if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
    return new ToolError(`${doing}: ${(err as Error).message}`, 'check that the package folder and the go and strace binaries still exist');
  }
  return err;
}

function runReport(b: BuildResult, tr: TraceResult, mode: TraceMode): RunReport {
  return {
    variant: b.variant.name,
    env: b.variant.env,
    tags: b.variant.tags,
    ldflags: b.variant.ldflags,
    goVersion: b.goVersion,
    binary: path.basename(b.binary),
    binarySize: b.binarySize,
    linkage: b.linkage,
    interpreter: b.interpreter,
    needed: b.needed,
    cgoPackages: b.cgoPackages,
    buildSettings: b.buildSettings,
    command: tr.command,
    exitCode: tr.exitCode,
    signal: tr.signal,
    timedOut: tr.timedOut,
    cancelled: tr.cancelled,
    dns: tr.dns,
    output: tr.output.length > 4096 ? tr.output.slice(0, 4096) + '…' : tr.output,
    wallMs: tr.wallMs,
    traceMode: mode,
    notices: tr.notices,
  };
}

export function makeReport(kind: Report['kind'], variants: VariantReport[], packageDir?: string): Report {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'go-memory-lens', version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
    kind,
    package: packageDir,
    variants,
    processes: variants.flatMap((v) => v.processes.slice(0, 1).map((p) => ({ ...p, variant: v.name }))),
    unparsedLines: variants.reduce((s, v) => s + v.log.unparsedLines, 0),
  };
}

export { ToolError };
