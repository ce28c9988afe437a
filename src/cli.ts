/**
 * go-memory-lens: the engine from a terminal.
 *   go-memory-lens investigate [DIR] [--variants default,pure,netgo,netcgo] [--json FILE] [--markdown] …
 *   go-memory-lens analyze LOG [--binary PATH] [--proc FILE] [--json FILE] [--html FILE] [--markdown]
 */
import * as path from 'node:path';
import { analyzeLog } from './core/analyze';
import { assetDirs, writeStandaloneHtml } from './core/report/htmlFile';
import { BuildError, investigate, makeReport, TOOL_VERSION } from './core/investigate';
import { renderMarkdown } from './core/report/exports';
import { renderBreakdown, renderTable } from './core/report/table';
import { DEFAULT_VARIANTS, type Variant } from './core/run/build';
import { labelRuns } from './core/run/variants';
import { InputFeed, cliInput } from './core/run/inputFeed';
import { ToolError } from './core/run/tools';
import { MAX_TIMEOUT_SECONDS, checkFolder, checkOutputFile, checkRegularFile, InputError, parseTimeoutSeconds, readRegularFile, writeOutput } from './core/inputs';
import type { KernelSnapshotLike } from './core/analyze';
import type { Report } from './protocol/report';

const USAGE = `Go Memory Lens ${TOOL_VERSION}: where a Go program's virtual memory and threads come from.

Usage:
  go-memory-lens investigate [DIR...] [options] [-- PROGRAM ARGS]
      Build the Go package in DIR (default .) in several variants, run each under strace,
      and compare their threads and virtual memory with what the kernel reports.
      Several DIRs are compared side by side.
      --variants LIST   comma-separated: default, pure (CGO_ENABLED=0), netgo, netcgo
                        (default: all four; a name given twice runs twice: pure, pure #2)
      --mode fast|full  fast: seccomp-filtered memory+thread calls (default); full: every call
      --stacks          record a call stack for each call (strace -k)
      --timeout SEC     kill a program that runs longer (default 60; 1 to 86400, or 0 or none: no limit)
      --build-timeout SEC
                        stop a variant's build (go list, go build and what they start) that takes
                        longer (default 600; 1 to 86400, or 0 or none: 24 h)
      --wait-children   trace what the program leaves running (a daemon) until it exits or the
                        timeout; by default it is killed once the program has exited
      --no-pty          run without a pseudo-terminal
      --keep            keep the temporary folder with binaries and logs
      --jobs N          trace N variants at once (default: one per core)
  go-memory-lens analyze LOG [options]
      Analyze a strace log captured elsewhere (strace -f [-tt] [-T] [-y] -o LOG ./prog; or an -ff set).
      --binary PATH     the traced executable, to size what execve mapped
      --proc FILE       the kernel's figures at exit ({ "status": "<text of /proc/PID/status>" })

Common options:
  --json FILE         write the report as JSON (schema: schema/report.schema.json; - for stdout)
  --markdown          print the table as Markdown
  --html FILE         write the report as one self-contained HTML page (the editor panel's view: timeline,
                      threads, events; opens offline in any browser)
  --quiet             no progress lines
  --debug             show stack traces on errors
`;

interface Args {
  cmd?: string;
  positional: string[];
  programArgs: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--build-timeout', '--jobs', '--variants', '--json', '--mode', '--timeout', '--binary', '--proc', '--html']);
const COMMON_FLAGS = ['--json', '--markdown', '--html', '--quiet', '--debug', '--help', '--version'];
/** the flags each command takes; anything else is a usage error (a typo must not be ignored silently) */
const COMMAND_FLAGS: Record<string, readonly string[]> = {
  investigate: [...COMMON_FLAGS, '--variants', '--mode', '--stacks', '--timeout', '--build-timeout', '--wait-children', '--no-pty', '--keep', '--jobs'],
  analyze: [...COMMON_FLAGS, '--binary', '--proc'],
};
const ALL_FLAGS = [...new Set(Object.values(COMMAND_FLAGS).flat())];

function parseArgs(argv: string[]): Args {
  const a: Args = { positional: [], programArgs: [], flags: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === '--') {
      a.programArgs = argv.slice(i + 1);
      break;
    }
    if (s.startsWith('--')) {
      const eq = s.indexOf('=');
      const name = eq > 0 ? s.slice(0, eq) : s;
      if (VALUE_FLAGS.has(name)) {
        const v = eq > 0 ? s.slice(eq + 1) : argv[++i];
        if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
        // `--json --quiet` is a forgotten value, not a file named --quiet
        if (eq < 0 && v.startsWith('--')) throw new UsageError(`${name} needs a value (got the option ${v})`);
        a.flags.set(name, v);
      } else if (!ALL_FLAGS.includes(name)) {
        throw new UsageError(`unknown option ${name}${didYouMean(name, ALL_FLAGS)}`);
      } else if (eq > 0) {
        throw new UsageError(`${name} takes no value (got "${s.slice(eq + 1)}")`);
      } else a.flags.set(name, true);
    } else if (s === '-h') a.flags.set('--help', true);
    else if (s.startsWith('-') && s !== '-') throw new UsageError(`unknown option ${s}${didYouMean(s.replace(/^-+/, '--'), ALL_FLAGS)}`);
    else if (!a.cmd) a.cmd = s;
    else a.positional.push(s);
  }
  return a;
}

/** ", did you mean --json?" for the nearest flag within two edits, else "" */
function didYouMean(name: string, choices: readonly string[]): string {
  let best: string | undefined;
  let bestD = 3;
  for (const c of choices) {
    const d = editDistance(name, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best ? `: did you mean ${best}?` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

class UsageError extends Error {}

function pickVariants(list: string | true | undefined): Variant[] {
  if (list === undefined || list === true) return DEFAULT_VARIANTS;
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`--variants "${list}" names no variant: choose from ${DEFAULT_VARIANTS.map((d) => d.name).join(', ')}`);
  // a name given twice is run twice, each run with its own binary and log (columns "pure", "pure #2")
  return names.map((n) => {
    const v = DEFAULT_VARIANTS.find((d) => d.name === n);
    if (!v) throw new UsageError(`unknown variant "${n}": choose from ${DEFAULT_VARIANTS.map((d) => d.name).join(', ')}`);
    return v;
  });
}

async function writeJson(report: Report, dest: string): Promise<void> {
  const text = JSON.stringify(report, null, 2) + '\n';
  if (dest === '-') process.stdout.write(text);
  else await writeOutput(dest, 'the JSON report', text);
}

/** The kernel figures of --proc: a small JSON file { "status": "<text of /proc/PID/status>", "maps"?: "…" }. */
async function readProcFile(file: string): Promise<KernelSnapshotLike> {
  const fix = 'give --proc a JSON file like { "status": "<the text of /proc/PID/status>" }';
  const text = await readRegularFile(file, '--proc', fix, MAX_PROC_BYTES);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new InputError(`--proc ${file} is not JSON`, fix);
  }
  const o = v as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || Array.isArray(o) || typeof o.status !== 'string' || (o.maps !== undefined && typeof o.maps !== 'string')) {
    throw new InputError(`--proc ${file} has no "status" text`, fix);
  }
  return { status: o.status, maps: o.maps as string | undefined, tasks: typeof o.tasks === 'number' ? o.tasks : undefined, tgid: typeof o.tgid === 'number' ? o.tgid : undefined };
}

/** /proc/PID/status is about 1.5 KiB and maps a line per mapping: 16 MiB is far more than either. */
const MAX_PROC_BYTES = 16 * 1024 * 1024;

async function main(argv: string[]): Promise<number> {
  const a = parseArgs(argv);
  if (a.flags.has('--version')) {
    console.log(TOOL_VERSION);
    return 0;
  }
  if (!a.cmd || a.flags.has('--help') || a.cmd === 'help') {
    process.stdout.write(USAGE);
    return a.cmd || a.flags.has('--help') ? 0 : 2;
  }
  const allowed = COMMAND_FLAGS[a.cmd];
  if (!allowed) throw new UsageError(`unknown command "${a.cmd}"${didYouMean(a.cmd, Object.keys(COMMAND_FLAGS))}`);
  for (const f of a.flags.keys()) if (!allowed.includes(f)) throw new UsageError(`${f} is not an option of ${a.cmd}`);
  if (a.programArgs.length > 0 && a.cmd !== 'investigate') throw new UsageError(`${a.cmd} takes no program arguments after --`);
  // outputs first: a path that cannot be written must not be found after the whole run
  const json = a.flags.get('--json');
  const html = a.flags.get('--html');
  if (typeof json === 'string' && typeof html === 'string' && json !== '-' && path.resolve(json) === path.resolve(html)) {
    throw new UsageError(`--json and --html name the same file (${json}): give each its own`);
  }
  if (json === '-' && a.flags.has('--markdown')) throw new UsageError('--json - and --markdown both write to stdout: write the JSON to a file, or leave out one of them');
  if (typeof json === 'string' && json !== '-') await checkOutputFile(json, '--json');
  if (typeof html === 'string') {
    if (html === '-') throw new UsageError('--html takes a file path (the page is not written to stdout)');
    await checkOutputFile(html, '--html');
    // the page's script and styles, found now rather than after the run
    assetDirs();
  }
  const quiet = a.flags.has('--quiet') || json === '-';
  const say = (s: string) => {
    if (!quiet) process.stderr.write(s + '\n');
  };
  let report: Report;
  if (a.cmd === 'investigate') {
    const dirs = a.positional.length > 0 ? a.positional : ['.'];
    const mode = (a.flags.get('--mode') ?? 'fast') as string;
    if (mode !== 'fast' && mode !== 'full') throw new UsageError('--mode is fast or full');
    const timeout = parseTimeoutSeconds(a.flags.get('--timeout') ?? 60);
    if ('problem' in timeout) throw new UsageError(`--timeout ${timeout.problem}`);
    const buildTimeout = parseTimeoutSeconds(a.flags.get('--build-timeout') ?? 600);
    if ('problem' in buildTimeout) throw new UsageError(`--build-timeout ${buildTimeout.problem}`);
    const jobsFlag = a.flags.get('--jobs');
    const jobs = jobsFlag === undefined ? undefined : Number(jobsFlag);
    if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError('--jobs takes a whole number, 1 or more');
    const variants = pickVariants(a.flags.get('--variants'));
    for (const dir of dirs) await checkFolder(dir, 'the package folder', 'give the folder of a Go main package (default: the current folder)');
    const ac = new AbortController();
    const onSig = () => ac.abort();
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    const reports: Report[] = [];
    // every program reads what the CLI reads (a pipe, a file, /dev/null, the terminal) and sees its end
    const input = new InputFeed(cliInput(process.stdin), { literal: !process.stdin.isTTY, log: say });
    try {
      for (const dir of dirs) {
        const res = await investigate({
          packageDir: dir,
          variants,
          args: a.programArgs,
          mode,
          stacks: a.flags.has('--stacks'),
          timeoutMs: timeout.seconds === undefined ? undefined : timeout.seconds * 1000,
          buildTimeoutMs: (buildTimeout.seconds ?? MAX_TIMEOUT_SECONDS) * 1000,
          waitForChildren: a.flags.has('--wait-children'),
          usePty: !a.flags.has('--no-pty'),
          keep: a.flags.has('--keep'),
          traceJobs: jobs,
          signal: ac.signal,
          onTraceStart: (_variant, io) => input.attach(io),
          onProgress: (p) => say(`[${p.step}]${dirs.length > 1 ? ` ${dir}:` : ''} ${p.message}`),
          log: (l) => (a.flags.has('--debug') ? say(`  ${l}`) : undefined),
        });
        reports.push(res.report);
        if (reports.length === 1) say(`go: ${res.go.path} (${res.go.why}); strace: ${res.strace.path} (${res.strace.why})`);
        if (res.workDir) say(`binaries and logs kept in ${res.workDir}`);
      }
    } finally {
      input.close();
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
    }
    if (reports.length === 1) report = reports[0];
    else {
      // several packages side by side: one column per package and variant
      const named = reports.flatMap((r) => r.variants.map((v) => ({ ...v, name: `${path.basename(r.package ?? '')}/${v.name}` })));
      // two folders of one name (a/net b/net, or one folder twice) keep their columns apart: net/pure #2
      const labels = labelRuns(named.map((v) => ({ name: v.name })));
      const merged = named.map((v, i) => ({ ...v, name: labels[i].variant.name }));
      report = makeReport('investigation', merged, reports.map((r) => r.package).join(', '));
    }
  } else if (a.cmd === 'analyze') {
    const log = a.positional[0];
    if (!log) throw new UsageError('analyze needs a LOG file');
    if (a.positional.length > 1) throw new UsageError(`analyze takes one LOG (got ${a.positional.length}: ${a.positional.join(' ')})`);
    const proc = a.flags.get('--proc');
    const kernel = typeof proc === 'string' ? await readProcFile(proc) : undefined;
    const binary = a.flags.get('--binary');
    if (typeof binary === 'string') await checkRegularFile(binary, '--binary', 'give --binary the traced executable file');
    say(`[analyze] ${log}`);
    const vr = await analyzeLog(log, { binary: typeof binary === 'string' ? binary : undefined, kernel });
    report = makeReport('analysis', [vr]);
  } else {
    throw new UsageError(`unknown command "${a.cmd}"`);
  }

  if (typeof html === 'string') {
    await writeStandaloneHtml(report, html);
    say(`HTML report written to ${path.resolve(html)}`);
  }
  if (typeof json === 'string') {
    await writeJson(report, json);
    // stdout holds the JSON alone
    if (json === '-') return 0;
    say(`report written to ${path.resolve(json)}`);
  }
  if (a.flags.has('--markdown')) process.stdout.write(renderMarkdown(report) + '\n');
  else {
    process.stdout.write(renderTable(report) + '\n\n');
    process.stdout.write(renderBreakdown(report) + '\n');
  }
  for (const v of report.variants) {
    for (const w of v.log.warnings) say(`note (${v.name}): ${w}`);
    if (v.log.unparsedLines > 0) say(`note (${v.name}): ${v.log.unparsedLines} line(s) could not be read; first: line ${v.unparsedLines[0]?.line}: ${v.unparsedLines[0]?.reason}`);
  }
  return 0;
}

// a reader that stops early (`| head`) closes the pipe: that ends the output, it is no error to report
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const debug = process.argv.includes('--debug');
    if (err instanceof InputError) {
      process.stderr.write(`go-memory-lens: ${err.message}: ${err.fix}\n`);
      process.exitCode = 2;
      return;
    } else if (err instanceof ToolError) {
      process.stderr.write(`go-memory-lens: ${err.message}: ${err.fix}\n`);
    } else if (err instanceof BuildError) {
      process.stderr.write(`go-memory-lens: ${err.message}\n`);
      for (const f of err.failures) for (const d of f.diagnostics) process.stderr.write(`  ${d.file}:${d.line}${d.column ? `:${d.column}` : ''}: ${d.message}\n`);
    } else if (err instanceof UsageError) {
      process.stderr.write(`go-memory-lens: ${err.message}\n(see go-memory-lens --help)\n`);
      process.exitCode = 2;
      return;
    } else {
      process.stderr.write(`go-memory-lens: ${(err as Error)?.message ?? String(err)}\n`);
    }
    if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    process.exitCode = 1;
  },
);
