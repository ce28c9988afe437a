// The runner's pure parts (strace arguments, environment, message and output parsing) and tool discovery
// against temp folders laid out like real installs.
import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseBuildErrors, parseVersionM } from '../../src/core/run/build';
import { parseStatPpid, sampleFromStatus, statusField, taskState } from '../../src/core/run/proc';
import { findGo, findStrace, goVersion, ToolError } from '../../src/core/run/tools';
import { EXIT_PAUSE_MAX_US, EXIT_PAUSE_US, exitPauseForLoad, OUTPUT_CAP, OutputCollector, ptraceRefusal, straceArgs, traceEnv } from '../../src/core/run/trace';

describe('straceArgs', () => {
  const base = { binary: '/tmp/b/prog', logFile: '/tmp/b/log.strace' };
  it('fast mode filters in the kernel and keeps gettid and set_robust_list in the set', () => {
    assert.deepEqual(straceArgs({ ...base, mode: 'fast', args: ['-x', 'y'] }), [
      '-f', '-tt', '-T', '-y', '-o', '/tmp/b/log.strace',
      '--seccomp-bpf', '-e', 'trace=%memory,%process,gettid,set_robust_list,openat,open,close',
      '-e', `inject=exit_group:delay_enter=${EXIT_PAUSE_US}`,
      '--', '/tmp/b/prog', '-x', 'y',
    ]);
  });
  it('full mode traces everything; stacks add -k; the pause is configurable', () => {
    assert.deepEqual(straceArgs({ ...base, mode: 'full', stacks: true, exitPauseUs: 800000 }), [
      '-f', '-tt', '-T', '-y', '-o', '/tmp/b/log.strace',
      '-e', 'inject=exit_group:delay_enter=800000', '-k', '--', '/tmp/b/prog',
    ]);
  });
});

describe('exitPauseForLoad', () => {
  it('pauses 2 ms on a quiet machine and longer, up to a cap, as the load per core grows', () => {
    assert.equal(exitPauseForLoad(0.3, 2), EXIT_PAUSE_US);
    assert.equal(exitPauseForLoad(2, 2), EXIT_PAUSE_US);
    assert.equal(exitPauseForLoad(6, 2), 3 * EXIT_PAUSE_US);
    assert.equal(exitPauseForLoad(15, 2), 7.5 * EXIT_PAUSE_US);
    assert.equal(exitPauseForLoad(400, 2), EXIT_PAUSE_MAX_US);
    assert.equal(exitPauseForLoad(Number.NaN, 2), EXIT_PAUSE_US);
    assert.equal(exitPauseForLoad(3, 0), EXIT_PAUSE_US);
  });
});

describe('traceEnv', () => {
  it('adds netdns=2 to GODEBUG, appending after existing settings', () => {
    assert.equal(traceEnv({ GODEBUG: 'madvdontneed=1' }).GODEBUG, 'madvdontneed=1,netdns=2');
    assert.equal(traceEnv({ GODEBUG: '' }).GODEBUG, 'netdns=2');
  });
  it("keeps the user's resolver choice but makes it verbose", () => {
    assert.equal(traceEnv({ GODEBUG: 'netdns=cgo' }).GODEBUG, 'netdns=cgo+2');
    assert.equal(traceEnv({ GODEBUG: 'netdns=go+1,x=1' }).GODEBUG, 'x=1,netdns=go+1');
  });
  it('copies process.env and drops undefined values', () => {
    const env = traceEnv({ GML_TEST_VAR: 'v', GML_UNSET: undefined });
    assert.equal(env.GML_TEST_VAR, 'v');
    assert.ok(!('GML_UNSET' in env));
    assert.equal(env.PATH, process.env.PATH);
    assert.equal(process.env.GML_TEST_VAR, undefined, 'process.env itself is untouched');
  });
});

describe('ptraceRefusal', () => {
  it("recognises strace 6.1's messages, whatever its argv[0]", () => {
    // captured from strace 6.1 run under another strace -f
    const nested = '/usr/bin/strace: test_ptrace_get_syscall_info: PTRACE_TRACEME: Operation not permitted\r\n/usr/bin/strace: ptrace(PTRACE_TRACEME, ...): Operation not permitted\r\n';
    assert.equal(ptraceRefusal(nested), '/usr/bin/strace: ptrace(PTRACE_TRACEME, ...): Operation not permitted');
    assert.match(ptraceRefusal('strace: attach: ptrace(PTRACE_SEIZE, 123): Operation not permitted') ?? '', /PTRACE_SEIZE/);
    assert.equal(ptraceRefusal('strace: Can\'t stat \'/nope\': No such file or directory'), undefined);
  });
});

describe('OutputCollector', () => {
  it('finds resolver and strace lines however the pty chunks them', () => {
    const text = 'go package net: confVal.netCgo = false  netGo = false\r\nhello\r\ngo package net: hostLookupOrder(localhost) = files,dns\r\n/usr/bin/strace: Process 12 detached\r\nno newline at end';
    for (let cut = 0; cut < text.length; cut += 7) {
      const c = new OutputCollector();
      c.add(text.slice(0, cut));
      c.add(text.slice(cut, cut + 1));
      c.add(text.slice(cut + 1));
      c.finish();
      assert.deepEqual(c.dnsLines, ['go package net: confVal.netCgo = false  netGo = false', 'go package net: hostLookupOrder(localhost) = files,dns']);
      assert.deepEqual(c.straceLines, ['/usr/bin/strace: Process 12 detached']);
      assert.equal(c.text(), text);
    }
  });
  it('caps the kept output at 1 MiB and says so, but still scans past the cap', () => {
    const c = new OutputCollector();
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 1100; i++) c.add(line);
    c.add('go package net: late\n');
    c.finish();
    assert.ok(c.text().startsWith(line.repeat(3)));
    assert.ok(c.text().endsWith(`[output cut at ${OUTPUT_CAP} bytes]\n`));
    assert.equal(c.text().length, OUTPUT_CAP + `\n[output cut at ${OUTPUT_CAP} bytes]\n`.length);
    assert.deepEqual(c.dnsLines, ['go package net: late']);
  });
});

describe('parseBuildErrors', () => {
  it('resolves files against the package folder and joins continuation lines', () => {
    const stderr = [
      '# example.com/broken',
      './main.go:12:5: undefined: x',
      './main.go:14:2: cannot use 1 (untyped int constant) as string value in assignment',
      'util/u.go:3:1: syntax error: non-declaration statement outside function body',
      './main.go:20:9: not enough return values',
      '\thave ()',
      '\twant (int)',
      'main.go:7: something without a column',
      'note: module requires Go 1.99',
    ].join('\n');
    const d = parseBuildErrors(stderr, '/src/pkg');
    assert.deepEqual(d, [
      { file: '/src/pkg/main.go', line: 12, column: 5, message: 'undefined: x' },
      { file: '/src/pkg/main.go', line: 14, column: 2, message: 'cannot use 1 (untyped int constant) as string value in assignment' },
      { file: '/src/pkg/util/u.go', line: 3, column: 1, message: 'syntax error: non-declaration statement outside function body' },
      { file: '/src/pkg/main.go', line: 20, column: 9, message: 'not enough return values\nhave ()\nwant (int)' },
      { file: '/src/pkg/main.go', line: 7, message: 'something without a column' },
    ]);
  });
});

describe('parseVersionM', () => {
  it('reads the Go version and the build settings, unquoting values with spaces', () => {
    const text = [
      '/tmp/x/net-default: go1.23.5',
      '\tpath\texample.com/net',
      '\tmod\texample.com/net\t(devel)\t',
      '\tbuild\t-buildmode=exe',
      '\tbuild\t-ldflags="-s -w"',
      '\tbuild\t-tags=netgo',
      '\tbuild\tCGO_ENABLED=1',
      '\tbuild\tCGO_CFLAGS=',
      '\tbuild\tGOOS=linux',
    ].join('\n');
    assert.deepEqual(parseVersionM(text), {
      goVersion: 'go1.23.5',
      settings: { '-buildmode': 'exe', '-ldflags': '-s -w', '-tags': 'netgo', CGO_ENABLED: '1', CGO_CFLAGS: '', GOOS: 'linux' },
    });
  });
});

describe('/proc parsing', () => {
  it('reads status fields in bytes and samples', () => {
    const status = 'Name:\tx\nVmPeak:\t 1595852 kB\nVmSize:\t 1595852 kB\nVmRSS:\t    3164 kB\nThreads:\t6\n';
    assert.equal(statusField(status, 'VmSize'), 1595852 * 1024);
    assert.equal(statusField(status, 'Threads'), 6);
    assert.deepEqual(sampleFromStatus(status, 7), { atMs: 7, vmSize: 1595852 * 1024, vmRss: 3164 * 1024, threads: 6 });
    assert.equal(sampleFromStatus('Name:\tzombie\nThreads:\t1\n', 0), undefined);
  });
  it('finds the ppid after a command name holding spaces and parentheses', () => {
    assert.equal(parseStatPpid('123 (a b) c)) S 45 123 123 0 -1'), 45);
  });
  it('reads a process or thread state from /proc, and nothing once it is gone', () => {
    assert.match(taskState(process.pid) ?? '', /^[RS]$/, 'this test process is running or sleeping');
    assert.match(taskState(process.pid, process.pid) ?? '', /^[RS]$/, 'and so is its first thread');
    assert.equal(taskState(process.pid, 0x3fffffff), undefined);
    assert.equal(taskState(0x3fffffff), undefined);
  });
});

describe('findGo / findStrace / goVersion', () => {
  let root = '';
  const fakeTool = async (file: string, script = '#!/bin/sh\necho "go version go1.23.5 linux/amd64"\n') => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, script, { mode: 0o755 });
  };
  before(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'gml-tools-'));
    await fakeTool(path.join(root, 'explicit', 'go'));
    await fakeTool(path.join(root, 'goroot', 'bin', 'go'));
    await fakeTool(path.join(root, 'envroot', 'bin', 'go'));
    await fakeTool(path.join(root, 'path', 'go'));
    await fakeTool(path.join(root, 'path', 'strace'));
    await fsp.mkdir(path.join(root, 'path-noexec'));
    await fsp.writeFile(path.join(root, 'path-noexec', 'go'), '', { mode: 0o644 }); // on PATH but not executable: skipped
    await fakeTool(path.join(root, 'old', 'go'), '#!/bin/sh\necho "go version go1.17.13 linux/amd64"\n');
    await fakeTool(path.join(root, 'broken', 'go'), '#!/bin/sh\necho "boom" >&2\nexit 3\n');
  });
  after(async () => {
    if (root) await fsp.rm(root, { recursive: true, force: true });
  });

  it('honours explicit path, goroot, $GOROOT, PATH in that order and says why', async () => {
    const env = { PATH: path.join(root, 'path'), GOROOT: path.join(root, 'envroot'), HOME: root };
    const all = { explicitPath: path.join(root, 'explicit', 'go'), goroot: path.join(root, 'goroot'), env };
    assert.deepEqual(await findGo(all), { path: path.join(root, 'explicit', 'go'), why: `explicitly configured go (${all.explicitPath})` });
    assert.equal((await findGo({ goroot: all.goroot, env })).path, path.join(root, 'goroot', 'bin', 'go'));
    const fromEnv = await findGo({ env });
    assert.equal(fromEnv.path, path.join(root, 'envroot', 'bin', 'go'));
    assert.match(fromEnv.why, /GOROOT/);
    const fromPath = await findGo({ env: { PATH: `${path.join(root, 'path-noexec')}:${path.join(root, 'path')}`, HOME: root } });
    assert.deepEqual(fromPath, { path: path.join(root, 'path', 'go'), why: 'first `go` on PATH' });
  });

  it('a bad explicit choice is an error, not a silent fallback', async () => {
    await assert.rejects(findGo({ explicitPath: path.join(root, 'nope', 'go'), env: { PATH: path.join(root, 'path') } }), ToolError);
    await assert.rejects(findGo({ goroot: path.join(root, 'nope'), env: { PATH: path.join(root, 'path') } }), ToolError);
  });

  it('finds the Debian go-1.NN install when go is not on PATH', async () => {
    const go = await findGo({ env: { PATH: '/usr/bin:/bin', HOME: root } });
    assert.match(go.path, /^\/usr\/lib\/go-1\.\d+\/bin\/go$/);
    assert.match(go.why, /Debian/);
    assert.match(await goVersion(go), /^go1\.\d+(\.\d+)?$/);
  });

  it('goVersion rejects an old or failing go with a ToolError', async () => {
    await assert.rejects(goVersion({ path: path.join(root, 'old', 'go'), why: 'test' }), (e: unknown) => e instanceof ToolError && /too old/.test(e.message));
    await assert.rejects(goVersion({ path: path.join(root, 'broken', 'go'), why: 'test' }), (e: unknown) => e instanceof ToolError && /boom/.test(e.message));
    assert.equal(await goVersion({ path: path.join(root, 'path', 'go'), why: 'test' }), 'go1.23.5');
  });

  it('findStrace: explicit, PATH, then the usual locations; a ToolError with a fix when absent', async () => {
    assert.equal((await findStrace({ env: { PATH: path.join(root, 'path') } })).path, path.join(root, 'path', 'strace'));
    const usual = await findStrace({ env: { PATH: path.join(root, 'explicit') } });
    assert.equal(usual.path, '/usr/bin/strace');
    await assert.rejects(findStrace({ explicitPath: '/nonexistent/strace' }), (e: unknown) => e instanceof ToolError && e.fix.length > 0);
  });
});
