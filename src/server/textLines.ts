// A document's lines for the language server's index, found without blocking the server.

import { CancelledError, type LineSource } from './logIndex';

/**
 * The lines of one version of a document, by a line table of its own: built in slices that yield to the
 * event loop (the TextDocument builds its table in one go: 0.4 s on a 50 MB log), and fixed to the version
 * indexed, as the index is. Lines end as the editor counts them: at \n, \r\n and a lone \r.
 */
export class TextLines implements LineSource {
  private constructor(private readonly text: string, private readonly starts: Uint32Array, readonly lineCount: number) {}

  static async build(text: string, isCancelled: () => boolean, budgetMs = 10): Promise<TextLines> {
    let starts = new Uint32Array(1 << 12);
    let n = 1;
    let since = performance.now();
    for (let from = 0; from < text.length; from += TABLE_PIECE) {
      const end = Math.min(text.length, from + TABLE_PIECE);
      for (let i = from; i < end; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
          if (n === starts.length) {
            const grown = new Uint32Array(n * 2);
            grown.set(starts);
            starts = grown;
          }
          starts[n++] = i + 1;
        }
      }
      if (end < text.length && performance.now() - since >= budgetMs) {
        await new Promise<void>((r) => setImmediate(r));
        if (isCancelled()) throw new CancelledError();
        since = performance.now();
      }
    }
    return new TextLines(text, starts, n);
  }

  lineText(line: number): string {
    if (line < 0 || line >= this.lineCount) return '';
    const start = this.starts[line];
    let end = line + 1 < this.lineCount ? this.starts[line + 1] : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }
}

/** characters scanned for line ends between two looks at the time */
const TABLE_PIECE = 1 << 20;
