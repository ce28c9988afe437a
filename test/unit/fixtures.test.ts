// The engine's acceptance test: every real log in test/fixtures/logs against what the kernel said at
// exit_group (NAME.proc.json: /proc/TGID/status, maps, tasks), and the cgo vs pure-Go story of the seed post.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeLog, type KernelSnapshotLike } from '../../src/core/analyze';
import type { ProcessReport, VariantReport } from '../../src/protocol/report';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');
const MiB = 1024 * 1024;
const names = readdirSync(LOGS).filter((f) => f.endsWith('.strace') && readdirSync(LOGS).includes(f.replace(/\.strace$/, '.proc.json'))).map((f) => f.replace(/\.strace$/, '')).sort();

/** cgo: the default build of the cgo program and of the net program (cgo resolver); the rest is pure Go. */
const isCgo = (name: string) => name.startsWith('cgo-') || name.startsWith('net-default-');

const table: string[][] = [['log', 'VmSize', 'model', 'Δ%', 'VmPeak', 'model', 'Δ%', 'Threads', 'model', 'stacks', 'arenas']];
const mb = (n: number) => (n / MiB).toFixed(1);
const pct = (a: number, b: number) => ((100 * (a - b)) / b).toFixed(2);

/** From the kernel's /proc/PID/maps: glibc thread stacks and malloc arena heaps, counted by their shape. */
function kernelShapes(maps: string): { stacks: number; arenas: number } {
  const rows = maps.split('\n').filter((l) => l.trim()).map((l) => {
    const [range, perms, , , , name] = l.split(/\s+/);
    const [s, e] = range.split('-').map((x) => parseInt(x, 16));
    return { s, e, perms, name: name ?? '' };
  });
  let stacks = 0;
  let arenas = 0;
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    // a 4 KiB PROT_NONE guard right below an anonymous read-write stack of 8 MiB (or more: the VMA above may merge in)
    if (a.e - a.s === 4096 && a.perms.startsWith('---') && a.e === b.s && b.perms.startsWith('rw') && !b.name && b.e - b.s >= 8 * MiB) stacks++;
    // a 64 MiB-aligned heap: committed read-write pages then the PROT_NONE rest, 64 MiB in all (the Go heap's
    // arenas at 0xc000000000 have the same shape: not counted)
    const goHint = a.s % 2 ** 40 >= 0xc000000000 && a.s % 2 ** 40 < 0xd000000000;
    if (!goHint && a.s % (64 * MiB) === 0 && a.perms.startsWith('rw') && !a.name && a.e === b.s && b.perms.startsWith('---') && b.e - a.s === 64 * MiB) arenas++;
  }
  return { stacks, arenas };
}

function mainOf(r: VariantReport): ProcessReport {
  assert.equal(r.processes.length >= 1, true);
  return r.processes[0];
}

describe('fixture logs against the kernel', () => {
  assert.ok(names.length >= 13, `found ${names.length} fixture logs`);
  for (const name of names) {
    it(name, async () => {
      const kernel = JSON.parse(readFileSync(path.join(LOGS, `${name}.proc.json`), 'utf8')) as KernelSnapshotLike;
      const r = await analyzeLog(path.join(LOGS, `${name}.strace`), { kernel });
      const p = mainOf(r);
      const k = p.kernel!;
      assert.ok(k, 'kernel figures are attached to the main process');
      const stacks = p.categories['thread-stack'];
      const arenas = p.categories['malloc-arena'];
      table.push([name, mb(k.vmSize), mb(p.vsizeAtExit), pct(p.vsizeAtExit, k.vmSize), mb(k.vmPeak), mb(p.vsizePeak), pct(p.vsizePeak, k.vmPeak), String(k.threads), String(p.threadsAtExit), String(stacks?.count ?? 0), String(arenas?.count ?? 0)]);

      assert.equal(r.log.unparsedLines, 0, JSON.stringify(r.unparsedLines.slice(0, 3)));
      assert.equal(r.partial, false, r.partialReasons.join('; '));
      assert.equal(p.measuredAt.what, 'exit_group');
      assert.ok(Math.abs(p.vsizeAtExit - k.vmSize) <= 0.01 * k.vmSize, `vsize at exit ${p.vsizeAtExit} vs VmSize ${k.vmSize}`);
      assert.ok(Math.abs(p.vsizePeak - k.vmPeak) <= 0.01 * k.vmPeak, `peak ${p.vsizePeak} vs VmPeak ${k.vmPeak}`);
      assert.ok(p.vsizePeak >= p.vsizeAtExit);
      assert.equal(p.threadsAtExit, k.threads);
      assert.equal(p.isGo, true);
      assert.ok((p.categories['go-heap']?.bytes ?? 0) >= 64 * MiB, 'a Go heap arena');

      const created = p.threads.filter((t) => t.how !== 'initial');
      assert.equal(p.threads[0].how, 'initial');
      assert.equal(p.threads[0].tid, p.pid);
      assert.equal(created.length, p.threadsCreated);
      if (isCgo(name)) {
        const glibc = created.filter((t) => t.how === 'pthread_create');
        assert.ok(glibc.length >= 1, 'threads made by glibc pthread_create');
        for (const t of glibc) assert.deepEqual([t.stackBytes, t.guardBytes], [8 * MiB, 4096], `thread ${t.tid}`);
        assert.ok(stacks && stacks.count >= 1 && stacks.bytes === stacks.count * 8 * MiB, `8 MiB stacks: ${JSON.stringify(stacks)}`);
        assert.ok(arenas && arenas.count >= 1 && arenas.bytes === arenas.count * 64 * MiB, `64 MiB malloc arenas: ${JSON.stringify(arenas)}`);
        // the same counts in the kernel's own maps
        assert.deepEqual([stacks.count, arenas.count], [kernelShapes(kernel.maps!).stacks, kernelShapes(kernel.maps!).arenas], 'stacks and arenas in /proc/PID/maps');
        assert.equal(p.dynamic, true);
        assert.ok(p.libraries.some((l) => /libc\.so\.6$/.test(l)), 'libc is loaded');
      } else {
        assert.deepEqual(kernelShapes(kernel.maps!), { stacks: 0, arenas: 0 });
        assert.equal(stacks, undefined);
        assert.equal(p.categories['guard-page'], undefined);
        assert.equal(arenas, undefined);
        assert.deepEqual([...new Set(created.map((t) => t.how))], ['go-runtime']);
        assert.deepEqual(p.libraries, []);
      }
    });
  }

  it('the -ff capture (one file per thread) parses cleanly into one process of 6 threads', async () => {
    const r = await analyzeLog(path.join(LOGS, 'ff-net-default-go1.23'));
    assert.equal(r.log.files.length, 6);
    assert.equal(r.log.unparsedLines, 0);
    assert.equal(r.log.capture.pidPrefix, 'fixed');
    assert.equal(r.processes.length, 1);
    const p = r.processes[0];
    assert.equal(p.pid, 21068);
    assert.deepEqual(p.threads.map((t) => t.tid), [21068, 21069, 21070, 21071, 21072, 21073]);
    assert.equal(p.threadsAtExit, 6);
    assert.equal(p.measuredAt.what, 'exit_group');
    const glibc = p.threads.filter((t) => t.how === 'pthread_create');
    assert.ok(glibc.length >= 1);
    for (const t of glibc) assert.deepEqual([t.stackBytes, t.guardBytes], [8 * MiB, 4096]);
    assert.ok((p.categories['malloc-arena']?.count ?? 0) >= 1);
    // the same program as net-default-go1.23 (another run): its size at exit is close
    const single = JSON.parse(readFileSync(path.join(LOGS, 'net-default-go1.23.proc.json'), 'utf8')) as KernelSnapshotLike;
    const vmSize = parseInt(/^VmSize:\s*(\d+)/m.exec(single.status)![1], 10) * 1024;
    assert.ok(Math.abs(p.vsizeAtExit - vmSize) <= 0.1 * vmSize, `${p.vsizeAtExit} vs ${vmSize}`);
    table.push(['ff-net-default-go1.23/', '', mb(p.vsizeAtExit), '', '', mb(p.vsizePeak), '', '', String(p.threadsAtExit), String(p.categories['thread-stack']?.count ?? 0), String(p.categories['malloc-arena']?.count ?? 0)]);
  });

  after(() => {
    const w = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
    console.log('\nmodel vs kernel at exit_group (MiB)\n' + table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')).join('\n'));
  });
});
