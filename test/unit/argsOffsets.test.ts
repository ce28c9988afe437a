// The offset readers of strace arguments (argSpans, numAt, fieldOf, fieldsOf, the remembered flag sets) give
// exactly what splitArgs, num, fields and the flag functions give: the model reads its calls with them.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  argSpans, cloneBits, cloneBitsCached, fieldOf, fields, fieldsOf, firstArgFieldsOf, mapBits, mapBitsCached, num, numAt, protBits, protBitsCached, splitArgs,
} from '../../src/core/strace/args';

const SAMPLES = [
  '', '  ', '3,', ',', ' , ', 'NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0',
  '0x7f10f28e9000, 8192, PROT_READ', '0xc000000000, 67108864, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0',
  'NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/x86_64-linux-gnu/libc.so.6>, 0x26000',
  '{a=1, b={c=[1, 2], d=(3, 4)}}, [5, {6, 7}], x', '3, "a, b) {[\\" c", 10', '"\\\\", 1', '1, "abc"..., 832',
  '"./x", ["./x", "-v"], 0x7ffc /* 42 vars */',
  'child_stack=0xc00002c000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_SYSVSEM|CLONE_THREAD|CLONE_SETTLS, tls=0xc00004a098',
  '{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f1e6bdff990, parent_tid=0x7f1e6bdff990, exit_signal=0, stack=0x7f1e6b5ff000, stack_size=0x7fff80, tls=0x7f1e6bdff6c0} => {parent_tid=[30246]}, 88',
  '{flags=A, x={y=1, z=2}} => {parent_tid=[30246]}', ' { flags = A , flags=B, =c, d=, e} ', '{unclosed=1, b=2', 'a=1, a=2, stack=0x10',
  '0x', '-', '-0', '007', '0x00000000000001', '0x1fffffffffffff', '0x20000000000000', '0xFFFFFFFFFFFFFFFF', '9007199254740991',
  '9007199254740993', '123456789012345', '1234567890123456', '8192*1024', '3</x>', '<3>', 'NULL ', ' 42 ', '\u00a042\u00a0', '4\t', '1e3',
  '{a=1)}, x', ' {a=1} => {b=2}, 3', '{a="}", b=2}, c', '{a=(1, b=2}', 'x, {a=1}', '{a=[1, 2], flags=X}} , y', '\u00a0{flags=Z}',
  '0x7f10f28e9000 /* comment */', 'MAP_PRIVATE|0x40', '0x3 /* PROT_READ|PROT_WRITE */', 'PROT_NONE', 'CLONE_VM|CLONE_VFORK|SIGCHLD',
];

describe('argument offsets: the same as splitArgs, num and fields', () => {
  it('argSpans splits as splitArgs', () => {
    const spans = new Int32Array(64);
    for (const s of SAMPLES) {
      const n = argSpans(s, spans);
      const parts = Array.from({ length: n }, (_, k) => s.slice(spans[2 * k], spans[2 * k + 1]));
      assert.deepEqual(parts, splitArgs(s), JSON.stringify(s));
      // and inside a range of a longer text
      const outer = `xx(${s}) = 0`;
      const m = argSpans(outer, spans, 3, 3 + s.length);
      assert.deepEqual(Array.from({ length: m }, (_, k) => outer.slice(spans[2 * k], spans[2 * k + 1])), splitArgs(s));
    }
    // more parts than room: the count is still right
    const small = new Int32Array(4);
    assert.equal(argSpans('1, 2, 3, 4, 5', small), 5);
    assert.deepEqual([...small], [0, 1, 3, 4]);
  });
  it('numAt reads as num', () => {
    for (const s of SAMPLES) {
      assert.equal(Object.is(numAt(s, 0, s.length), num(s)), true, `${JSON.stringify(s)}: ${numAt(s, 0, s.length)} vs ${num(s)}`);
      for (const part of splitArgs(s)) {
        const at = s.indexOf(part);
        if (at >= 0) assert.equal(Object.is(numAt(s, at, at + part.length), num(part)), true, JSON.stringify(part));
      }
    }
  });
  it('fieldOf and fieldsOf read as fields', () => {
    const keys = ['flags', 'stack', 'stack_size', 'child_stack', 'a', 'x', 'd', 'e', 'unclosed', 'b', 'tls'];
    for (const s of SAMPLES) {
      const f = fields(s);
      const out: Array<string | undefined> = [];
      fieldsOf(s, keys, out);
      keys.forEach((k, i) => {
        assert.equal(fieldOf(s, k), f.get(k), `${JSON.stringify(s)} ${k}`);
        assert.equal(out[i], f.get(k), `${JSON.stringify(s)} ${k}`);
      });
    }
  });
  it('firstArgFieldsOf reads as fields of the first argument', () => {
    const keys = ['flags', 'stack', 'stack_size', 'a', 'b'];
    const same = (s: string) => {
      const f = fields(splitArgs(s)[0] ?? '');
      const out: Array<string | undefined> = [];
      firstArgFieldsOf(s, keys, out);
      keys.forEach((k, i) => assert.equal(out[i], f.get(k), `${JSON.stringify(s)} ${k}`));
    };
    for (const s of SAMPLES) same(s);
    // and on random text made of the characters that steer the scans
    const text = fc.array(fc.constantFrom('{', '}', '(', ')', '[', ']', '"', '\\', ',', '=', ' ', 'a', 'b', 'flags', 'stack', '1', '=>'), { maxLength: 40 }).map((a) => a.join(''));
    fc.assert(fc.property(text, (s) => {
      same(s);
      const f = fields(s);
      const out: Array<string | undefined> = [];
      fieldsOf(s, keys, out);
      keys.forEach((k, i) => assert.equal(out[i], f.get(k)));
    }), { seed: 20261127, numRuns: 5000 });
  });
  it('remembered flag sets are the flag sets', () => {
    for (const s of [...SAMPLES, undefined]) {
      for (let round = 0; round < 2; round++) {
        assert.equal(protBitsCached(s), protBits(s));
        assert.equal(mapBitsCached(s), mapBits(s));
        assert.equal(cloneBitsCached(s), cloneBits(s));
      }
    }
  });
});
