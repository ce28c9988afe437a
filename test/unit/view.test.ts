// What the panel shows, computed from reports of real logs (the net sample's default, pure and netgo
// builds captured on this machine kind, with the kernel's figures at exit), and the exports.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyzeLog } from '../../src/core/analyze';
import { makeReport } from '../../src/core/investigate';
import { chromeTrace, jsonForHtml, standaloneHtml } from '../../src/core/report/exports';
import { breakdown, comparison, filterEvents, narrows, threadLanes, timeline, variantFacts, verdict } from '../../src/core/report/view';
import { suggestions } from '../../src/core/report/suggestions';
import type { Report, VariantReport } from '../../src/protocol/report';
import { fourVariantReport } from './helpers/fourVariants';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');
const MiB = 1024 * 1024;

async function fixtureReport(names: Array<[string, string]>): Promise<Report> {
  const vs = [];
  for (const [variant, base] of names) {
    const kernel = JSON.parse(readFileSync(path.join(LOGS, `${base}.proc.json`), 'utf8'));
    vs.push(await analyzeLog(path.join(LOGS, `${base}.strace`), { name: variant, kernel }));
  }
  return makeReport('analysis', vs);
}

let net: Report;
before(async () => {
  net = await fixtureReport([['default', 'net-default-go1.23'], ['pure', 'net-pure-go1.23'], ['netgo', 'net-netgo-go1.23']]);
});

describe('verdict', () => {
  it('names the bigger build, the difference and what makes it up, from the report\'s own numbers', () => {
    const [d, p] = [net.variants[0].processes[0], net.variants[1].processes[0]];
    const v = verdict(net);
    assert.match(v, /^The default \(cgo\) build reserves /);
    assert.ok(v.includes(`${((d.vsizeAtExit - p.vsizeAtExit) / MiB).toFixed(1)} MiB more virtual memory than`), v);
    assert.ok(v.includes(`${d.categories['thread-stack']!.count} thread stacks`), v);
    assert.ok(v.includes(`${d.categories['malloc-arena']!.count} malloc arenas (${d.categories['malloc-arena']!.bytes / MiB} MiB)`), v);
    assert.match(v, /resident memory differs by \d+\.\d MiB\.$/);
  });

  it('one variant: its own size, threads and arenas', () => {
    const one = makeReport('analysis', [net.variants[0]]);
    assert.match(verdict(one), /^default: \d+\.\d MiB of virtual memory at exit_group; the kernel says \d+\.\d MiB, \d+ threads \(4 with glibc 8 MiB stacks\), 4 malloc arenas\.$/);
  });
});

describe('variantFacts', () => {
  it('says what each variant is: its env, tags and ldflags, then what it ran', () => {
    const d = net.variants[0];
    const custom: VariantReport = { ...d, name: 'arena1', run: { variant: 'arena1', env: { MALLOC_ARENA_MAX: '1' }, tags: ['netgo', 'osusergo'], ldflags: '-s -w', goVersion: 'go1.23.5', linkage: 'static' } };
    assert.deepEqual(variantFacts(custom).slice(0, 3), ["MALLOC_ARENA_MAX=1 -tags netgo,osusergo -ldflags '-s -w'", 'go1.23.5', 'static']);
    const plain: VariantReport = { ...d, run: { variant: 'default', goVersion: 'go1.23.5' } };
    assert.equal(variantFacts(plain)[0], 'go1.23.5', 'no recipe for a plain build');
  });
});

describe('verdict with runs that did not finish', () => {
  const killed = (v: VariantReport, name: string): VariantReport => ({
    ...v, name, partial: true, partialReasons: ['the program did not exit within 10 s and was killed'],
    run: { variant: name, exitCode: null, signal: 'SIGKILL', timedOut: true },
  });

  it('leaves a run killed at the timeout out of the comparison, and says so', async () => {
    const r = await fourVariantReport();
    const v = verdict(r);
    assert.match(v, /^The default \(cgo\) build reserves [\d.]+ MiB more virtual memory than pure: /);
    assert.match(v, / netcgo \(killed at the timeout\) is left out: its figures are those of a run that did not finish\.$/);
  });

  it('three of four killed: never "all 4 variants have the same virtual size"; none finished: flagged', () => {
    const d = net.variants[0];
    const v = verdict(makeReport('investigation', [d, killed(d, 'a'), killed(d, 'b'), killed(d, 'c')]));
    assert.doesNotMatch(v, /same virtual size/);
    assert.match(v, /^default: [\d.]+ MiB of virtual memory at exit_group; .* a \(killed at the timeout\), b \(killed at the timeout\) and c \(killed at the timeout\) did not finish, so there is nothing to compare it with\.$/);
    const none = verdict(makeReport('investigation', [killed(d, 'a'), killed(d, 'b')]));
    assert.match(none, /^Both variants have the same virtual size: [\d.]+ MiB\. None of the runs finished \(a: killed at the timeout and b: killed at the timeout\): these are their figures when they stopped\.$/);
    // two that finished are compared on their own; the killed ones are named
    const r2 = makeReport('investigation', [d, net.variants[1], killed(d, 'a'), killed(d, 'b')]);
    assert.match(verdict(r2), /than pure: .* a \(killed at the timeout\) and b \(killed at the timeout\) are left out: their figures are those of runs that did not finish\.$/);
  });

  it('suggestions measure savings only between runs that finished', async () => {
    const texts = suggestions(await fourVariantReport()).map((x) => x.text);
    assert.ok(texts.some((t) => /Measured: .*\(default → (netgo|pure)\)/.test(t)), texts.join('\n'));
    assert.ok(!texts.some((t) => /→ netcgo\)/.test(t)), texts.join('\n'));
    const killedNetgo = makeReport('investigation', [net.variants[0], killed(net.variants[2], 'netgo')]);
    assert.deepEqual(suggestions(killedNetgo).filter((x) => x.measured), [], 'no saving measured against a killed netgo');
  });

  it('a crash counts as not finished; one variant alone is flagged too', () => {
    const p = net.variants[2].processes[0];
    const crashed: VariantReport = { ...net.variants[2], name: 'crash', processes: [{ ...p, exitCode: 2 }], run: { variant: 'crash', exitCode: 2, output: 'panic: boom\n' } };
    assert.match(verdict(makeReport('investigation', [net.variants[0], net.variants[1], crashed])), /crash \(ended with 2 \(panic\)\) is left out/);
    assert.match(verdict(makeReport('investigation', [killed(net.variants[0], 'x')])), /The run did not finish \(killed at the timeout\): these are its figures when it stopped\.$/);
  });
});

describe('comparison', () => {
  it('a delta is one number in the row\'s unit (MiB, one decimal), never "−290 MiB + 28 KiB"', () => {
    const [d, p] = [net.variants[0], net.variants[1]];
    const cells = comparison(net, 'default').find((r) => r.label === 'VSZ at exit (model)')!.cells;
    const want = (p.processes[0].vsizeAtExit - d.processes[0].vsizeAtExit) / MiB;
    assert.equal(cells[1].delta, `−${Math.abs(want).toFixed(1)} MiB`);
    for (const r of comparison(net, 'default')) for (const c of r.cells) assert.doesNotMatch(c.delta ?? '', /\+ \d|GiB|KiB/, `${r.label}: ${c.delta}`);
  });

  it('marks the smallest per row and gives deltas against the chosen baseline', () => {
    const rows = comparison(net, 'pure');
    const vsz = rows.find((r) => r.label === 'VSZ at exit (model)')!;
    const values = net.variants.map((v) => v.processes[0].vsizeAtExit);
    assert.deepEqual(vsz.cells.map((c) => c.value), values);
    assert.deepEqual(vsz.cells.map((c) => c.smallest), values.map((v) => v === Math.min(...values)));
    assert.equal(vsz.cells[1].delta, undefined, 'no delta for the baseline itself');
    assert.match(vsz.cells[0].delta!, /^\+\d+(\.\d)? MiB/);
    const stacks = rows.find((r) => r.label === '8 MiB thread stacks')!;
    assert.equal(stacks.cells[0].delta, `+${net.variants[0].processes[0].categories['thread-stack']!.count}`);
    assert.ok(vsz.help && stacks.help);
  });
});

describe('breakdown', () => {
  it('segments add up to the model\'s virtual size, each with count × size and a reason', () => {
    for (const b of breakdown(net)) {
      const v = net.variants.find((x) => x.name === b.variant)!;
      assert.equal(b.total, v.processes[0].vsizeAtExit, b.variant);
      assert.equal(b.segments.reduce((s, x) => s + x.bytes, 0), b.total);
      assert.ok(Math.abs(b.segments.reduce((s, x) => s + x.share, 0) - 1) < 1e-9);
      for (const s of b.segments) assert.ok(s.why.length > 20, s.kind);
    }
    const def = breakdown(net)[0].segments.find((s) => s.kind === 'thread-stack')!;
    assert.equal(def.detail, '4 × 8 MiB = 32 MiB');
  });
});

describe('timeline and threads', () => {
  it('one series per variant in seconds from the start, accessible = virtual − reserved, thread markers', () => {
    const series = timeline(net);
    assert.equal(series.length, 3);
    for (const [i, s] of series.entries()) {
      const pts = net.variants[i].timeline;
      assert.equal(s.t.length, pts.length);
      assert.ok(s.t[0] >= 0 && s.t[0] < 0.1, `starts at the program's start: ${s.t[0]}`);
      assert.ok(s.timed);
      assert.ok(s.t.every((t, j) => j === 0 || t >= s.t[j - 1]), 'time never goes back');
      assert.deepEqual(s.accessible, pts.map((p) => p.vsize - p.reserved));
      assert.deepEqual(s.lines, pts.map((p) => p.line));
    }
    const threadMarks = series[0].markers.filter((m) => m.kind === 'thread');
    assert.equal(threadMarks.length, net.variants[0].processes[0].threadsCreated);
    assert.ok(series[0].markers.some((m) => m.kind === 'reservation' && /128 MiB malloc arenas/.test(m.label)));
  });

  it('a lane per thread, glibc threads with their stack and arena', () => {
    const { lanes, span } = threadLanes(net.variants[0]);
    assert.equal(lanes.length, net.variants[0].processes[0].threads.length);
    assert.ok(span > 0);
    const glibc = lanes.filter((l) => l.how === 'pthread_create');
    assert.equal(glibc.length, 4);
    for (const l of glibc) assert.match(l.stack!, /^8 MiB stack \+ 4 KiB guard at 0x[0-9a-f]+$/);
    for (const l of lanes) assert.ok(l.start >= 0 && l.start <= span && (l.end === undefined || l.end >= l.start));
  });
});

describe('filterEvents', () => {
  it('by thread, category, size and text; nothing lost when unfiltered', () => {
    const ev = net.variants[0].events;
    assert.equal(filterEvents(ev, {}).length, ev.length);
    const stacks = filterEvents(ev, { kind: 'thread-stack' });
    assert.ok(stacks.length >= 4 && stacks.every((i) => ev[i].kind === 'thread-stack'));
    const big = filterEvents(ev, { minSize: 64 * MiB });
    assert.ok(big.every((i) => (ev[i].size ?? 0) >= 64 * MiB) && big.length > 0);
    const tid = ev[ev.length - 1].tid;
    assert.ok(filterEvents(ev, { tid }).every((i) => ev[i].tid === tid));
    const text = filterEvents(ev, { text: 'MAP_STACK' });
    assert.ok(text.length >= 4 && text.every((i) => /MAP_STACK/.test(ev[i].flags ?? '') || /map_stack/i.test(ev[i].note)));
    assert.deepEqual(filterEvents(ev, { kind: 'none' }).map((i) => ev[i].kind), filterEvents(ev, { kind: 'none' }).map(() => undefined));
  });

  it('typing on narrows the last result to the same answer as filtering every event; anything else starts over', () => {
    const ev = net.variants.flatMap((v) => v.events);
    // every prefix of a few queries, as typed, with and without a thread or category
    for (const base of [{}, { kind: 'malloc-arena' as const }, { tid: ev[ev.length - 1].tid }, { minSize: 4096 }]) {
      for (const query of ['MAP_STACK', 'anonymous memory', ' mmap ', 'Arena', 'zzz']) {
        let last = filterEvents(ev, base);
        for (let n = 1; n <= query.length; n++) {
          const prev = { ...base, text: query.slice(0, n - 1) };
          const next = { ...base, text: query.slice(0, n) };
          assert.ok(narrows(prev, next));
          last = filterEvents(ev, next, last);
          assert.deepEqual(last, filterEvents(ev, next), `${JSON.stringify(next)}`);
        }
      }
    }
    // the text matches as a literal, case-insensitive substring of the call, its note or its flags
    const reference = (q: string) => ev.flatMap((e, i) => ([e.op, e.note, e.flags ?? ''].some((x) => x.toLowerCase().includes(q.trim().toLowerCase())) ? [i] : []));
    for (const q of ['[heap]', '(', 'prot_read|prot_write', '0x7F', '.so.6', '*', '\\', 'Anonymous Memory', '  brk ']) assert.deepEqual(filterEvents(ev, { text: q }), reference(q), q);
    assert.equal(narrows({ text: 'mmap' }, { text: 'mma' }), false, 'deleting widens');
    assert.equal(narrows({ text: 'mmap' }, { text: 'munmap' }), false);
    assert.equal(narrows({ text: 'm' }, { text: 'MM' }), true, 'case does not matter');
    assert.equal(narrows({ text: 'm', tid: 1 }, { text: 'mm' }), false, 'another thread starts over');
    assert.equal(narrows({ text: 'm' }, { text: 'mm', kind: 'go-heap' }), false);
    assert.equal(narrows({ text: 'm', minSize: 4096 }, { text: 'mm', minSize: 8192 }), false);
  });
});

describe('exports', () => {
  it('Chrome trace: a process per variant, a slice per thread, memory counters, instant events', () => {
    const t = chromeTrace(net);
    const names = t.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args!.name as string);
    assert.deepEqual(names.map((n) => n.split(' ')[0]), ['default', 'pure', 'netgo']);
    const slices = t.traceEvents.filter((e) => e.ph === 'X' && e.pid === 1);
    assert.equal(slices.length, net.variants[0].processes[0].threads.length);
    assert.ok(slices.every((e) => e.dur! >= 1 && e.ts! >= 0));
    const counters = t.traceEvents.filter((e) => e.ph === 'C' && e.pid === 1);
    assert.equal(counters.length, net.variants[0].timeline.length);
    assert.equal(counters[counters.length - 1].args!.virtual, net.variants[0].timeline[net.variants[0].timeline.length - 1].vsize);
    JSON.parse(JSON.stringify(t));
  });

  it('standalone HTML: data cannot close its script element; CSP by hash, no unsafe-*', () => {
    const evil = { ...net, package: '</script><script>alert(1)</script><!--' } as Report;
    assert.ok(!jsonForHtml(evil).includes('</script'));
    assert.deepEqual(JSON.parse(jsonForHtml(evil)), JSON.parse(JSON.stringify(evil)));
    const html = standaloneHtml(evil, { script: 'console.log(1)', styles: ['body{}'], scriptHash: 'AAA=', styleHashes: ['BBB='] });
    assert.equal(html.match(/<script/g)!.length, 2, 'the data block and the bundle, nothing else');
    assert.match(html, /script-src 'sha256-AAA='/);
    assert.match(html, /style-src 'sha256-BBB='/);
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval|https?:\/\//);
    assert.match(html, /<title>Go Memory Lens report<\/title>/);
    assert.throws(() => standaloneHtml(net, { script: 'x="</script>"', styles: [], scriptHash: '', styleHashes: [] }));
  });
});
