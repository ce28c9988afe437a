// The side-by-side table and its Markdown export, from reports of real logs: how each variant ended, and
// names (from files, libraries, settings) that must stay text.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyzeLog } from '../../src/core/analyze';
import { makeReport } from '../../src/core/investigate';
import { renderMarkdown } from '../../src/core/report/exports';
import { comparisonRows, escapeMarkdownCell, exitStatus, markdownTable, renderBreakdown, renderTable } from '../../src/core/report/table';
import { fourVariantReport, LONG_PARTIAL } from './helpers/fourVariants';
import type { Report, RunReport, VariantReport } from '../../src/protocol/report';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');

async function variant(name: string, base: string): Promise<VariantReport> {
  const kernel = JSON.parse(readFileSync(path.join(LOGS, `${base}.proc.json`), 'utf8'));
  return analyzeLog(path.join(LOGS, `${base}.strace`), { name, kernel });
}

function withRun(v: VariantReport, run: Partial<RunReport>): VariantReport {
  return { ...v, run: { variant: v.name, ...run } as RunReport };
}

let clean: VariantReport;
before(async () => {
  clean = await variant('pure', 'net-pure-go1.23');
});

describe('the exit row', () => {
  it('is absent when every variant exited 0', () => {
    const r = makeReport('investigation', [withRun(clean, { exitCode: 0, output: '' }), withRun({ ...clean, name: 'b' }, { exitCode: 0, output: 'ok\n' })]);
    assert.equal(comparisonRows(r).find((x) => x.label === 'exit'), undefined);
  });

  it('shows a panic, a signal the runtime caught (cgo SIGSEGV), a kill and a timeout, first in the table', () => {
    const runs: Array<[Partial<RunReport>, string]> = [
      [{ exitCode: 0, output: 'hello\n' }, '0'],
      [{ exitCode: 2, output: 'starting\npanic: boom\n\ngoroutine 1 [running]:\nmain.main()\n' }, '2 (panic)'],
      [{ exitCode: 2, output: 'panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x45]\n' }, '2 (panic)'],
      [{ exitCode: 2, output: 'fatal error: unexpected signal during runtime execution\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x7f]\n\nruntime stack:\n' }, '2 (SIGSEGV)'],
      [{ exitCode: 2, output: 'SIGABRT: abort\nPC=0x7f signal arrived during cgo execution\n' }, '2 (SIGABRT)'],
      [{ exitCode: 2, output: 'fatal error: all goroutines are asleep - deadlock!\n' }, '2 (fatal error)'],
      [{ exitCode: null, signal: 'SIGSEGV', output: '' }, 'SIGSEGV'],
      [{ exitCode: null, signal: 'SIGKILL', timedOut: true, output: 'sleeping\n' }, 'SIGKILL (timeout)'],
      [{ exitCode: 3, output: 'usage: prog\n' }, '3'],
    ];
    const r = makeReport('investigation', runs.map(([run], i) => withRun({ ...clean, name: `v${i}` }, run)));
    const rows = comparisonRows(r);
    assert.equal(rows[0].label, 'exit');
    assert.deepEqual(rows[0].cells, runs.map(([, want]) => want));
    assert.match(renderTable(r).split('\n')[2], /^exit +0 +2 \(panic\) +2 \(panic\) +2 \(SIGSEGV\)/);
    assert.match(markdownTable(r).split('\n')[2], /^\| exit \| 0 \| 2 \(panic\) \|/);
  });

  it('without a run (an analyzed log), from the main process\'s exit in the log', () => {
    const p = clean.processes[0];
    const killed: VariantReport = { ...clean, name: 'k', processes: [{ ...p, exitCode: undefined, exitSignal: 'SIGSEGV' }, ...clean.processes.slice(1)] };
    const failed: VariantReport = { ...clean, name: 'f', processes: [{ ...p, exitCode: 1 }, ...clean.processes.slice(1)] };
    assert.equal(exitStatus(clean), undefined);
    assert.equal(exitStatus(killed), 'SIGSEGV');
    assert.equal(exitStatus(failed), '1');
    assert.deepEqual(comparisonRows(makeReport('analysis', [clean, killed, failed]))[0], { label: 'exit', cells: ['0', 'SIGSEGV', '1'] });
  });
});

describe('the Markdown export keeps names as text', () => {
  const HOSTILE = ['<img src=x onerror=alert(1)>', 'a|b', '`code`', '**bold**', '_em_', '[link](http://x)', 'x & y', '~~s~~', 'back\\slash', 'two\nlines'];

  it('escapes HTML and Markdown in every cell, so each row keeps its columns', () => {
    const vs = HOSTILE.map((name, i) => {
      const p = clean.processes[0];
      return { ...clean, name, processes: [{ ...p, libraries: [`/lib/lib${i}<script>|*_.so`] }, ...clean.processes.slice(1)] };
    });
    const md = markdownTable(makeReport('analysis', vs));
    const lines = md.split('\n');
    // every row: as many cell separators as the header (escaped pipes do not count)
    const columns = (l: string) => l.split(/(?<!\\)\|/).length;
    for (const l of lines) assert.equal(columns(l), HOSTILE.length + 3, l);
    assert.doesNotMatch(md, /<(?!br)/, 'no raw "<" survives');
    assert.doesNotMatch(md, /(?<!\\)`/);
    assert.match(lines[0], /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(lines[0], /a\\\|b/);
    assert.match(lines[0], /\\\*\\\*bold\\\*\\\*/);
    assert.match(lines[0], /\\\[link\\\]\(http:\/\/x\)/);
    assert.match(lines[0], /x &amp; y/);
    assert.match(lines[0], /two lines/);
    const libs = lines.find((l) => l.startsWith('| shared libraries'))!;
    assert.match(libs, /lib0&lt;script&gt;\\\|\\\*\\_\.so/);
    // the whole document too: the only markup is its own <sub> footer
    const doc = renderMarkdown({ ...makeReport('analysis', vs), package: 'pkg/<img src=x onerror=alert(1)>' });
    assert.doesNotMatch(doc.replace(/<\/?sub>/g, ''), /<(?!br)/, 'no raw "<" in the document');
    assert.match(doc, /^# Go Memory Lens: &lt;img src=x onerror=alert\(1\)&gt;$/m);
  });

  it('escapeMarkdownCell leaves plain text alone, and the smallest value gets a plain ✓ (no bold)', () => {
    assert.equal(escapeMarkdownCell('1197.2 MiB (+0.00%)'), '1197.2 MiB (+0.00%)');
    assert.equal(escapeMarkdownCell('reserved PROT_NONE'), 'reserved PROT\\_NONE');
    const r: Report = makeReport('analysis', [clean, { ...clean, name: 'b', processes: [{ ...clean.processes[0], vsizeAtExit: 1 }] }]);
    assert.match(markdownTable(r), /\| VSZ at exit \(model\) \| [\d.]+ MiB \| 0\.0 MiB ✓ \|/);
    assert.doesNotMatch(renderMarkdown(r), /\*\*✓/);
  });
});

describe('the text table for a terminal', () => {
  it('four variants and a long partial note stay within 120 columns; the note goes below the table, whole', async () => {
    const r = await fourVariantReport();
    const text = renderTable(r);
    const lines = text.split('\n');
    for (const l of lines) assert.ok(l.length <= 120, `${l.length} columns: ${l}`);
    assert.match(lines[0], /^ +default +pure +netgo +netcgo$/);
    assert.equal(lines.find((l) => l.startsWith('note')), undefined, 'no note row in the table');
    // the note, below: every word of it, in order
    const below = lines.slice(lines.indexOf('(* smallest)') + 1).join(' ').replace(/\s+/g, ' ').trim();
    assert.equal(below, `netcgo: partial: ${LONG_PARTIAL.join('; ')}`);
    // a long cell wraps inside its column instead of widening the table
    const narrow = renderTable(r, 100).split('\n');
    for (const l of narrow) assert.ok(l.length <= 100, `${l.length} columns: ${l}`);
    const dns = narrow.findIndex((l) => l.startsWith('DNS resolver'));
    assert.match(narrow[dns] + narrow[dns + 1], /cgo \(libc.*getaddrinfo\)/, 'the DNS cell wraps onto a second line of its own column');
    assert.match(narrow[dns + 1], /^ {12}/, 'the second line leaves the label column empty');  });

  it('the breakdown under it speaks MiB like the table, never GiB', async () => {
    const text = renderBreakdown(await fourVariantReport());
    assert.match(text, /^default: 1485\.5 MiB virtual at exit_group \(line \d+\)$/m);
    assert.match(text, /other Go runtime: 14 totalling 1131 MiB/);
    assert.doesNotMatch(text, /GiB/);
  });
});
