// Line ends as an editor counts them (\n, \r\n and a lone \r), through the real dist/server.js over stdio:
// a CR-only log is read line by line, and every line-based answer lands on the same lines as in the \n log.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, DocumentSymbol, FoldingRange, PublishDiagnosticsParams } from 'vscode-languageserver';
import { LspClient } from './lspClient';

const LOG = path.resolve(__dirname, '..', 'fixtures', 'logs', 'cgo-default-go1.23.strace');

describe('strace language server: line ends', () => {
  let client: LspClient;

  before(async () => {
    client = new LspClient();
    await client.initialize();
  });

  after(async () => {
    assert.equal(await client.shutdown(), 0, client.stderr.join(''));
  });

  /** opens the fixture with its line ends replaced; its symbols, folds and diagnostics */
  async function answersFor(ending: string, name: string): Promise<{ symbols: DocumentSymbol[]; folds: FoldingRange[]; diags: Diagnostic[] }> {
    const uri = pathToFileURL(path.join(path.dirname(LOG), name)).href;
    const diagnostics = client.notification<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (p) => p.uri === uri);
    const text = readFileSync(LOG, 'latin1').replace(/\n/g, ending);
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'strace', version: 1, text } });
    const diags = (await diagnostics).diagnostics;
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri } });
    return { symbols, folds, diags };
  }

  it('a CR-only log gives the outline, folds and diagnostics of the \\n log, on the same lines', async () => {
    const lf = await answersFor('\n', 'lf.strace');
    assert.equal(lf.symbols[0].children!.length, 6);
    for (const ending of ['\r', '\r\n']) {
      const other = await answersFor(ending, `${ending === '\r' ? 'cr' : 'crlf'}.strace`);
      assert.deepEqual(other.symbols, lf.symbols, JSON.stringify(ending));
      assert.deepEqual(other.folds, lf.folds, JSON.stringify(ending));
      assert.deepEqual(other.diags, lf.diags, JSON.stringify(ending));
    }
  });
});
