// The strace language server: `node dist/server.js --stdio` (or --node-ipc, as the extension starts it).
// Documents arrive with incremental sync; each version is indexed once in the background, in slices that yield
// to the event loop, and a newer version cancels an older index. Requests that need the index wait for the
// version being indexed; everything else reads the current text.

import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import {
  ProposedFeatures, StreamMessageWriter, TextDocumentSyncKind, TextDocuments, createConnection,
  type Connection, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeLenses, definitionAt, diagnostics, documentSymbols, foldingRanges, hoverAt } from './features';
import { CheckedStreamReader } from './framing';
import { CancelledError, LogIndex, execveBinary, type LineSource } from './logIndex';
import { TextLines } from './textLines';

/** Lines of a TextDocument as it is now: for a hover before any index of the document exists. */
class DocumentLines implements LineSource {
  constructor(private readonly doc: TextDocument) {}

  get lineCount(): number {
    return this.doc.lineCount;
  }

  lineText(line: number): string {
    const s = this.doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
    const n = s.endsWith('\r\n') ? 2 : s.endsWith('\n') || s.endsWith('\r') ? 1 : 0;
    return n ? s.slice(0, -n) : s;
  }
}

interface Indexed {
  version: number;
  index: LogIndex;
  lines: LineSource;
}

/** One open log: its latest index and the indexing in flight. */
class LogState {
  current: Indexed | undefined;
  inFlight: { version: number; cancelled: boolean; timer?: NodeJS.Timeout } | undefined;
  private waiters: Array<(x: Indexed | undefined) => void> = [];

  /** The index of the version being built (or the current one when nothing is in flight). */
  ready(): Promise<Indexed | undefined> {
    if (!this.inFlight) return Promise.resolve(this.current);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  settle(x: Indexed | undefined): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r(x);
  }
}

/** Edits arrive keystroke by keystroke: index once typing pauses. A newly opened log is indexed at once. */
const REINDEX_DELAY_MS = 300;

export class StraceLanguageServer {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly logs = new Map<string, LogState>();
  private foldingLimit = 5000;

  constructor(private readonly connection: Connection) {
    connection.onInitialize((params): InitializeResult => {
      this.foldingLimit = params.capabilities.textDocument?.foldingRange?.rangeLimit ?? this.foldingLimit;
      return {
        capabilities: {
          textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
          hoverProvider: true,
          documentSymbolProvider: { label: 'strace' },
          foldingRangeProvider: true,
          definitionProvider: true,
          codeLensProvider: { resolveProvider: false },
        },
        serverInfo: { name: 'go-memory-lens-strace' },
      };
    });
    this.documents.onDidOpen((e) => this.schedule(e.document, 0));
    this.documents.onDidChangeContent((e) => {
      // onDidOpen already scheduled version 1
      if (this.logs.get(e.document.uri)?.inFlight?.version !== e.document.version) this.schedule(e.document, REINDEX_DELAY_MS);
    });
    this.documents.onDidClose((e) => {
      const s = this.logs.get(e.document.uri);
      if (s?.inFlight) {
        s.inFlight.cancelled = true;
        clearTimeout(s.inFlight.timer);
      }
      s?.settle(undefined);
      this.logs.delete(e.document.uri);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });

    connection.onHover(async (p) => {
      const doc = this.documents.get(p.textDocument.uri);
      if (!doc) return null;
      const state = this.logs.get(doc.uri);
      // the words of a line need no index; addresses, threads and notes come from the latest one
      const ix = state?.current?.version === doc.version ? state.current : await state?.ready();
      return hoverAt(ix?.index, ix?.lines ?? new DocumentLines(doc), p.position.line, p.position.character) ?? null;
    });
    connection.onDocumentSymbol(async (p) => {
      const ix = await this.logs.get(p.textDocument.uri)?.ready();
      return ix ? documentSymbols(ix.index, ix.lines) : null;
    });
    connection.onFoldingRanges(async (p) => {
      const ix = await this.logs.get(p.textDocument.uri)?.ready();
      return ix ? foldingRanges(ix.index, this.foldingLimit) : null;
    });
    connection.onDefinition(async (p) => {
      const ix = await this.logs.get(p.textDocument.uri)?.ready();
      return ix ? definitionAt(ix.index, ix.lines, p.textDocument.uri, p.position.line, p.position.character) ?? null : null;
    });
    connection.onCodeLens(async (p) => {
      const file = fsPath(p.textDocument.uri);
      if (!file) return null;
      const ix = await this.logs.get(p.textDocument.uri)?.ready();
      return ix ? codeLenses(file, execveBinary(ix.index, file, isFile)) : null;
    });

    this.documents.listen(connection);
  }

  private schedule(doc: TextDocument, delay: number): void {
    let state = this.logs.get(doc.uri);
    if (!state) this.logs.set(doc.uri, (state = new LogState()));
    if (state.inFlight) {
      state.inFlight.cancelled = true;
      clearTimeout(state.inFlight.timer);
    }
    const job: NonNullable<LogState['inFlight']> = { version: doc.version, cancelled: false };
    state.inFlight = job;
    const s = state;
    job.timer = setTimeout(() => void this.index(doc, s, job), delay);
  }

  private async index(doc: TextDocument, state: LogState, job: NonNullable<LogState['inFlight']>): Promise<void> {
    const isCancelled = () => job.cancelled;
    try {
      const text = doc.getText();
      const lines = await TextLines.build(text, isCancelled);
      const index = await LogIndex.build(text, lines, { isCancelled });
      if (job.cancelled) return;
      const done: Indexed = { version: job.version, index, lines };
      state.current = done;
      state.inFlight = undefined;
      state.settle(done);
      this.connection.console.log(`${doc.uri}: ${lines.lineCount} lines indexed in ${index.parseMs.toFixed(0)} ms`);
      await this.connection.sendDiagnostics({ uri: doc.uri, version: job.version, diagnostics: diagnostics(index, lines) });
    } catch (err) {
      if (err instanceof CancelledError) return;
      this.connection.console.error(`${doc.uri}: ${(err as Error).stack ?? err}`);
      if (state.inFlight === job) {
        state.inFlight = undefined;
        state.settle(state.current);
      }
    }
  }
}

function fsPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}

/**
 * Over stdio, messages are read by CheckedStreamReader (framing.ts), which skips bad framing and says so on
 * stderr, rather than by vscode-jsonrpc's reader, which goes deaf after it. What createConnection does for
 * --stdio besides is done here too: exit when stdin ends (0 after a shutdown request, as the protocol asks),
 * and keep console output off stdout, which carries the protocol.
 */
function stdioConnection(): Connection {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const connection = createConnection(ProposedFeatures.all, new CheckedStreamReader(process.stdin, log), new StreamMessageWriter(process.stdout));
  let shutdown = false;
  connection.onShutdown(() => {
    shutdown = true;
  });
  const exit = () => process.exit(shutdown ? 0 : 1);
  process.stdin.on('end', exit);
  process.stdin.on('close', exit);
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) console[level] = (...args: unknown[]) => log(format(...args));
  return connection;
}

// createConnection reads --node-ipc / --socket / --pipe from the command line
const connection = process.argv.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all);
new StraceLanguageServer(connection);
connection.listen();
