// Runs a program under `strace -f` in a pseudo-terminal, and reads the kernel's own view of its address
// space at the moment it calls exit_group (held there by strace's inject delay, then by freezing strace),
// so a model built from the log can be checked against what the kernel really mapped.
import { spawn as spawnChild } from 'node:child_process';
import { availableParallelism, loadavg, constants as osConstants } from 'node:os';
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { IPty } from 'node-pty';
import {
  descendantsOf,
  isAlive,
  killQuietly,
  readProcSample,
  readProcSnapshot,
  taskState,
  type ProcSample,
  type ProcSnapshot,
} from './proc';
import { describeProcess, tracedBy, type Leftover } from './reaper';
import { startExitWatch, type ExitSeen, type ExitWatch } from './exitWatch';
import { ToolError, type ToolLocation } from './tools';
import { Watchdog } from './watchdog';

export type { ProcSample, ProcSnapshot } from './proc';

export type TraceMode = 'fast' | 'full';

export type PtyModule = typeof import('node-pty');

export interface TraceIo {
  /** strace's pid (the traced program is its child) */
  pid: number;
  /** the program reads through a pseudo-terminal (its line discipline acts on control characters), not a pipe */
  pty: boolean;
  write(data: string | Buffer): void;
  /** end of input: closes the program's stdin pipe, or types the terminal's end-of-file character (Ctrl-D) */
  end(): void;
  resize(cols: number, rows: number): void;
}

export interface TraceOptions {
  strace: ToolLocation;
  binary: string;
  args?: string[];
  cwd: string;
  /** merged onto a clean copy of process.env */
  env?: NodeJS.ProcessEnv;
  logFile: string;
  mode: TraceMode;
  /** strace -k: a call stack after each syscall */
  stacks?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** default true; falls back to pipes, with a notice, if node-pty cannot load */
  usePty?: boolean;
  /** the node-pty module to use (an editor passes its own build); default: require('node-pty') */
  ptyModule?: PtyModule;
  cols?: number;
  rows?: number;
  /** program output (pty data) as it arrives, for a live terminal */
  onOutput?: (data: string) => void;
  onProcSample?: (s: ProcSample) => void;
  /** the program's input: write to it, end it; without onStart the program gets end of input at once */
  onStart?: (io: TraceIo) => void;
  /** how long strace holds every traced process on entry to exit_group, in µs; default exitPauseForLoad() */
  exitPauseUs?: number;
  /**
   * processes the program started that outlive it are traced on until they exit or the timeout; by default they
   * are killed soon after the program exits (they would hold the run until the timeout)
   */
  waitForChildren?: boolean;
  /** the run's watchdog (see watchdog.ts); default: one of its own for this trace */
  watchdog?: Watchdog;
}

export interface TraceResult {
  command: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /** program output, capped at 1 MiB with a note if cut */
  output: string;
  /** the "go package net:" lines GODEBUG=netdns=2 printed */
  dns?: string;
  /** the kernel's view when the program entered exit_group */
  atExit?: ProcSnapshot;
  samples: ProcSample[];
  ptyUsed: boolean;
  notices: string[];
  wallMs: number;
  logFile: string;
  logBytes: number;
  /** strace's pid, to check afterwards that nothing is left */
  tracerPid?: number;
  /** the log's file system filled up: the run was stopped and the log is cut short */
  diskFull?: boolean;
  /** the program's exit_group was seen too late to hold it there, so there is no kernel view (a busy machine) */
  exitViewMissed?: boolean;
  /** when (ms after the start) strace logged the program's own exit */
  programExitMs?: number;
  /** how long the program ran by the log's clock: from its execve to its exit_group (the exit pause left out) */
  programRunMs?: number;
  /** processes the program started that were still running after it exited, and were killed */
  leftovers?: Leftover[];
}

export const OUTPUT_CAP = 1024 * 1024;
const DNS_LINES_CAP = 64;
const SAMPLE_INTERVAL_MS = 100;
/** Below this much free space on the log's file system, a run is stopped (strace would lose lines silently). */
const MIN_FREE_BYTES = 512 * 1024;
/** Free space is checked every this many log polls (LOG_POLL_MS each), not on every one. */
const SPACE_CHECK_EVERY = 10;
/** Sampling halves its rate each time this many samples pile up, so a long run stays bounded in memory. */
const SAMPLES_CAP = 3000;
const LOG_POLL_MS = 15;
/** strace exits by itself once its tracees are killed; only if it does not, is it killed too. */
const STRACE_GRACE_MS = 2000;
/**
 * How long after the program's exit its children may take to finish on their own before they count as left
 * running, beyond the exit pause (a child that exits then is held there too).
 */
const LINGER_MS = 500;

/**
 * How long strace holds a process on entry to exit_group (-e inject=exit_group:delay_enter), in µs.
 *
 * strace (6.1) cannot hold only the program it started: an inject has no pid filter, each new tracee gets a
 * fresh copy of the inject counters (tamper_with_syscall_entering copies the global inject_vec into the tcb at
 * its first injected call, so when= counts per process and every child's first exit_group matches), the delay
 * is released by a timer only (restart_delayed_tcbs compares the clock; a signal to strace cannot end it early),
 * and -b execve, the one option that treats the first process apart, turns --seccomp-bpf off. So every child
 * process pays this pause as it exits, and a parent waiting for each child pays them all in a row.
 *
 * The pause therefore only has to last until the runner has seen the program's exit_group line (strace 6.1
 * flushes each line as it prints it; a worker thread watches the log, exitWatch.ts) and has stopped strace
 * itself (SIGSTOP): a stopped strace restarts no one, so the program stays held as long as /proc takes to
 * read, however short the pause. The runner then checks that the thread is still held (state "t") before it
 * trusts the snapshot, and says so when it was too late, rather than report a process already tearing down.
 *
 * How soon the runner sees the line depends on how soon it gets a CPU. On 2 shared cores, for a program that
 * exits as it starts (the hardest case: the log is busy right up to exit_group), 2 ms caught 81 to 92 exits
 * in 100 at load 3.5, and 10 ms only 58 of 60 at load 15. So the pause grows with the load per core when the
 * trace starts (exitPauseForLoad), from 2 ms on a quiet machine: about 4 ms at load 3.5 caught 100 of 100.
 */
export const EXIT_PAUSE_US = 2000;
/** The longest pause the load can ask for: 20 ms, still 25 times less per child than the 500 ms it replaces. */
export const EXIT_PAUSE_MAX_US = 20_000;

/** The pause for a machine with this 1-minute load average over this many cores: EXIT_PAUSE_US per unit of load per core. */
export function exitPauseForLoad(load1: number, cores: number): number {
  const perCore = cores > 0 && Number.isFinite(load1) ? load1 / cores : 1;
  return Math.round(Math.min(EXIT_PAUSE_MAX_US, EXIT_PAUSE_US * Math.max(1, perCore)));
}
/** How long the runner waits for strace to stop after SIGSTOP before it gives up on the snapshot. */
const FREEZE_WAIT_MS = 1000;

/**
 * 'fast' traces only what the memory model needs, filtered in the kernel (--seccomp-bpf). strace (6.1) moves a
 * new thread onto the cheap seccomp path (PTRACE_CONT, stopping only at filtered calls) only after that
 * thread's first filtered call; until then it stops the thread at the entry and exit of every call. So the set
 * holds, besides the model's calls, one call each kind of thread makes first thing:
 * - gettid: Go's runtime calls it as a new thread starts (minit) (measured ~9x -> ~1.2x overhead, pure Go);
 * - set_robust_list: glibc's start_thread calls it in every thread pthread_create makes (C threads and a cgo
 *   binary's Go threads), right after rseq and before the thread's own code. Without it a C thread whose
 *   memory came from an existing malloc arena made no filtered call until its exit's madvise, and every call
 *   in between stopped twice (the cgo bench: ~1.8x -> ~1.05x wall, CPU 1.8 s -> 0.53 s against 0.46 s untraced).
 * The model reads neither; their lines only tell it the thread exists.
 */
export const FAST_TRACE_SET = '%memory,%process,gettid,set_robust_list,openat,open,close';

export function straceArgs(opts: Pick<TraceOptions, 'binary' | 'args' | 'logFile' | 'mode' | 'stacks' | 'exitPauseUs'>): string[] {
  const args = ['-f', '-tt', '-T', '-y', '-o', opts.logFile];
  if (opts.mode === 'fast') args.push('--seccomp-bpf', '-e', `trace=${FAST_TRACE_SET}`);
  args.push('-e', `inject=exit_group:delay_enter=${opts.exitPauseUs ?? EXIT_PAUSE_US}`);
  if (opts.stacks) args.push('-k');
  args.push('--', opts.binary, ...(opts.args ?? []));
  return args;
}

/**
 * A clean copy of process.env with the caller's additions, and GODEBUG=netdns=2 so Go says which resolver it
 * picked: netdns=1 prints only "dynamic selection of DNS resolver"; 2 adds "confVal.netCgo = ..." and
 * "hostLookupOrder(localhost) = files,dns" (or "= cgo"), the lines that answer the question.
 */
export function traceEnv(extra?: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...(extra ?? {}) })) if (v !== undefined) env[k] = v;
  const godebug = env.GODEBUG ? env.GODEBUG.split(',').filter((s) => s && !s.startsWith('netdns=')) : [];
  const userNetdns = env.GODEBUG?.split(',').find((s) => s.startsWith('netdns='));
  // Keep a user's netdns=go/cgo choice, but make sure the decision is printed (netdns=go+2).
  godebug.push(userNetdns ? (/\d/.test(userNetdns) ? userNetdns : `${userNetdns}+2`) : 'netdns=2');
  env.GODEBUG = godebug.join(',');
  return env;
}

/** strace's own messages when the kernel refuses ptrace (Yama, a container without CAP_SYS_PTRACE, already traced). */
export function ptraceRefusal(output: string): string | undefined {
  const m =
    /^.*ptrace\(PTRACE_TRACEME, \.\.\.\): Operation not permitted.*$/m.exec(output) ??
    /^.*PTRACE_SEIZE.*Operation not permitted.*$/m.exec(output) ??
    /^.*PTRACE_TRACEME: Operation not permitted.*$/m.exec(output) ??
    /^.*attach: ptrace.*$/m.exec(output);
  return m ? m[0].replace(/\r$/, '') : undefined;
}

export const PTRACE_FIX =
  'allow ptrace: set /proc/sys/kernel/yama/ptrace_scope to 0 or 1 (`sysctl kernel.yama.ptrace_scope=1`), ' +
  'give the container CAP_SYS_PTRACE (`docker run --cap-add=SYS_PTRACE`, and a seccomp profile that allows ptrace), ' +
  'or do not run the editor itself under strace or a debugger';

/** strace -f -tt line heads: "PID  HH:MM:SS.micro " */
const EXECVE_RE = /^(\d+)\s+[\d:.]+\s+execve\(/;
const EXIT_GROUP_RE = /^(\d+)\s+[\d:.]+\s+exit_group\(/;
const EXITED_RE = /^(\d+)\s+[\d:.]+\s+\+\+\+ exited with (\d+) \+\+\+/;
const KILLED_RE = /^(\d+)\s+[\d:.]+\s+\+\+\+ killed by (SIG[A-Z0-9]+)/;
const CLOCK_RE = /^\d+\s+(\d\d):(\d\d):(\d\d(?:\.\d+)?)\s/;
const DAY_MS = 24 * 3600 * 1000;

/** The time of day of a -tt line head ("PID HH:MM:SS.micro "), in ms. */
export function logClockMs(line: string): number | undefined {
  const m = CLOCK_RE.exec(line);
  return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 : undefined;
}

interface Child {
  pid: number;
  ptyUsed: boolean;
  write(data: string | Buffer): void;
  end(): void;
  resize(cols: number, rows: number): void;
  onData(cb: (data: string) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
}

function signalName(n: number | undefined): string | null {
  if (!n) return null;
  const entry = Object.entries(osConstants.signals).find(([, v]) => v === n);
  return entry ? entry[0] : `signal ${n}`;
}

function loadNodePty(): PtyModule {
  return require('node-pty') as PtyModule;
}

function startPty(pty: PtyModule | undefined, file: string, args: string[], opts: { cwd: string; env: Record<string, string>; cols: number; rows: number }): Child {
  const p: IPty = (pty ?? loadNodePty()).spawn(file, args, { name: 'xterm-256color', cols: opts.cols, rows: opts.rows, cwd: opts.cwd, env: opts.env });
  let lastChar = '\n';
  return {
    pid: p.pid,
    ptyUsed: true,
    write: (d) => {
      if (d.length > 0) lastChar = typeof d === 'string' ? d[d.length - 1] : String.fromCharCode(d[d.length - 1]);
      p.write(d);
    },
    // In canonical mode Ctrl-D ends input only on an empty line; after a partial line the first one just hands
    // that line to the reader, so a second is needed.
    end: () => p.write(lastChar === '\n' || lastChar === '\r' ? '\x04' : '\x04\x04'),
    // VS Code may resize the terminal after the program is gone; a closed pty throws ENOTTY then
    resize: (c, r) => { try { p.resize(c, r); } catch { /* closed */ } },
    onData: (cb) => void p.onData(cb),
    onExit: (cb) => void p.onExit(({ exitCode, signal }) => cb(signal ? null : exitCode, signalName(signal))),
  };
}

function startPipes(file: string, args: string[], opts: { cwd: string; env: Record<string, string> }): Child {
  // detached: its own process group, like the pty's session, so the group can be killed the same way.
  const c = spawnChild(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  if (c.pid === undefined) throw new ToolError(`cannot start ${file}`, 'check that strace is installed and executable');
  c.stdin.on('error', () => {}); // writing after exit is not worth crashing for
  const dataCbs: Array<(d: string) => void> = [];
  c.stdout.setEncoding('utf8');
  c.stderr.setEncoding('utf8');
  c.stdout.on('data', (d: string) => dataCbs.forEach((cb) => cb(d)));
  c.stderr.on('data', (d: string) => dataCbs.forEach((cb) => cb(d)));
  return {
    pid: c.pid,
    ptyUsed: false,
    write: (d) => void c.stdin.write(d),
    end: () => void c.stdin.end(),
    resize: () => {},
    onData: (cb) => void dataCbs.push(cb),
    onExit: (cb) => void c.on('close', (code, sig) => cb(code, sig)),
  };
}

/** strace prefixes its own messages with its argv[0]: "strace: " or "/usr/bin/strace: ". */
const STRACE_MESSAGE_RE = /^(?:\S*\/)?strace: /;

/** Accumulates output up to the cap and picks out lines of interest, whatever the chunking. */
export class OutputCollector {
  private readonly chunks: string[] = [];
  private bytes = 0;
  private cut = false;
  private partial = '';
  readonly dnsLines: string[] = [];
  /** strace's own "strace: ..." lines, kept even past the output cap to explain failures */
  readonly straceLines: string[] = [];

  add(data: string): void {
    if (!this.cut) {
      const b = Buffer.from(data, 'utf8');
      if (this.bytes + b.length <= OUTPUT_CAP) {
        this.chunks.push(data);
        this.bytes += b.length;
      } else {
        this.chunks.push(b.subarray(0, OUTPUT_CAP - this.bytes).toString('utf8'));
        this.bytes = OUTPUT_CAP;
        this.cut = true;
      }
    }
    const lines = (this.partial + data).split('\n');
    this.partial = lines.pop() ?? '';
    // Bound the partial line: a program printing without newlines must not grow it forever.
    if (this.partial.length > 64 * 1024) this.partial = this.partial.slice(-1024);
    for (const l of lines) this.line(l);
  }

  finish(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(raw: string): void {
    const l = raw.replace(/\r/g, '');
    if (l.startsWith('go package net:') && this.dnsLines.length < DNS_LINES_CAP) this.dnsLines.push(l);
    else if (STRACE_MESSAGE_RE.test(l) && this.straceLines.length < DNS_LINES_CAP) this.straceLines.push(l);
  }

  text(): string {
    return this.chunks.join('') + (this.cut ? `\n[output cut at ${OUTPUT_CAP} bytes]\n` : '');
  }
}

export async function traceProgram(opts: TraceOptions): Promise<TraceResult> {
  const exitPauseUs = opts.exitPauseUs ?? exitPauseForLoad(loadavg()[0], availableParallelism());
  const args = straceArgs({ ...opts, exitPauseUs });
  const command = [opts.strace.path, ...args];
  const env = traceEnv(opts.env);
  const notices: string[] = [];
  if (opts.signal?.aborted) {
    return emptyResult(command, opts.logFile, notices, true);
  }

  // Create (and truncate) the log ourselves so it is private and we can hold it open before strace writes.
  await fsp.writeFile(opts.logFile, '', { mode: 0o600 });
  const logFh = await fsp.open(opts.logFile, 'r');
  // The program's exit_group is watched for on a thread of its own, which stops strace the moment it appears
  // (exitWatch.ts); the snapshot is read here, while strace stays stopped.
  const onExitSeen = (seen: ExitSeen) => {
    snapshotTaken = true;
    snapshotDone = readHeldSnapshot(child.pid, seen, elapsed(), exitPauseUs).then(
      (r) => void ('snapshot' in r ? (atExit = r.snapshot) : (exitViewMissed = true, notices.push(r.missed))),
      (err: Error) => void notices.push(`could not read /proc/${seen.tgid} at exit_group: ${err.message}`),
    );
  };
  const exitWatch: ExitWatch = startExitWatch(opts.logFile, onExitSeen, (err) => {
    notices.push(`the log could not be watched for exit_group (${err.message}), so the kernel view at exit was not read`);
  });
  await exitWatch.ready;

  let child: Child;
  const started = Date.now();
  const usePty = opts.usePty ?? true;
  try {
    if (usePty) {
      try {
        child = startPty(opts.ptyModule, opts.strace.path, args, { cwd: opts.cwd, env, cols: opts.cols ?? 120, rows: opts.rows ?? 30 });
      } catch (err) {
        notices.push(`node-pty could not start a terminal (${(err as Error).message}); the program's output goes through pipes, so it sees no terminal`);
        child = startPipes(opts.strace.path, args, { cwd: opts.cwd, env });
      }
    } else {
      child = startPipes(opts.strace.path, args, { cwd: opts.cwd, env });
    }
  } catch (err) {
    await logFh.close();
    await exitWatch.finish();
    throw err;
  }
  exitWatch.arm(child.pid);

  // if we are killed (even by SIGKILL), the watchdog stops strace and all it traces
  const watchdog = opts.watchdog ?? Watchdog.start();
  const unguard = watchdog.guardTracer(child.pid, opts.logFile);
  const out = new OutputCollector();
  const samples: ProcSample[] = [];
  let sampleEvery = 1;
  let sampleTick = 0;
  let tgid: number | undefined;
  let atExit: ProcSnapshot | undefined;
  let snapshotTaken = false;
  /** the program's exit_group was seen, but too late to hold it there: the caller may trace again with a longer pause */
  let exitViewMissed = false;
  let snapshotDone: Promise<void> = Promise.resolve();
  let programExit: { code: number | null; signal: string | null } | undefined;
  let programExitMs: number | undefined;
  // the log's own clock (strace -tt) at the program's execve and its exit: how long it really ran
  let startClock: number | undefined;
  let exitClock: number | undefined;
  let timedOut = false;
  let cancelled = false;
  let logOffset = 0;
  let logPartial = '';
  let logBytes = 0;
  const elapsed = () => Date.now() - started;

  const onLogLine = (line: string, complete: boolean) => {
    if (tgid === undefined) {
      const m = EXECVE_RE.exec(line);
      if (m) {
        tgid = Number(m[1]);
        startClock = logClockMs(line);
      }
    }
    if (tgid === undefined) return;
    if (exitClock === undefined) {
      // the program's exit as its own clock says (the snapshot itself is read by the exit watch, exitWatch.ts)
      const m = EXIT_GROUP_RE.exec(line);
      // Any thread of the program may call exit_group (Go's main goroutine need not run on the first thread).
      if (m && (Number(m[1]) === tgid || existsSync(`/proc/${tgid}/task/${m[1]}`))) exitClock = logClockMs(line);
    }
    if (!complete) return;
    const exited = EXITED_RE.exec(line);
    if (exited && Number(exited[1]) === tgid) programExit = { code: Number(exited[2]), signal: null };
    const killed = KILLED_RE.exec(line);
    if (killed && Number(killed[1]) === tgid) programExit = { code: null, signal: killed[2] };
    if (programExit && programExitMs === undefined) {
      programExitMs = elapsed();
      exitClock ??= logClockMs(line);
    }
  };

  // strace writes each syscall's entry as soon as it happens, even the unfinished "exit_group(0" (checked
  // with strace 6.1 -o), so reading the growing file shows the exit while the inject delay holds the program.
  let reading = false;
  const logDecoder = new StringDecoder('utf8'); // a path's multibyte character may straddle two reads
  const readLog = async (): Promise<void> => {
    if (reading) return;
    reading = true;
    try {
      const buf = Buffer.alloc(256 * 1024);
      for (;;) {
        const { bytesRead } = await logFh.read(buf, 0, buf.length, logOffset);
        if (bytesRead === 0) break;
        logOffset += bytesRead;
        const lines = (logPartial + logDecoder.write(buf.subarray(0, bytesRead))).split('\n');
        logPartial = lines.pop() ?? '';
        for (const l of lines) onLogLine(l, true);
        if (logPartial.length > 1024 * 1024) logPartial = ''; // one absurd line cannot hold a syscall head we need
      }
      if (logPartial) onLogLine(logPartial, false);
    } finally {
      reading = false;
    }
  };

  // A full disk does not stop strace: it keeps tracing, writes nothing, and says so only at exit. Watching the
  // free space lets the run stop cleanly instead, with the log it has.
  let diskFull = false;
  const logDir = path.dirname(opts.logFile);
  const checkSpace = async () => {
    const st = await fsp.statfs(logDir);
    if (st.bavail * st.bsize < MIN_FREE_BYTES && !diskFull) {
      diskFull = true;
      notices.push(`the disk holding the log (${logDir}) is full; the run was stopped`);
      void stop();
    }
  };
  // the log is read every poll (the exit_group line must be seen at once); free space every tenth is plenty
  let polls = 0;
  const lingerMs = exitPauseUs / 1000 + LINGER_MS;
  const logTimer = setInterval(() => {
    void readLog().catch(() => {});
    if (programExitMs !== undefined && !opts.waitForChildren && !stopping && elapsed() - programExitMs >= lingerMs) void stopLeftovers();
    if (++polls % SPACE_CHECK_EVERY === 0) void checkSpace().catch(() => {});
  }, LOG_POLL_MS);
  const sampleTimer = setInterval(() => {
    if (tgid === undefined || snapshotTaken) return;
    if (++sampleTick % sampleEvery !== 0) return;
    const pid = tgid;
    void readProcSample(pid, elapsed()).then((s) => {
      if (!s) return;
      samples.push(s);
      if (samples.length >= SAMPLES_CAP) {
        // keep every other sample and halve the rate: bounded memory, the whole run still covered
        const kept = samples.filter((_, i) => i % 2 === 0);
        samples.length = 0;
        samples.push(...kept);
        sampleEvery *= 2;
      }
      opts.onProcSample?.(s);
    });
  }, SAMPLE_INTERVAL_MS);

  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.onExit((code, signal) => resolve({ code, signal })));
  child.onData((d) => {
    out.add(d);
    opts.onOutput?.(d);
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopTree(child.pid, exited);
    return stopping;
  };
  // strace -f waits for every tracee: a child the program left running (a daemon) would hold the run until the
  // timeout. Once the program has exited, whatever strace still traces is named in the report and stopped.
  const leftovers: Leftover[] = [];
  const stopLeftovers = () => {
    for (const pid of tracedBy(child.pid)) {
      const d = describeProcess(pid);
      if (d) leftovers.push(d);
    }
    return stop();
  };
  // at the timeout, what the program left running (if it has exited) is named like after the linger
  const onTimeout = () => {
    timedOut = true;
    void (programExitMs !== undefined && !stopping ? stopLeftovers() : stop());
  };
  const timeout = opts.timeoutMs !== undefined ? setTimeout(onTimeout, opts.timeoutMs) : undefined;
  const onAbort = () => {
    cancelled = true;
    void stop();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  // input that arrives after strace has gone has nowhere to go (a closed pty throws)
  let straceGone = false;
  void exited.then(() => (straceGone = true));
  opts.onStart?.({
    pid: child.pid,
    pty: child.ptyUsed,
    write: (d) => void (straceGone || child.write(d)),
    end: () => void (straceGone || child.end()),
    resize: (c, r) => child.resize(c, r),
  });
  // nobody can type to the program: a program that reads its input gets end of input, not a wait for the timeout
  if (!opts.onStart) child.end();

  let straceExit: { code: number | null; signal: string | null };
  try {
    straceExit = await exited;
    if (stopping) await stopping;
  } finally {
    unguard();
    if (!opts.watchdog) watchdog.close();
    clearInterval(logTimer);
    clearInterval(sampleTimer);
    if (timeout) clearTimeout(timeout);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  try {
    while (reading) await new Promise((r) => setImmediate(r));
    await readLog();
    if (logPartial) onLogLine(logPartial, true);
    logBytes = (await logFh.stat()).size;
  } finally {
    await logFh.close();
    await exitWatch.finish(); // a line the watch had not reached yet is read now (and said to be too late)
  }
  await snapshotDone;
  out.finish();
  if (out.straceLines.some((l) => /No space left on device/.test(l))) diskFull = true;
  const wallMs = elapsed();

  if (tgid === undefined && !timedOut && !cancelled) {
    const refusal = ptraceRefusal(out.straceLines.join('\n'));
    if (refusal) throw new ToolError(`ptrace is refused, so strace cannot trace the program: ${refusal}`, PTRACE_FIX);
    const why = out.straceLines.join('; ') || out.text().trim().slice(0, 500) || `strace exited with ${straceExit.code ?? straceExit.signal}`;
    throw new ToolError(`strace did not start ${opts.binary}: ${why}`, 'check the program path and that strace works: `strace -f /bin/true`');
  }
  if (!atExit && !snapshotTaken && !timedOut && !cancelled) {
    notices.push(`the program did not reach exit_group${programExit?.signal ? ` (killed by ${programExit.signal})` : ''}, so there is no kernel view at exit`);
  }
  if (!programExit) {
    // Killed before strace logged the exit (timeout or cancel): report what happened to strace itself.
    programExit = straceExit;
  }

  return {
    command,
    exitCode: programExit.code,
    signal: programExit.signal,
    timedOut,
    cancelled,
    output: out.text(),
    ...(out.dnsLines.length > 0 ? { dns: out.dnsLines.join('\n') } : {}),
    ...(atExit ? { atExit } : {}),
    samples,
    ptyUsed: child.ptyUsed,
    notices,
    wallMs,
    logFile: opts.logFile,
    logBytes,
    tracerPid: child.pid,
    ...(diskFull ? { diskFull } : {}),
    ...(exitViewMissed ? { exitViewMissed } : {}),
    ...(programExitMs !== undefined ? { programExitMs } : {}),
    ...(startClock !== undefined && exitClock !== undefined ? { programRunMs: (exitClock - startClock + DAY_MS) % DAY_MS } : {}),
    ...(leftovers.length > 0 ? { leftovers } : {}),
  };
}

/**
 * Reads the program's /proc snapshot while strace holds the thread that called exit_group. The exit watch has
 * sent strace SIGSTOP: once strace has stopped it can restart no tracee, so the thread stays where it is however
 * long the reads take, and the snapshot describes the moment of exit_group (other threads may still run until
 * their next traced call). Before the reads the thread must still be in its tracing stop; if strace had already
 * let it go, nothing is read: a process tearing down its memory would give a wrong snapshot. strace always gets
 * SIGCONT.
 */
async function readHeldSnapshot(stracePid: number, seen: ExitSeen, atMs: number, pauseUs: number): Promise<{ snapshot: ProcSnapshot } | { missed: string }> {
  const late = `the runner saw the exit_group line only after strace's ${pauseUs} µs pause had let the program go`;
  const missed = (why: string) => ({ missed: `the kernel view at exit_group was not read (${why}), so the model has no kernel figures beside it this run` });
  if (!seen.stopped) return missed(late); // strace had exited already, and so had the program
  try {
    // kill() returns before strace has stopped, and until it has, it may still restart the thread
    const deadline = Date.now() + FREEZE_WAIT_MS;
    for (;;) {
      // 'T' only: a strace that is itself traced shows 't' while its tracer may still let it run
      const state = taskState(stracePid);
      if (state === 'T') break;
      if (state === undefined || state === 'Z') return missed(late);
      if (Date.now() > deadline) return missed(`strace did not pause within ${FREEZE_WAIT_MS} ms of SIGSTOP`);
      await new Promise((r) => setImmediate(r));
    }
    if (taskState(seen.tgid, seen.tid) !== 't') return missed(late);
    return { snapshot: await readProcSnapshot(seen.tgid, atMs) };
  } finally {
    killQuietly(stracePid, 'SIGCONT');
  }
}

function emptyResult(command: string[], logFile: string, notices: string[], cancelled: boolean): TraceResult {
  return { command, exitCode: null, signal: null, timedOut: false, cancelled, output: '', samples: [], ptyUsed: false, notices, wallMs: 0, logFile, logBytes: 0 };
}

/**
 * Stops strace and everything it traces. The traced processes are killed first so that strace, still alive,
 * reaps them and exits by itself; killing strace first would orphan them to PID 1, which in a container may
 * never reap them. Only if strace lingers is it killed too, with its process group (the pty's session).
 */
async function stopTree(stracePid: number, exited: Promise<unknown>): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + STRACE_GRACE_MS;
  const killed = new Set<number>();
  while (!done && Date.now() < deadline) {
    // a child that called setsid() and outlived its parent hangs under PID 1, not under strace: ptrace finds it
    for (const pid of new Set([...descendantsOf(stracePid).reverse(), ...tracedBy(stracePid)])) {
      killQuietly(pid);
      killed.add(pid);
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 50))]);
  }
  if (!done) {
    // Only while strace is unreaped is its pid surely still its group's id (no reuse by another process).
    killQuietly(-stracePid);
    killQuietly(stracePid);
    await exited;
  }
  // A killed strace no longer waits for its tracees: on a loaded machine one may still be dying. The run ends
  // when they are gone (bounded: a pid reused meanwhile must not hold it).
  const until = Date.now() + STRACE_GRACE_MS;
  while ([...killed].some(isAlive) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
