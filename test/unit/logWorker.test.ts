// readLog's two-thread path: a real worker thread (the esbuild bundle of src/core/strace/logWorker.ts, as
// dist/ ships it) parses while this thread consumes. It must hand the consumer exactly what the one-thread
// path does — every event, every who-and-when call, in order, and the same summary — on every fixture, on
// a generated log and on a log of every odd line; and a cancel, a consumer's error or a missing script must
// not lose the next read.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { decodeBatch, EventEncoder } from '../../src/core/strace/eventCodec';
import type { SyscallEvent } from '../../src/core/strace/events';
import { readLog, workerStats, type LogEvent, type ParseSummary, type ReadLogOptions } from '../../src/core/strace/reader';
import { MODEL_DETAIL_CALLS, TraceModel } from '../../src/core/model/model';
import { generateLog } from '../../bench/genlog';
import { modelState } from './helpers/modelState';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'gml-worker-'));
const script = path.join(dir, 'logWorker.js');

/** every line shape the parser knows, and some it rejects */
const ODD_LOG = [
  '100 09:00:00.000001 execve("./x", ["./x"], 0x7ffd /* 3 vars */) = 0 <0.000100>',
  '100 09:00:00.000002 mmap(NULL, 8392704, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0) = 0x7f0000000000 <0.000010>',
  ' > /usr/lib/x86_64-linux-gnu/libc.so.6(__mmap+0x26) [0xfbb26]',
  ' > /usr/lib/x86_64-linux-gnu/libc.so.6(pthread_create+0x981) [0x8a4e1]',
  '100 09:00:00.000003 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f00007ff910, parent_tid=0x7f00007ff910, exit_signal=0, stack=0x7f0000000000, stack_size=0x7fff00, tls=0x7f00007ff640} => {parent_tid=[101]}, 88 <unfinished ...>',
  '101 09:00:00.000004 set_robust_list(0x7f00007ff920, 24 <unfinished ...>',
  '100 09:00:00.000005 <... clone3 resumed>) = 101 <0.000050>',
  '101 09:00:00.000006 <... set_robust_list resumed>) = 0 <0.000003>',
  '101 09:00:00.000007 --- SIGURG {si_signo=SIGURG, si_code=SI_TKILL, si_pid=100, si_uid=0} ---',
  '101 09:00:00.000008 openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory) <0.000009>',
  '101 09:00:00.000009 read(3, "abc"..., 4096) = 3 <0.000002>',
  'this line is no strace line at all',
  '101 09:00:00.000010 futex(0x1, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>',
  '100 09:00:00.000011 <... nanosleep resumed>NULL) = 0 <0.000001>',
  '102 09:00:00.000012 +++ killed by SIGKILL +++',
  'strace: Process 103 attached',
  '103 09:00:00.000013 getpid() = 103 <0.000001>',
  'strace: Process 103 detached',
  '103 09:00:00.000014 +++ killed by SIGSEGV (core dumped) +++',
  '104 09:00:00.000015 +++ superseded by execve in pid 100 +++',
  '100 09:00:00.000016 exit_group(0)                     = ?',
  '101 09:00:00.000017 +++ exited with 0 +++',
  '100 09:00:00.000018 +++ exited with 0 +++',
  '105 09:00:00.000019 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>',
  '106 09:00:00.000020 write(1, "cut off mid-li',
].join('\n');

before(async () => {
  await esbuild.build({
    entryPoints: [path.join(__dirname, '..', '..', 'src', 'core', 'strace', 'logWorker.ts')], outfile: script,
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning',
  });
  writeFileSync(path.join(dir, 'odd.strace'), ODD_LOG);
  // CRLF line ends, and a chunk of more newlines than the offsets array first holds
  writeFileSync(path.join(dir, 'crlf-blank.strace'), ODD_LOG.replace(/\n/g, '\r\n').replace('this line', '\n'.repeat(100_000) + 'this line'));
  generateLog({ size: 3_000_000, out: path.join(dir, 'gen.strace'), seed: 11 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ON_WORKER: ReadLogOptions = { workerMinBytes: 0, get workerFile() { return script; } };
const ON_THREAD: ReadLogOptions = { workerMinBytes: Infinity };

/** Every event and who-and-when call as text, in order, and the summary. */
async function record(file: string, where: ReadLogOptions, lean: boolean): Promise<{ calls: string[]; summary: ParseSummary }> {
  const calls: string[] = [];
  const summary = await readLog({ files: [file] }, (e) => calls.push(JSON.stringify(e)), {
    ...where,
    ...(lean ? { detailCalls: MODEL_DETAIL_CALLS, reuseEvents: true, onOtherCall: (pid, time, line) => calls.push(`other ${pid} ${time} ${line}`) } : {}),
  });
  return { calls, summary };
}

/** The model, fed as analyze feeds it (modelLog): on the worker, a thread's later other calls come counted. */
async function modelOf(file: string, where: ReadLogOptions, counted = true): Promise<{ state: string; summary: ParseSummary; oneByOne: number; inRuns: number }> {
  const model = new TraceModel();
  let oneByOne = 0;
  let inRuns = 0;
  const summary = await readLog({ files: [file] }, (e) => model.onEvent(e), {
    ...where, detailCalls: MODEL_DETAIL_CALLS, reuseEvents: true,
    onOtherCall: (pid, time, line) => {
      oneByOne++;
      model.onOtherCall(pid, time, line);
    },
    ...(counted ? {
      onOtherCalls: (count: number, time: number | undefined, line: number) => {
        inRuns += count;
        model.onOtherCalls(count, time, line);
      },
    } : {}),
  });
  model.finish();
  return { state: modelState(model), summary, oneByOne, inRuns };
}

function logs(): string[] {
  return [
    ...readdirSync(LOGS).filter((f) => f.endsWith('.strace')).map((f) => path.join(LOGS, f)),
    path.join(dir, 'odd.strace'),
    path.join(dir, 'crlf-blank.strace'),
    path.join(dir, 'gen.strace'),
  ];
}

describe('readLog on a worker thread gives what it gives on one thread', () => {
  it('every event of every log, in full and as analyze reads them (onOtherCall)', async () => {
    assert.ok(os.availableParallelism() >= 2, 'this machine has a second core (the worker is used only then)');
    const before = { ...workerStats };
    for (const file of logs()) {
      for (const lean of [false, true]) {
        const one = await record(file, ON_THREAD, lean);
        const two = await record(file, ON_WORKER, lean);
        assert.ok(one.calls.length > 5, `${path.basename(file)} has events`);
        assert.deepEqual(two.calls, one.calls, `${path.basename(file)}${lean ? ' (onOtherCall)' : ''}: the events`);
        assert.deepEqual(two.summary, one.summary, `${path.basename(file)}${lean ? ' (onOtherCall)' : ''}: the summary`);
      }
    }
    assert.equal(workerStats.reads - before.reads, logs().length * 2, 'every read went to the worker');
    assert.ok(workerStats.threads - before.threads <= 1, 'one warm thread served them all');
  });

  it('the model built from it, with a thread\'s later calls counted (as analyze reads) and without', async () => {
    for (const file of logs()) {
      const one = await modelOf(file, ON_THREAD);
      assert.equal(one.inRuns, 0, 'one thread sends every call to onOtherCall');
      for (const counted of [true, false]) {
        const two = await modelOf(file, ON_WORKER, counted);
        assert.equal(two.state, one.state, `${path.basename(file)}${counted ? ' (counted)' : ''}: the model`);
        assert.deepEqual(two.summary, one.summary);
        assert.equal(two.oneByOne + two.inRuns, one.oneByOne, 'every call is told, one way or the other');
        if (!counted) assert.equal(two.inRuns, 0);
      }
    }
    const gen = await modelOf(path.join(dir, 'gen.strace'), ON_WORKER);
    assert.ok(gen.inRuns > 10 * gen.oneByOne, `most calls of a busy log come counted (${gen.inRuns} counted, ${gen.oneByOne} one by one)`);
  });

  it('the odd lines are all there: rejected, cut, killed, attached, stacks', async () => {
    const { calls, summary } = await record(path.join(dir, 'odd.strace'), ON_WORKER, false);
    const events = calls.map((c) => JSON.parse(c) as LogEvent);
    assert.ok(events.some((e) => e.type === 'exit' && e.coreDumped === true && e.signal === 'SIGSEGV'));
    assert.ok(events.some((e) => e.type === 'exit' && e.supersededBy === 100));
    assert.ok(events.some((e) => e.type === 'attach') && events.some((e) => e.type === 'detach'));
    assert.ok(events.some((e) => e.type === 'signal' && e.signal === 'SIGURG'));
    const mmap = events.find((e): e is SyscallEvent => e.type === 'syscall' && e.name === 'mmap');
    assert.deepEqual(mmap?.stack?.map((f) => f.func), ['__mmap', 'pthread_create']);
    assert.ok(events.some((e) => e.type === 'syscall' && e.status === 'unfinished' && e.name === 'mmap'), 'a call never resumed comes as unfinished');
    assert.ok(summary.unparsedCount >= 2, 'the foreign line and the cut one are counted');
    assert.equal(summary.orphanResumed, 1);
  });
});

describe('the two-thread read when things go wrong', () => {
  it('a cancel stops it, and the next read is whole', async () => {
    const file = path.join(dir, 'gen.strace');
    const ac = new AbortController();
    let seen = 0;
    await assert.rejects(readLog({ files: [file] }, () => {
      if (++seen === 100) ac.abort();
    }, { ...ON_WORKER, signal: ac.signal }), /cancelled/);
    const again = await record(file, ON_WORKER, false);
    assert.deepEqual(again.calls, (await record(file, ON_THREAD, false)).calls);
  });

  it("a consumer's error rejects the read with it, and the next read is whole", async () => {
    const file = path.join(dir, 'gen.strace');
    let seen = 0;
    await assert.rejects(readLog({ files: [file] }, () => {
      if (++seen === 50) throw new Error('the consumer gave up');
    }, ON_WORKER), /the consumer gave up/);
    const again = await modelOf(file, ON_WORKER);
    assert.equal(again.state, (await modelOf(file, ON_THREAD)).state);
  });

  it('without its script it reads on this thread', async () => {
    const file = path.join(LOGS, 'net-default-go1.23.strace');
    const missing = await record(file, { workerMinBytes: 0, workerFile: path.join(dir, 'nowhere.js') }, true);
    assert.deepEqual(missing.calls, (await record(file, ON_THREAD, true)).calls);
  });

  it('a file that cannot be read says why, as on one thread', async () => {
    await assert.rejects(readLog({ files: [path.join(dir, 'missing.strace')] }, () => {}, ON_WORKER), /ENOENT/);
  });
});

describe('event batches', () => {
  it('decode to the events encoded, fields left out staying out', () => {
    const events: LogEvent[] = [
      { type: 'syscall', pid: 7, time: 32_400_000_001, line: 3, name: 'mmap', args: 'NULL, 4096', ret: '0x7f00', retval: 0x7f00, duration: 0.00001, status: 'complete' },
      { type: 'syscall', pid: 7, line: 4, name: 'futex', args: '', ret: '?', status: 'unfinished' },
      { type: 'syscall', pid: 8, time: 5, line: 5, name: 'openat', args: 'x', ret: '-1', retval: -1, errno: 'ENOENT', retNote: '(No such file or directory)', status: 'complete', resumedLine: 9, resumedTime: 6, stack: [{ object: '/bin/x', func: 'main', offset: '0x1', address: '0x2' }], file: 2 },
      { type: 'entry', pid: 7, time: 1, line: 6, name: 'exit_group', args: '0' },
      { type: 'exit', pid: 7, time: 2, line: 7, code: -1 },
      { type: 'exit', pid: 9, line: 8, signal: 'SIGSEGV', coreDumped: true, stack: [{ object: 'unexpected_backtracing_error', address: '0x0' }] },
      { type: 'exit', pid: 10, line: 9, signal: 'SIGKILL', coreDumped: false },
      { type: 'exit', pid: 11, line: 10, supersededBy: 7 },
      { type: 'signal', pid: 7, line: 11, signal: 'SIGURG', info: '{si_signo=SIGURG}', file: 0 },
      { type: 'attach', pid: 12, line: 12 },
      { type: 'detach', pid: 12, time: 3, line: 13 },
    ];
    const enc = new EventEncoder();
    const out: string[] = [];
    for (const e of events) {
      enc.event(e);
      enc.other(e.pid, e.time, e.line);
    }
    decodeBatch(enc.take(), { onEvent: (e) => out.push(JSON.stringify(e)), onOtherCall: (pid, time, line) => out.push(`other ${pid} ${time} ${line}`) });
    assert.deepEqual(out, events.flatMap((e) => [JSON.stringify(e), `other ${e.pid} ${e.time} ${e.line}`]));
    assert.equal(enc.records, 0, 'take() starts a new batch');
  });

  it('with countRepeats, a thread\'s first other call is sent and the later ones counted, in order', () => {
    const enc = new EventEncoder({ countRepeats: true });
    const exit: LogEvent = { type: 'exit', pid: 8, time: 50, line: 9, code: 0 };
    enc.other(7, 10, 1); // 7's first: sent
    enc.other(7, 11, 2); // counted
    enc.other(7, undefined, 3); // counted, no clock: the run's time stays 11
    enc.other(8, 12, 2); // 8's first (a resumed call: its line is below the last): sent, after the run
    enc.other(7, 13, 4); // counted again
    enc.other(8, 14, 5);
    enc.event(exit); // the run is written before the event
    enc.other(7, undefined, 10);
    enc.other(5_000_000, 16, 11); // a thread id past 2^22 (its own set): sent once, then counted
    enc.other(5_000_000, 17, 12);
    enc.other(5_000_000 + 32, 18, 13); // another one: sent
    const batch = enc.take(); // and written at the batch's end
    const out: string[] = [];
    decodeBatch(batch, {
      onEvent: (e) => out.push(JSON.stringify(e)),
      onOtherCall: (pid, time, line) => out.push(`other ${pid} ${time} ${line}`),
      onOtherCalls: (count, time, line) => out.push(`others ${count} ${time} ${line}`),
    });
    assert.deepEqual(out, [
      'other 7 10 1', 'others 2 11 3', 'other 8 12 2', 'others 2 14 5', JSON.stringify(exit),
      'others 1 undefined 10', 'other 5000000 16 11', 'others 1 17 12', 'other 5000032 18 13',
    ]);
    assert.equal(enc.records, 0);
    enc.other(8, 15, 11);
    assert.ok(enc.records > 0, 'a batch holding only a run still counting is not empty (the worker sends it at the end)');
    assert.deepEqual(enc.take().nums.slice(0, 4), Float64Array.of(7, 1, 15, 11));
    assert.throws(() => decodeBatch(batch, { onEvent: () => {}, onOtherCall: () => {} }), /no onOtherCalls/);
  });
});
