// The real dist/server.js over stdio while it indexes a big log: requests on other documents are answered
// all along (the index yields to the event loop), and requests on the big one wait for its index.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { DocumentSymbol, Hover, PublishDiagnosticsParams } from 'vscode-languageserver';
import { generateLog } from '../../bench/genlog';
import { LspClient } from './lspClient';

const LOGS = path.resolve(__dirname, '..', 'fixtures', 'logs');

describe('the language server while it indexes a big log', () => {
  let client: LspClient;
  let tmp: string;
  let big: string;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gml-lsp-big-'));
    big = path.join(tmp, 'big.strace');
    // about 300,000 lines of -f -tt -T, most calls split in two halves by other threads' lines
    generateLog({ size: 24_000_000, out: big, seed: 18 });
    client = new LspClient();
    await client.initialize();
  });

  after(async () => {
    client.kill();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('answers on a small log all along, and on the big one once its index is built', { timeout: 120_000 }, async () => {
    const smallUri = pathToFileURL(path.join(LOGS, 'cgo-default-go1.23.strace')).href;
    client.notify('textDocument/didOpen', { textDocument: { uri: smallUri, languageId: 'strace', version: 1, text: readFileSync(path.join(LOGS, 'cgo-default-go1.23.strace'), 'latin1') } });
    const outline = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: smallUri } });
    assert.equal(outline[0].name, 'process 30244 cgo-default-go1.23');

    const bigUri = pathToFileURL(big).href;
    const text = readFileSync(big, 'latin1');
    let indexed = false;
    const diagnostics = client.notification<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (p) => p.uri === bigUri).then(() => {
      indexed = true;
    });
    client.notify('textDocument/didOpen', { textDocument: { uri: bigUri, languageId: 'strace', version: 1, text } });
    // asked while the index is being built: answered from the finished index
    const bigOutline = client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: bigUri } });
    const lastLine = text.split('\n').length - 2;
    const bigHover = client.request<Hover | null>('textDocument/hover', { textDocument: { uri: bigUri }, position: { line: lastLine, character: 1 } });

    // one request after the other on the small log, until the big one's diagnostics say its index is built
    let answered = 0;
    while (!indexed) {
      const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: smallUri } });
      assert.deepEqual(symbols, outline);
      if (!indexed) answered++;
    }
    await diagnostics;
    // a server that indexes in one go answers none; one that yields every 4 MB (as this one did), 6 at most
    assert.ok(answered >= 12, `only ${answered} requests on the small log were answered while the big one was indexed`);
    console.log(`# ${answered} requests on the small log answered while the big one was indexed`);

    const symbols = await bigOutline;
    assert.equal(symbols.length, 1, 'one process');
    assert.ok(symbols[0].children!.length > 10, `the big log's threads: ${symbols[0].children!.length}`);
    // the pid column of the last line: the thread's span, known only once the whole log is indexed
    const hover = (await bigHover)?.contents as { value: string } | undefined;
    assert.match(hover?.value ?? '', new RegExp(`\\*\\*(process|thread) \\d+\\*\\*.*last line ${lastLine + 1}\\.`, 's'));
  });

  it('the outline of a log of 6,000 threads lists 5,000 and says how many more', { timeout: 60_000 }, async () => {
    const lines = ['1000 09:00:00.000000 execve("./prog", ["./prog"], 0x7ffd /* 3 vars */) = 0 <0.000100>'];
    // each thread made by a clone the log shows (a tid no clone made is a stray, not a thread)
    for (let i = 0; i < 6000; i++) lines.push(`1000 09:00:00.500000 clone(child_stack=0xc00002c000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS, tls=0xc00004a098) = ${2000 + i} <0.000072>`);
    for (let i = 0; i < 6000; i++) lines.push(`${2000 + i} 09:00:01.000000 futex(0x7f0000001000, FUTEX_WAKE_PRIVATE, 1) = 0 <0.000010>`);
    const uri = pathToFileURL(path.join(tmp, 'threads.strace')).href;
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'strace', version: 1, text: `${lines.join('\n')}\n` } });
    const [p] = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.equal(p.detail, '6001 threads');
    assert.equal(p.children!.length, 5001);
    assert.equal(p.children![5000].name, '1001 more threads');
  });
});
