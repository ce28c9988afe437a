// Two lenses above every `func main()` of a `package main` file. Where a Go language server has symbols for
// the file they decide where main is; otherwise (or while it starts) a light scan of the text does.
import * as vscode from 'vscode';
import { isCandidateFile, scanGoFile } from '../core/goSource';
import { Disposable } from './disposable';

export const CMD_INVESTIGATE = 'goMemoryLens.investigate';
export const CMD_TRACE = 'goMemoryLens.trace';

/** How long to wait for the language server's symbols before falling back to the scan. */
const SYMBOL_WAIT_MS = 1500;

export class MainFuncLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly enabled: () => boolean) {
    super();
    // symbols arrive a little after an edit; text changes and setting changes both refresh the lenses
    this._register(vscode.workspace.onDidChangeTextDocument((e) => { if (e.document.languageId === 'go') this.changed.fire(); }));
  }

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!this.enabled() || doc.uri.scheme !== 'file') return [];
    const text = doc.getText();
    const facts = scanGoFile(text);
    if (!isCandidateFile(doc.fileName, facts)) return [];
    const ranges = (await this.symbolRanges(doc, token)) ?? facts.mains.map((m) => new vscode.Range(m.line, m.character, m.line, m.character));
    if (token.isCancellationRequested) return [];
    return ranges.flatMap((range) => [
      new vscode.CodeLens(range, { title: '$(pulse) Investigate memory: cgo vs pure Go', command: CMD_INVESTIGATE, arguments: [doc.uri], tooltip: 'Build this package in every configured variant, trace each under strace and compare where virtual memory and threads come from' }),
      new vscode.CodeLens(range, { title: '$(terminal) Trace this build', command: CMD_TRACE, arguments: [doc.uri], tooltip: 'Build one variant and run it under strace in a terminal' }),
    ]);
  }

  /** main's range from the document symbols, or undefined when no provider answers in time. */
  private async symbolRanges(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.Range[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const symbols = await Promise.race([
        vscode.commands.executeCommand<Array<vscode.DocumentSymbol | vscode.SymbolInformation> | undefined>('vscode.executeDocumentSymbolProvider', doc.uri),
        new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), SYMBOL_WAIT_MS); }),
      ]);
      if (!symbols || symbols.length === 0 || token.isCancellationRequested) return undefined;
      const mains = symbols.filter((s) => s.name === 'main' && s.kind === vscode.SymbolKind.Function);
      return mains.map((s) => {
        const r = 'selectionRange' in s ? s.range : s.location.range;
        return new vscode.Range(r.start.line, 0, r.start.line, 0);
      });
    } catch {
      return undefined;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
