// Inputs found by the property tests (test/unit/properties.test.ts) that broke a property, kept as plain
// examples so that each stays fixed whatever the generators draw.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeLog } from '../../src/core/analyze';
import { hex } from '../../src/core/format';
import { TraceModel } from '../../src/core/model/model';
import type { TraceEvent } from '../../src/core/strace/events';
import { StraceParser, type EntryEvent } from '../../src/core/strace/parser';

function parse(text: string): { events: Array<TraceEvent | EntryEvent>; parser: StraceParser } {
  const events: Array<TraceEvent | EntryEvent> = [];
  const parser = new StraceParser({ onEvent: (e) => events.push(e) });
  parser.write(text);
  parser.end();
  return { events, parser };
}

describe('regressions found by the property tests', () => {
  it('a call line cut off (an unclosed quote) then a -k frame: unparsed lines stay in line order', () => {
    const { parser } = parse('31168 09:22:01.813630 execve("./cgo-default-g, ["./cgo"], 0x7ffc /* 42 vars */) = 0 <0.013409>\n'
      + ' > (/home/gopher/demo/cgo(runtime.newm1+0x85) [0x3a785]\n');
    assert.deepEqual(parser.unparsed.map((u) => [u.line, u.reason]), [
      [1, 'call cut off (its line never ended)'],
      [2, 'stack frame without a preceding call or signal'],
    ]);
  });
});

describe('regressions: the byte path reads return values as the string path does', () => {
  it('"= 0x0x7f…" (a mutated line): parseInt(…, 16) skips the second 0x, and so do bytes', () => {
    const line = '30940 09:22:01.813630 mmap(NULL, 67108864, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x0x7f504cc00000 <0.000014>\n';
    const fromBytes: Array<TraceEvent | EntryEvent> = [];
    const p = new StraceParser({ onEvent: (e) => fromBytes.push(e) });
    p.write(Buffer.from(line, 'latin1'));
    p.end();
    const fromString = parse(line).events;
    assert.equal((fromString[0] as TraceEvent & { retval?: number }).retval, 0x7f504cc00000);
    assert.deepEqual(fromBytes, fromString);
  });
});

describe('regressions: no first half vanishes', () => {
  it('a resumed half of another call, cut again, does not take the waiting call\'s place unseen', () => {
    const { events, parser } = parse('30942 09:21:55.205519 nanosleep({tv_sec=0, tv_nsec=20000},  <unfinished ...>\n'
      + '30942 09:21:56.241236 <... futex resumed>() = -1 ETIMEDOUT (Connection timed out) <1.031603 09:22:14.342902 rt_sigprocmask(SIG_SETMASK, ~[KILL STOP RTMIN RT_1],  <unfinished ...>\n');
    assert.deepEqual(events.map((e) => [e.type === 'syscall' ? e.name : e.type, e.line, e.type === 'syscall' ? e.status : '']), [
      ['nanosleep', 1, 'unfinished'],
      ['futex', 2, 'unfinished'],
    ]);
    assert.deepEqual(parser.unparsed, []);
  });
});

describe('regressions: bounded state', () => {
  it('a call resumed and cut again on every line gathers at most 1 MiB; the lines past that are unparsed', () => {
    const piece = 'x'.repeat(1000);
    let text = '1 read(3, <unfinished ...>\n';
    for (let k = 0; k < 1100; k++) text += `1 <... read resumed>${piece} <unfinished ...>\n`;
    text += '1 <... read resumed>) = 0\n';
    const { events, parser } = parse(text);
    const read = events.find((e) => e.type === 'syscall' && e.name === 'read');
    assert.ok(read && read.type === 'syscall');
    assert.deepEqual([read.line, read.resumedLine, read.status, read.ret], [1, 1102, 'complete', '0']);
    assert.ok(read.args.length <= 1 << 20 && read.args.length > (1 << 20) - 1000, String(read.args.length));
    const kept = Math.floor(((1 << 20) - '3, '.length) / 1000);
    assert.equal(parser.unparsedCount, 1100 - kept);
    assert.deepEqual(new Set(parser.unparsed.map((u) => u.reason)), new Set(['call resumed and cut again past the length kept']));
    assert.equal(parser.unparsed[0].line, kept + 2);
  });
});

describe('regressions: the model and addresses above 2^53', () => {
  it('a brk returning an address above 2^53 leaves the address space consistent (exact sums)', () => {
    const model = new TraceModel();
    parse('1 brk(NULL) = 0x7f000001b000\n1 mmap(0x7f000002d000, 30599, 0x3, MAP_SHARED, -1, 0) = 0x7f000001a000\n'
      + '1 brk(NULL) = 0x200007f000001b000\n1 brk(NULL) = 0x7f0000000000\n').events.forEach((e) => {
      model.onEvent(e);
      assert.equal(model.processes.get(1)?.space.check(), undefined, `after line ${e.line}`);
    });
    const space = model.processes.get(1)!.space;
    assert.deepEqual(space.all().map((r) => [r.start, r.end]), [[0x7f000001a000, 0x7f0000022000]]);
    assert.equal(space.vsize, 0x8000);
  });
});

describe('regressions: no line lost', () => {
  it('a resumed half that cannot be parsed (the log cut mid-line) leaves its first half as an unfinished call', () => {
    const { events, parser } = parse('31845 rseq(0x7f, 0x20, 0, 0x53053053 <unfinished ...>\n31844 close(3) = 0\n31845 <... rseq resumed>, 0x2');
    assert.deepEqual(events.map((e) => (e.type === 'syscall' ? [e.line, e.name, e.status] : [e.line, e.type])), [[2, 'close', 'complete'], [1, 'rseq', 'unfinished']]);
    assert.deepEqual(parser.unparsed.map((u) => [u.line, u.reason]), [[3, 'resumed call has no closing parenthesis']]);
  });
});

describe('regressions: addresses above 2^63 stay unsigned', () => {
  it('an mmap at 0xfffffffffffff000 is kept (exact: a page address) and shown as 0xfffffffffffff000, never 0x-1000', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gml-high-'));
    try {
      const log = path.join(dir, 'high.strace');
      writeFileSync(log, [
        '100 10:00:00.000001 execve("/bin/prog", ["prog"], 0x7ffc0 /* 3 vars */) = 0',
        '100 10:00:00.000002 mmap(0xfffffffffffff000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0xfffffffffffff000',
        '100 10:00:00.000003 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000',
        // not exact in a double (its low bits): unknown rather than rounded
        '100 10:00:00.000004 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xfffffffffffff801',
        '100 10:00:00.000005 exit_group(0) = ?',
        '100 10:00:00.000006 +++ exited with 0 +++',
      ].join('\n') + '\n');
      const report = await analyzeLog(log, { name: 'high' });
      const mmaps = report.events.filter((e) => e.op === 'mmap');
      assert.deepEqual(mmaps.map((e) => e.address), ['0xfffffffffffff000', '0x7f0000000000']);
      const unseen = report.processes[0].unseen.reduce((sum, u) => sum + u.bytes, 0);
      assert.equal(report.processes[0].vsizeAtExit - unseen, 3 * 4096, 'the high page and the 8 KiB mapping');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hex() reads a negative number as its 64-bit pattern', () => {
    assert.equal(hex(-4096), '0xfffffffffffff000');
    assert.equal(hex(2 ** 64 - 4096), '0xfffffffffffff000');
    assert.equal(hex(0x7f0000000000), '0x7f0000000000');
  });
});

describe('regressions: an incomplete -ff set says what is missing', () => {
  const FF = path.join(__dirname, '..', 'fixtures', 'logs', 'ff-net-default-go1.23');
  const PREFIX = 'net-default-go1.23.ff.';

  /** the fixture's -ff set copied to a temporary folder without the files of `drop` */
  async function analyzeWithout(drop: number[]): Promise<Awaited<ReturnType<typeof analyzeLog>>> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gml-ff-'));
    try {
      for (const f of readdirSync(FF)) if (!drop.includes(parseInt(f.slice(PREFIX.length), 10))) copyFileSync(path.join(FF, f), path.join(dir, f));
      return await analyzeLog(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('the whole set: no note, not partial', async () => {
    const r = await analyzeWithout([]);
    assert.equal(r.log.missingFiles, undefined);
    assert.deepEqual(r.partialReasons, []);
    assert.ok(!r.log.warnings.some((w) => w.includes('-ff set')));
  });

  it('without the main pid\'s file: the main process is named missing, with the threads it made, and the report is partial', async () => {
    const r = await analyzeWithout([21068]);
    assert.deepEqual(r.log.missingFiles, { pids: [], mainProcess: true, orphans: [21069, 21070, 21071, 21072, 21073] });
    assert.ok(r.log.warnings.some((w) => w.includes("lacks the main process's file") && w.includes('21069, 21070, 21071, 21072, 21073')), r.log.warnings.join('\n'));
    assert.ok(r.partial);
    assert.match(r.partialReasons.join('\n'), /-ff set is incomplete.*smaller/);
  });

  it('without a thread\'s file: its pid, who made it and where', async () => {
    const r = await analyzeWithout([21070]);
    assert.deepEqual(r.log.missingFiles?.pids, [21070]);
    assert.equal(r.log.missingFiles?.mainProcess, false);
    assert.ok(r.log.warnings.some((w) => /lacks the files of 1 thread.*21070 \(made by \d+ at line \d+\)/.test(w)), r.log.warnings.join('\n'));
    assert.match(r.partialReasons.join('\n'), /pids 21070 missing/);
  });
});
