// The language server's per-line index, without the protocol: the same answers whatever the slice size the
// text is fed in (slices end mid-line, mid-call, mid-stack), and a newer version cancels an index in flight.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CancelledError, LineKind, LogIndex, StringLines } from '../../src/server/logIndex';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');

describe('LogIndex', () => {
  for (const name of ['cgo-default-go1.23.strace', 'native-default-go1.23.stacks.strace']) {
    it(`${name}: slices of 7 and 4093 characters give the index of the whole text`, async () => {
      const text = readFileSync(path.join(LOGS, name), 'latin1');
      const lines = new StringLines(text);
      const whole = await LogIndex.build(text, lines, { sliceChars: text.length + 1 });
      for (const sliceChars of [7, 4093]) {
        const sliced = await LogIndex.build(text, lines, { sliceChars, sliceMs: 0 });
        assert.deepEqual(sliced.kinds, whole.kinds);
        assert.deepEqual(sliced.partner, whole.partner);
        assert.deepEqual(sliced.pids, whole.pids);
        assert.deepEqual([...sliced.threads.values()], [...whole.threads.values()]);
      }
      // every split call points both ways, start before resumed
      for (let l = 0; l < whole.kinds.length; l++) {
        if (whole.kinds[l] === LineKind.Resumed && whole.partner[l] >= 0) {
          assert.equal(whole.partner[whole.partner[l]], l);
          assert.ok(whole.partner[l] < l);
          assert.match(lines.lineText(l), /<\.\.\. \w+ resumed>/);
          assert.match(lines.lineText(whole.partner[l]), /<unfinished \.\.\.>$/);
        }
        if (whole.kinds[l] === LineKind.StackFrame) assert.match(lines.lineText(l), /^ > /);
      }
    });
  }

  it('stops with CancelledError when a newer version arrives', async () => {
    const text = readFileSync(path.join(LOGS, 'cgo-default-go1.23.strace'), 'latin1');
    let asked = 0;
    await assert.rejects(LogIndex.build(text, new StringLines(text), { sliceChars: 1000, sliceMs: 0, isCancelled: () => ++asked > 3 }), CancelledError);
    assert.equal(asked, 4);
  });

  it('finds the mapping that holds an address as of a line', async () => {
    const text = readFileSync(path.join(LOGS, 'cgo-default-go1.23.strace'), 'latin1');
    const lines = new StringLines(text);
    const ix = await LogIndex.build(text, lines);
    const l = text.split('\n').findIndex((x) => x.includes('mmap(NULL, 134217728'));
    const addr = parseInt(/= (0x[0-9a-f]+)/.exec(lines.lineText(l))![1], 16);
    const hit = ix.mappingAt(addr + 4096, l)!;
    assert.equal(hit.res.kind, 'malloc-arena');
    assert.equal(hit.line, l);
    assert.equal(ix.mappingAt(addr, l - 1)?.line === l, false, 'not before it was made');
    assert.equal(ix.ownerOf(hit.res), ix.pids[l], 'the arena of the thread that reserved it');
  });
});

describe('LogIndex: line ends', () => {
  it('a CR-only log (every line ends in a lone \\r) is indexed line by line, as with \\n or \\r\\n, in any slices', async () => {
    const lf = readFileSync(path.join(LOGS, 'cgo-default-go1.23.strace'), 'latin1');
    const ref = await LogIndex.build(lf, new StringLines(lf), { sliceChars: lf.length + 1 });
    assert.ok(ref.unparsedCount === 0 && ref.threads.size > 1);
    for (const ending of ['\r', '\r\n']) {
      const text = lf.replace(/\n/g, ending);
      const lines = new StringLines(text);
      assert.equal(lines.lineCount, new StringLines(lf).lineCount, `${JSON.stringify(ending)}: line count`);
      assert.equal(lines.lineText(3), new StringLines(lf).lineText(3));
      for (const sliceChars of [7, 4093, text.length + 1]) {
        const ix = await LogIndex.build(text, lines, { sliceChars });
        assert.equal(ix.unparsedCount, 0, `${JSON.stringify(ending)}, slices of ${sliceChars}`);
        assert.deepEqual(ix.kinds, ref.kinds);
        assert.deepEqual(ix.partner, ref.partner);
        assert.deepEqual(ix.pids, ref.pids);
      }
    }
  });
});
