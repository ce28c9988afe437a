// Times the strace language server on a big log: the initial index and hovers, in process (src/server/index.ts)
// and over stdio against dist/server.js, the way an editor sees them.
// Usage: node --import tsx scripts/make-big-log.ts && npm run build && node --import tsx scripts/bench-lsp.ts [LOG]
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hover } from 'vscode-languageserver';
import { LogSession } from '../src/server/index';
import { LspClient } from '../test/lsp/lspClient';

const file = process.argv[2] ?? path.join(__dirname, '..', 'bench', 'data', 'big.strace');
const text = readFileSync(file, 'latin1');
const lines = text.split('\n');
const mb = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;

/** Positions near the end of the log, where an index-less lookup would cost the most. */
function probes(): Array<{ what: string; line: number; character: number }> {
  const out: Array<{ what: string; line: number; character: number }> = [];
  const want: Array<[string, RegExp, (l: string) => number]> = [
    ['mmap address', /mmap\(NULL, 8392704.* = 0x/, (l) => l.lastIndexOf('0x') + 3],
    ['size', /mmap\(NULL, 134217728/, (l) => l.indexOf('134217728') + 2],
    ['flag', /MAP_NORESERVE/, (l) => l.indexOf('MAP_NORESERVE') + 2],
    ['syscall', /<\.\.\. clone3 resumed>/, (l) => l.indexOf('clone3') + 2],
    ['pid column', /^\d+ /, () => 2],
    ['-k frame', /^ > /, () => 5],
  ];
  for (const [what, re, col] of want) {
    for (let i = lines.length - 1; i >= 0; i--) {
      if (re.test(lines[i])) {
        out.push({ what, line: i, character: col(lines[i]) });
        break;
      }
    }
  }
  return out;
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(2)} ms, max ${s[s.length - 1].toFixed(2)} ms`;
}

async function inProcess(): Promise<void> {
  const t0 = performance.now();
  const session = await LogSession.open(text);
  const parse = performance.now() - t0;
  console.log(`in process: ${mb(text.length)}, ${lines.length} lines indexed in ${parse.toFixed(0)} ms (heap ${mb(process.memoryUsage().heapUsed)})`);
  for (const p of probes()) {
    const times: number[] = [];
    let h: Hover | undefined;
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      h = session.hover(p.line, p.character);
      times.push(performance.now() - t);
    }
    const first = ((h?.contents as { value?: string })?.value ?? '(none)').split('\n')[0].slice(0, 90);
    console.log(`  hover ${p.what} (line ${p.line + 1}): ${stats(times)}  ${first}`);
  }
  for (const [name, fn] of [['outline', () => session.symbols().length], ['diagnostics', () => session.diagnostics().length], ['folding', () => session.folding().length]] as const) {
    const t = performance.now();
    const n = fn();
    console.log(`  ${name}: ${n} items in ${(performance.now() - t).toFixed(0)} ms`);
  }
}

async function overStdio(): Promise<void> {
  const client = new LspClient();
  await client.initialize();
  const uri = pathToFileURL(file).href;
  const t0 = performance.now();
  const diagnostics = client.notification('textDocument/publishDiagnostics', (p: { uri: string }) => p.uri === uri);
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'strace', version: 1, text } });
  // a hover sent with the document waits for its index: the time until the log is usable
  const first = probes()[0];
  await client.request('textDocument/hover', { textDocument: { uri }, position: first });
  console.log(`over stdio: didOpen → first hover answered in ${(performance.now() - t0).toFixed(0)} ms`);
  await diagnostics;
  const logged = await client.notification<{ message: string }>('window/logMessage', (m) => / indexed in /.test(m.message));
  console.log(`  the server says: ${logged.message.replace(/^.*: /, '')} (the rest is sending and decoding the 100 MB didOpen)`);
  for (const p of probes()) {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await client.request('textDocument/hover', { textDocument: { uri }, position: p });
      times.push(performance.now() - t);
    }
    console.log(`  hover ${p.what}: ${stats(times)}`);
  }
  const t = performance.now();
  await client.request('textDocument/documentSymbol', { textDocument: { uri } });
  console.log(`  documentSymbol: ${(performance.now() - t).toFixed(0)} ms`);
  await client.shutdown();
}

(async () => {
  await inProcess();
  await overStdio();
})();
