// The parser has two ways in: strings go line by line through onLine (the reference), Buffers are parsed
// on their bytes where the line has a common shape and handed to onLine otherwise. Both must give the same
// events, counters and capture style, on every fixture, on a generated log and on lines made to sit on the
// edge between the two paths.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { StraceParser } from '../../src/core/strace/parser';
import { newlinesOf } from '../../src/core/strace/lineSplitter';
import { TAIL_DURATION, tailShape, tailShapeSteps } from '../../src/core/strace/bytes';
import type { TraceEvent } from '../../src/core/strace/events';
import type { EntryEvent } from '../../src/core/strace/parser';
import { MODEL_DETAIL_CALLS, TraceModel } from '../../src/core/model/model';
import { generateLog } from '../../bench/genlog';
import { modelState } from './helpers/modelState';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');

function stream(chunks: Array<Buffer | string>, fixedPid?: number, indexed = false): string[] {
  const out: string[] = [];
  const p = new StraceParser({ fixedPid, onEvent: (e) => out.push(JSON.stringify(e)) });
  const index = { offsets: new Int32Array(4) };
  for (const c of chunks) {
    // writeIndexed (what readLog's worker thread is given) with the newlines found beforehand
    if (indexed && typeof c !== 'string') {
      const count = newlinesOf(c, index);
      p.writeIndexed(c, index.offsets, count);
    } else {
      p.write(c);
    }
  }
  p.end();
  out.push(JSON.stringify({ unparsedCount: p.unparsedCount, unparsed: p.unparsed, linesRead: p.linesRead, orphans: p.orphanResumed, style: p.style, messages: p.straceMessages }));
  return out;
}

/** the string path: one string per line, so no Buffer ever reaches the byte path */
function byStrings(bytes: Buffer): string[] {
  const text = bytes.toString('latin1');
  return text.split(/(?<=\n)/);
}

function chunked(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function assertSame(bytes: Buffer, fixedPid?: number): void {
  const ref = stream(byStrings(bytes), fixedPid);
  for (const size of [1 << 20, 4093, 61]) {
    for (const indexed of [false, true]) {
      const got = stream(chunked(bytes, size), fixedPid, indexed);
      const how = `${size}-byte chunks${indexed ? ', newlines given' : ''}`;
      assert.equal(got.length, ref.length, `event count with ${how}`);
      for (let i = 0; i < ref.length; i++) assert.equal(got[i], ref[i], `event ${i} with ${how}`);
    }
  }
}

describe('StraceParser: the byte path gives what the string path gives', () => {
  const files = readdirSync(LOGS).filter((f) => f.endsWith('.strace')).sort();
  for (const f of files) {
    it(f, () => assertSame(readFileSync(path.join(LOGS, f))));
  }
  const ff = path.join(LOGS, 'ff-net-default-go1.23');
  for (const f of readdirSync(ff).sort()) {
    it(`-ff ${f}`, () => assertSame(readFileSync(path.join(ff, f)), parseInt(f.slice(f.lastIndexOf('.') + 1), 10)));
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'gml-genlog-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('a generated log (split calls from many threads)', () => {
    const out = path.join(dir, 'gen.strace');
    const r = generateLog({ size: 2 * 1024 * 1024, out, seed: 7 });
    assert.ok(r.splitHalves > r.lines / 3, `split halves dominate: ${r.splitHalves} of ${r.lines}`);
    const bytes = readFileSync(out);
    assertSame(bytes);
    // and it is a log the parser reads whole: nothing unparsed, no resumed half without its start
    const summary = JSON.parse(stream([bytes]).at(-1)!) as { unparsedCount: number; orphans: number };
    assert.equal(summary.unparsedCount, 0);
    assert.equal(summary.orphans, 0);
  });

  it('lines at the edge between the paths', () => {
    const lines = [
      '10 09:00:00.000001 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000 <0.000010>',
      '10 09:00:00.000002 openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache> <0.000010>',
      '10 09:00:00.000003 openat(AT_FDCWD, "/x y", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>',
      '10 09:00:00.000004 read(3, "abc"..., 832) = 832 <0.000010>',
      '10 09:00:00.000005 write(1, "a \\"q\\" ) s, {x}", 27) = 27',
      '10 09:00:00.000006 futex(0x1, FUTEX_WAIT, 0, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set) <0.5>',
      '10 09:00:00.000007 restart_syscall(<... resuming interrupted futex ...>) = 0 <0.1>',
      '10 09:00:00.000008 getpid() = -0',
      '10 09:00:00.000009 lseek(3, 0, SEEK_END) = 0x',
      '10 09:00:00.000010 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x0x7f04fa477000 <0.000010>',
      '10 09:00:00.000010 lseek(3, 0, SEEK_END) = 123456789012345678901 <1.2.3>',
      '10 09:00:00.000011 mmap(0x7fffffffffffff, 4096) = 0xffffffffffffffff <00000000000000000.1>',
      '10 09:00:00.000012 bad(1, ]) = 0',
      '10 09:00:00.000013 nop(1 = 0',
      '10 09:00:00.000014 close(3) =  <0.000010>',
      '11 09:00:00.000015 nanosleep({tv_sec=0, tv_nsec=1000},  <unfinished ...>',
      '12 09:00:00.000016 rseq(0x1, 0x20 <unfinished ...>',
      '11 09:00:00.000017 <... nanosleep resumed>NULL) = 0 <0.000100>',
      '12 09:00:00.000018 <... rseq resumed>) = 0 <0.000100>',
      '13 09:00:00.000019 <... orphan resumed>) = 0',
      '14 09:00:00.000020 read(3,  <unfinished ...>',
      '14 09:00:00.000021 <... read resumed>"x)"..., 4) = 4',
      '15 09:00:00.000022 ioctl(1, TCGETS, {B38400 <unfinished ...>',
      '15 09:00:00.000023 <... ioctl resumed>opost isig}) = 0',
      '16 09:00:00.000024 wait4(-1,  <unfinished ...>',
      '16 09:00:00.000025 <... wait4 resumed> <unfinished ...>) = ?',
      '17 09:00:00.000026 clone3({flags=CLONE_VM, stack=0x1, stack_size=0x7fff80} <unfinished ...>',
      '17 09:00:00.000027 <... clone3 resumed> => {parent_tid=[18]}, 88) = 18 <0.0001>',
      '18 09:00:00.000028 +++ exited with 0 +++',
      '18 09:00:00.000029 --- SIGURG {si_signo=SIGURG} ---',
      '18 09:00:00.000030 strace: Process 18 detached',
      '19 09:00:00.0000310 close(3) = 0',
      '19 9:00:00.000032 close(3) = 0',
      '19 123:00:00.000033 close(3) = 0',
      '19  09:00:00.000034   close(3)   =   0   <0.000001>',
      '20 08:00:00.000035 close(3) = 0',
      '20 23:59:59.999999 close(3) = 0',
      '20 00:00:00.000001 close(3) = 0',
      '[pid 21] 09:00:00.000036 close(3) = 0',
      '09:00:00.000037 close(3) = 0',
      '22 09:00:00.000038 exit_group(0 <unfinished ...>',
      '22 09:00:00.000039 <... exit_group resumed>) = ?',
      '23 09:00:00.000040 write(1, "unterminated',
      'program output',
      ') = 12',
      '24 09:00:00.000041 close(3) = 0\r',
      '',
      ' > /lib/libc.so.6(mmap+0x1) [0x1]',
      '25 09:00:00.000042 <... resumed> = 0',
      '26 09:00:00.000043 name\xa0(3) = 0',
      '26 09:00:00.000044 close(3) = 0 (note\xa0)\xa0',
      '27 09:00:00.000045 nanosleep({tv_sec=1, tv_nsec=0},  <unfinished ...>',
      '27 09:00:00.000046 +++ exited with -1 +++',
      '28 09:00:00.000047 +++ exited with 1234567890123456 +++',
      '28 09:00:00.000048 +++ exited with 3',
      '28 09:00:00.000049 +++ exited with 3 +++ x',
      '28 09:00:00.000050 +++ exited with +++',
      '28 09:00:00.000051 +++ exited with 0x1 +++',
      '28 09:00:00.000052 +++ exited with  7 +++',
      '28 09:00:00.000053 +++ killed by SIGKILL (core dumped) +++',
      '29 09:00:00.000054 +++ exited with 255 +++',
      ' > /lib/libc.so.6(exit+0x1) [0x1]',
      // a call the model does not read, begun before midnight and resumed after it; a whole one after it
      '30 23:59:59.999990 nanosleep({tv_sec=0, tv_nsec=1000},  <unfinished ...>',
      '31 00:00:00.000003 getpid() = 31',
      '30 00:00:00.000004 <... nanosleep resumed>NULL) = 0 <0.000014>',
      '30 00:00:00.000005 nanosleep({tv_sec=0, tv_nsec=1000}, NULL) = 0',
      // tails next to the common shape `) = TOKEN <D.D>`, and a thread that switches between calls whose
      // names share a start (the names it called lately are compared first)
      '32 00:00:00.000010 nanosleep({tv_sec=0, tv_nsec=1000},  <unfinished ...>',
      '32 00:00:00.000011 <... nanosleep resumed>NULL) = = <0.000001>',
      '32 00:00:00.000012 getpid() = 32 <0.1.2>',
      '32 00:00:00.000013 getpid() = 32 <.5>',
      '32 00:00:00.000014 getpid() = 32 <5.>',
      '32 00:00:00.000015 getpid() = 3<2 <0.5>',
      '32 00:00:00.000016 getpid() =32 <0.5>',
      '32 00:00:00.000017 getpid()= 32 <0.5>',
      '32 00:00:00.000018 getpid()  =  32  <0.5>',
      '32 00:00:00.000019 getpid( = 32 <0.5>',
      '32 00:00:00.000020 getpid(a = b) = 32 <0.5>',
      '32 00:00:00.000021 getpi() = 32 <0.5>',
      '32 00:00:00.000021 getpidx(1)) = 0 <0.5>',
      '32 00:00:00.000022 getpidx() = 32 <0.5>',
      '32 00:00:00.000023 getpid () = 32 <0.5>',
      '32 00:00:00.000024 nanosleep({tv_sec=0, tv_nsec=1000},  <unfinished ...>',
      '32 00:00:00.000025 <... nanosleep resumed>NULL) = 0 <0.000001>',
      '32 00:00:00.000026 getpid() = 32 <00.000001>',
      '32 00:00:00.000027 nanosleep({tv_sec=0, tv_nsec=1000}, NULL) = 0 <0.000001> ',
      '32 00:00:00.000028 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>',
      '32 00:00:00.000029 <... mmap resumed>) = 0x7f0000002000 <0.000001>',
      '32 00:00:00.000030 mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000003000 <0.000001>',
      '32 00:00:00.000031 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000004000 <0.000001>',
    ];
    const bytes = Buffer.from(lines.join('\n') + '\n', 'latin1');
    assertSame(bytes);
    // and as analyze reads them: the calls the model does not read through onOtherCall build the model that
    // their events build (from bytes with detailCalls, whose argument lists are not checked: `bad(1, ])` counts)
    const model = new TraceModel();
    const lean = new StraceParser({ detailCalls: MODEL_DETAIL_CALLS, onEvent: (e) => model.onEvent(e) });
    lean.write(bytes);
    lean.end();
    model.finish();
    assertOtherCallsSame(bytes, model, parserState(lean));
  });
});


describe('StraceParser: detailCalls leaves out only what the consumer does not read', () => {
  const files = readdirSync(LOGS).filter((f) => f.endsWith('.strace')).sort();
  for (const f of files) {
    it(f, () => {
      const bytes = readFileSync(path.join(LOGS, f));
      const run = (detailCalls?: ReadonlySet<string>) => {
        const events: Array<TraceEvent | EntryEvent> = [];
        const model = new TraceModel();
        const p = new StraceParser({ detailCalls, onEvent: (e) => (events.push(e), model.onEvent(e)) });
        p.write(bytes);
        p.end();
        model.finish();
        return { events, model, unparsed: p.unparsedCount };
      };
      const full = run();
      const lean = run(MODEL_DETAIL_CALLS);
      assert.equal(lean.unparsed, full.unparsed);
      // the same events, but for the text of the calls the model does not read
      const blank = (e: TraceEvent | EntryEvent) => (e.type === 'syscall' && !MODEL_DETAIL_CALLS.has(e.name) ? { ...e, args: '', ret: '' } : e);
      assert.deepEqual(lean.events.map(blank), full.events.map(blank));
      assert.ok(lean.events.some((e) => e.type === 'syscall' && e.args === '' && !MODEL_DETAIL_CALLS.has(e.name)), 'some text was left out');
      // and the model built from them is the same in every part
      assert.equal(modelState(lean.model), modelState(full.model));
      // as it is when the events of the other calls come in one reused object (what analyze does)
      const model = new TraceModel();
      const p = new StraceParser({ detailCalls: MODEL_DETAIL_CALLS, reuseEvents: true, onEvent: (e) => model.onEvent(e) });
      p.write(bytes);
      p.end();
      model.finish();
      assert.equal(modelState(model), modelState(full.model));
      const others = assertOtherCallsSame(bytes, full.model, parserState(p));
      // -f -tt logs (what the product captures) take the byte path, and their other calls come through onOtherCall
      if (/^\d+ +\d\d:\d\d:\d\d\.\d{6} /.test(bytes.toString('latin1', 0, 64))) assert.ok(others > 0, 'some calls came through onOtherCall');
    });
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gml-genlog-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('a generated log (split calls from many threads)', () => {
    const file = path.join(dir, 'gen.strace');
    generateLog({ size: 2_000_000, out: file, seed: 7 });
    const bytes = readFileSync(file);
    const model = new TraceModel();
    const p = new StraceParser({ onEvent: (e) => model.onEvent(e) });
    p.write(bytes);
    p.end();
    model.finish();
    // the parser's state as it is with detailCalls (truncatedStrings then speaks of the detail calls only)
    const lean = new StraceParser({ detailCalls: MODEL_DETAIL_CALLS, onEvent: () => {} });
    lean.write(bytes);
    lean.end();
    assert.ok(assertOtherCallsSame(bytes, model, parserState(lean)) > 1000, 'most calls came through onOtherCall');
  });
});

function parserState(p: StraceParser): string {
  return JSON.stringify({ unparsedCount: p.unparsedCount, unparsed: p.unparsed, linesRead: p.linesRead, orphans: p.orphanResumed, style: p.style, messages: p.straceMessages });
}

/**
 * What analyze does: the calls the model does not read come through onOtherCall (who and when only), the
 * rest as reused or full events. The model and the parser's own state must be those of the full events,
 * however the bytes are chunked.
 */
function assertOtherCallsSame(bytes: Buffer, ref: TraceModel, refParser: string): number {
  for (const size of [1 << 20, 4093, 61]) {
    const model = new TraceModel();
    let others = 0;
    const p = new StraceParser({
      detailCalls: MODEL_DETAIL_CALLS, reuseEvents: true, onEvent: (e) => model.onEvent(e),
      onOtherCall: (pid, time, line) => (others++, model.onOtherCall(pid, time, line)),
    });
    for (const c of chunked(bytes, size)) p.write(c);
    p.end();
    model.finish();
    assert.equal(modelState(model), modelState(ref), `the model with onOtherCall, ${size}-byte chunks`);
    assert.equal(parserState(p), refParser, `the parser's counters and style with onOtherCall, ${size}-byte chunks`);
    if (size === 61) return others;
  }
  return 0;
}

describe('tailShape', () => {
  it('reads the common tail in one pass and gives what its steps give, on 200,000 tails made near that shape', () => {
    // a seeded generator (mulberry32): the same tails on every run
    let seed = 0x5eed;
    const rand = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) % n);
    };
    const pick = (xs: string[]): string => xs[rand(xs.length)];
    const ALPHABET = [' ', ')', '(', '=', '<', '>', '.', '0', '7', 'x', 'E', '-', '/'];
    let fast = 0;
    for (let n = 0; n < 200_000; n++) {
      const digits = (): string => String(rand(1000)).padStart(1 + rand(3), '0');
      let tail = n % 2 === 0
        ? `${pick(['', 'NULL', '{a=1}'])}) = ${pick(['0', '-1', '0x7f00', '12'])} <${digits()}.${digits()}>`
        : pick(['', 'NULL', 'x', '{a=1}']) + pick([')', ') ', ')  ', '', ' )']) + pick(['', ' ']) + pick(['=', '==', '']) + pick([' ', '  ', ''])
        + pick(['0', '-1', '0x7f00', '3</etc/x>', '=', '', '? ERESTARTSYS (To be restarted)', '-1 EAGAIN (Resource temporarily unavailable)', '1<2'])
        + pick([' <0.000001>', ' <12.5>', ' <.5>', ' <5.>', ' <1.2.3>', ' <>', '<0.1>', '  <0.1>', ' <0.1> ', '', ' <0x1>']);
      // and a byte or two changed anywhere
      for (let m = rand(3); m > 0 && tail.length > 0; m--) {
        const at = rand(tail.length);
        tail = tail.slice(0, at) + pick(ALPHABET) + tail.slice(at + 1);
      }
      const b = Buffer.from('f(' + tail, 'latin1');
      const want = tailShapeSteps(b, 2, b.length);
      assert.equal(tailShape(b, 2, b.length), want, JSON.stringify(tail));
      if (want === TAIL_DURATION) fast++;
    }
    assert.ok(fast > 50_000, `the common shape came up often enough to test the one pass (${fast} times)`);
  });
});

describe('StraceParser: many calls in flight at once cost a near-constant step each', () => {
  /** N threads each begin a call, then each resumes it: N calls in flight at once, under distinct pids */
  function inFlight(n: number, seed: number): string {
    let x = seed;
    const pids = new Set<number>();
    while (pids.size < n) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      pids.add(100 + (x % 4_000_000));
    }
    const lines: string[] = [];
    for (const pid of pids) lines.push(`${pid} 10:00:00.000001 read(3,  <unfinished ...>\n`);
    for (const pid of pids) lines.push(`${pid} 10:00:00.000002 <... read resumed>"x", 1) = 1 <0.000001>\n`);
    return lines.join('');
  }

  function probesOf(text: string, bytes: boolean): { probes: number; complete: number } {
    let complete = 0;
    const p = new StraceParser({ onEvent: (e) => { if (e.type === 'syscall' && e.status === 'complete') complete++; } });
    if (bytes) p.write(Buffer.from(text, 'latin1'));
    else for (const line of text.split(/(?<=\n)/)) p.write(line);
    p.end();
    return { probes: p.pendingProbes, complete };
  }

  for (const bytes of [false, true]) {
    it(`${bytes ? 'byte' : 'string'} path: 4× the calls in flight take at most ~4× the table probes (20,000 → 80,000 → 320,000)`, () => {
      const per: number[] = [];
      for (const n of [20_000, 80_000, 320_000]) {
        const r = probesOf(inFlight(n, n), bytes);
        assert.equal(r.complete, n, 'every call joined with its resumed half');
        per.push(r.probes / n);
        // a hash table at most half full steps over ~1-2 slots per lookup, whatever its size; the fixed
        // `>>> 16` gave hundreds per lookup past 65,536 threads
        assert.ok(per[per.length - 1] < 4, `probes per call: ${per.map((v) => v.toFixed(2)).join(', ')}`);
      }
      assert.ok(per[2] < per[0] * 2 + 1, `probes per call grow with the count: ${per.map((v) => v.toFixed(2)).join(', ')}`);
    });
  }
});

describe('StraceParser: a lone \\r ends a line', () => {
  const lf = readFileSync(path.join(LOGS, 'cgo-default-go1.23.strace'));
  const ref = stream([lf]);

  for (const ending of ['\r', '\r\n']) {
    const bytes = Buffer.from(lf.toString('latin1').replace(/\n/g, ending), 'latin1');
    it(`lines ending in ${JSON.stringify(ending)}: the events of the \\n log, on both paths, in chunks that cut a line end in two`, () => {
      assert.equal(JSON.parse(ref[ref.length - 1]).unparsedCount, 0);
      // 2 bytes: every "\r\n" is cut between its chunks somewhere; 61, 4093: lines cut mid-way
      for (const size of [2, 61, 4093, bytes.length]) {
        assert.deepEqual(stream(chunked(bytes, size)), ref, `bytes in chunks of ${size}`);
        assert.deepEqual(stream(chunked(bytes, size), undefined, true), ref, `writeIndexed, chunks of ${size}`);
        assert.deepEqual(stream(chunked(bytes, size).map((c) => c.toString('latin1'))), ref, `strings in chunks of ${size}`);
      }
    });
  }
});
