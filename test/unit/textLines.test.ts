// The language server's own line table (src/server/textLines.ts) counts lines as the editor does: its line
// numbers are the positions requests come with.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CancelledError } from '../../src/server/logIndex';
import { TextLines } from '../../src/server/textLines';

function sameAsDocument(lines: TextLines, text: string): void {
  const doc = TextDocument.create('file:///t.strace', 'strace', 1, text);
  assert.equal(lines.lineCount, doc.lineCount);
  for (let l = 0; l < doc.lineCount; l++) {
    const withEnd = doc.getText({ start: { line: l, character: 0 }, end: { line: l + 1, character: 0 } });
    assert.equal(lines.lineText(l), withEnd.replace(/\r?\n$|\r$/, ''), `line ${l}`);
  }
}

describe('TextLines', () => {
  it('ends lines at \\n, \\r\\n and a lone \\r, as TextDocument does', async () => {
    for (const text of ['', 'a', 'a\n', 'a\r\nb', 'a\rb\r', '\r\r\n\n\r', 'x\n\ny\r\n\r\nz\r\r', '1 read(0, "\\r\\n", 2) = 2\r\n2 +++ exited with 0 +++\r']) {
      sameAsDocument(await TextLines.build(text, () => false), text);
    }
  });

  it('reads a \\r\\n cut by its scan pieces as one line end', async () => {
    const text = 'a'.repeat((1 << 20) - 1) + '\r\n' + 'b\r'.repeat(1000) + 'c';
    sameAsDocument(await TextLines.build(text, () => false, 0), text);
  });

  it('stops with CancelledError when a newer version arrives', async () => {
    await assert.rejects(TextLines.build('x\n'.repeat(1 << 20), () => true, 0), CancelledError);
  });
});
