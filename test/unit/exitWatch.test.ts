// The exit watch on a log written piece by piece, with a stand-in for strace (a sleeping process of this
// test's own) so that what the watch stops can be seen in /proc: which pid's exit_group counts as the
// program's, whatever the chunking, and that nothing is signalled once strace is said to be gone.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startExitWatch, type ExitSeen } from '../../src/core/run/exitWatch';
import { taskState } from '../../src/core/run/proc';

// pids from the top of the default range, so /proc has no such process and only the log says what they are
const PROG = 4_190_001;
const THREAD = 4_190_002;
const CHILD = 4_190_003;
const at = (pid: number, rest: string) => `${pid}  12:00:00.000001 ${rest}`;

describe('startExitWatch', () => {
  let dir = '';
  const sleepers: ChildProcess[] = [];
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gml-exitwatch-'));
  });
  after(async () => {
    for (const s of sleepers) s.kill('SIGKILL');
    await fsp.rm(dir, { recursive: true, force: true });
  });

  /** a process to stand in for strace: the watch stops it, the test resumes and ends it */
  async function standIn(): Promise<number> {
    const s = spawn('/bin/sleep', ['60'], { stdio: 'ignore' });
    sleepers.push(s);
    await once(s, 'spawn');
    return s.pid!;
  }

  const watches: Array<ReturnType<typeof startExitWatch>> = [];
  after(async () => {
    for (const w of watches) await w.finish();
  });

  it("stops strace at the exit_group of a thread the program cloned, not at a child process's", async () => {
    const strace = await standIn();
    const log = path.join(dir, 'thread.strace');
    await fsp.writeFile(log, '');
    let seen!: (s: ExitSeen) => void;
    const seenP = new Promise<ExitSeen>((r) => (seen = r));
    const w = startExitWatch(log, seen, (err) => assert.fail(err));
    watches.push(w);
    await w.ready;
    w.arm(strace);
    const append = (text: string) => fsp.appendFile(log, text);
    await append(at(PROG, 'execve("/tmp/prog", ["prog"], 0x7ffd /* 20 vars */) = 0 <0.000300>\n'));
    // the clone is split across two lines, and the second half across two writes
    await append(at(PROG, 'clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0} <unfinished ...>\n'));
    await append(at(PROG, `<... clone3 resumed> => {parent_tid=[${THREAD}]}, 88) = `));
    await append(`${THREAD} <0.000052>\n`);
    await append(at(PROG, `clone(child_stack=NULL, flags=CLONE_VM|CLONE_VFORK|SIGCHLD) = ${CHILD} <0.000900>\n`));
    await append(at(CHILD, 'exit_group(0)                     = ?\n'));
    await append(at(CHILD, '+++ exited with 0 +++\n'));
    // strace has written the entry and holds the thread: no newline yet
    await append(at(THREAD, 'exit_group(0'));
    const s = await seenP;
    assert.deepEqual(s, { tgid: PROG, tid: THREAD, stopped: true });
    // kill() returns before the stop takes effect: wait for /proc to show it (bounded by the test's timeout)
    while (taskState(strace) !== 'T') await new Promise((r) => setImmediate(r));
    process.kill(strace, 'SIGCONT');
    assert.deepEqual(await w.finish(), s, 'finish reports the same exit');
  });

  it('once strace has exited, a late exit_group line is reported as not held, and its pid is not signalled', async () => {
    const strace = await standIn();
    const log = path.join(dir, 'late.strace');
    await fsp.writeFile(log, '');
    const heard: ExitSeen[] = [];
    const w = startExitWatch(log, (s) => heard.push(s), (err) => assert.fail(err));
    watches.push(w);
    await w.ready;
    w.arm(strace);
    const gone = once(sleepers[sleepers.length - 1], 'exit');
    process.kill(strace, 'SIGKILL');
    await gone; // reaped: the pid may now be anyone's
    await fsp.appendFile(log, [
      at(PROG, 'execve("/tmp/prog", ["prog"], 0x7ffd /* 20 vars */) = 0'),
      at(PROG, 'exit_group(2)                     = ?'),
      at(PROG, '+++ exited with 2 +++'),
      '',
    ].join('\n'));
    const s = await w.finish();
    assert.deepEqual(s, { tgid: PROG, tid: PROG, stopped: false });
    assert.deepEqual(heard, [s]);
  });
});
