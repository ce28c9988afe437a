// The standalone page's packed report (columns, not an object per event) gives back the same report, and
// the timeline's drawing downsample keeps every column's extremes.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyzeLog } from '../../src/core/analyze';
import { makeReport } from '../../src/core/investigate';
import { standaloneHtml } from '../../src/core/report/exports';
import { packReport, unpackReport, PACKED_FORMAT } from '../../src/core/report/packed';
import { downsample, timeline, type Series } from '../../src/core/report/view';
import type { Report } from '../../src/protocol/report';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');
/** what a report is once it went through JSON (undefined fields dropped) */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x));

let net: Report;
let stacks: Report;
before(async () => {
  net = makeReport('analysis', [
    await analyzeLog(path.join(LOGS, 'net-default-go1.23.strace'), { name: 'default' }),
    await analyzeLog(path.join(LOGS, 'net-pure-go1.23.strace'), { name: 'pure' }),
  ]);
  stacks = makeReport('analysis', [await analyzeLog(path.join(LOGS, 'cgo-default-go1.23.stacks.strace'), { name: 'default' })]);
});

describe('packed report', () => {
  it('round-trips real reports, stacks and thread children included, through JSON', () => {
    for (const r of [net, stacks]) {
      const packed = plain(packReport(r));
      assert.equal(packed.format, PACKED_FORMAT);
      assert.ok(packed.variants.every((v: unknown) => v !== null), 'every variant packed');
      assert.ok(packed.report.variants.every((v: { events: unknown[] }) => v.events.length === 0));
      assert.deepEqual(plain(unpackReport(packed)), plain(r));
    }
    assert.ok(stacks.variants[0].events.some((e) => e.stack?.length), 'the fixture has -k stacks');
    assert.ok(net.variants[0].events.some((e) => e.child !== undefined), 'the fixture has clone children');
  });

  it('is much smaller than the objects for a grown report', () => {
    const v = net.variants[0];
    const events = Array.from({ length: 20_000 }, (_, i) => ({ ...v.events[i % v.events.length], line: i + 1, time: 1e10 + i * 10 }));
    const big: Report = { ...net, variants: [{ ...v, events, eventsTotal: events.length }] };
    const a = JSON.stringify(big).length;
    const b = JSON.stringify(packReport(big)).length;
    assert.ok(b * 4 < a, `${b} vs ${a}`);
    assert.deepEqual(plain(unpackReport(plain(packReport(big)))), plain(big));
  });

  it('leaves a variant it cannot pack exactly as it is, and reads plain reports', () => {
    const v = net.variants[0];
    const odd: Report = {
      ...net,
      variants: [
        { ...v, events: [{ ...v.events[0], future: 1 } as never, ...v.events.slice(1)] },
        { ...net.variants[1], events: [{ ...net.variants[1].events[0], time: 1.5 }] },
      ],
    };
    const packed = plain(packReport(odd));
    assert.deepEqual(packed.variants, [null, null]);
    assert.deepEqual(plain(unpackReport(packed)), plain(odd));
    assert.deepEqual(unpackReport(plain(net)), plain(net));
  });

  it('the standalone page embeds the packed report, safely', () => {
    const evil = { ...net, package: '</script><script>alert(1)</script><!--' } as Report;
    evil.variants = [{ ...evil.variants[0], events: [{ ...evil.variants[0].events[0], note: '</script><img src=x>' }] }];
    const html = standaloneHtml(evil, { script: 'console.log(1)', styles: [], scriptHash: 'AAA=', styleHashes: [] });
    const data = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html)![1];
    assert.ok(!data.includes('</script') && !data.includes('<'));
    assert.deepEqual(plain(unpackReport(JSON.parse(data))), plain(evil));
  });
});

describe('downsample', () => {
  const series = (n: number): Series => {
    const t = Array.from({ length: n }, (_, i) => i / n);
    const vsize = t.map((_, i) => (i === 4321 ? 9e9 : 1e6 + (i % 97) * 4096));
    const reserved = t.map((_, i) => (i === 777 ? 5e8 : (i % 13) * 4096));
    return { variant: 'v', t, lines: t.map((_, i) => i + 1), vsize, reserved, accessible: vsize.map((x, i) => x - reserved[i]), markers: t.map((x, i) => ({ t: x, line: i + 1, kind: 'thread' as const, label: '' })).filter((_, i) => i % 10 === 0), timed: true };
  };

  it('keeps small series as they are', () => {
    const s = series(1000);
    assert.equal(downsample(s, 2048), s);
  });

  it('thins 10^6 points to at most 8 per column, keeping the ends, the peaks and the lines of the kept points', () => {
    const s = series(1_000_000);
    const d = downsample(s, 1000);
    assert.ok(d.t.length <= 8000 && d.t.length > 1000, String(d.t.length));
    assert.equal(d.t[0], s.t[0]);
    assert.equal(d.t[d.t.length - 1], s.t[s.t.length - 1]);
    assert.ok(d.vsize.includes(9e9) && d.reserved.includes(5e8), 'the spikes survive');
    assert.equal(d.accessible.reduce((a, b) => Math.min(a, b)), s.accessible.reduce((a, b) => Math.min(a, b)));
    for (let j = 0; j < d.t.length; j++) {
      const i = d.lines[j] - 1;
      assert.equal(d.t[j], s.t[i]);
      assert.equal(d.vsize[j], s.vsize[i]);
      assert.equal(d.reserved[j], s.reserved[i]);
      if (j) assert.ok(d.lines[j] > d.lines[j - 1], 'in order');
    }
    assert.ok(d.markers.length <= 1000 && d.markers.length > 500);
  });

  it('is what the panel draws for the real report: unchanged at this size', () => {
    for (const s of timeline(net)) assert.equal(downsample(s, 2048), s);
  });
});
