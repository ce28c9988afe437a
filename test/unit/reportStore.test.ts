// The kept reports: summaries for the side bar, newest first, and the size cap that removes the oldest
// reports (with their logs) first, never the one just saved.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { makeReport } from '../../src/core/investigate';
import { ReportStore } from '../../src/host/reportStore';
import type { VariantReport } from '../../src/protocol/report';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'gml-store-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function variant(name: string, vsize: number): VariantReport {
  return {
    name, log: { files: [], lines: 0, bytes: 0, syscalls: 0, capture: { pidPrefix: 'pid', timestamps: 'none', durations: false, fdPaths: false, stacks: false, truncatedStrings: false }, unparsedLines: 0, warnings: [] },
    processes: [{ pid: 1, command: 'x', isGo: true, dynamic: false, measuredAt: { line: 1, what: 'exit_group' }, vsizeAtExit: vsize, vsizePeak: vsize, reservedAtExit: 0, accessibleAtExit: 0, threadsCreated: 0, threadsAtExit: 1, categories: {}, unseen: [], libraries: [], threads: [], napkin: [], kernel: { vmSize: vsize, vmPeak: vsize, vmRss: 5 << 20, threads: 1 }, partial: false }],
    unparsedLines: [], timeline: [], events: [], eventsTotal: 0, partial: false, partialReasons: [],
    run: { variant: name, goVersion: 'go1.23.5' },
  };
}

describe('ReportStore', () => {
  it('keeps a summary per report, newest first, and tells its listeners', async () => {
    const store = new ReportStore(path.join(tmp, 'a'), () => 1 << 30);
    let changes = 0;
    const sub = store.onDidChange(() => changes++);
    const first = store.newId();
    await store.save(first, { report: makeReport('investigation', [variant('default', 300 << 20), variant('pure', 10 << 20)], '/src/net'), request: { kind: 'investigate', packageDir: '/src/net' } });
    const second = store.newId();
    await store.save(second, { report: makeReport('analysis', [variant('app.strace', 20 << 20)], '/logs/app.strace') });
    const list = await store.list();
    assert.deepEqual(list.map((s) => s.id), [second, first]);
    assert.deepEqual({ ...list[1], bytes: 0, createdAt: '' }, { id: first, kind: 'investigation', package: '/src/net', variants: ['default', 'pure'], goVersion: 'go1.23.5', createdAt: '', vsize: 300 << 20, rss: 5 << 20, bytes: 0 });
    assert.ok(list[1].bytes > 0);
    assert.equal(changes, 2);
    sub.dispose();
    await store.remove(first);
    assert.equal(changes, 2, 'no listener after dispose');
    assert.deepEqual((await store.list()).map((s) => s.id), [second]);
  });

  it('over the cap, the oldest reports and their logs go first; the newest stays even when alone it is over', async () => {
    let cap = 1 << 30;
    const store = new ReportStore(path.join(tmp, 'b'), () => cap);
    const log = path.join(tmp, 'run.strace');
    writeFileSync(log, 'x'.repeat(100_000));
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = store.newId();
      ids.push(id);
      await store.save(id, { report: makeReport('investigation', [variant('default', i << 20)], '/src/net') }, { copy: { logs: { default: log } } });
      }
    assert.equal((await store.list()).length, 4);
    // room for about two reports with their 100 kB logs
    cap = 250_000;
    const fifth = store.newId();
    await store.save(fifth, { report: makeReport('investigation', [variant('default', 5 << 20)], '/src/net') }, { copy: { logs: { default: log } } });
    const left = (await store.list()).map((s) => s.id);
    assert.deepEqual(left, [fifth, ids[3]]);
    assert.equal(existsSync(path.join(tmp, 'b', ids[0])), false, 'the oldest report\'s logs are gone with it');
    assert.ok(existsSync(path.join(tmp, 'b', fifth, 'default.strace')));
    cap = 1;
    const sixth = store.newId();
    await store.save(sixth, { report: makeReport('investigation', [variant('default', 6 << 20)], '/src/net') });
    assert.deepEqual((await store.list()).map((s) => s.id), [sixth]);
  });
});
