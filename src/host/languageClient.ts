// Starts the strace language server (dist/server.js) in its own Node process over node-ipc, so that indexing a
// large log never blocks the extension host. The server owns every strace feature: hovers, outline,
// diagnostics, folding, go to definition and the "Analyze this log" lens (which runs goMemoryLens.analyzeLog).
// The extension also activates for Go files, so the server starts only once a strace log is open.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

export function startStraceLanguageClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable {
  const module = context.asAbsolutePath('dist/server.js');
  const server: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const client: LanguageClientOptions = {
    documentSelector: [{ language: 'strace', scheme: 'file' }, { language: 'strace', scheme: 'untitled' }],
    // the server's own log lines join the extension's channel rather than opening another one
    outputChannel: log,
  };
  const lc = new LanguageClient('goMemoryLens.strace', 'Go Memory Lens: strace logs', server, client);
  let started = false;
  const startFor = (doc: vscode.TextDocument): void => {
    if (started || doc.languageId !== 'strace') return;
    started = true;
    lc.start().catch((err: Error) => log.error(`the strace language server did not start: ${err.message}`));
  };
  const opened = vscode.workspace.onDidOpenTextDocument(startFor);
  vscode.workspace.textDocuments.forEach(startFor);
  return {
    dispose: () => {
      opened.dispose();
      if (started) void lc.stop();
    },
  };
}
