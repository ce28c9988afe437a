// LineSplitter: chunks in, lines out, whatever the chunk boundaries; long lines are cut so memory stays bounded.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LineSplitter } from '../../src/core/strace/lineSplitter';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');

function split(chunks: Array<Buffer | string>, maxLineLength?: number): { lines: string[]; endResult: boolean } {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l), maxLineLength);
  for (const c of chunks) s.write(c);
  const endResult = s.end();
  return { lines, endResult };
}

/** The reference: what a whole-file split gives. */
function reference(text: string): string[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

describe('LineSplitter', () => {
  it("joins 'hello\\nwor' + 'ld\\n' into two lines (strings)", () => {
    assert.deepEqual(split(['hello\nwor', 'ld\n']).lines, ['hello', 'world']);
  });

  it("joins 'hello\\nwor' + 'ld\\n' into two lines (buffers)", () => {
    assert.deepEqual(split([Buffer.from('hello\nwor'), Buffer.from('ld\n')]).lines, ['hello', 'world']);
  });

  it('mixes string and buffer chunks in one line', () => {
    assert.deepEqual(split(['ab', Buffer.from('cd'), 'e\nf', Buffer.from('g\n')]).lines, ['abcde', 'fg']);
    assert.deepEqual(split([Buffer.from('ab'), 'cd', Buffer.from('e\nf'), 'g\n']).lines, ['abcde', 'fg']);
  });

  it('drops \\r of \\r\\n, also when \\r and \\n are in different chunks', () => {
    assert.deepEqual(split(['a\r\nb\r\n']).lines, ['a', 'b']);
    assert.deepEqual(split(['a\r', '\nb\r', '\n']).lines, ['a', 'b']);
    assert.deepEqual(split([Buffer.from('a\r'), Buffer.from('\nb\r\n')]).lines, ['a', 'b']);
    // a lone \r inside a line stays
    assert.deepEqual(split(['a\rb\n']).lines, ['a\rb']);
  });

  it('keeps empty lines', () => {
    assert.deepEqual(split(['\n\na\n\n']).lines, ['', '', 'a', '']);
    assert.deepEqual(split([Buffer.from('\n\na\n\n')]).lines, ['', '', 'a', '']);
  });

  it('emits the last line without a newline at end(), and end() says so', () => {
    assert.deepEqual(split(['a\nlast']), { lines: ['a', 'last'], endResult: true });
    assert.deepEqual(split([Buffer.from('a\nla'), Buffer.from('st')]), { lines: ['a', 'last'], endResult: true });
    assert.deepEqual(split(['a\n']), { lines: ['a'], endResult: false });
    assert.deepEqual(split([]), { lines: [], endResult: false });
  });

  it('decodes latin1: every byte is one char, a cut multi-byte sequence never fails', () => {
    const bytes = Buffer.from([0x61, 0xc3, 0xa9, 0xff, 0x0a]); // 'a' 'é' in UTF-8, 0xff
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { lines } = split([bytes.subarray(0, cut), bytes.subarray(cut)]);
      assert.deepEqual(lines, ['a\u00c3\u00a9\u00ff'], `cut at ${cut}`);
    }
  });

  it('does not keep a reference to a chunk the caller reuses', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const buf = Buffer.from('abc');
    s.write(buf);
    buf.write('XYZ');
    s.write(Buffer.from('\n'));
    assert.deepEqual(lines, ['abc']);
  });

  const small = readFileSync(path.join(LOGS, 'ff-net-default-go1.23', 'net-default-go1.23.ff.21073'));
  const big = readFileSync(path.join(LOGS, 'cgo-default-go1.23.strace'));

  it('a small fixture split into 1-byte chunks gives the whole-file lines (buffers and strings)', () => {
    const want = reference(small.toString('latin1'));
    assert.ok(want.length > 5);
    const bufChunks: Buffer[] = [];
    const strChunks: string[] = [];
    for (let i = 0; i < small.length; i++) {
      bufChunks.push(small.subarray(i, i + 1));
      strChunks.push(small.toString('latin1', i, i + 1));
    }
    assert.deepEqual(split(bufChunks).lines, want);
    assert.deepEqual(split(strChunks).lines, want);
  });

  it('every split point of a small fixture gives the whole-file lines', () => {
    const want = reference(small.toString('latin1'));
    const text = small.toString('latin1');
    for (let cut = 0; cut <= small.length; cut++) {
      assert.deepEqual(split([small.subarray(0, cut), small.subarray(cut)]).lines, want, `buffer cut at ${cut}`);
      assert.deepEqual(split([text.slice(0, cut), text.slice(cut)]).lines, want, `string cut at ${cut}`);
    }
  });

  it('every split point of a 2.6 KB fixture, and 400 spread over a 59 KB one, give the whole-file lines', () => {
    const medium = readFileSync(path.join(LOGS, 'ff-net-default-go1.23', 'net-default-go1.23.ff.21069'));
    for (const [file, step] of [[medium, 1], [big, Math.floor(big.length / 400)]] as const) {
      const want = reference(file.toString('latin1'));
      const text = file.toString('latin1');
      for (let cut = 0; cut <= file.length; cut += step) {
        assert.deepEqual(split([file.subarray(0, cut), file.subarray(cut)]).lines, want, `buffer cut at ${cut}`);
        assert.deepEqual(split([text.slice(0, cut), text.slice(cut)]).lines, want, `string cut at ${cut}`);
      }
    }
  });

  it('random chunk sizes (seeded) give the whole-file lines, buffers and strings', () => {
    const want = reference(big.toString('latin1'));
    const text = big.toString('latin1');
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const chunks: Array<Buffer | string> = [];
      for (let i = 0; i < big.length;) {
        const len = 1 + rnd(round < 10 ? 64 : 4096);
        chunks.push(rnd(2) ? big.subarray(i, i + len) : text.slice(i, i + len));
        i += len;
      }
      assert.deepEqual(split(chunks).lines, want, `round ${round}`);
    }
  });

  describe('maxLineLength', () => {
    const long = 'x'.repeat(100);
    it('cuts a long line inside one chunk and keeps the next line whole (buffer)', () => {
      assert.deepEqual(split([Buffer.from(`${long}\nnext\n`)], 10).lines, ['x'.repeat(10), 'next']);
    });
    it('cuts a long line inside one chunk and keeps the next line whole (string)', () => {
      assert.deepEqual(split([`${long}\nnext\n`], 10).lines, ['x'.repeat(10), 'next']);
    });
    it('cuts a long line spread over many chunks (buffer, string, and without a final newline)', () => {
      const bytes = Buffer.from(`${long}\nnext\n`);
      const bufs: Buffer[] = [];
      const strs: string[] = [];
      for (let i = 0; i < bytes.length; i += 7) {
        bufs.push(bytes.subarray(i, i + 7));
        strs.push(bytes.toString('latin1', i, i + 7));
      }
      assert.deepEqual(split(bufs, 10).lines, ['x'.repeat(10), 'next']);
      assert.deepEqual(split(strs, 10).lines, ['x'.repeat(10), 'next']);
      assert.deepEqual(split(bufs.slice(0, 5), 10).lines, ['x'.repeat(10)]);
      assert.deepEqual(split(strs.slice(0, 5), 10).lines, ['x'.repeat(10)]);
    });
    it('a line of exactly maxLineLength is not cut', () => {
      assert.deepEqual(split(['0123456789\n'], 10).lines, ['0123456789']);
      assert.deepEqual(split([Buffer.from('01234'), Buffer.from('56789\n')], 10).lines, ['0123456789']);
    });
    it('memory stays bounded while a huge line streams in', () => {
      const lines: string[] = [];
      const s = new LineSplitter((l) => lines.push(l), 1024);
      const mib = Buffer.alloc(1 << 20, 0x61);
      const before = process.memoryUsage().arrayBuffers;
      for (let i = 0; i < 64; i++) s.write(mib); // 64 MiB without a newline
      const held = (s as unknown as { partialLength: number }).partialLength;
      assert.ok(held <= 1024, `holds ${held} bytes`);
      assert.ok(process.memoryUsage().arrayBuffers - before < 16 << 20, 'no growth with the input');
      s.write('\nok\n');
      assert.deepEqual(lines.map((l) => l.length), [1024, 2]);
    });
  });
});
