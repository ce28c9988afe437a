// strace argument notation: top-level splitting, struct fields, numbers, flag sets (symbolic and -X raw).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CLONE, MAP, PROT, cloneBits, fdPath, fields, mapBits, num, protBits, protString, splitArgs, str } from '../../src/core/strace/args';

describe('splitArgs', () => {
  it('splits at top-level commas only', () => {
    assert.deepEqual(splitArgs('NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0'), [
      'NULL', '8192', 'PROT_READ|PROT_WRITE', 'MAP_PRIVATE|MAP_ANONYMOUS', '-1', '0',
    ]);
  });
  it('keeps nested structs, arrays and parentheses whole', () => {
    assert.deepEqual(splitArgs('{a=1, b={c=[1, 2], d=(3, 4)}}, [5, {6, 7}], x'), ['{a=1, b={c=[1, 2], d=(3, 4)}}', '[5, {6, 7}]', 'x']);
    assert.deepEqual(
      splitArgs('{flags=CLONE_VM|CLONE_THREAD, stack=0x7f1e6b5ff000, stack_size=0x7fff80} => {parent_tid=[30246]}, 88'),
      ['{flags=CLONE_VM|CLONE_THREAD, stack=0x7f1e6b5ff000, stack_size=0x7fff80} => {parent_tid=[30246]}', '88'],
    );
  });
  it('keeps quoted strings whole: commas, brackets and escaped quotes inside', () => {
    assert.deepEqual(splitArgs('3, "a, b) {[\\" c", 10'), ['3', '"a, b) {[\\" c"', '10']);
    assert.deepEqual(splitArgs('"\\\\", 1'), ['"\\\\"', '1']);
    assert.deepEqual(splitArgs('1, "abc"..., 832'), ['1', '"abc"...', '832']);
  });
  it('an execve argv array and a comment', () => {
    assert.deepEqual(splitArgs('"./x", ["./x", "-v"], 0x7ffc /* 42 vars */'), ['"./x"', '["./x", "-v"]', '0x7ffc /* 42 vars */']);
  });
  it('empty input gives no arguments; a trailing empty argument is kept', () => {
    assert.deepEqual(splitArgs(''), []);
    assert.deepEqual(splitArgs('  '), []);
    assert.deepEqual(splitArgs('3,'), ['3', '']);
  });
});

describe('fields', () => {
  it('reads a struct and key=value argument lists', () => {
    const f = fields('{flags=CLONE_VM|CLONE_SETTLS, child_tid=0x7f1, stack=0x7f1e6b5ff000, stack_size=0x7fff80, tls=0x7f1e6bdff6c0}');
    assert.equal(f.get('flags'), 'CLONE_VM|CLONE_SETTLS');
    assert.equal(f.get('stack'), '0x7f1e6b5ff000');
    assert.equal(f.get('stack_size'), '0x7fff80');
    assert.equal(f.size, 5);
    const g = fields('child_stack=0xc00002c000, flags=CLONE_VM|CLONE_THREAD, tls=0xc00004a098');
    assert.equal(g.get('child_stack'), '0xc00002c000');
    assert.equal(g.get('tls'), '0xc00004a098');
  });
  it('a struct followed by more text reads only the struct', () => {
    const f = fields('{flags=A, x={y=1, z=2}} => {parent_tid=[30246]}');
    assert.deepEqual([...f.keys()], ['flags', 'x']);
    assert.equal(f.get('x'), '{y=1, z=2}');
  });
});

describe('num', () => {
  it('hex, decimal, negative, NULL', () => {
    assert.equal(num('0x7f1eb2b30000'), 0x7f1eb2b30000);
    assert.equal(num('0xC000000000'), 0xc000000000);
    assert.equal(num('8392704'), 8392704);
    assert.equal(num(' 42 '), 42);
    assert.equal(num('-1'), -1);
    assert.equal(num('0'), 0);
    assert.equal(num('NULL'), 0);
  });
  it('products and -y fd decorations', () => {
    assert.equal(num('8192*1024'), 8 * 1024 * 1024);
    assert.equal(num('3</etc/ld.so.cache>'), 3);
    assert.equal(num('5<socket:[12345]>'), 5);
  });
  it('not numbers, or not exact (above 2^53), give undefined', () => {
    assert.equal(num(undefined), undefined);
    assert.equal(num(''), undefined);
    assert.equal(num('PROT_READ'), undefined);
    assert.equal(num('"3"'), undefined);
    assert.equal(num('0x'), undefined);
    assert.equal(num('1.5'), undefined);
    assert.equal(num('0xffffffffffffffff'), undefined);
    assert.equal(num('0x20000000000001'), undefined); // 2^53 + 1
    assert.equal(num('0x20000000001000'), 2 ** 53 + 4096); // a page address above 2^53 is exact
    assert.equal(num('0xfffffffffffff000'), 2 ** 64 - 4096);
    assert.equal(num('0xfffffffffffff800'), undefined); // exact in a double, but not a page address
    assert.equal(num('0x1fffffffffffff'), Number.MAX_SAFE_INTEGER);
    assert.equal(num('18446744073709551615'), undefined);
    assert.equal(num('4294967296*4294967296'), undefined);
  });
});

describe('fdPath and str', () => {
  it('fdPath', () => {
    assert.equal(fdPath('3</usr/lib/x86_64-linux-gnu/libc.so.6>'), '/usr/lib/x86_64-linux-gnu/libc.so.6');
    assert.equal(fdPath('3'), undefined);
    assert.equal(fdPath(undefined), undefined);
  });
  it('str', () => {
    assert.equal(str('"/etc/ld.so.cache"'), '/etc/ld.so.cache');
    assert.equal(str('"a\\"b"'), 'a"b');
    assert.equal(str('"abc"...'), 'abc');
    assert.equal(str('AT_FDCWD'), undefined);
  });
});

describe('flag bits', () => {
  it('protBits: names, PROT_NONE, raw hex', () => {
    assert.equal(protBits('PROT_READ|PROT_WRITE'), PROT.READ | PROT.WRITE);
    assert.equal(protBits('PROT_READ|PROT_EXEC'), 5);
    assert.equal(protBits('PROT_NONE'), 0);
    assert.equal(protBits('0x3'), 3);
    assert.equal(protBits('0'), 0);
    assert.equal(protBits(undefined), 0);
    assert.equal(protBits('PROT_READ|0x10'), 0x11);
  });
  it('mapBits: names, MAP_ANON alias, mixed unknown bits, raw hex', () => {
    assert.equal(mapBits('MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK'), MAP.PRIVATE | MAP.ANONYMOUS | MAP.STACK);
    assert.equal(mapBits('MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE'), 0x4022);
    assert.equal(mapBits('MAP_PRIVATE|MAP_ANON'), 0x22);
    assert.equal(mapBits('MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE'), 0x812);
    assert.equal(mapBits('0x22'), 0x22);
    assert.equal(mapBits('0x20022'), MAP.PRIVATE | MAP.ANONYMOUS | MAP.STACK);
    assert.equal(mapBits('MAP_PRIVATE|0x40'), 0x42);
  });
  it('cloneBits: glibc and Go runtime flag sets, signals ignored, raw hex, bit 31', () => {
    const glibc = 'CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID';
    assert.equal(cloneBits(glibc), 0x3d0f00);
    assert.equal(cloneBits('CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS'), 0xd0f00);
    assert.equal(cloneBits('CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD'), CLONE.CHILD_CLEARTID | CLONE.CHILD_SETTID);
    assert.equal(cloneBits('0x3d0f00'), 0x3d0f00);
    assert.equal(cloneBits('CLONE_IO|CLONE_VM'), 0x80000100);
    assert.ok((cloneBits(glibc) & CLONE.THREAD) !== 0);
  });
  it('-X verbose: the value before the comment counts, the names in the comment do not add', () => {
    assert.equal(protBits('0x3 /* PROT_READ|PROT_WRITE */'), 3);
    assert.equal(mapBits('0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */'), 0x22);
    assert.equal(cloneBits('0xd0f00 /* CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS */'), 0xd0f00);
  });
  it('protString', () => {
    assert.equal(protString(0), '---');
    assert.equal(protString(PROT.READ | PROT.WRITE), 'rw-');
    assert.equal(protString(PROT.READ | PROT.EXEC), 'r-x');
  });
});
