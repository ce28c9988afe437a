// The real dist/server.js over stdio, driven the way an editor drives it: initialize, didOpen a fixture,
// then hover, documentSymbol, foldingRange, definition and codeLens at positions found in the fixture's
// text, and the diagnostics it publishes. `npm run test:lsp` builds first.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CodeLens, Diagnostic, DocumentSymbol, FoldingRange, Hover, Location, PublishDiagnosticsParams } from 'vscode-languageserver';
import { LspClient } from './lspClient';

const LOGS = path.resolve(__dirname, '..', 'fixtures', 'logs');

interface Doc {
  uri: string;
  lines: string[];
}

let version = 0;

function open(client: LspClient, file: string, text = readFileSync(file, 'latin1')): Doc {
  const uri = pathToFileURL(file).href;
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'strace', version: ++version, text } });
  return { uri, lines: text.split('\n') };
}

/** 0-based line of the first line matching, and the column of `word` on it (nth occurrence). */
function at(doc: Doc, re: RegExp, word: string, nth = 0): { line: number; character: number } {
  const line = doc.lines.findIndex((l) => re.test(l));
  assert.ok(line >= 0, `no line matches ${re}`);
  let c = -1;
  for (let i = 0; i <= nth; i++) c = doc.lines[line].indexOf(word, c + 1);
  assert.ok(c >= 0, `"${word}" not on line ${line + 1}`);
  return { line, character: c + 1 };
}

function firstLineOf(doc: Doc, tid: number): number {
  return doc.lines.findIndex((l) => l.startsWith(`${tid} `) || l.startsWith(`[pid ${tid}] `));
}

async function hover(client: LspClient, doc: Doc, pos: { line: number; character: number }): Promise<string> {
  const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: doc.uri }, position: pos });
  return h ? (h.contents as { value: string }).value : '';
}

const diagnosticsOf = (client: LspClient, doc: Doc, v?: number): Promise<Diagnostic[]> =>
  client.notification<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (p) => p.uri === doc.uri && (v === undefined || p.version === v))
    .then((p) => p.diagnostics);

describe('strace language server over stdio', () => {
  let client: LspClient;
  let cgo: Doc;
  let tmp: string;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gml-lsp-'));
    client = new LspClient();
    const init = await client.initialize();
    assert.deepEqual(init.capabilities.textDocumentSync, { openClose: true, change: 2 }, 'incremental sync');
    cgo = open(client, path.join(LOGS, 'cgo-default-go1.23.strace'));
  });

  after(async () => {
    const code = await client.shutdown();
    assert.equal(code, 0, client.stderr.join(''));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('hovers explain syscalls, flags, sizes, errnos and addresses', async () => {
    const stack = /mmap\(NULL, 8392704, PROT_NONE/;
    assert.match(await hover(client, cgo, at(cgo, stack, 'mmap')), /\*\*mmap\*\*\(2\): Maps memory/);
    assert.match(await hover(client, cgo, at(cgo, stack, '8392704')), /8 MiB \+ 4 KiB: usually a glibc thread stack.*\n.*Here: mmap \(thread-stack\) by thread 30244/s);
    assert.match(await hover(client, cgo, at(cgo, stack, 'MAP_STACK')), /\*\*MAP_STACK\*\*: Meant as a thread stack/);
    assert.match(await hover(client, cgo, at(cgo, stack, 'PROT_NONE')), /reserved address space/);
    // the address mmap returned: the engine's classification and the thread whose stack it became
    const addr = await hover(client, cgo, at(cgo, stack, '0x7'));
    assert.match(addr, /in a \*\*thread-stack\*\* mapping, 8 MiB \+ 4 KiB at 0x7f1e6b5ff000–0x7f1e6be00000, made by thread 30244/);
    assert.match(addr, /belongs to thread 30246 \(glibc pthread_create\)/);
    const arena = /mmap\(NULL, 134217728/;
    assert.match(await hover(client, cgo, at(cgo, arena, '134217728')), /128 MiB: usually a glibc malloc arena reservation/);
    assert.match(await hover(client, cgo, at(cgo, arena, 'MAP_NORESERVE')), /Do not reserve swap/);
    assert.match(await hover(client, cgo, at(cgo, /clone3\(/, 'CLONE_SETTLS')), /thread-local storage/);
    assert.match(await hover(client, cgo, at(cgo, /= -1 ENOENT/, 'ENOENT')), /^errno \*\*ENOENT\*\*: No such file/);
    // the pid column: how the thread was made
    assert.match(await hover(client, cgo, { line: firstLineOf(cgo, 30247), character: 2 }), /\*\*thread 30247\*\* of process 30244.*glibc pthread_create: clone3/s);
    // timestamps and durations are not sizes
    assert.equal(await hover(client, cgo, { line: 0, character: 10 }), '');
    assert.equal(await hover(client, cgo, { line: 0, character: cgo.lines[0].length - 3 }), '');
  });

  it('the outline lists the process and its threads, with how each was made, at each thread\'s first line', async () => {
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: cgo.uri } });
    assert.equal(symbols.length, 1);
    assert.equal(symbols[0].name, 'process 30244 cgo-default-go1.23');
    const threads = symbols[0].children!;
    assert.deepEqual(threads.map((t) => t.name), ['thread 30244', 'thread 30246', 'thread 30247', 'thread 30248', 'thread 30249', 'thread 30250']);
    assert.equal(threads[0].detail, 'main thread (execve)');
    for (const t of threads.slice(1)) {
      assert.equal(t.detail, 'glibc pthread_create');
      assert.equal(t.selectionRange.start.line, firstLineOf(cgo, +t.name.split(' ')[1]), t.name);
    }
    const native = open(client, path.join(LOGS, 'native-default-go1.23.strace'));
    const ns = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: native.uri } });
    const details = new Set(ns[0].children!.slice(1).map((t) => t.detail));
    assert.deepEqual([...details], ['Go runtime newosproc'], 'a pure Go program makes its threads with newosproc');
  });

  it('folds each split call and each -k stack block', async () => {
    const ranges = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: cgo.uri } });
    // "30244 … rt_sigprocmask(…, <unfinished ...>" then "30244 … <... rt_sigprocmask resumed>"
    const start = cgo.lines.findIndex((l) => l.startsWith('30244 ') && l.includes('rt_sigprocmask(') && l.endsWith('<unfinished ...>'));
    const resumed = cgo.lines.findIndex((l, i) => i > start && l.startsWith('30244 ') && l.includes('<... rt_sigprocmask resumed>'));
    assert.ok(ranges.some((r) => r.startLine === start && r.endLine === resumed), `no fold ${start}-${resumed}`);

    const stacks = open(client, path.join(LOGS, 'native-default-go1.23.stacks.strace'));
    const sr = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: stacks.uri } });
    const call = stacks.lines.findIndex((l, i) => !l.startsWith(' > ') && stacks.lines[i + 1]?.startsWith(' > '));
    let end = call + 1;
    while (stacks.lines[end + 1]?.startsWith(' > ')) end++;
    assert.ok(sr.some((r) => r.startLine === call && r.endLine === end), `no fold of the stack ${call}-${end}`);
    // and a frame's hover names its function
    const frame = at(stacks, /^ > .*\(runtime\.newosproc\+/, 'newosproc');
    assert.match(await hover(client, stacks, frame), /\*\*runtime\.newosproc\*\*\+0x[0-9a-f]+ in .*Go runtime: creates an OS thread/s);
  });

  it('goes from a resumed half to its start, and from a clone\'s returned tid to the thread\'s first line', async () => {
    const resumed = at(cgo, /<\.\.\. clone3 resumed>/, 'clone3');
    const start = cgo.lines.findIndex((l, i) => i < resumed.line && l.startsWith('30244 ') && l.includes('clone3(') && l.endsWith('<unfinished ...>') && !cgo.lines.slice(i + 1, resumed.line).some((x) => x.includes('<... clone3 resumed>')));
    const def = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: cgo.uri }, position: resumed });
    assert.equal(def[0].uri, cgo.uri);
    assert.equal(def[0].range.start.line, start);
    const tid = +/\) = (\d+)/.exec(cgo.lines[resumed.line])![1];
    const toChild = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: cgo.uri }, position: at(cgo, new RegExp(`<\\.\\.\\. clone3 resumed>.* = ${tid}`), ` ${tid}`) });
    assert.equal(toChild[0].range.start.line, firstLineOf(cgo, tid));
  });

  it('puts "Analyze this log" at the top, with the binary the first execve ran when it is there', async () => {
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: cgo.uri } });
    assert.equal(lenses.length, 1);
    assert.equal(lenses[0].range.start.line, 0);
    assert.equal(lenses[0].command!.title, 'Analyze this log');
    assert.equal(lenses[0].command!.command, 'goMemoryLens.analyzeLog');
    assert.deepEqual(lenses[0].command!.arguments, [path.join(LOGS, 'cgo-default-go1.23.strace')]);
    // execve("./cgo-default-go1.23", …): a file of that name beside the log is the binary
    const log = path.join(tmp, 'cgo.strace');
    copyFileSync(path.join(LOGS, 'cgo-default-go1.23.strace'), log);
    writeFileSync(path.join(tmp, 'cgo-default-go1.23'), '');
    const doc = open(client, log);
    const [lens] = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: doc.uri } });
    assert.match(lens.command!.title, /^Analyze this log \(with cgo-default-go1\.23/);
    assert.deepEqual(lens.command!.arguments, [log, path.join(tmp, 'cgo-default-go1.23')]);
  });

  it('a fixture read whole gives no warning; a capture without timestamps says so', async () => {
    const diags = await diagnosticsOf(client, cgo);
    assert.deepEqual(diags.filter((d) => d.severity! <= 2), [], 'no error or warning on a complete -f -tt -T log');
    const cut = diags.find((d) => d.code === 'truncated-strings');
    assert.ok(cut && /-s 4096/.test(cut.message));
    assert.match(cgo.lines[cut.range.start.line], /"\.\.\./);
    const plain = open(client, path.join(LOGS, 'cgo-default-go1.23.plain.strace'));
    const pd = await diagnosticsOf(client, plain);
    assert.ok(pd.some((d) => d.code === 'no-timestamps' && d.range.start.line === 0), JSON.stringify(pd));
  });

  it('diagnoses a capture without -f, a log cut mid-call, and lines the parser cannot read', async () => {
    const text = [
      'execve("./prog", ["./prog"], 0x7ffd /* 3 vars */) = 0',
      'mmap(NULL, 8392704, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0) = 0x7f0000000000',
      'clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f00007ff910, parent_tid=0x7f00007ff910, exit_signal=0, stack=0x7f0000000000, stack_size=0x7fff00, tls=0x7f00007ff640} => {parent_tid=[101]}, 88) = 101',
      'this is program output, not strace',
      'futex(0x7f00007ff910, FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, 101, NULL, FUTEX_BITSET_MATCH_ANY <unfinished ...>',
      '',
    ].join('\n');
    const doc = open(client, path.join(tmp, 'nof.strace'), text);
    const diags = await diagnosticsOf(client, doc);
    const by = (code: string) => diags.filter((d) => d.code === code);
    assert.equal(by('no-follow')[0]?.range.start.line, 2, 'at the clone whose thread is missing');
    assert.match(by('no-follow')[0].message, /without -f/);
    assert.equal(by('no-timestamps').length, 1);
    assert.equal(by('unparsed')[0]?.range.start.line, 3);
    assert.match(by('unparsed')[0].message, /^Not read by the parser: not a system call, signal, exit or strace message/);
    assert.equal(by('unfinished')[0]?.range.start.line, 4);
    assert.match(by('unfinished')[0].message, /without its resumed half: the log ends first/);
    assert.match(by('no-exit')[0]?.message ?? '', /ends before the traced process exits/);

    // an edit at the top (incremental sync): the index follows, every diagnostic moves down one line
    client.notify('textDocument/didChange', {
      textDocument: { uri: doc.uri, version: ++version },
      contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'strace: Process 100 attached\n' }],
    });
    const moved = await diagnosticsOf(client, doc, version);
    assert.equal(moved.find((d) => d.code === 'unparsed')?.range.start.line, 4);
    assert.equal(moved.find((d) => d.code === 'unfinished')?.range.start.line, 5);
    assert.match(await hover(client, doc, { line: 5, character: 2 }), /\*\*futex\*\*\(2\)/);
  });

  it('clears the diagnostics of a closed log', async () => {
    const doc = open(client, path.join(tmp, 'bad.strace'), 'garbage\n');
    assert.equal((await diagnosticsOf(client, doc)).length, 2);
    client.notify('textDocument/didClose', { textDocument: { uri: doc.uri } });
    assert.deepEqual(await diagnosticsOf(client, doc), []);
  });
});
