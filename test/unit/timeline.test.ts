import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline } from '../../src/core/model/timeline';

test('keeps every point while under capacity, in order', () => {
  const tl = new Timeline(64);
  for (let i = 0; i < 50; i++) tl.add(i * 10, i + 1, 1000 + i, i);
  const pts = tl.points();
  assert.equal(pts.length, 50);
  assert.deepEqual(pts[7], { t: 70, line: 8, vsize: 1007, reserved: 7 });
});

test('stays bounded however many points arrive, and the peak survives thinning', () => {
  const tl = new Timeline(128);
  const N = 100_000;
  const peakAt = 73_457;
  for (let i = 0; i < N; i++) tl.add(i, i + 1, i === peakAt ? 9_999_999 : 1000 + (i % 17), 0);
  const pts = tl.points();
  assert.ok(pts.length <= 128, `length ${pts.length}`);
  assert.ok(pts.length >= 32, `length ${pts.length}`);
  const max = pts.reduce((a, p) => (p.vsize > a.vsize ? p : a));
  assert.equal(max.vsize, 9_999_999);
  assert.equal(max.line, peakAt + 1);
  // time stays monotonic after thinning
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i].t > pts[i - 1].t);
});

test('a short timeline costs little: it grows on demand', () => {
  const tl = new Timeline(4096);
  tl.add(1, 1, 5, 0);
  assert.equal(tl.length, 1);
  assert.deepEqual(tl.points(), [{ t: 1, line: 1, vsize: 5, reserved: 0 }]);
});
