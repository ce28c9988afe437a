// The CLI end to end, with the real toolchain: go (Debian's golang-1.23-go), strace, node-pty.
// Nothing is mocked: these tests build the bundled samples, trace them and compare with the kernel.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { Report } from '../../src/protocol/report';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');

function run(args: string[], timeout = 240_000, env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout, maxBuffer: 64 << 20, env: env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const within = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * b;

before(() => {
  assert.ok(existsSync(CLI), 'dist/cli.js is missing: run `npm run build` (npm test does it through scripts/setup.sh)');
});

describe('investigate samples/net (four variants, traced for real)', () => {
  let report: Report;
  let stdout = '';
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gml-cli-test-'));
  before(async () => {
    const json = path.join(tmp, 'report.json');
    const r = await run(['investigate', 'samples/net', '--json', json, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    stdout = r.stdout;
    report = JSON.parse(readFileSync(json, 'utf8'));
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the report follows the published JSON schema', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'schema/report.schema.json'), 'utf8')));
    assert.ok(validate(report), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    assert.deepEqual(report.variants.map((v) => v.name), ['default', 'pure', 'netgo', 'netcgo']);
    assert.equal(report.processes.length, 4);
  });

  test('every variant adds up to what the kernel reported at exit_group (1%) with the same thread count', () => {
    for (const v of report.variants) {
      const p = v.processes[0];
      assert.ok(p.kernel, `${v.name}: no kernel figures captured`);
      assert.ok(within(p.vsizeAtExit, p.kernel.vmSize, 0.01), `${v.name}: model ${p.vsizeAtExit} vs VmSize ${p.kernel.vmSize}`);
      assert.ok(within(p.vsizePeak, p.kernel.vmPeak, 0.01), `${v.name}: peak ${p.vsizePeak} vs VmPeak ${p.kernel.vmPeak}`);
      assert.equal(p.threadsAtExit, p.kernel.threads, `${v.name}: threads`);
      assert.equal(p.measuredAt.what, 'exit_group');
      assert.equal(v.log.unparsedLines, 0, JSON.stringify(v.unparsedLines.slice(0, 3)));
      assert.equal(v.partial, false, v.partialReasons.join('; '));
    }
  });

  test('cgo builds make glibc threads with 8 MiB stacks and malloc arenas; pure Go builds make none', () => {
    const by = Object.fromEntries(report.variants.map((v) => [v.name, v]));
    for (const name of ['default', 'netcgo']) {
      const p = by[name].processes[0];
      const pthreads = p.threads.filter((t) => t.how === 'pthread_create');
      assert.ok(pthreads.length >= 2, `${name}: pthread_create threads ${pthreads.length}`);
      // every glibc thread sits on an 8 MiB MAP_STACK mapping; glibc may hand an exited thread's cached stack
      // to a new one, so count the distinct stacks
      for (const t of pthreads) assert.equal(t.stackBytes, 8 * 1024 * 1024, `thread ${t.tid}`);
      assert.equal(p.categories['thread-stack']?.count, new Set(pthreads.map((t) => t.stackAddress)).size);
      assert.ok((p.categories['malloc-arena']?.count ?? 0) >= 1);
      assert.equal(by[name].run?.linkage, 'dynamic');
      assert.ok(by[name].run?.cgoPackages?.includes('net'));
      assert.ok(p.libraries.some((l) => /libc\.so/.test(l)));
    }
    for (const name of ['pure', 'netgo']) {
      const p = by[name].processes[0];
      assert.equal(p.categories['thread-stack'], undefined, name);
      assert.equal(p.categories['malloc-arena'], undefined, name);
      assert.ok(p.threads.slice(1).every((t) => t.how === 'go-runtime'), `${name}: ${p.threads.map((t) => t.how)}`);
      assert.equal(p.libraries.length, 0);
    }
    assert.equal(by.pure.run?.linkage, 'static');
    assert.deepEqual(by.pure.run?.cgoPackages, []);
    // the cgo builds reserve more: stacks and arenas
    assert.ok(by.default.processes[0].vsizeAtExit > by.pure.processes[0].vsizeAtExit);
  });

  test('the DNS resolver Go chose is reported from GODEBUG=netdns', () => {
    const by = Object.fromEntries(report.variants.map((v) => [v.name, v]));
    assert.match(by.netcgo.run?.dns ?? '', /hostLookupOrder\(localhost\) = cgo/);
    assert.match(by.netgo.run?.dns ?? '', /hostLookupOrder\(localhost\) = files,dns/);
    assert.match(stdout, /DNS resolver/);
    assert.match(stdout, /cgo \(libc getaddrinfo\)/);
  });

  test('the printed table puts the kernel beside the model, and the napkin math is there', () => {
    assert.match(stdout, /VmSize \(kernel\)/);
    assert.match(stdout, /\d+ thread stacks × 8 MiB = \d+ MiB/);
    assert.match(stdout, /\d+ malloc arenas × 64 MiB = \d+ MiB/);
  });
});

describe('analyze and bad input', () => {
  test('analyze a fixture log with the kernel figures beside it', async () => {
    const r = await run(['analyze', 'test/fixtures/logs/cgo-default-go1.19.strace', '--proc', 'test/fixtures/logs/cgo-default-go1.19.proc.json', '--json', '-']);
    assert.equal(r.code, 0, r.stderr);
    const rep: Report = JSON.parse(r.stdout);
    assert.equal(rep.kind, 'analysis');
    assert.equal(rep.processes[0].kernel?.threads, 6);
    assert.equal(rep.processes[0].threadsAtExit, 6);
  });

  test('a missing log is one clear sentence and exit code 2, no stack trace', async () => {
    const r = await run(['analyze', 'no/such.strace']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no strace log at no\/such\.strace: give a strace log file/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  });

  test('a build error names the file and line and exits 1', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gml-broken-'));
    try {
      writeFileSync(path.join(dir, 'go.mod'), 'module example.com/broken\n\ngo 1.21\n');
      writeFileSync(path.join(dir, 'main.go'), 'package main\n\nfunc main() {\n\tundefinedThing()\n}\n');
      const r = await run(['investigate', dir, '--variants', 'default', '--quiet']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /go build failed for default/);
      assert.match(r.stderr, /main\.go:4:\d+: undefined: undefinedThing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unknown variant is a usage error', async () => {
    const r = await run(['investigate', 'samples/net', '--variants', 'bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown variant "bogus"/);
  });
});

// Issue 18: every error the README promises as one sentence with the fix, and nothing read, built or run
// before the inputs and outputs are known to be usable. Each case fails before any build, so each is fast.
describe('inputs and outputs checked first, every error one sentence', () => {
  const LOG = 'test/fixtures/logs/cgo-default-go1.19.strace';
  const PROC = 'test/fixtures/logs/cgo-default-go1.19.proc.json';
  let tmp = '';
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gml-cli-inputs-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** one line on stderr (besides the usage hint), no stack trace, no raw errno text, the exit code */
  function oneSentence(r: { code: number; stderr: string }, code: number, re: RegExp): void {
    assert.equal(r.code, code, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l && !/^\(see go-memory-lens --help\)$/.test(l) && !/^\[(analyze|locate)\]/.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
    assert.doesNotMatch(lines[0], /\bspawn\b|Unexpected|Invalid string length|at .*\.js:\d+|^go-memory-lens: E[A-Z]+:/);
  }

  const fifo = () => {
    const f = path.join(tmp, `fifo-${Math.random().toString(36).slice(2)}`);
    execFileSync('mkfifo', [f]);
    return f;
  };

  test('--timeout beyond the 24 h limit or not a number is a usage error, before anything runs', async () => {
    for (const t of ['3000000', 'Infinity', '-1', '0.5', 'abc', '1e9']) {
      const r = await run(['investigate', 'samples/net', '--variants', 'pure', '--timeout', t], 20_000);
      oneSentence(r, 2, new RegExp(`--timeout "${t.replace('.', '\\.')}" is not a number of seconds from 1 to 86400`));
      assert.doesNotMatch(r.stderr, /\[build\]|TimeoutOverflowWarning/);
    }
  });

  test('--timeout none runs without a limit to the program\'s own exit', async () => {
    const json = path.join(tmp, 'none.json');
    const r = await run(['investigate', 'samples/net', '--variants', 'pure', '--timeout', 'none', '--json', json, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning/);
    const rep: Report = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(rep.variants[0].partial, false, rep.variants[0].partialReasons.join('; '));
    assert.equal(rep.variants[0].run?.exitCode, 0);
  });

  test('a variant named three times runs three times, each with its own binary, log and kernel figures', async () => {
    const json = path.join(tmp, 'dup.json');
    const r = await run(['investigate', 'samples/net', '--variants', 'pure,pure,pure', '--json', json, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const rep: Report = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(rep.variants.map((v) => v.name), ['pure', 'pure #2', 'pure #3']);
    assert.equal(new Set(rep.variants.map((v) => v.log.files[0])).size, 3);
    assert.equal(new Set(rep.variants.map((v) => v.run?.binary)).size, 3);
    for (const v of rep.variants) {
      const p = v.processes[0];
      assert.ok(p.kernel, `${v.name}: no kernel figures`);
      assert.ok(within(p.vsizeAtExit, p.kernel.vmSize, 0.01), `${v.name}: model ${p.vsizeAtExit} vs VmSize ${p.kernel.vmSize}`);
      assert.equal(p.threadsAtExit, p.kernel.threads, `${v.name}: threads`);
      assert.equal(v.partial, false, `${v.name}: ${v.partialReasons.join('; ')}`);
      assert.equal(v.log.unparsedLines, 0, v.name);
    }
    assert.match(r.stdout, /pure #2 +pure #3/);
  });

  test('an empty --variants is a usage error', async () => {
    for (const v of [',', ' , ', ',,']) oneSentence(await run(['investigate', 'samples/net', '--variants', v], 20_000), 2, /--variants ".*" names no variant: choose from default, pure, netgo, netcgo/);
    oneSentence(await run(['investigate', 'samples/net', '--variants', ''], 20_000), 2, /--variants needs a value$/);
  });

  test('a missing DIR or a file as DIR names the folder, not go', async () => {
    oneSentence(await run(['investigate', path.join(tmp, 'no-such-dir')], 20_000), 2, /the package folder .*no-such-dir does not exist: give the folder of a Go main package/);
    oneSentence(await run(['investigate', 'samples/net', LOG], 20_000), 2, /the package folder .*cgo-default-go1\.19\.strace is a file, not a folder/);
  });

  test('unknown options are refused with a suggestion; options of the other command too', async () => {
    oneSentence(await run(['analyze', LOG, '--jsn', 'x.json'], 20_000), 2, /unknown option --jsn: did you mean --json\?/);
    oneSentence(await run(['investigate', 'samples/net', '--variant', 'pure'], 20_000), 2, /unknown option --variant: did you mean --variants\?/);
    oneSentence(await run(['investigate', 'samples/net', '--frobnicate'], 20_000), 2, /unknown option --frobnicate$/);
    oneSentence(await run(['analyze', LOG, '--stacks'], 20_000), 2, /--stacks is not an option of analyze/);
    oneSentence(await run(['analyze', LOG, '--quiet=yes'], 20_000), 2, /--quiet takes no value/);
    oneSentence(await run(['analyse', LOG], 20_000), 2, /unknown command "analyse": did you mean analyze\?/);
    oneSentence(await run(['analyze', LOG, '--json='], 20_000), 2, /--json needs a value$/);
    oneSentence(await run(['analyze', LOG, '--json', '--quiet'], 20_000), 2, /--json needs a value \(got the option --quiet\)/);
    assert.equal(existsSync(path.join(ROOT, '--quiet')), false);
  });

  test('outputs that cannot be written are found before the investigation runs', async () => {
    for (const [flag, dest, re] of [
      ['--json', path.join(tmp, 'no-such-dir', 'r.json'), /the folder of --json .*r\.json \(.*no-such-dir\) does not exist/],
      ['--json', tmp, /--json .* is a folder: give --json a file path in a folder you can write to/],
      ['--json', path.join(tmp, 'not-yet') + '/', /--json .*not-yet\/ is a folder/],
      ['--html', path.join(LOG, 'r.html'), /the folder of --html .* is a file/],
    ] as const) {
      const r = await run(['investigate', 'samples/net', '--variants', 'pure', flag, dest], 20_000);
      oneSentence(r, 2, re);
      assert.doesNotMatch(r.stderr, /\[build\]|\[trace\]/);
    }
  });

  test('--json and --html naming one file is a usage error', async () => {
    const f = path.join(tmp, 'same');
    oneSentence(await run(['analyze', LOG, '--json', f, '--html', `${tmp}/./same`], 20_000), 2, /--json and --html name the same file/);
    oneSentence(await run(['analyze', LOG, '--json', '-', '--markdown'], 20_000), 2, /--json - and --markdown both write to stdout/);
  });

  test('a write that fails at the end names the file and the reason', async () => {
    oneSentence(await run(['analyze', LOG, '--json', '/dev/full', '--quiet']), 1, /could not write the JSON report to \/dev\/full \(no space left on the device\): write it to a regular file/);
    oneSentence(await run(['analyze', LOG, '--html', '/proc/version', '--quiet']), 1, /could not write the HTML report to \/proc\/version \(.*\): write it to a regular file/);
  });

  test('--json - with --html FILE writes both', async () => {
    const html = path.join(tmp, 'both.html');
    const r = await run(['analyze', LOG, '--json', '-', '--html', html]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).kind, 'analysis');
    assert.match(readFileSync(html, 'utf8'), /^<!DOCTYPE html>/);
  });

  test('--proc: bad JSON, a device and a huge file are one sentence each, read no further than the cap', async () => {
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, '{ "status": ');
    oneSentence(await run(['analyze', LOG, '--proc', bad], 20_000), 2, /--proc .*bad\.json is not JSON: give --proc a JSON file like/);
    const noStatus = path.join(tmp, 'nostatus.json');
    writeFileSync(noStatus, '[1, 2]');
    oneSentence(await run(['analyze', LOG, '--proc', noStatus], 20_000), 2, /--proc .*nostatus\.json has no "status" text/);
    oneSentence(await run(['analyze', LOG, '--proc', '/dev/zero'], 20_000), 2, /--proc \/dev\/zero is a character device, not a regular file/);
    const huge = path.join(tmp, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 700 << 20); // sparse: no disk used
    oneSentence(await run(['analyze', LOG, '--proc', huge], 20_000), 2, /--proc .*huge\.json is 734003200 bytes, more than the 16777216 it can be/);
    oneSentence(await run(['analyze', LOG, '--proc', fifo()], 20_000), 2, /--proc .* is a pipe \(FIFO\), not a regular file/);
  });

  test('--binary and the log must be regular files: a FIFO or a device returns at once', async () => {
    oneSentence(await run(['analyze', LOG, '--binary', fifo()], 20_000), 2, /--binary .*fifo-\w+ is a pipe \(FIFO\), not a regular file: give --binary the traced executable file/);
    oneSentence(await run(['analyze', LOG, '--binary', '/dev/zero'], 20_000), 2, /--binary \/dev\/zero is a character device/);
    oneSentence(await run(['analyze', LOG, '--binary', tmp], 20_000), 2, /--binary .* is a folder, not a regular file/);
    oneSentence(await run(['analyze', fifo()], 20_000), 2, /the log .* is a pipe \(FIFO\), not a regular file: give a strace log file/);
    oneSentence(await run(['analyze', '/dev/zero'], 20_000), 2, /the log \/dev\/zero is a device, not a regular file/);
    oneSentence(await run(['analyze', PROC, '--proc', PROC, '--binary', path.join(tmp, 'gone')], 20_000), 2, /--binary .*gone does not exist/);
  });

  test('an -ff folder: subfolders and pipes named like its files are left out, with a note', async () => {
    const ff = path.join(tmp, 'ff');
    mkdirSync(path.join(ff, 'trace.999'), { recursive: true });
    writeFileSync(path.join(ff, 'trace.100'), readFileSync(path.join(ROOT, 'test/fixtures/logs/cgo-default-go1.19.strace')));
    execFileSync('mkfifo', [path.join(ff, 'trace.200')]);
    const r = await run(['analyze', ff, '--json', path.join(tmp, 'ff.json')], 20_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /left out 2 entries named like -ff files that are not regular files: trace\.200, trace\.999/);
    const rep: Report = JSON.parse(readFileSync(path.join(tmp, 'ff.json'), 'utf8'));
    assert.deepEqual(rep.variants[0].log.files.map((f) => path.basename(f)), ['trace.100']);
    assert.ok(statSync(path.join(ff, 'trace.999')).isDirectory());
  });

  test('a missing TMPDIR is one sentence that says to set it', async () => {
    const r = await run(['investigate', 'samples/net', '--variants', 'pure'], 60_000, { ...process.env, TMPDIR: path.join(tmp, 'no-such-tmp') });
    oneSentence(r, 1, /cannot make a temporary folder in .*no-such-tmp \(ENOENT\): set TMPDIR to an existing folder you can write to/);
  });
});

test('a reader that closes stdout early (| head) ends the output quietly', async () => {
  const child = spawn(process.execPath, [CLI, 'analyze', 'test/fixtures/logs/net-pure-go1.23.strace'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = await once(child, 'close');
  assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
  assert.equal(code, 0, stderr);
});

describe('a program that crashes: the table says how each variant ended', () => {
  test('a panic and a SIGSEGV in cgo code show in an "exit" row (real builds, real crashes)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gml-crash-'));
    try {
      const mod = (name: string, main: string) => {
        mkdirSync(path.join(dir, name));
        writeFileSync(path.join(dir, name, 'go.mod'), `module example.com/${name}\n\ngo 1.21\n`);
        writeFileSync(path.join(dir, name, 'main.go'), main);
        return path.join(dir, name);
      };
      const panics = mod('panics', 'package main\n\nfunc main() {\n\tpanic("boom")\n}\n');
      const segv = mod('segv', 'package main\n\n/*\nstatic void crash(void) { volatile int *p = 0; *p = 1; }\n*/\nimport "C"\n\nfunc main() {\n\tC.crash()\n}\n');
      const json = path.join(dir, 'r.json');
      // the same folder twice, too: its columns stay apart
      const r = await run(['investigate', panics, segv, panics, '--variants', 'default', '--json', json, '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      const exitRow = r.stdout.split('\n').find((l) => l.startsWith('exit '));
      assert.ok(exitRow, r.stdout);
      assert.match(exitRow, /^exit +2 \(panic\) +2 \(SIGSEGV\) +2 \(panic\)$/);
      const rep: Report = JSON.parse(readFileSync(json, 'utf8'));
      assert.deepEqual(rep.variants.map((v) => v.run?.exitCode), [2, 2, 2]);
      assert.deepEqual(rep.variants.map((v) => v.name), ['panics/default', 'segv/default', 'panics/default #2']);
      const md = await run(['analyze', 'test/fixtures/logs/net-pure-go1.23.strace', '--markdown'], 20_000);
      assert.doesNotMatch(md.stdout, /^\| exit/m, 'a clean exit adds no row');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
