// The real dist/server.js over stdio, fed framing that no editor sends: random bytes, Content-Length values
// that are not byte counts or are absurdly large, a header without its blank line, a body that is not JSON.
// After each, the server must say on stderr what it skipped and answer the next well-framed request.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import type { DocumentSymbol } from 'vscode-languageserver';
import { LspClient } from './lspClient';

const URI = 'file:///framing/test.strace';
const LOG = [
  '100  09:00:00.000001 execve("./prog", ["./prog"], 0x7ffd /* 3 vars */) = 0 <0.000100>',
  '100  09:00:00.000200 exit_group(0)             = ?',
  '100  09:00:00.000300 +++ exited with 0 +++',
  '',
].join('\n');

/** mulberry32: the same bytes on every run */
function randomBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** A request as an editor frames it, except for its header. */
const body = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'textDocument/documentSymbol', params: { textDocument: { uri: URI } } });

const CASES: Array<{ name: string; bytes: () => Buffer | string; logged: RegExp }> = [
  { name: '4 KiB of random bytes (seed 18)', bytes: () => randomBytes(4096, 18), logged: /not a message header/ },
  { name: 'Content-Length: -5', bytes: () => `Content-Length: -5\r\n\r\n${body(900)}`, logged: /Content-Length "-5" is not a byte count/ },
  { name: 'Content-Length: abc', bytes: () => `Content-Length: abc\r\n\r\n${body(901)}`, logged: /Content-Length "abc" is not a byte count/ },
  { name: 'Content-Length: 1e3', bytes: () => `Content-Length: 1e3\r\n\r\n${body(902)}`, logged: /Content-Length "1e3" is not a byte count/ },
  { name: 'an empty Content-Length', bytes: () => `Content-Length: \r\n\r\n${body(903)}`, logged: /Content-Length "" is not a byte count/ },
  { name: 'Content-Length: 99999999999999', bytes: () => `Content-Length: 99999999999999\r\n\r\n${body(904)}`, logged: /Content-Length 99999999999999 is above the \d+ MiB limit/ },
  { name: 'a header without the blank line', bytes: () => `Content-Length: ${body(905).length}\r\n${body(905)}`, logged: /not a message header/ },
  { name: 'a header without Content-Length', bytes: () => `Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${body(906)}`, logged: /without Content-Length/ },
  { name: 'a Content-Length longer than its body', bytes: () => `Content-Length: 4000\r\n\r\n${body(907)}`, logged: /a body shorter than its Content-Length 4000/ },
  { name: 'a Content-Length shorter than its body', bytes: () => `Content-Length: 10\r\n\r\n${body(908)}`, logged: /not JSON/ },
  { name: 'a body that is not JSON', bytes: () => 'Content-Length: 9\r\n\r\n{"jsonrpc', logged: /not JSON/ },
];

async function serverWithLog(started: LspClient[]): Promise<LspClient> {
  const client = new LspClient();
  started.push(client);
  await client.initialize();
  client.notify('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'strace', version: 1, text: LOG } });
  return client;
}

describe('the language server after bad framing', () => {
  // a case that timed out never reaches its own cleanup: no server may outlive the suite
  const started: LspClient[] = [];
  after(() => started.forEach((c) => c.kill()));
  // one server per case: a case that leaves the server deaf must not fail the others
  for (const c of CASES) {
    it(`says what it skipped and answers the next request: ${c.name}`, { timeout: 10_000 }, async () => {
      const client = await serverWithLog(started);
      client.raw(c.bytes());
      const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: URI } });
      assert.equal(symbols[0]?.name, 'process 100 prog');
      const logged = await client.stderrMatching(c.logged);
      assert.match(logged, /reading on from the next Content-Length header/);
      assert.equal(await client.shutdown(), 0, client.stderr.join(''));
    });
  }

  it('logs a hundred skips, then says it logs no more, and still answers', { timeout: 10_000 }, async () => {
    const client = await serverWithLog(started);
    client.raw('Content-Length: x\r\n\r\n'.repeat(150));
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: URI } });
    assert.equal(symbols[0]?.name, 'process 100 prog');
    const logged = await client.stderrMatching(/no more of it is logged/);
    assert.equal(logged.match(/skipped input: Content-Length "x"/g)?.length, 100);
    assert.equal(await client.shutdown(), 0, client.stderr.join(''));
  });

  it('a message written byte by byte is read whole, without a complaint', { timeout: 10_000 }, async () => {
    const client = await serverWithLog(started);
    const msg = Buffer.from(`Content-Length: ${body(950).length}\r\n\r\n${body(950)}`);
    const answered = client.response<DocumentSymbol[]>(950);
    for (let i = 0; i < msg.length; i++) client.raw(msg.subarray(i, i + 1));
    assert.equal((await answered)[0]?.name, 'process 100 prog');
    assert.equal(await client.shutdown(), 0, client.stderr.join(''));
    assert.equal(client.stderr.join(''), '');
  });
});
