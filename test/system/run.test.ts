// The runner end to end with the real go and strace: building the bundled samples in every default
// variant, a broken program, and tracing (fast mode, pipes, timeout, cancel, panic, ptrace refused).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { analyzeLog } from '../../src/core/analyze';
import { buildVariant, DEFAULT_VARIANTS, makePrivateTempDir, removeTempDir, type BuildResult } from '../../src/core/run/build';
import { descendantsOf, pidExists, statusField } from '../../src/core/run/proc';
import { findGo, findStrace, type ToolLocation } from '../../src/core/run/tools';
import { traceProgram, type TraceResult } from '../../src/core/run/trace';
import { writeModule } from './helpers/goModule';

/** The hold investigate falls back to when the short exit pause was too short on a busy machine. */
const LONG_HOLD_US = 500_000;

const run = promisify(execFile);
const SAMPLES = path.resolve(__dirname, '../../samples');

const SLEEPER = `package main

import (
	"fmt"
	"time"
)

func main() {
	fmt.Println("sleeping")
	time.Sleep(time.Hour)
}
`;

// Runs /bin/true N times in a row and waits for each, like a build tool: every child exits through exit_group.
const SPAWNER = `package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	for i := 0; i < n; i++ {
		if err := exec.Command("/bin/true").Run(); err != nil {
			fmt.Println("child failed:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("ran %d children\\n", n)
}
`;

const PANICKER = `package main

func main() {
	panic("boom")
}
`;

function ok(r: Awaited<ReturnType<typeof buildVariant>>): BuildResult {
  assert.ok(r.ok, r.ok ? '' : `build failed: ${r.stderr}`);
  return r;
}

describe('runner (real go and strace)', () => {
  let go: ToolLocation;
  let strace: ToolLocation;
  let tmp = '';
  let out = '';

  before(async () => {
    [go, strace] = await Promise.all([findGo(), findStrace()]);
    tmp = await makePrivateTempDir('gml-run-test-');
    out = path.join(tmp, 'bin');
    await fsp.mkdir(out);
  });

  after(async () => {
    if (tmp) await removeTempDir(tmp);
  });

  it('makes a private temp folder', async () => {
    assert.equal((await fsp.stat(tmp)).mode & 0o777, 0o700);
    await assert.rejects(removeTempDir('/usr'), /refusing/);
  });

  it('builds the four default variants of samples/net', async () => {
    const results = (await Promise.all(DEFAULT_VARIANTS.map((variant) => buildVariant({ go, packageDir: path.join(SAMPLES, 'net'), outDir: out, variant })))).map(ok);
    const by = Object.fromEntries(results.map((r) => [r.variant.name, r]));
    for (const r of results) {
      assert.match(r.goVersion, /^go1\.\d+/);
      assert.ok(r.binarySize > 1e6 && r.imageSize > 1e6);
      assert.equal(r.buildSettings.GOOS, 'linux');
      assert.equal(r.command[0], go.path);
    }
    // default: cgo on, and net has cgo files, so the external linker makes a glibc-dynamic binary
    assert.equal(by.default.linkage, 'dynamic');
    assert.ok(by.default.needed.includes('libc.so.6'));
    assert.ok(by.default.interpreter);
    assert.equal(by.default.buildSettings.CGO_ENABLED, '1');
    assert.deepEqual([...by.default.cgoPackages].sort(), ['net', 'runtime/cgo']);
    // pure: no cgo at all
    assert.equal(by.pure.linkage, 'static');
    assert.deepEqual(by.pure.cgoPackages, []);
    assert.equal(by.pure.buildSettings.CGO_ENABLED, '0');
    // netgo: cgo stays enabled, but with net's cgo files excluded nothing needs runtime/cgo: static, as observed
    assert.equal(by.netgo.linkage, 'static');
    assert.deepEqual(by.netgo.cgoPackages, []);
    assert.equal(by.netgo.buildSettings['-tags'], 'netgo');
    assert.equal(by.netgo.buildSettings.CGO_ENABLED, '1');
    // netcgo: the same as default for this program
    assert.equal(by.netcgo.linkage, 'dynamic');
    assert.ok(by.netcgo.cgoPackages.includes('net'));
    assert.equal(by.netcgo.buildSettings['-tags'], 'netcgo');
  });

  it('reports build errors with absolute file, line and column', async () => {
    const pkg = await writeModule(tmp, 'broken', 'package main\n\nfunc main() {\n\tfmt.Println(x)\n}\n');
    const logged: string[] = [];
    const r = await buildVariant({ go, packageDir: pkg, outDir: out, variant: { name: 'default' }, log: (l) => logged.push(l) });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.stderr, /undefined: fmt/);
    assert.deepEqual(r.diagnostics[0], { file: path.join(pkg, 'main.go'), line: 4, column: 2, message: 'undefined: fmt' });
    assert.ok(logged.some((l) => l.includes('undefined: fmt')));
  });

  it('refuses a package that is not main, saying so', async () => {
    const pkg = await writeModule(tmp, 'lib', 'package lib\n\nfunc F() int { return 1 }\n');
    const r = await buildVariant({ go, packageDir: pkg, outDir: out, variant: { name: 'default' } });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.stderr, /package lib, not package main/);
  });

  describe('tracing', () => {
    let cgoBin = '';
    let netBin = '';
    let sleeper = '';
    let panicker = '';
    let spawner = '';

    before(async () => {
      const [cgo, net, sl, pa, sp] = await Promise.all([
        buildVariant({ go, packageDir: path.join(SAMPLES, 'cgo'), outDir: out, variant: { name: 'default' } }),
        buildVariant({ go, packageDir: path.join(SAMPLES, 'net'), outDir: out, variant: { name: 'trace-default' } }),
        writeModule(tmp, 'sleeper', SLEEPER).then((pkg) => buildVariant({ go, packageDir: pkg, outDir: out, variant: { name: 'pure', env: { CGO_ENABLED: '0' } } })),
        writeModule(tmp, 'panicker', PANICKER).then((pkg) => buildVariant({ go, packageDir: pkg, outDir: out, variant: { name: 'pure', env: { CGO_ENABLED: '0' } } })),
        writeModule(tmp, 'spawner', SPAWNER).then((pkg) => buildVariant({ go, packageDir: pkg, outDir: out, variant: { name: 'pure', env: { CGO_ENABLED: '0' } } })),
      ]);
      [cgoBin, netBin, sleeper, panicker, spawner] = [cgo, net, sl, pa, sp].map((r) => ok(r).binary);
    });

    it('traces samples/cgo in fast mode in a pty, with the kernel view at exit_group', async () => {
      const logFile = path.join(tmp, 'cgo-fast.strace');
      const seen: string[] = [];
      const o = { strace, binary: cgoBin, cwd: tmp, logFile, mode: 'fast' as const, onOutput: (d: string) => seen.push(d), timeoutMs: 30000 };
      let r = await traceProgram(o);
      // as investigate does: a view missed at the short pause (a busy machine) is taken again with the long hold
      if (r.exitViewMissed) {
        seen.length = 0;
        r = await traceProgram({ ...o, exitPauseUs: LONG_HOLD_US });
      }
      assert.equal(r.exitCode, 0);
      assert.equal(r.signal, null);
      assert.equal(r.ptyUsed, true);
      assert.match(r.output, /Hello from stdio/);
      assert.equal(seen.join(''), r.output);
      assert.equal(r.dns, undefined, 'the cgo sample does no DNS');
      const log = await fsp.readFile(logFile, 'utf8');
      assert.equal(r.logBytes, Buffer.byteLength(log));
      assert.match(log.split('\n')[0], /^\d+\s+[\d:.]+ execve\("/);
      assert.match(log, /clone3\(/);
      assert.ok(r.atExit, `no snapshot; notices: ${r.notices.join('; ')}`);
      const vmSize = statusField(r.atExit.status, 'VmSize');
      assert.ok(vmSize && vmSize > 100 * 1024 * 1024, `VmSize ${vmSize}`);
      assert.equal(r.atExit.tasks, statusField(r.atExit.status, 'Threads'));
      // Go's main goroutine may call exit_group from any thread; only that thread is held in a tracing stop.
      const exitTid = Number(/^(\d+)\s+[\d:.]+ exit_group\(/m.exec(log)?.[1]);
      if (exitTid === r.atExit.tgid) assert.match(r.atExit.status, /State:\s+t \(tracing stop\)/, 'read while strace held it in exit_group');
      assert.equal(Number(log.split(/\s/)[0]), r.atExit.tgid);
      assert.ok(r.atExit.maps.includes(cgoBin));
      assert.ok(r.samples.length > 0, 'sampled /proc while it slept');
      assert.ok(r.samples.every((s) => s.vmSize > 0 && s.threads >= 1));
    });

    it('a program that runs 50 children one after another pays no long pause per child, and its own kernel view at exit still matches the model', async () => {
      const children = 50;
      const logFile = path.join(tmp, 'spawner.strace');
      // the timeout only keeps a regression from hanging the suite: half a second per child would take 25 s
      const o = { strace, binary: spawner, args: [String(children)], cwd: tmp, logFile, mode: 'fast' as const, timeoutMs: 90_000 };
      const first = await traceProgram(o);
      assert.ok(first.wallMs < (children * 500) / 5, `${children} children took ${first.wallMs} ms under the runner`);
      // the view itself: as investigate does, a view missed at the short pause is taken again with the long hold
      const r = first.exitViewMissed ? await traceProgram({ ...o, exitPauseUs: LONG_HOLD_US }) : first;
      assert.equal(r.exitCode, 0, r.output);
      assert.match(r.output, /ran 50 children/);
      const log = await fsp.readFile(logFile, 'utf8');
      // every child and the program itself entered exit_group under strace (Go 1.23 also starts one child of its
      // own at startup, to check that the kernel has pidfds)
      assert.ok((log.match(/^\d+\s+[\d:.]+ exit_group\(/gm)?.length ?? 0) >= children + 1, 'exit_group lines');
      // (plain strace fast mode runs these 50 children in well under a second here; 500 ms each was 25 s: checked above)
      assert.ok(r.atExit, `no kernel view at exit; notices: ${r.notices.join('; ')}`);
      assert.equal(r.atExit.tgid, Number(log.split(/\s/)[0]), 'the snapshot is of the program, not of a child');
      assert.ok(r.atExit.maps.includes(spawner));
      const report = await analyzeLog(logFile, { binary: spawner, kernel: r.atExit });
      assert.ok(report.processes.length >= children + 1, `${report.processes.length} processes in the report`);
      const main = report.processes.find((p) => p.pid === r.atExit!.tgid);
      assert.ok(main?.kernel, 'the kernel figures sit beside the model of the program');
      assert.equal(main.measuredAt.what, 'exit_group');
      assert.ok(Math.abs(main.vsizeAtExit - main.kernel.vmSize) <= 0.01 * main.kernel.vmSize, `model ${main.vsizeAtExit} vs VmSize ${main.kernel.vmSize}`);
      assert.equal(main.threadsAtExit, main.kernel.threads, 'threads alive at exit');
    });

    it('never reports a snapshot taken after strace let the program go: with a pause too short to catch, it says so', async () => {
      let missed = 0;
      for (let i = 0; i < 5; i++) {
        const r = await traceProgram({ strace, binary: spawner, args: ['0'], cwd: tmp, logFile: path.join(tmp, `short-pause-${i}.strace`), mode: 'fast', exitPauseUs: 1, timeoutMs: 30_000 });
        assert.equal(r.exitCode, 0, r.output);
        if (r.atExit) {
          // caught all the same: then it must be the live program's view, not a process tearing down
          assert.ok(statusField(r.atExit.status, 'VmSize'), r.atExit.status);
          assert.ok(r.atExit.maps.includes(spawner));
        } else {
          missed++;
          assert.equal(r.exitViewMissed, true, 'the caller is told it may trace again');
          assert.ok(r.notices.some((n) => /^the kernel view at exit_group was not read \(.*1 µs pause/.test(n)), r.notices.join('; '));
        }
      }
      assert.ok(missed > 0, 'a 1 µs pause is shorter than the runner can react');
    });

    it('traces samples/net in full mode through pipes and keeps the resolver lines', async () => {
      const logFile = path.join(tmp, 'net-full.strace');
      const r = await traceProgram({ strace, binary: netBin, cwd: tmp, logFile, mode: 'full', usePty: false, timeoutMs: 30000 });
      assert.equal(r.exitCode, 0);
      assert.equal(r.ptyUsed, false);
      assert.match(r.dns ?? '', /^go package net:/);
      assert.match(r.dns ?? '', /hostLookupOrder\(localhost\)/);
      assert.match(r.output, /127\.0\.0\.1/);
      assert.match(await fsp.readFile(logFile, 'utf8'), /futex\(/, 'full mode traces everything');
    });

    async function stopped(how: 'timeout' | 'cancel'): Promise<{ r: TraceResult; pids: number[] }> {
      const pids: number[] = [];
      const ac = new AbortController();
      const r = await traceProgram({
        strace,
        binary: sleeper,
        cwd: tmp,
        logFile: path.join(tmp, `sleeper-${how}.strace`),
        mode: 'fast',
        signal: ac.signal,
        ...(how === 'timeout' ? { timeoutMs: 1500 } : {}),
        onStart: (io) => pids.push(io.pid),
        onOutput: (d) => {
          if (!d.includes('sleeping')) return;
          pids.push(...descendantsOf(pids[0]));
          if (how === 'cancel') ac.abort();
        },
      });
      return { r, pids };
    }

    for (const how of ['timeout', 'cancel'] as const) {
      it(`stops a program that sleeps forever on ${how} and leaves no process behind`, async () => {
        const { r, pids } = await stopped(how);
        assert.equal(r.timedOut, how === 'timeout');
        assert.equal(r.cancelled, how === 'cancel');
        assert.equal(r.signal, 'SIGKILL');
        assert.equal(r.exitCode, null);
        assert.ok(pids.length >= 2, `strace and the program: ${pids.join(', ')}`);
        assert.deepEqual(pids.filter(pidExists), [], 'no strace, program or zombie left');
        assert.match(await fsp.readFile(r.logFile, 'utf8'), /execve\(/);
      });
    }

    it('returns normally from a panic, with exit code 2 and the log kept', async () => {
      const o = { strace, binary: panicker, cwd: tmp, logFile: path.join(tmp, 'panic.strace'), mode: 'fast' as const, timeoutMs: 30000 };
      const first = await traceProgram(o);
      const r = first.exitViewMissed ? await traceProgram({ ...o, exitPauseUs: LONG_HOLD_US }) : first;
      assert.equal(r.exitCode, 2);
      assert.equal(r.signal, null);
      assert.match(r.output, /panic: boom/);
      const log = await fsp.readFile(r.logFile, 'utf8');
      assert.match(log, /\+\+\+ exited with 2 \+\+\+/);
      assert.ok(r.atExit, 'a panic exits through exit_group too');
    });

    it('says ptrace is refused when strace cannot trace (strace nested under strace)', async () => {
      const helper = path.join(__dirname, 'helpers', 'traceTrue.ts');
      // The outer strace only follows forks (seccomp-filtered to execve) so node runs at full speed.
      const { stdout } = await run(
        strace.path,
        ['-f', '--seccomp-bpf', '-e', 'trace=execve', '-o', '/dev/null', process.execPath, '--import', 'tsx', helper, strace.path, path.join(tmp, 'nested.strace')],
        { cwd: path.resolve(__dirname, '../..'), env: { ...process.env } },
      );
      const res = JSON.parse(stdout.trim().split('\n').pop()!) as { ok: boolean; isToolError: boolean; message: string; fix: string };
      assert.equal(res.ok, false);
      assert.equal(res.isToolError, true);
      assert.match(res.message, /ptrace is refused/);
      assert.match(res.fix, /CAP_SYS_PTRACE/);
    });
  });
});

describe('a command line too long for the kernel (real go)', () => {
  it('200 KiB of ldflags is one sentence with the fix, not "spawn E2BIG"', async () => {
    const { investigate } = await import('../../src/core/investigate');
    const { ToolError } = await import('../../src/core/run/tools');
    await assert.rejects(
      investigate({ packageDir: path.join(SAMPLES, 'net'), variants: [{ name: 'big', ldflags: '-X main.x=' + 'a'.repeat(200 * 1024) }], usePty: false }),
      (err: unknown) => err instanceof ToolError && /^building big: the command line and environment are too long for the kernel \(E2BIG\)$/.test(err.message) && /shorten the ldflags/.test(err.fix),
    );
  });
});
