// The server's engine without the protocol: index a log's text, then ask what the editor would ask. The
// benchmark and the server both go through here.

import { codeLenses, definitionAt, diagnostics, documentSymbols, foldingRanges, hoverAt } from './features';
import { LogIndex, StringLines, execveBinary, type IndexOptions, type LineSource } from './logIndex';

export { LogIndex, StringLines, execveBinary, type LineSource };
export { ANALYZE_COMMAND, ANALYZE_TITLE } from './features';

/** A log held as text and its index: what the server keeps per open document. */
export class LogSession {
  private constructor(readonly index: LogIndex, readonly lines: LineSource) {}

  /** Parses the text once (in pieces, yielding to the event loop every 10 ms) and builds the per-line index. */
  static async open(text: string, lines: LineSource = new StringLines(text), opts?: IndexOptions): Promise<LogSession> {
    return new LogSession(await LogIndex.build(text, lines, opts), lines);
  }

  hover(line: number, character: number) {
    return hoverAt(this.index, this.lines, line, character);
  }

  symbols() {
    return documentSymbols(this.index, this.lines);
  }

  diagnostics() {
    return diagnostics(this.index, this.lines);
  }

  folding(limit?: number) {
    return foldingRanges(this.index, limit);
  }

  definition(uri: string, line: number, character: number) {
    return definitionAt(this.index, this.lines, uri, line, character);
  }

  codeLenses(logFile: string, exists: (p: string) => boolean) {
    return codeLenses(logFile, execveBinary(this.index, logFile, exists));
  }
}
