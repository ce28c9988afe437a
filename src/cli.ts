/**
 * go-memory-lens: the engine from a terminal.
 *   go-memory-lens investigate [DIR] [--variants default,pure,netgo,netcgo] [--json FILE] [--markdown] …
 *   go-memory-lens analyze LOG [--binary PATH] [--proc FILE] [--json FILE] [--html FILE] [--markdown]
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { analyzeLog } from './core/analyze';
import { writeStandaloneHtml } from './core/report/htmlFile';
import { BuildError, investigate, makeReport, TOOL_VERSION } from './core/investigate';
import { renderBreakdown, renderMarkdown, renderTable } from './core/report/table';
import { DEFAULT_VARIANTS, type Variant } from './core/run/build';
import { InputFeed, cliInput } from './core/run/inputFeed';
import { ToolError } from './core/run/tools';
import type { Report } from './protocol/report';

const USAGE = `Go Memory Lens ${TOOL_VERSION}: where a Go program's virtual memory and threads come from.

Usage:
  go-memory-lens investigate [DIR...] [options] [-- PROGRAM ARGS]
      Build the Go package in DIR (default .) in several variants, run each under strace,
      and compare their threads and virtual memory with what the kernel reports.
      Several DIRs are compared side by side.
      --variants LIST   comma-separated: default, pure (CGO_ENABLED=0), netgo, netcgo
                        (default: all four)
      --mode fast|full  fast: seccomp-filtered memory+thread calls (default); full: every call
      --stacks          record a call stack for each call (strace -k)
      --timeout SEC     kill a program that runs longer (default 60)
      --build-timeout SEC
                        stop a variant's build (go list, go build and what they start) that takes
                        longer (default 600)
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
        if (v === undefined) throw new UsageError(`${name} needs a value`);
        a.flags.set(name, v);
      } else a.flags.set(name, true);
    } else if (s === '-h') a.flags.set('--help', true);
    else if (!a.cmd) a.cmd = s;
    else a.positional.push(s);
  }
  return a;
}

class UsageError extends Error {}

function pickVariants(list: string | true | undefined): Variant[] {
  if (list === undefined || list === true) return DEFAULT_VARIANTS;
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  return names.map((n) => {
    const v = DEFAULT_VARIANTS.find((d) => d.name === n);
    if (!v) throw new UsageError(`unknown variant "${n}": choose from ${DEFAULT_VARIANTS.map((d) => d.name).join(', ')}`);
    return v;
  });
}

async function writeJson(report: Report, dest: string): Promise<void> {
  const text = JSON.stringify(report, null, 2) + '\n';
  if (dest === '-') process.stdout.write(text);
  else await fsp.writeFile(dest, text);
}

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
  const quiet = a.flags.has('--quiet') || a.flags.get('--json') === '-';
  const say = (s: string) => {
    if (!quiet) process.stderr.write(s + '\n');
  };
  let report: Report;
  if (a.cmd === 'investigate') {
    const dirs = a.positional.length > 0 ? a.positional : ['.'];
    const mode = (a.flags.get('--mode') ?? 'fast') as string;
    if (mode !== 'fast' && mode !== 'full') throw new UsageError('--mode is fast or full');
    const timeout = Number(a.flags.get('--timeout') ?? 60);
    if (!(timeout > 0)) throw new UsageError('--timeout takes a number of seconds');
    const buildTimeout = Number(a.flags.get('--build-timeout') ?? 600);
    if (!(buildTimeout > 0)) throw new UsageError('--build-timeout takes a number of seconds');
    const jobsFlag = a.flags.get('--jobs');
    const jobs = jobsFlag === undefined ? undefined : Number(jobsFlag);
    if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError('--jobs takes a whole number, 1 or more');
    const variants = pickVariants(a.flags.get('--variants'));
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
          timeoutMs: timeout * 1000,
          buildTimeoutMs: buildTimeout * 1000,
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
      const merged = reports.flatMap((r) => r.variants.map((v) => ({ ...v, name: `${path.basename(r.package ?? '')}/${v.name}` })));
      report = makeReport('investigation', merged, reports.map((r) => r.package).join(', '));
    }
  } else if (a.cmd === 'analyze') {
    const log = a.positional[0];
    if (!log) throw new UsageError('analyze needs a LOG file');
    await fsp.access(log).catch(() => {
      throw new UsageError(`no such log: ${log}`);
    });
    let kernel;
    const proc = a.flags.get('--proc');
    if (typeof proc === 'string') kernel = JSON.parse(await fsp.readFile(proc, 'utf8'));
    const binary = a.flags.get('--binary');
    say(`[analyze] ${log}`);
    const vr = await analyzeLog(log, { binary: typeof binary === 'string' ? binary : undefined, kernel });
    report = makeReport('analysis', [vr]);
  } else {
    throw new UsageError(`unknown command "${a.cmd}"`);
  }

  const json = a.flags.get('--json');
  if (typeof json === 'string') {
    await writeJson(report, json);
    if (json === '-') return 0;
    say(`report written to ${path.resolve(json)}`);
  }
  const html = a.flags.get('--html');
  if (typeof html === 'string') {
    await writeStandaloneHtml(report, html);
    say(`HTML report written to ${path.resolve(html)}`);
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const debug = process.argv.includes('--debug');
    if (err instanceof ToolError) {
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
