// The real-output corpus (test/fixtures/corpus, made by scripts/make-corpus.sh): strace logs of ordinary
// programs (node, python3, git, gcc, make, apt-cache, shell pipelines, tar…) under many strace options.
// Every line must be understood (an event, a -k frame of one, a strace message, or empty) or reported as
// unparsed with its reason; nothing may vanish. The share understood is printed per log and in total.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { TraceEvent } from '../../src/core/strace/events';
import { StraceParser, type EntryEvent } from '../../src/core/strace/parser';
import { TraceModel } from '../../src/core/model/model';

const CORPUS = path.join(__dirname, '..', 'fixtures', 'corpus');

interface LogFile {
  name: string;
  text: string;
  fixedPid?: number;
}

/** The corpus logs: `NAME.strace.gz`, or a folder `NAME/` of -ff files `NAME.PID.gz`. */
function corpus(): Array<{ log: string; files: LogFile[] }> {
  const out: Array<{ log: string; files: LogFile[] }> = [];
  for (const entry of readdirSync(CORPUS).sort()) {
    const p = path.join(CORPUS, entry);
    const read = (f: string) => gunzipSync(readFileSync(f)).toString('latin1');
    if (statSync(p).isDirectory()) {
      const files = readdirSync(p).filter((f) => /\.\d+\.gz$/.test(f)).sort().map((f) => ({
        name: f, text: read(path.join(p, f)), fixedPid: parseInt(/\.(\d+)\.gz$/.exec(f)![1], 10),
      }));
      out.push({ log: entry, files });
    } else if (entry.endsWith('.strace.gz')) {
      out.push({ log: entry.replace(/\.strace\.gz$/, ''), files: [{ name: entry, text: read(p) }] });
    }
  }
  return out;
}

interface Account {
  lines: number;
  understood: number;
  unparsed: Array<{ line: number; reason: string; text: string }>;
  /** lines neither understood nor reported: must stay empty */
  lost: Array<{ line: number; text: string }>;
}

/** Parses one file and accounts for every line by what the parser emitted. */
function account(f: LogFile): Account {
  const events: Array<TraceEvent | EntryEvent> = [];
  const parser = new StraceParser({ onEvent: (e) => events.push(e), fixedPid: f.fixedPid, keepUnparsed: Infinity, maxKeptText: Infinity });
  parser.write(f.text);
  parser.end();
  const lines = f.text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  assert.equal(parser.linesRead, lines.length);
  assert.equal(parser.unparsedCount, parser.unparsed.length);
  /** line number → what claimed it */
  const claimed = new Map<number, string>();
  const claim = (line: number, what: string) => {
    const before = claimed.get(line);
    // a call and its entry event share a line; anything else claiming a line twice is an error
    if (before !== undefined && !(before.startsWith('call') && what.startsWith('call'))) assert.fail(`${f.name}:${line} claimed by ${before} and ${what}`);
    claimed.set(line, what);
  };
  for (const e of events) {
    claim(e.line, e.type === 'syscall' || e.type === 'entry' ? `call ${e.name}` : e.type);
    const last = e.type === 'syscall' && e.resumedLine !== undefined ? e.resumedLine : e.line;
    if (e.type === 'syscall' && e.resumedLine !== undefined) claim(e.resumedLine, `call ${e.name} (resumed)`);
    const stack = e.type === 'syscall' || e.type === 'signal' || e.type === 'exit' ? e.stack : undefined;
    if (stack) {
      // -k frames follow the line that completed the call, signal or exit
      stack.forEach((_, k) => {
        assert.ok(lines[last + k].startsWith(' > '), `${f.name}:${last + k + 1} is a frame of line ${last}`);
        claim(last + k + 1, 'frame');
      });
    }
  }
  for (const u of parser.unparsed) claim(u.line, 'unparsed');
  const messages = new Set(parser.straceMessages);
  const lost: Account['lost'] = [];
  let understood = 0;
  lines.forEach((text, k) => {
    const what = claimed.get(k + 1);
    if (what === 'unparsed') return;
    if (what !== undefined || text === '') understood++;
    else if (/strace: /.test(text) && messages.has(text.slice(text.indexOf('strace: ') + 8))) understood++;
    else lost.push({ line: k + 1, text });
  });
  return { lines: lines.length, understood, unparsed: parser.unparsed, lost };
}

const table: Array<[string, number, number, string]> = [];
after(() => {
  const total = table.reduce((a, r) => [a[0] + r[1], a[1] + r[2]], [0, 0]);
  const rows = [...table, ['total', total[0], total[1], ''] as [string, number, number, string]];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`\ncorpus: lines understood\n${rows.map(([log, lines, ok, reasons]) => `  ${log.padEnd(w)}  ${String(ok).padStart(6)} / ${String(lines).padStart(6)}  ${((100 * ok) / Math.max(1, lines)).toFixed(2).padStart(6)} %${reasons ? '  ' + reasons : ''}`).join('\n')}`);
});

describe('corpus of real strace output', () => {
  const logs = corpus();
  it('the accounting notices a line that no event, frame or unparsed record accounts for', () => {
    // the middle piece of a call resumed and cut again is joined into the call, but no event field names its line
    const a = account({ name: 'recut', text: '1 read(3, <unfinished ...>\n1 <... read resumed>"a" <unfinished ...>\n1 <... read resumed>) = 1\n\n1 close(3) = 0\n' });
    assert.deepEqual([a.lines, a.understood, a.unparsed, a.lost], [5, 4, [], [{ line: 2, text: '1 <... read resumed>"a" <unfinished ...>' }]]);
    const b = account({ name: 'bad', text: '1 close(3) = 0\nnot strace\n' });
    assert.deepEqual([b.understood, b.unparsed.map((u) => [u.line, u.reason]), b.lost], [1, [[2, 'not a system call, signal, exit or strace message']], []]);
  });
  it('holds a dozen logs or more', () => {
    assert.ok(logs.length >= 12, `${logs.length} logs`);
  });
  for (const { log, files } of logs) {
    it(`${log}: every line understood or reported with its reason; the model stays consistent`, () => {
      let lines = 0;
      let understood = 0;
      const reasons = new Map<string, number>();
      for (const f of files) {
        const a = account(f);
        assert.deepEqual(a.lost, [], `${f.name}: lines neither understood nor reported`);
        lines += a.lines;
        understood += a.understood;
        for (const u of a.unparsed) reasons.set(u.reason, (reasons.get(u.reason) ?? 0) + 1);
        // the model takes the whole log without an inconsistent address space
        const model = new TraceModel();
        const parser = new StraceParser({ fixedPid: f.fixedPid, onEvent: (e) => model.onEvent(e) });
        parser.write(f.text);
        parser.end();
        model.finish();
        for (const p of model.processes.values()) assert.equal(p.space.check(), undefined, `${f.name}: process ${p.pid}`);
        assert.ok(model.syscallCount > 0);
      }
      table.push([log, lines, understood, [...reasons].map(([r, n]) => `${n}× ${r}`).join('; ')]);
      assert.ok(lines > 0);
      assert.deepEqual(Object.fromEntries(reasons), {}, 'every line understood');
    });
  }
});
