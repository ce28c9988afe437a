// The language server's framing (src/server/framing.ts): good messages and bad framing mixed in one stream,
// cut into chunks at every position, give the same messages and the same complaints.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FrameParser, MAX_CONTENT_LENGTH } from '../../src/server/framing';

const frame = (id: number, header = (n: number) => `Content-Length: ${n}\r\n\r\n`) => {
  const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'textDocument/hover', params: { text: 'é "Content-Length: 12\\r\\n"' } });
  return header(Buffer.byteLength(body)) + body;
};

/** good messages (ids 1–12) between the framing the server must skip */
const STREAM = Buffer.concat([
  Buffer.from(frame(1)),
  Buffer.from([0, 255, 13, 10, 13, 10, 67, 58, 32]),
  Buffer.from(frame(2, (n) => `content-length: ${n}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n`)),
  Buffer.from(`Content-Length: -5\r\n\r\n{}${frame(3)}`),
  Buffer.from(`Content-Length: 1e3\r\n\r\n{}${frame(4)}`),
  Buffer.from(`Content-Length: ${MAX_CONTENT_LENGTH + 1}\r\n\r\n{}${frame(5)}`),
  Buffer.from(`Content-Length: 7\r\n{"a":1}${frame(6)}`),
  Buffer.from(`Content-Length: 4000\r\n\r\n{"a":${frame(7)}`),
  Buffer.from(`Content-Length: 3\r\n\r\n{"a":1}${frame(8)}`),
  Buffer.from(`Content-Length: 0\r\n\r\n${frame(9)}`),
  Buffer.from(`Content-Length: 3\r\n\r\n${frame(10)}`),
  Buffer.from(`Content-Length: ${'9'.repeat(400)}\r\n\r\n{}${frame(11)}`),
  Buffer.from(frame(12)),
]);

function read(chunks: Buffer[]): { ids: unknown[]; skipped: string[] } {
  const ids: unknown[] = [];
  const skipped: string[] = [];
  const p = new FrameParser((m) => ids.push((m as unknown as { id: unknown }).id), (r) => skipped.push(r));
  for (const c of chunks) p.push(c);
  return { ids, skipped };
}

describe('FrameParser', () => {
  const whole = read([STREAM]);

  it('reads every good message and says what it skipped around them', () => {
    assert.deepEqual(whole.ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.equal(whole.skipped.length, 10, whole.skipped.join('\n'));
    assert.match(whole.skipped[0], /^not a message header: "\\x00"/);
    assert.match(whole.skipped[1], /^Content-Length "-5" is not a byte count/);
    assert.match(whole.skipped[2], /^Content-Length "1e3" is not a byte count/);
    assert.match(whole.skipped[3], /is above the 128 MiB limit/);
    assert.match(whole.skipped[4], /^not a message header: "Content-Length: 7\\r\\n\{"/);
    // 4000 bytes would need more than the stream holds: the next header ends the body
    assert.match(whole.skipped[5], /^a body shorter than its Content-Length 4000/);
    assert.match(whole.skipped[6], /^a 3-byte body that is not JSON/);
    // an empty body, and one of 3 bytes that cuts the next header: that header is read all the same
    assert.match(whole.skipped[7], /^a 0-byte body that is not JSON/);
    assert.match(whole.skipped[8], /^a 3-byte body that is not JSON/);
    assert.match(whole.skipped[9], /^Content-Length 9{40}… is above the 128 MiB limit/);
    for (const s of whole.skipped) assert.match(s, /; reading on from the next Content-Length header$/);
  });

  it('gives the same at every cut into two chunks, and byte by byte', () => {
    // a body cut short is seen as not JSON when it arrives with what follows, or by the header found in it
    // when it arrives alone: the same skip, told two ways
    const same = (r: ReturnType<typeof read>) => ({
      ids: r.ids,
      skipped: r.skipped.map((s) => s.replace(/^(a body shorter than its Content-Length \d+|a \d+-byte body that is not JSON) .*/, 'a body that does not fit its Content-Length')),
    });
    const expected = same(whole);
    for (let cut = 1; cut < STREAM.length; cut++) {
      assert.deepEqual(same(read([STREAM.subarray(0, cut), STREAM.subarray(cut)])), expected, `cut at ${cut}`);
    }
    assert.deepEqual(same(read(Array.from(STREAM, (b) => Buffer.from([b])))), expected);
  });

  it('keeps no more than a few bytes of input that holds no header', () => {
    const p = new FrameParser(() => assert.fail('no message'), () => undefined);
    for (let i = 0; i < 1000; i++) p.push(Buffer.alloc(64 * 1024, 'x'));
    assert.ok((p as unknown as { buf: Buffer }).buf.length < 64, 'skipped input is dropped');
  });
});
