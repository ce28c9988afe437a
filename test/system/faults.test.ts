// Faults injected into the whole pipeline (investigate) with the real go and strace: a missing, old or
// failing go, a missing strace, a program killed by a signal, one that floods its output, a disk that
// fills up, and a cancel in each step. Each gives a clear message or a report marked partial, and leaves
// no process and no temporary folder behind.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fsp, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BuildError, investigate, type InvestigateOptions, type Progress } from '../../src/core/investigate';
import { descendantsOf } from '../../src/core/run/proc';
import { ToolError, findGo } from '../../src/core/run/tools';
import { writeModule } from './helpers/goModule';

const run = promisify(execFile);

/** Processes this test started (descendants) that run out of a private build folder (strace and the program name it). */
function ourProcesses(): string[] {
  const out: string[] = [];
  for (const d of descendantsOf(process.pid).map(String)) {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes('go-memory-lens-') && !cmd.includes('faults.test')) out.push(`${d}: ${cmd.trim()}`);
    } catch {
      // gone
    }
  }
  return out;
}

/** This test process's run folders (they carry its pid: go-memory-lens-PID-XXXXXX), not other runs' on the machine. */
function ourTempDirs(root = os.tmpdir()): string[] {
  return readdirSync(root).filter((d) => d.startsWith(`go-memory-lens-${process.pid}-`));
}

async function fakeGo(dir: string, name: string, script: string): Promise<string> {
  const p = path.join(dir, name);
  await fsp.writeFile(p, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return p;
}

const SUICIDE = `package main

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

func main() {
	fmt.Println("about to be killed")
	time.Sleep(50 * time.Millisecond)
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(time.Hour)
}
`;

const FLOOD = `package main

import (
	"bufio"
	"os"
	"strings"
)

// 64 MiB of output, far over what the runner keeps (1 MiB)
func main() {
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	line := strings.Repeat("x", 1023) + "\\n"
	for i := 0; i < 64*1024; i++ {
		w.WriteString(line)
	}
	w.Flush()
}
`;

// allocates and frees memory in a loop: thousands of mmap/munmap lines for the log
const CHURN = `package main

import "syscall"

func main() {
	for i := 0; i < 30000; i++ {
		b, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err == nil {
			syscall.Munmap(b)
		}
	}
}
`;

const SLEEPER = `package main

import "time"

func main() { time.Sleep(time.Hour) }
`;

describe('faults in the whole pipeline', () => {
  let dir = '';
  const before0 = new Set(ourTempDirs());
  const base = (over: Partial<InvestigateOptions>): InvestigateOptions => ({ packageDir: '', variants: [{ name: 'pure', env: { CGO_ENABLED: '0' } }], timeoutMs: 30_000, ...over });

  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gml-faults-'));
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    // nothing of ours may outlive a fault: no process, no new temporary folder
    for (let i = 0; i < 50 && ourProcesses().length; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(ourProcesses(), [], 'processes left behind');
    assert.deepEqual(ourTempDirs().filter((d) => !before0.has(d)), [], 'temporary folders left behind');
  });

  it('a go that does not exist: one sentence naming it and the fix', async () => {
    const pkg = await writeModule(dir, 'hello', 'package main\n\nfunc main() {}\n');
    await assert.rejects(investigate(base({ packageDir: pkg, goPath: '/nonexistent/go' })), (e: unknown) => {
      assert.ok(e instanceof ToolError);
      assert.match(e.message, /\/nonexistent\/go/);
      assert.ok(e.fix.length > 10);
      return true;
    });
  });

  it('a go that is too old, and a go that fails to build', async () => {
    const pkg = await writeModule(dir, 'hello2', 'package main\n\nfunc main() {}\n');
    const old = await fakeGo(dir, 'go-old', 'echo "go version go1.12.17 linux/amd64"');
    await assert.rejects(investigate(base({ packageDir: pkg, goPath: old })), /go1\.12\.17 .* is too old; go1\.18 or newer is needed/);
    const realGo = (await findGo()).path;
    // answers `version` like a real go, then fails every build the way a broken toolchain would
    const broken = await fakeGo(dir, 'go-broken', `if [ "$1" = version ]; then exec "${realGo}" version; fi\nif [ "$1" = build ]; then echo "go: internal error: simulated toolchain failure" >&2; exit 2; fi\nexec "${realGo}" "$@"`);
    await assert.rejects(investigate(base({ packageDir: pkg, goPath: broken })), (e: unknown) => {
      assert.ok(e instanceof BuildError, String(e));
      assert.match(e.message, /go build failed for pure:\ngo: internal error: simulated toolchain failure/);
      return true;
    });
  });

  it('a strace that does not exist', async () => {
    const pkg = await writeModule(dir, 'hello3', 'package main\n\nfunc main() {}\n');
    await assert.rejects(investigate(base({ packageDir: pkg, stracePath: '/nonexistent/strace' })), (e: unknown) => {
      assert.ok(e instanceof ToolError);
      assert.match(e.message, /\/nonexistent\/strace/);
      return true;
    });
  });

  it('a program killed by a signal: the report shows what happened until then, marked partial', async () => {
    const pkg = await writeModule(dir, 'suicide', SUICIDE);
    const { report } = await investigate(base({ packageDir: pkg }));
    const v = report.variants[0];
    assert.equal(v.run?.signal, 'SIGKILL');
    assert.equal(v.partial, true);
    assert.match(v.partialReasons.join('; '), /killed by SIGKILL/);
    assert.ok(v.processes[0].threadsCreated >= 1 && v.processes[0].vsizePeak > 0, 'what it did before is there');
    assert.match(v.run!.output!, /about to be killed/);
  });

  it('a program that floods its output: the run finishes, the output kept is capped', async () => {
    const pkg = await writeModule(dir, 'flood', FLOOD);
    const { report } = await investigate(base({ packageDir: pkg }));
    const v = report.variants[0];
    assert.equal(v.run?.exitCode, 0);
    assert.equal(v.partial, false);
    assert.ok(v.run!.output!.length <= 4097, `output in the report: ${v.run!.output!.length} chars`);
    assert.ok(v.processes[0].kernel, 'the kernel check still ran');
  });

  it('a disk that fills up under the log: a clear error or a partial report, nothing left behind', async (t) => {
    const mnt = path.join(dir, 'small-disk');
    await fsp.mkdir(mnt);
    try {
      // room for the binary (about 1.5 MiB) and the start of the log, not for all of it (about 6 MiB)
      await run('mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=0700', 'tmpfs', mnt]);
    } catch (err) {
      t.skip(`cannot mount a small tmpfs here (${(err as Error).message.split('\n')[0]})`);
      return;
    }
    const saved = process.env.TMPDIR;
    try {
      const pkg = await writeModule(dir, 'churn', CHURN);
      process.env.TMPDIR = mnt; // where investigate puts the binary and the log
      let outcome: string;
      try {
        const { report } = await investigate(base({ packageDir: pkg, mode: 'full' }));
        const v = report.variants[0];
        outcome = `report, partial=${v.partial}: ${v.partialReasons.join('; ')}`;
        assert.equal(v.partial, true, 'a log cut short by a full disk is not a complete report');
        assert.match(v.partialReasons.join('; '), /the disk holding the log filled up/);
      } catch (err) {
        outcome = `error: ${(err as Error).message}`;
        assert.match((err as Error).message, /space|ENOSPC/i);
      }
      t.diagnostic(outcome);
      assert.deepEqual(ourTempDirs(mnt), [], 'the small disk is empty again');
    } finally {
      process.env.TMPDIR = saved;
      if (saved === undefined) delete process.env.TMPDIR;
      await run('umount', [mnt]).catch(() => {});
    }
  });

  for (const step of ['build', 'trace', 'analyze'] as const) {
    it(`cancel during ${step}: stops at once, says cancelled`, async () => {
      const pkg = await writeModule(dir, `cancel-${step}`, step === 'analyze' ? CHURN : SLEEPER);
      const abort = new AbortController();
      let abortedAt = 0;
      const onProgress = (p: Progress) => {
        // the trace step is cancelled once the program runs, not before it starts
        if (p.step === step) setTimeout(() => { abortedAt = Date.now(); abort.abort(); }, step === 'trace' ? 1500 : 0);
      };
      await assert.rejects(investigate(base({ packageDir: pkg, signal: abort.signal, onProgress, mode: step === 'analyze' ? 'full' : 'fast' })), (e: unknown) => {
        assert.match(String((e as Error).message), /cancel/i);
        return true;
      });
      assert.ok(abortedAt > 0 && Date.now() - abortedAt < 5000, `cancel took ${Date.now() - abortedAt} ms`);
    });
  }
});
