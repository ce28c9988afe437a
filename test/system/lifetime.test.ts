// What a run leaves behind and what it waits for, with the real go, strace and node-pty: a program that starts
// a daemon (setsid) and exits, a CLI killed with SIGKILL mid-run, a program that reads stdin to the end, a
// build that hangs. Nothing of the run may outlive it, and no step may wait for a timeout it need not.
import { strict as assert } from 'node:assert';
import { spawn, type StdioOptions } from 'node:child_process';
import { existsSync, promises as fsp, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { ToolError, investigate, type InvestigateOptions } from '../../src/core/investigate';
import { isAlive } from '../../src/core/run/proc';
import type { Report } from '../../src/protocol/report';
import { writeModule } from './helpers/goModule';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');

/** Runs the CLI with the given stdin (data to pipe in, or a file descriptor such as /dev/null's). */
function runCli(args: string[], stdin: { data: string } | { fd: number }): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  const stdio: StdioOptions = ['data' in stdin ? 'pipe' : stdin.fd, 'ignore', 'pipe'];
  const c = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio });
  if ('data' in stdin) c.stdin!.end(stdin.data);
  let stderr = '';
  c.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => c.on('close', (code) => resolve({ code, stderr, ms: Date.now() - started })));
}

/** Live processes (any parent) whose command line names a private build folder: strace, the program, its children. */
/** Processes of this test process's own runs (their temp folders carry its pid), alive. */
function runProcesses(marker = `go-memory-lens-${process.pid}-`): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(marker) && !cmd.includes('lifetime.test') && isAlive(Number(name))) out.push(`${name}: ${cmd.trim()}`);
    } catch {
      // gone
    }
  }
  return out;
}

/** Polls (bounded) until `check` holds; returns whether it did. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Starts two children from its own binary (so their command lines name the build folder): one in a new
// session (a daemon), one plain, both sleeping for an hour; then exits after 0.2 s.
const DAEMON = `package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		time.Sleep(time.Hour)
		return
	}
	d := exec.Command(os.Args[0], "daemon")
	d.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := d.Start(); err != nil {
		panic(err)
	}
	p := exec.Command(os.Args[0], "plain")
	if err := p.Start(); err != nil {
		panic(err)
	}
	fmt.Println("started", d.Process.Pid, p.Process.Pid)
	time.Sleep(200 * time.Millisecond)
}
`;

// Reads its whole input, then says what it read: it finishes only if its input ends.
const CAT = `package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	b, err := io.ReadAll(os.Stdin)
	fmt.Printf("read %d bytes (err %v): %s\\n", len(b), err, strings.ToUpper(strings.TrimSpace(string(b))))
}
`;

// Like DAEMON, but it stays running itself too: a run the CLI is killed in the middle of.
const DAEMON_AND_WAIT = DAEMON.replace('time.Sleep(200 * time.Millisecond)', 'time.Sleep(time.Hour)');

describe('nothing of a run outlives it', () => {
  let dir = '';
  const base = (over: Partial<InvestigateOptions>): InvestigateOptions => ({ packageDir: '', variants: [{ name: 'pure', env: { CGO_ENABLED: '0' } }], timeoutMs: 30_000, ...over });

  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gml-lifetime-'));
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    const gone = await eventually(() => runProcesses().length === 0, 5000);
    assert.ok(gone, `processes left behind: ${runProcesses().join('\n')}`);
  });

  for (const usePty of [true, false]) {
    it(`a program that starts a daemon and exits (${usePty ? 'pty' : 'pipes'}): the run ends soon after, the daemon is killed, the note says so`, async () => {
      const pkg = await writeModule(dir, `daemon-${usePty}`, DAEMON);
      const started = Date.now();
      const { report } = await investigate(base({ packageDir: pkg, usePty }));
      const took = Date.now() - started;
      const alive = runProcesses();
      assert.deepEqual(alive, [], `alive when investigate returned: ${alive.join('; ')}`);
      const v = report.variants[0];
      const reasons = v.partialReasons.join('; ');
      assert.doesNotMatch(reasons, /did not exit within/);
      assert.match(reasons, /^the program exited after \d+\.\d s; 2 processes it started \(pid \d+, setsid: \S+ daemon; pid \d+: \S+ plain\) were still running and were killed$/);
      assert.equal(v.run?.timedOut, false);
      assert.equal(v.run?.exitCode, 0);
      // the build is most of it; the trace itself must not wait for the 30 s timeout
      assert.ok((v.run?.wallMs ?? Infinity) < 5000, `the trace took ${v.run?.wallMs} ms (${took} ms in all)`);
    });
  }

  it('asked to wait for the children (waitForChildren), the run traces them to the timeout, then kills them and says so', async () => {
    const pkg = await writeModule(dir, 'daemon-wait', DAEMON);
    const { report } = await investigate(base({ packageDir: pkg, waitForChildren: true, timeoutMs: 4000 }));
    const alive = runProcesses();
    assert.deepEqual(alive, [], `alive when investigate returned: ${alive.join('; ')}`);
    const v = report.variants[0];
    assert.equal(v.run?.timedOut, true);
    assert.match(v.partialReasons.join('; '), /^the program exited after \d+\.\d s; 2 processes it started \(.*\) were still running at the 4 s timeout and were killed$/);
  });

  describe('a program that reads its input to the end finishes', () => {
    let pkg = '';
    before(async () => {
      pkg = await writeModule(dir, 'cat', CAT);
    });
    const cases: Array<{ name: string; flags: string[]; stdin: 'devnull' | string; expect: RegExp }> = [
      { name: 'piped data, --no-pty', flags: ['--no-pty'], stdin: 'hello from a pipe\nsecond line\n', expect: /read 30 bytes \(err <nil>\): HELLO FROM A PIPE\nSECOND LINE/ },
      { name: 'piped data without a final newline, in a pty', flags: [], stdin: 'no newline', expect: /read 10 bytes \(err <nil>\): NO NEWLINE/ },
      // Ctrl-C, Ctrl-D, CR and DEL in the data reach the program as bytes: no signal, no early end, no CR->NL
      { name: 'piped control characters, in a pty', flags: [], stdin: 'a\x03b\x04c\rd\x7fe\n', expect: /read 10 bytes \(err <nil>\): A\x03B\x04C\rD\x7fE/ },
      { name: 'stdin /dev/null, in a pty', flags: [], stdin: 'devnull', expect: /read 0 bytes \(err <nil>\)/ },
      { name: 'stdin /dev/null, --no-pty', flags: ['--no-pty'], stdin: 'devnull', expect: /read 0 bytes \(err <nil>\)/ },
    ];
    for (const c of cases) {
      it(`${c.name}: the program sees the data and its end`, async () => {
        const json = path.join(dir, 'cat.json');
        const devnull = c.stdin === 'devnull' ? await fsp.open('/dev/null', 'r') : undefined;
        try {
          const args = ['investigate', pkg, '--variants', 'pure,netgo', '--timeout', '30', '--json', json, '--quiet', ...c.flags];
          const r = await runCli(args, devnull ? { fd: devnull.fd } : { data: c.stdin });
          assert.equal(r.code, 0, r.stderr);
          const report = JSON.parse(await fsp.readFile(json, 'utf8')) as Report;
          // both variants get the same input, the one traced second too
          for (const v of report.variants) {
            assert.match(v.run?.output ?? '', c.expect, v.name);
            assert.equal(v.run?.timedOut, false);
            assert.ok((v.run?.wallMs ?? Infinity) < 5000, `${v.name}: the trace took ${v.run?.wallMs} ms`);
          }
        } finally {
          await devnull?.close();
        }
      });
    }

    it('on a terminal, in the background (`investigate &`): the CLI is not stopped for input, the program sees its end', async (t) => {
      if (!existsSync('/usr/bin/script')) return t.skip('needs script(1) from util-linux for a terminal');
      const json = path.join(dir, 'cat-bg.json');
      // an interactive shell on a fresh terminal runs the CLI as a background job; reading the terminal would stop it
      const line = `${process.execPath} ${CLI} investigate ${pkg} --variants pure --timeout 30 --json ${json} --quiet & wait`;
      const sh = spawn('/usr/bin/script', ['-qec', `bash --norc --noprofile -ic '${line}'`, '/dev/null'], { stdio: ['pipe', 'ignore', 'ignore'] });
      const stuck = setTimeout(() => sh.kill('SIGKILL'), 60_000); // a CLI stopped for terminal input never ends
      const code = await new Promise((r) => sh.on('close', r));
      clearTimeout(stuck);
      assert.equal(code, 0, 'the CLI ran to the end in the background');
      const report = JSON.parse(await fsp.readFile(json, 'utf8')) as Report;
      assert.match(report.variants[0].run?.output ?? '', /read 0 bytes \(err <nil>\)/);
      assert.equal(report.variants[0].run?.timedOut, false);
    });

    it('through the API with no one to type (no onTraceStart): end of input at once', async () => {
      for (const usePty of [true, false]) {
        const { report } = await investigate(base({ packageDir: pkg, usePty }));
        assert.match(report.variants[0].run?.output ?? '', /read 0 bytes \(err <nil>\)/);
        assert.equal(report.variants[0].run?.timedOut, false);
      }
    });
  });

  it('a build that hangs (a -toolexec that never returns) is stopped at the build timeout with every process it started', async () => {
    const pkg = await writeModule(dir, 'hangs', 'package main\n\nfunc main() {}\n');
    const pids = path.join(dir, 'toolexec.pids');
    const hang = path.join(dir, 'hang-toolexec.sh');
    // the tool go runs first (to ask its version) waits forever, with a child in its own session
    await fsp.writeFile(hang, `#!/bin/sh\necho $$ >> '${pids}'\nsetsid sleep 3600 &\necho $! >> '${pids}'\nwait\n`, { mode: 0o755 });
    const started = Date.now();
    await assert.rejects(investigate(base({ packageDir: pkg, buildEnv: { GOFLAGS: `-toolexec=${hang}` }, buildTimeoutMs: 3000 })), (e: unknown) => {
      assert.ok(e instanceof ToolError, String(e));
      assert.equal(e.message, 'go build of the pure variant did not finish within 3 s and was stopped with every process it started');
      assert.match(e.fix, /--build-timeout/);
      return true;
    });
    const took = Date.now() - started;
    assert.ok(took < 10_000, `took ${took} ms`);
    const started2 = (await fsp.readFile(pids, 'utf8')).split('\n').filter(Boolean).map(Number);
    assert.ok(started2.length >= 2, 'the hanging tool ran');
    assert.ok(await eventually(() => started2.every((p) => !isAlive(p)), 5000), `still alive: ${started2.filter(isAlive).join(', ')}`);
  });

  for (const flags of [[], ['--no-pty']]) {
    it(`the CLI killed with SIGKILL mid-run${flags.length ? ' (--no-pty)' : ''}: strace, the program and its daemon die; the next run removes the folder`, async () => {
      const pkg = await writeModule(dir, `killed${flags.length}`, DAEMON_AND_WAIT);
      const cli = spawn(process.execPath, [CLI, 'investigate', pkg, '--variants', 'pure', '--timeout', '120', '--quiet', ...flags], { cwd: ROOT, stdio: 'ignore' });
      const closed = new Promise((r) => cli.on('close', r));
      const marker = `go-memory-lens-${cli.pid}-`;
      // strace, the program and both its children are running once the daemon shows up
      const all = () => runProcesses(marker).filter((p) => / daemon$/.test(p) || / plain$/.test(p) || /-pure$/.test(p) || /strace /.test(p)).length === 4;
      assert.ok(await eventually(all, 120_000), `not all started: ${runProcesses(marker).join('\n')}`);
      const folder = readdirSync(os.tmpdir()).filter((d) => d.startsWith(marker));
      assert.equal(folder.length, 1);
      cli.kill('SIGKILL');
      await closed;
      assert.ok(await eventually(() => runProcesses(marker).length === 0, 10_000), `left running: ${runProcesses(marker).join('\n')}`);
      // the next run finds the folder of the dead one and removes it
      const logs: string[] = [];
      await investigate(base({ packageDir: await writeModule(dir, `next${flags.length}`, 'package main\n\nfunc main() {}\n'), log: (l) => logs.push(l) }));
      assert.deepEqual(readdirSync(os.tmpdir()).filter((d) => d.startsWith(marker)), []);
      assert.ok(logs.some((l) => l.includes(folder[0]) && /left by a run that was killed/.test(l)), logs.join('\n'));
    });
  }

  it('the CLI killed with SIGKILL during a build that hangs: go and the tools it started die too', async () => {
    const pkg = await writeModule(dir, 'hangs-killed', 'package main\n\nfunc main() {}\n');
    const pids = path.join(dir, 'toolexec-killed.pids');
    const hang = path.join(dir, 'hang-toolexec-killed.sh');
    await fsp.writeFile(hang, `#!/bin/sh\necho $$ >> '${pids}'\nsetsid sleep 3600 &\necho $! >> '${pids}'\nwait\n`, { mode: 0o755 });
    const cli = spawn(process.execPath, [CLI, 'investigate', pkg, '--variants', 'pure', '--quiet'], {
      cwd: ROOT,
      stdio: 'ignore',
      env: { ...process.env, GOFLAGS: `-toolexec=${hang}` },
    });
    const closed = new Promise((r) => cli.on('close', r));
    const marker = `go-memory-lens-${cli.pid}-`;
    const toolPids = async () => (await fsp.readFile(pids, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
    const deadline = Date.now() + 60_000;
    while ((await toolPids()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const hung = await toolPids();
    assert.ok(hung.length >= 2, 'the hanging tool ran');
    assert.ok(runProcesses(marker).some((p) => / build /.test(p)), `go build runs: ${runProcesses(marker).join('\n')}`);
    cli.kill('SIGKILL');
    await closed;
    assert.ok(await eventually(() => runProcesses(marker).length === 0 && hung.every((p) => !isAlive(p)), 10_000), `left running: ${[...runProcesses(marker), ...hung.filter(isAlive).map(String)].join('\n')}`);
  });
});
