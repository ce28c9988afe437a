// The remedies: one suggestion each, applying where the build's cgo packages say so, measured when the
// report has a run with the remedy applied (a default variant, or a column a suggestion's re-run added).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyzeLog } from '../../src/core/analyze';
import { makeReport } from '../../src/core/investigate';
import { baseName, measuredName, suggestions, type Suggestion } from '../../src/core/report/suggestions';
import type { RunReport, VariantReport } from '../../src/protocol/report';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');
const MiB = 1024 * 1024;

async function variant(name: string, base: string): Promise<VariantReport> {
  const kernel = JSON.parse(readFileSync(path.join(LOGS, `${base}.proc.json`), 'utf8'));
  return analyzeLog(path.join(LOGS, `${base}.strace`), { name, kernel });
}

let cgo: VariantReport;
let pure: VariantReport;
let netgo: VariantReport;
before(async () => {
  [cgo, pure, netgo] = await Promise.all([variant('default', 'net-default-go1.23'), variant('pure', 'net-pure-go1.23'), variant('netgo', 'net-netgo-go1.23')]);
});

/** the traced logs, with the build facts an investigation records */
function built(v: VariantReport, name: string, run: Omit<RunReport, 'variant'>): VariantReport {
  return { ...v, name, run: { variant: name, ...run } };
}

function byRemedy(s: Suggestion[]): Map<string, Suggestion> {
  const m = new Map(s.map((x) => [x.remedy, x]));
  assert.equal(m.size, s.length, `one suggestion per remedy: ${s.map((x) => x.remedy).join(', ')}`);
  return m;
}

const dynamic = (cgoPackages: string[]): Omit<RunReport, 'variant'> => ({ linkage: 'dynamic', cgoPackages });

describe('suggestions', () => {
  it('a log analyzed on its own: netgo and CGO_ENABLED=0 measured by the variants of those names; MALLOC_ARENA_MAX with a re-run', () => {
    const s = byRemedy(suggestions(makeReport('analysis', [cgo, pure, netgo])));
    const d = cgo.processes[0];
    const g = netgo.processes[0];
    const ng = s.get('netgo')!;
    assert.ok(ng.measured && !ng.rerun);
    assert.ok(ng.text.includes(`${d.categories['thread-stack']!.count} fewer OS thread stacks`), ng.text);
    assert.ok(ng.text.includes(`−${((d.vsizeAtExit - g.vsizeAtExit) / MiB).toFixed(1)} MiB VSZ`), ng.text);
    assert.ok(ng.text.endsWith('(default → netgo).'), ng.text);
    assert.ok(s.get('pure')!.measured);
    const arena = s.get('malloc-arena-max')!;
    assert.deepEqual(arena.rerun, { variants: ['default'], env: { MALLOC_ARENA_MAX: '2' } });
    assert.equal(arena.measured, false);
    assert.match(arena.text, /default has \d+, each a 64 MiB reservation/);
    // nothing says os/user: the log does not know its packages
    assert.equal(s.get('osusergo'), undefined);
  });

  it('net brought cgo in: netgo and GODEBUG=netdns=go apply, each with a re-run on the cgo variant; osusergo does not', () => {
    const s = byRemedy(suggestions(makeReport('investigation', [built(cgo, 'default', dynamic(['net', 'runtime/cgo']))])));
    assert.deepEqual(s.get('netgo')!.rerun, { variants: ['default'], tags: ['netgo'] });
    assert.match(s.get('netgo')!.text, /net brought cgo in .* That removes cgo from this program/);
    assert.deepEqual(s.get('netdns-go')!.rerun, { variants: ['default'], env: { GODEBUG: 'netdns=go' } });
    assert.deepEqual(s.get('pure')!.rerun, { variants: ['default'], env: { CGO_ENABLED: '0' } });
    assert.equal(s.get('osusergo'), undefined);
    assert.equal(s.get('netgo-osusergo'), undefined);
  });

  it('os/user brought cgo in: osusergo, not netgo', () => {
    const s = byRemedy(suggestions(makeReport('investigation', [built(cgo, 'default', dynamic(['os/user', 'runtime/cgo']))])));
    assert.deepEqual(s.get('osusergo')!.rerun, { variants: ['default'], tags: ['osusergo'] });
    assert.match(s.get('osusergo')!.text, /os\/user brought cgo in/);
    assert.equal(s.get('netgo'), undefined);
    assert.equal(s.get('netdns-go'), undefined);
  });

  it('net and os/user: each tag says cgo stays for the other, and both tags together remove it', () => {
    const s = byRemedy(suggestions(makeReport('investigation', [built(cgo, 'default', dynamic(['net', 'os/user', 'runtime/cgo']))])));
    assert.match(s.get('netgo')!.text, /cgo stays for os\/user/);
    assert.match(s.get('osusergo')!.text, /cgo stays for net/);
    assert.deepEqual(s.get('netgo-osusergo')!.rerun, { variants: ['default'], tags: ['netgo', 'osusergo'] });
  });

  it('a package of the program\'s own has cgo files: no tag removes cgo, CGO_ENABLED=0 says what it costs', () => {
    const report = makeReport('investigation', [built(cgo, 'default', dynamic(['example.com/sqlite', 'runtime/cgo'])), built(pure, 'pure', { linkage: 'static', env: { CGO_ENABLED: '0' }, cgoPackages: [] })]);
    const s = byRemedy(suggestions(report));
    assert.equal(s.get('netgo'), undefined);
    assert.match(s.get('pure')!.text, /example\.com\/sqlite has cgo files/);
    assert.ok(s.get('pure')!.measured, 'the pure variant measured it');
    assert.match(s.get('pure')!.text, /Measured: .*\(default → pure\)/);
  });

  it('a measured re-run column turns its remedy from a prediction into a measurement', () => {
    const name = measuredName('default', { env: { MALLOC_ARENA_MAX: '2' } });
    assert.equal(name, 'default + MALLOC_ARENA_MAX=2');
    assert.equal(baseName(name), 'default');
    const measured = built(pure, name, { linkage: 'dynamic', env: { MALLOC_ARENA_MAX: '2' }, cgoPackages: ['net', 'runtime/cgo'] });
    const s = byRemedy(suggestions(makeReport('investigation', [built(cgo, 'default', dynamic(['net', 'runtime/cgo'])), measured])));
    const arena = s.get('malloc-arena-max')!;
    assert.ok(arena.measured && !arena.rerun, JSON.stringify(arena));
    assert.match(arena.text, /Measured: .*fewer malloc arenas, −\d+\.\d MiB VSZ.*\(default → default \+ MALLOC_ARENA_MAX=2\)\.$/);
    const tagged = built(netgo, measuredName('default', { tags: ['netgo'] }), { linkage: 'static', tags: ['netgo'], cgoPackages: [] });
    assert.equal(tagged.name, 'default + -tags netgo');
    const s2 = byRemedy(suggestions(makeReport('investigation', [built(cgo, 'default', dynamic(['net', 'runtime/cgo'])), tagged])));
    assert.ok(s2.get('netgo')!.measured);
    assert.match(s2.get('netgo')!.text, /Measured: .*\(default → default \+ -tags netgo\)/);
  });

  it('GOMAXPROCS when a Go program makes many threads; LockOSThread when Go threads exit while it runs', () => {
    const p = pure.processes[0];
    const busy: VariantReport = { ...pure, processes: [{ ...p, threadsCreated: 12 }, ...pure.processes.slice(1)] };
    const s = byRemedy(suggestions(makeReport('analysis', [busy])));
    assert.deepEqual(s.get('gomaxprocs')!.rerun, { variants: ['pure'], env: { GOMAXPROCS: '2' } });
    assert.equal(s.get('lock-os-thread'), undefined, 'no thread exited early');
    const t = p.threads.find((x) => x.how !== 'initial')!;
    const exiting: VariantReport = { ...pure, processes: [{ ...p, threads: [{ ...t, exitedLine: 5 }, ...p.threads.filter((x) => x !== t)] }] };
    const lock = byRemedy(suggestions(makeReport('analysis', [exiting]))).get('lock-os-thread')!;
    assert.match(lock.text, new RegExp(`^pure: 1 Go thread exited while the program ran \\(tid ${t.tid}\\).*runtime\\.LockOSThread`));
    assert.equal(byRemedy(suggestions(makeReport('analysis', [pure]))).size, 0, 'a small pure-Go program: nothing to suggest');
  });

  it('a saving is measured only between runs that finished: a netgo killed at the timeout or crashed measures nothing', () => {
    const cgoRun = built(cgo, 'default', { ...dynamic(['net', 'runtime/cgo']), exitCode: 0 });
    const ok = built(netgo, 'netgo', { linkage: 'static', tags: ['netgo'], cgoPackages: [], exitCode: 0 });
    assert.ok(byRemedy(suggestions(makeReport('investigation', [cgoRun, ok]))).get('netgo')!.measured);
    for (const bad of [{ timedOut: true, signal: 'SIGKILL' }, { exitCode: 2 }, { signal: 'SIGSEGV' }]) {
      const killed = { ...ok, run: { ...ok.run!, ...bad } };
      const s = byRemedy(suggestions(makeReport('investigation', [cgoRun, killed]))).get('netgo')!;
      assert.equal(s.measured, false, JSON.stringify(bad));
      assert.deepEqual(s.rerun, { variants: ['default'], tags: ['netgo'] }, 'offered to measure again');
    }
    // nor against a base that did not finish
    const killedBase = { ...cgoRun, run: { ...cgoRun.run!, timedOut: true } };
    assert.equal(byRemedy(suggestions(makeReport('investigation', [killedBase, ok]))).get('netgo')!.measured, false);
  });
});
