// The language features, as functions of a LogIndex and the text's lines: every answer is a lookup in the
// index or a look at one line, so none of them depends on the size of the log.

import * as path from 'node:path';
import {
  DiagnosticSeverity, FoldingRangeKind, MarkupKind, SymbolKind,
  type CodeLens, type Diagnostic, type DocumentSymbol, type FoldingRange, type Hover, type Location, type Range,
} from 'vscode-languageserver';
import { formatBytes, hex } from '../core/format';
import { parseStackFrame } from '../core/strace/parser';
import { SYSCALLS, describeConstant, describeFunction, describeSize, isErrno, manPage } from './knowledge';
import { LineKind, type LineSource, type LogIndex } from './logIndex';

export const ANALYZE_COMMAND = 'goMemoryLens.analyzeLog';
export const ANALYZE_TITLE = 'Analyze this log';

/** pid column (`123 ` or `[pid 123] `) and timestamp (`09:21:43.954705 `, `1795771343.099421 `, `0.000123 `) */
const LINE_PREFIX = /^(?:\[pid\s+(\d+)\]\s*|(\d+)\s+)?(?:(?:\d+:\d+:\d+(?:\.\d+)?|\d+\.\d+)\s+)?/;

const line1 = (l: number) => l + 1;
const md = (value: string, range: Range): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range });

interface Word {
  text: string;
  start: number;
  end: number;
}

function wordAt(text: string, ch: number): Word | undefined {
  const isWord = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  let s = Math.min(ch, text.length);
  let e = s;
  while (s > 0 && isWord(text.charCodeAt(s - 1))) s--;
  while (e < text.length && isWord(text.charCodeAt(e))) e++;
  return e > s ? { text: text.slice(s, e), start: s, end: e } : undefined;
}

/** Is offset `at` inside a double-quoted string of the line? */
function inString(text: string, at: number): boolean {
  let inside = false;
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */ && inside) i++;
    else if (c === 34) inside = !inside;
  }
  return inside;
}

function threadSummary(ix: LogIndex, tid: number): string | undefined {
  const t = ix.thread(tid);
  const span = ix.threads.get(tid);
  if (!t && !span) return undefined;
  const parts: string[] = [];
  const isProcess = t ? t.tid === t.tgid : false;
  parts.push(`**${isProcess ? 'process' : 'thread'} ${tid}**${t && !isProcess ? ` of process ${t.tgid}` : ''}`);
  if (t) parts.push(`${t.howReason.toLowerCase().startsWith(howLabel(ix, tid).toLowerCase()) ? '' : `${howLabel(ix, tid)}: `}${t.howReason}${t.createdLine !== undefined && t.how !== 'initial' ? ` (line ${t.createdLine})` : ''}.`);
  if (span) parts.push(`First line ${line1(span.first)}, last line ${line1(span.last)}.`);
  if (t?.stackBytes) parts.push(`Stack: ${formatBytes(t.stackBytes)}${t.guardBytes ? ` + ${formatBytes(t.guardBytes)} guard` : ''}.`);
  if (t?.exitedLine !== undefined) parts.push(`${t.exitSignal ? `Killed by ${t.exitSignal}` : `Exited${t.exitCode !== undefined ? ` with ${t.exitCode}` : ''}`} at line ${t.exitedLine}.`);
  return parts.join('  \n');
}

/** How a thread came to be, in a few words (the outline's detail). */
export function howLabel(ix: LogIndex, tid: number): string {
  const t = ix.thread(tid);
  if (!t) return 'seen in the log';
  if (t.tid === t.tgid && t.tid === ix.model.mainPid && t.how !== 'fork' && t.how !== 'vfork') return 'main thread (execve)';
  switch (t.how) {
    case 'initial': return 'first thread in the log';
    case 'pthread_create': return 'glibc pthread_create';
    case 'go-runtime': return 'Go runtime newosproc';
    case 'fork': return 'fork';
    case 'vfork': return 'vfork';
    case 'clone': return 'clone';
    case 'unknown': return 'origin not in the log';
  }
}

/** The hover for a position, or undefined when there is nothing to say. */
export function hoverAt(ix: LogIndex | undefined, lines: LineSource, line: number, ch: number): Hover | undefined {
  if (line < 0 || line >= lines.lineCount) return undefined;
  const text = lines.lineText(line);
  if (text.startsWith(' > ')) return frameHover(text, line);
  const w = wordAt(text, ch);
  if (!w) return undefined;
  const range: Range = { start: { line, character: w.start }, end: { line, character: w.end } };
  const prefix = LINE_PREFIX.exec(text)![0];
  const pidText = /^\[pid\s+(\d+)\]|^(\d+)\s/.exec(text);

  if (w.start < prefix.length) {
    // the pid column: who is this thread?
    if (pidText && w.text === (pidText[1] ?? pidText[2]) && ix) {
      const s = threadSummary(ix, +w.text);
      return s ? md(s, range) : undefined;
    }
    return undefined;
  }
  if (inString(text, w.start)) return undefined;
  const next = text.charCodeAt(w.end);
  const before = text.slice(0, w.start);

  // a system call: `name(` at the start of the content, or `<... name resumed>`
  if (/^[a-z_][a-z0-9_]*$/.test(w.text) && ((next === 40 && w.start === prefix.length) || (before.endsWith('<... ') && text.startsWith(' resumed>', w.end)))) {
    const what = SYSCALLS[w.text];
    const split = ix && ix.partner[line] >= 0 ? `  \n${ix.kinds[line] === LineKind.Resumed ? `Started at line ${line1(ix.partner[line])}` : `Resumed at line ${line1(ix.partner[line])}`} (another thread's line came in between).` : '';
    return md(`**${w.text}**(2): ${what ?? 'a system call.'} [man](${manPage(w.text)})${split}`, range);
  }
  if (/^[A-Z][A-Z0-9_]*$/.test(w.text)) {
    const what = describeConstant(w.text);
    if (!what) return undefined;
    return md(`${isErrno(w.text) && /= -1 $/.test(before) ? 'errno ' : ''}**${w.text}**: ${what}`, range);
  }
  const isHex = /^0x[0-9a-fA-F]+$/.test(w.text);
  if (!isHex && !/^\d+$/.test(w.text)) return undefined;
  // parts of a float (a -T duration), of an id list or a time are not sizes
  if (text.charCodeAt(w.start - 1) === 46 || next === 46) return undefined;
  const value = isHex ? parseInt(w.text, 16) : parseInt(w.text, 10);

  const child = ix?.children.get(line);
  if (ix && child === value && !isHex) {
    const s = threadSummary(ix, value);
    if (s) return md(`${s}  \nGo to Definition jumps to its first line.`, range);
  }
  const sizeField = /(?:size|len|length)=$/.test(before);
  if (isHex && !sizeField && value >= 0x10000) return md(addressText(ix, w.text, value, line), range);
  const size = describeSize(value);
  if (!size) return undefined;
  let out = `**${w.text}** = ${size.human}${size.usually ? `: usually ${size.usually}.` : ''}`;
  const note = ix ? engineNote(ix, line) : undefined;
  if (note) out += `  \nHere: ${note}`;
  return md(out, range);
}

/** What the engine said about this line's memory or thread event (either half of a split call). */
function engineNote(ix: LogIndex, line: number): string | undefined {
  const e = ix.noteAt(line) ?? (ix.partner[line] >= 0 ? ix.noteAt(ix.partner[line]) : undefined);
  if (!e) return undefined;
  return `${e.op}${e.kind ? ` (${e.kind})` : ''} by thread ${e.tid}: ${e.note}`;
}

function addressText(ix: LogIndex | undefined, token: string, addr: number, line: number): string {
  if (!ix) return `**${token}**: an address (the log is still being read).`;
  const hit = ix.mappingAt(addr, line);
  if (!hit) {
    const p = ix.model.processes.get(ix.thread(ix.pids[line])?.tgid ?? -1);
    const r = p?.space.find(addr);
    if (r) return `**${token}**: in ${r.kind} (${formatBytes(r.end - r.start)} at ${hex(r.start)}): ${r.res.reason}`;
    return `**${token}**: not inside any mapping the log shows being made before this line; the executable, the initial stack and the vDSO are mapped by execve, which the log cannot show.`;
  }
  const r = hit.res;
  const owner = ix.ownerOf(r);
  const parts = [
    `**${token}**: in a **${r.kind}** mapping, ${formatBytes(r.size)} at ${hex(r.addr)}–${hex(r.addr + r.size)}${addr !== r.addr ? ` (offset ${formatBytes(addr - r.addr)})` : ''}, made by thread ${r.tid} at line ${line1(hit.line)}.`,
    r.reason,
  ];
  if (owner !== undefined) parts.push(`It belongs to thread ${owner} (${howLabel(ix, owner)}).`);
  if (r.origin) parts.push(`Asked for by \`${r.origin}\`${r.evidence === 'stack' ? ' (from the -k stack)' : ' (judged by its size and place)'}.`);
  return parts.join('  \n');
}

function frameHover(text: string, line: number): Hover | undefined {
  const f = parseStackFrame(text);
  if (!f) return undefined;
  const range: Range = { start: { line, character: 3 }, end: { line, character: text.length } };
  if (!f.func) return md(`A frame in \`${path.basename(f.object)}\` at ${f.address} with no symbol (stripped, or JIT/cgo code without symbols).`, range);
  const what = describeFunction(f.func);
  return md(`**${f.func}**${f.offset ? `+${f.offset}` : ''} in \`${f.object}\` (${f.address})${what ? `  \n${what}` : ''}`, range);
}

function lineRange(lines: LineSource, line: number): Range {
  return { start: { line, character: 0 }, end: { line, character: lines.lineText(line).length } };
}

/**
 * A log captured without -f has no pid column, so its one process is "0" to the model; the log's own
 * getpid()/gettid() result (within its first lines) says which it was.
 */
export function pidWithoutF(ix: LogIndex, lines: LineSource): number | undefined {
  if (ix.style.pidPrefix !== 'none') return undefined;
  const last = Math.min(ix.lastLine, 20_000);
  for (let l = 0; l <= last; l++) {
    const m = /^(?:[\d:.]+ +)?get(?:pid|tid)\(\) += (\d+)/.exec(lines.lineText(l));
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * The product's own kept logs: their first execve runs a binary in its private build folder
 * (go-memory-lens-PID-XXXXXX), captured with the arguments it chose, so capture advice is not for the reader.
 */
export function isOwnLog(ix: LogIndex): boolean {
  const main = ix.model.mainPid === undefined ? undefined : ix.model.processes.get(ix.model.mainPid);
  return /(^|\/)go-memory-lens-(?:\d+-)?[A-Za-z0-9]{6}\/[^/]+$/.test(main?.exe ?? '');
}

/** Processes and their threads, each thread's range from its first line to its last. */
/**
 * Threads listed in the outline of one process. A log of 10⁵ threads would otherwise cost seconds and tens
 * of MB of JSON per outline request, with the server answering nothing else meanwhile.
 */
const MAX_OUTLINE_THREADS = 5000;

export function documentSymbols(ix: LogIndex, lines: LineSource, maxThreads = MAX_OUTLINE_THREADS): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  // without -f the model's process and thread are "0": name them by the log's own pid, or say why there is none
  const noF = ix.style.pidPrefix === 'none';
  const own = noF ? pidWithoutF(ix, lines) : undefined;
  const shown = (id: number) => (noF && id === 0 ? (own !== undefined ? `${own} (no -f)` : '(no -f)') : String(id));
  for (const p of ix.model.processes.values()) {
    const children: DocumentSymbol[] = [];
    let first = Infinity;
    let last = -1;
    let threads = 0;
    for (const tid of new Set(p.tids)) {
      const span = ix.threads.get(tid);
      if (!span) continue;
      first = Math.min(first, span.first);
      last = Math.max(last, span.last);
      if (++threads > maxThreads) continue;
      children.push({
        name: `thread ${shown(tid)}`,
        detail: howLabel(ix, tid),
        kind: SymbolKind.Function,
        range: { start: { line: span.first, character: 0 }, end: lineRange(lines, span.last).end },
        selectionRange: lineRange(lines, span.first),
      });
    }
    if (last < 0) continue;
    const name = p.exe ? path.basename(p.exe) : p.command ?? '';
    const made = ix.thread(p.pid);
    if (threads > maxThreads) {
      children.push({
        name: `${threads - maxThreads} more threads`,
        detail: `the outline lists the first ${maxThreads}`,
        kind: SymbolKind.Function,
        range: { start: { line: first, character: 0 }, end: lineRange(lines, last).end },
        selectionRange: lineRange(lines, first),
      });
    }
    out.push({
      name: `process ${shown(p.pid)}${name ? ` ${name}` : ''}`,
      detail: `${threads} thread${threads === 1 ? '' : 's'}${made && made.how !== 'initial' && p.pid !== ix.model.mainPid ? `, ${howLabel(ix, p.pid)} by ${made.parentTid}` : ''}`,
      kind: SymbolKind.Module,
      range: { start: { line: first, character: 0 }, end: lineRange(lines, last).end },
      selectionRange: lineRange(lines, first),
      children,
    });
  }
  return out;
}

/** Capture pitfalls, calls that never resumed, lines the parser could not read. */
export function diagnostics(ix: LogIndex, lines: LineSource, opts: { max?: number } = {}): Diagnostic[] {
  const max = opts.max ?? 1000;
  const out: Diagnostic[] = [];
  const at = (line: number, severity: DiagnosticSeverity, message: string, code: string): void => {
    out.push({ range: lineRange(lines, line), severity, message, source: 'strace', code });
  };
  if (ix.model.processes.size === 0) {
    at(0, DiagnosticSeverity.Warning, 'No system call in this file reads as strace output.', 'not-strace');
  }
  if (ix.style.pidPrefix === 'none' && ix.model.processes.size > 0) {
    if (ix.firstThreadCall !== undefined) {
      at(ix.firstThreadCall, DiagnosticSeverity.Warning, 'Captured without -f: the thread or process this call creates was not followed, so its system calls (and its memory) are missing. Capture with strace -f.', 'no-follow');
    } else {
      at(0, DiagnosticSeverity.Information, 'No pid column: if the program has threads, the log was captured without -f and their calls are missing.', 'no-follow');
    }
  }
  if (ix.style.timestamps === 'none' && ix.model.processes.size > 0) {
    at(0, DiagnosticSeverity.Information, 'No timestamps (capture with -tt or -ttt): the timeline can only be ordered by line.', 'no-timestamps');
  }
  // the product's own logs are captured without -s on purpose: -y names the mapped files, strings are not needed
  if (ix.style.truncatedStrings && !isOwnLog(ix)) {
    const first = firstTruncatedString(ix, lines);
    if (first !== undefined) {
      at(first, DiagnosticSeverity.Information, `Strings are cut at strace's -s limit (32 by default)${ix.model.truncatedPaths ? `, ${ix.model.truncatedPaths} file name(s) among them, so those mappings cannot be named` : ''}: capture with -s 4096.`, 'truncated-strings');
    }
  }
  const unended = [...ix.model.processes.values()].filter((p) => !p.ended && p.exitLine === undefined);
  if (unended.length > 0) {
    at(ix.lastLine, DiagnosticSeverity.Warning, `The log ends before ${unended.length === 1 ? `${unended[0].pid === 0 ? 'the traced process' : `process ${unended[0].pid}`} exits` : `processes ${unended.map((p) => p.pid).join(', ')} exit`} (no +++ exited +++ line): it was cut or strace detached, so the report is partial.`, 'no-exit');
  }
  for (const c of ix.lost) {
    if (out.length >= max) break;
    if (c.cause === 'thread-exited') {
      at(c.line, DiagnosticSeverity.Hint, `${c.name} never resumed: thread ${c.pid} exited first (normal for a call in flight at exit).`, 'unfinished');
    } else {
      at(c.line, DiagnosticSeverity.Warning, `${c.name} <unfinished ...> without its resumed half: ${c.cause === 'log-ended' ? 'the log ends first' : 'strace lost it (the thread started another call)'}.`, 'unfinished');
    }
  }
  if (ix.orphanResumed > 0) {
    for (let l = 0; l <= ix.lastLine && out.length < max; l++) {
      if (ix.kinds[l] === LineKind.Resumed && ix.partner[l] < 0) at(l, DiagnosticSeverity.Information, 'Resumed half without its start: the capture began while this call was in flight.', 'orphan-resumed');
    }
  }
  for (const u of ix.unparsed) {
    if (out.length >= max) break;
    at(u.line, DiagnosticSeverity.Warning, `Not read by the parser: ${u.reason}.`, 'unparsed');
  }
  if (ix.unparsedCount > ix.unparsed.length) {
    at(0, DiagnosticSeverity.Warning, `${ix.unparsedCount} lines could not be read; the first ${ix.unparsed.length} are marked.`, 'unparsed');
  }
  return out;
}

/** The first line with a string cut at the -s limit (`"abc"...`): a closing quote followed by `...`. */
function firstTruncatedString(ix: LogIndex, lines: LineSource): number | undefined {
  for (let l = 0; l <= ix.lastLine; l++) {
    const k = ix.kinds[l];
    if (k !== LineKind.Call && k !== LineKind.Unfinished && k !== LineKind.Resumed) continue;
    const t = lines.lineText(l);
    if (!t.includes('"...')) continue;
    for (let i = t.indexOf('"'); i >= 0; i = t.indexOf('"', i + 1)) {
      if (t.charCodeAt(i - 1) === 92) continue;
      if (inString(t, i) && t.startsWith('...', i + 1)) return l;
    }
  }
  return undefined;
}

/** Each split call from its first half to its resumed half (and its stack), and each -k stack block. */
export function foldingRanges(ix: LogIndex, limit = 5000): FoldingRange[] {
  const out: FoldingRange[] = [];
  const stackEnd = (l: number): number => {
    let e = l;
    while (e + 1 < ix.kinds.length && ix.kinds[e + 1] === LineKind.StackFrame) e++;
    return e;
  };
  for (let l = 0; l <= ix.lastLine && out.length < limit; l++) {
    const k = ix.kinds[l];
    if (k === LineKind.Unfinished && ix.partner[l] > l) {
      // through the resumed half's stack, so that the stack block nests inside it
      out.push({ startLine: l, endLine: stackEnd(ix.partner[l]), kind: FoldingRangeKind.Region });
    } else if (k !== LineKind.StackFrame && ix.kinds[l + 1] === LineKind.StackFrame) {
      out.push({ startLine: l, endLine: stackEnd(l + 1), kind: FoldingRangeKind.Region });
    }
  }
  return out;
}

/** From a resumed half to its start (and back), from a clone's returned tid or a pid to the thread's first line. */
export function definitionAt(ix: LogIndex, lines: LineSource, uri: string, line: number, ch: number): Location[] | undefined {
  if (line < 0 || line >= lines.lineCount) return undefined;
  const text = lines.lineText(line);
  const w = wordAt(text, ch);
  const target = (l: number): Location[] => [{ uri, range: lineRange(lines, l) }];
  if (w && /^\d+$/.test(w.text)) {
    const n = +w.text;
    const prefix = LINE_PREFIX.exec(text)![0];
    const isPidColumn = w.start < prefix.length && ix.pids[line] === n;
    if (isPidColumn || ix.children.get(line) === n) {
      const span = ix.threads.get(n);
      if (span && span.first !== line) return target(span.first);
      if (span) return undefined;
    }
  }
  if (ix.partner[line] >= 0) return target(ix.partner[line]);
  return undefined;
}

/** `Analyze this log` at the top; with the binary the first execve ran, when it exists, for ELF accounting. */
export function codeLenses(logFile: string, binary: string | undefined): CodeLens[] {
  const range: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return [{
    range,
    command: {
      title: binary ? `${ANALYZE_TITLE} (with ${path.basename(binary)} for ELF accounting)` : ANALYZE_TITLE,
      command: ANALYZE_COMMAND,
      arguments: binary ? [logFile, binary] : [logFile],
    },
  }];
}
