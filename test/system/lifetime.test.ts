// What a run leaves behind and what it waits for, with the real go, strace and node-pty: a program that starts
// a daemon (setsid) and exits, a CLI killed with SIGKILL mid-run, a program that reads stdin to the end, a
// build that hangs. Nothing of the run may outlive it, and no step may wait for a timeout it need not.
import { strict as assert } from 'node:assert';
import { promises as fsp, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { investigate, type InvestigateOptions } from '../../src/core/investigate';
import { isAlive } from '../../src/core/run/proc';
import { writeModule } from './helpers/goModule';

/** Live processes (any parent) whose command line names a private build folder: strace, the program, its children. */
function runProcesses(marker = 'go-memory-lens-'): string[] {
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
      assert.deepEqual(runProcesses(), [], 'nothing of the run is alive when investigate returns');
      const v = report.variants[0];
      const reasons = v.partialReasons.join('; ');
      assert.doesNotMatch(reasons, /did not exit within/);
      assert.match(reasons, /^the program exited after \d+\.\d s; 2 processes it started \(pid \d+, setsid: \S+ daemon; pid \d+: \S+ plain\) were still running and were killed$/);
      assert.equal(v.run?.timedOut, false);
      assert.equal(v.run?.exitCode, 0);
      // the build is most of it; the trace itself must not wait for the 30 s timeout
      assert.ok(v.run!.wallMs < 5000, `the trace took ${v.run!.wallMs} ms (${took} ms in all)`);
    });
  }
});
