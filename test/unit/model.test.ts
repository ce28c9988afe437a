// TraceModel on small hand-written logs: how threads are made (glibc vs the Go runtime), what mappings are
// (stacks, malloc arenas, the Go heap), processes (fork, vfork, execve) and the snapshot at exit_group.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MODEL_MAX_THREADS, TraceModel } from '../../src/core/model/model';
import { analyzeLog } from '../../src/core/analyze';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Timeline } from '../../src/core/model/timeline';
import { StraceParser } from '../../src/core/strace/parser';

const KiB = 1024;
const MiB = 1024 * KiB;

function build(lines: string[]): TraceModel {
  const m = new TraceModel();
  const p = new StraceParser({ onEvent: (e) => m.onEvent(e) });
  p.write(lines.join('\n') + '\n');
  p.end();
  assert.deepEqual(p.unparsed, [], 'the test log parses');
  m.finish();
  for (const proc of m.processes.values()) assert.equal(proc.space.check(), undefined);
  return m;
}

const EXEC = '100 execve("/home/gopher/prog", ["/home/gopher/prog"], 0x7ffc0 /* 3 vars */) = 0';
const GLIBC_FLAGS = 'CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID';
const GO_FLAGS = 'CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS';
const STACK = 0x7f0000000000;
/** glibc pthread_create as strace -f shows it (Debian 12, glibc 2.36) */
const PTHREAD_CREATE = [
  `100 mmap(NULL, 8392704, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0) = 0x${STACK.toString(16)}`,
  `100 mprotect(0x${(STACK + 4096).toString(16)}, 8388608, PROT_READ|PROT_WRITE) = 0`,
  `100 clone3({flags=${GLIBC_FLAGS}, child_tid=0x7f00007ff990, parent_tid=0x7f00007ff990, exit_signal=0, stack=0x${STACK.toString(16)}, stack_size=0x7fff80, tls=0x7f00007ff6c0} => {parent_tid=[101]}, 88) = 101`,
];
const ARENA = 0x7e0003600000; // not 64 MiB-aligned: glibc trims 10 MiB off the head and 54 MiB off the tail
const ARENA_HEAP = 0x7e0004000000;
const MALLOC_ARENA = [
  `101 mmap(NULL, 134217728, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) = 0x${ARENA.toString(16)}`,
  `101 munmap(0x${ARENA.toString(16)}, ${ARENA_HEAP - ARENA})`,
  `101 munmap(0x${(ARENA_HEAP + 64 * MiB).toString(16)}, ${ARENA + 128 * MiB - (ARENA_HEAP + 64 * MiB)})`,
  `101 mprotect(0x${ARENA_HEAP.toString(16)}, 135168, PROT_READ|PROT_WRITE) = 0`,
].map((l) => (l.includes(' = ') ? l : l + ' = 0'));
const GO_HEAP = [
  '100 mmap(0xc000000000, 67108864, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xc000000000',
  '100 mmap(0xc000000000, 4194304, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0xc000000000',
];

describe('TraceModel: threads', () => {
  it('glibc pthread_create: an 8 MiB stack with a 4 KiB guard, made for the thread', () => {
    const m = build([EXEC, ...PTHREAD_CREATE]);
    const t = m.threads.get(101)!;
    assert.deepEqual(
      { how: t.how, tgid: t.tgid, parentTid: t.parentTid, stackBytes: t.stackBytes, guardBytes: t.guardBytes, createdLine: t.createdLine },
      { how: 'pthread_create', tgid: 100, parentTid: 100, stackBytes: 8 * MiB, guardBytes: 4 * KiB, createdLine: 4 },
    );
    const p = m.processes.get(100)!;
    assert.deepEqual(p.tids, [100, 101]);
    const bd = p.space.breakdown();
    assert.deepEqual([bd.get('thread-stack')?.bytes, bd.get('thread-stack')?.count], [8 * MiB, 1]);
    assert.deepEqual([bd.get('guard-page')?.bytes, bd.get('guard-page')?.count], [4 * KiB, 1]);
    const res = p.space.find(STACK + 8 * MiB)!.res;
    assert.equal(res.id, t.stackRes);
    assert.equal(res.threadTid, 101);
    assert.deepEqual([p.space.vsize, p.space.reserved], [8392704, 4096]);
    const ev = m.events.find((e) => e.op === 'clone3')!;
    assert.equal(ev.child, 101);
    assert.match(ev.note, /^new thread 101: glibc pthread_create/);
  });

  it('a malloc arena: 128 MiB PROT_NONE|MAP_NORESERVE trimmed to an aligned 64 MiB heap', () => {
    const m = build([EXEC, ...PTHREAD_CREATE, ...MALLOC_ARENA]);
    const p = m.processes.get(100)!;
    const arena = p.space.breakdown().get('malloc-arena')!;
    assert.deepEqual([arena.count, arena.bytes], [1, 64 * MiB]);
    const heap = p.space.overlapping(ARENA, ARENA + 128 * MiB);
    assert.deepEqual(heap.map((r) => [r.start, r.end - r.start, r.prot]), [[ARENA_HEAP, 135168, 3], [ARENA_HEAP + 135168, 64 * MiB - 135168, 0]]);
    const res = heap[0].res;
    assert.deepEqual([res.kind, res.trimmed, res.tid], ['malloc-arena', 64 * MiB, 101]);
    assert.equal(m.threads.get(101)!.arenaRes, res.id);
    assert.equal(p.space.vsize, 8392704 + 64 * MiB);
    assert.equal(p.space.peak, 8392704 + 128 * MiB);
  });

  it('the Go runtime: clone(child_stack=0xc000…, CLONE_SETTLS, no PARENT_SETTID) on the Go heap → go-runtime', () => {
    const m = build([
      EXEC,
      ...GO_HEAP,
      `100 clone(child_stack=0xc00002c000, flags=${GO_FLAGS}, tls=0xc00004a098) = 102`,
      `100 clone(child_stack=0xc000066000, flags=${GO_FLAGS} <unfinished ...>`,
      '102 sigaltstack({ss_sp=0xc000056000, ss_flags=0, ss_size=32768}, NULL) = 0',
      '100 <... clone resumed>, tls=0xc00004a798) = 103',
    ]);
    const p = m.processes.get(100)!;
    assert.equal(p.isGo, true);
    assert.deepEqual(p.tids, [100, 102, 103]);
    for (const tid of [102, 103]) {
      const t = m.threads.get(tid)!;
      assert.deepEqual([t.how, t.tgid, t.parentTid, t.stackBytes], ['go-runtime', 100, 100, undefined], `thread ${tid}`);
    }
    const heap = p.space.breakdown().get('go-heap')!;
    assert.deepEqual([heap.count, heap.bytes], [1, 64 * MiB]);
    assert.equal(p.space.breakdown().get('thread-stack'), undefined);
  });

  it('a Go heap arena at the hint 0xc000000000, and the next one right after it', () => {
    const m = build([
      EXEC,
      ...GO_HEAP,
      '100 mmap(0xc004000000, 67108864, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xc004000000',
      '100 mmap(NULL, 67108864, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f5000000000',
    ]);
    const p = m.processes.get(100)!;
    const r = p.space.find(0xc000000000)!;
    assert.deepEqual([r.kind, r.prot, r.end - r.start], ['go-heap', 3, 4 * MiB]);
    assert.equal(p.space.find(0xc000400000)!.kind, 'go-heap');
    assert.equal(p.space.find(0xc004000000)!.kind, 'go-heap');
    assert.deepEqual(p.space.breakdown().get('go-heap')?.bytes, 128 * MiB);
    assert.equal(p.space.find(0x7f5000000000)!.kind, 'go-runtime');
  });

  it('threads at exit: the exit_group entry takes the snapshot; exits after it do not change it', () => {
    const m = build([
      EXEC,
      ...GO_HEAP,
      `100 clone(child_stack=0xc00002c000, flags=${GO_FLAGS}, tls=0xc00004a098) = 102`,
      `100 clone(child_stack=0xc000066000, flags=${GO_FLAGS}, tls=0xc00004a798) = 103`,
      `100 clone(child_stack=0xc000062000, flags=${GO_FLAGS}, tls=0xc00004ae98) = 104`,
      '104 exit(0) = ?',
      '104 +++ exited with 0 +++',
      '103 exit_group(0 <unfinished ...>',
      // during strace's exit_group delay another thread still maps memory: the kernel's figures include it
      '102 mmap(NULL, 262144, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f6000000000',
      '103 <... exit_group resumed>) = ?',
      '103 +++ exited with 0 +++',
      '102 +++ exited with 0 +++',
      '100 +++ exited with 0 +++',
    ]);
    const p = m.processes.get(100)!;
    assert.ok(p.atExit);
    assert.equal(p.atExit.threadsAlive, 3);
    assert.equal(p.atExit.line, 9);
    assert.equal(p.atExit.vsize, 64 * MiB + 256 * KiB);
    assert.deepEqual([p.exitCode, p.ended], [0, true]);
    assert.deepEqual([104, 103, 102, 100].map((tid) => m.threads.get(tid)!.exitedLine), [8, 12, 13, 14]);
  });

  it('a thread that speaks before its parent\'s clone3 resumed line still belongs to that process', () => {
    const m = build([
      EXEC,
      '100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000a10) = 200',
      '200 exit_group(0) = ?',
      '200 +++ exited with 0 +++',
      PTHREAD_CREATE[0],
      PTHREAD_CREATE[1],
      PTHREAD_CREATE[2].replace(' => {parent_tid=[101]}, 88) = 101', ' <unfinished ...>'),
      '101 rseq(0x7f00007fffe0, 0x20, 0, 0x53053053) = 0',
      MALLOC_ARENA[0],
      '100 <... clone3 resumed> => {parent_tid=[101]}, 88) = 101',
      ...MALLOC_ARENA.slice(1),
    ]);
    const t = m.threads.get(101)!;
    assert.deepEqual([t.tgid, t.parentTid, t.how, t.stackBytes, t.guardBytes, t.createdLine], [100, 100, 'pthread_create', 8 * MiB, 4 * KiB, 7]);
    const p = m.processes.get(100)!;
    assert.deepEqual(p.tids, [100, 101]);
    assert.deepEqual(p.space.breakdown().get('malloc-arena')?.bytes, 64 * MiB);
    assert.equal(m.processes.get(200)!.space.breakdown().get('malloc-arena'), undefined);
    assert.deepEqual(m.processes.get(200)!.tids, [200]);
  });
  for (const split of [false, true]) {
    it(`strace -f to a terminal: no pid until the first clone${split ? ', whose resumed half comes back as [pid N]' : ''}`, () => {
      const clone = PTHREAD_CREATE[2].slice(4);
      const m = build([
        EXEC.slice(4),
        PTHREAD_CREATE[0].slice(4),
        PTHREAD_CREATE[1].slice(4),
        ...(split
          ? [clone.replace(' => {parent_tid=[101]}, 88) = 101', ' <unfinished ...>'), '[pid   101] rseq(0x7f00007fffe0, 0x20, 0, 0x53053053) = 0', '[pid   100] <... clone3 resumed> => {parent_tid=[101]}, 88) = 101']
          : [clone, '[pid   101] rseq(0x7f00007fffe0, 0x20, 0, 0x53053053) = 0']),
        `[pid   100] clone3({flags=${GLIBC_FLAGS}, stack=0x7e0000000000, stack_size=0x7fff80, tls=0x7e00007ff6c0} <unfinished ...>`,
        '[pid   102] rseq(0x7e00007fffe0, 0x20, 0, 0x53053053) = 0',
        '[pid   100] <... clone3 resumed> => {parent_tid=[102]}, 88) = 102',
        '[pid   100] exit_group(0) = ?',
        '[pid   101] +++ exited with 0 +++',
        '[pid   102] +++ exited with 0 +++',
        '+++ exited with 0 +++',
      ]);
      assert.deepEqual([...m.processes.keys()], [0]);
      const p = m.processes.get(0)!;
      assert.deepEqual(p.tids, [0, 101, 102]);
      assert.equal(m.threads.get(100), m.threads.get(0), '[pid 100] is the first thread');
      assert.deepEqual([m.threads.get(101)!.how, m.threads.get(101)!.stackBytes, m.threads.get(102)!.how], ['pthread_create', 8 * MiB, 'pthread_create']);
      assert.equal(p.atExit!.threadsAlive, 3);
    });
  }
});

describe('TraceModel: processes', () => {
  it('fork: a new process with a copy of the address space, changed independently', () => {
    const m = build([
      EXEC,
      '100 mmap(NULL, 1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f1000000000',
      '100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000a10) = 200',
      '200 munmap(0x7f1000000000, 524288) = 0',
      '100 fork() = 201',
      '100 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f2000000000',
    ]);
    assert.deepEqual([...m.processes.keys()], [100, 200, 201]);
    const [p, c1, c2] = [100, 200, 201].map((pid) => m.processes.get(pid)!);
    assert.deepEqual([p.space.vsize, c1.space.vsize, c2.space.vsize], [MiB + 4096, 512 * KiB, MiB]);
    assert.deepEqual([c1.parentPid, c2.parentPid, c1.command], [100, 100, 'prog']);
    assert.deepEqual([m.threads.get(200)!.how, m.threads.get(201)!.how, m.threads.get(200)!.tgid], ['fork', 'fork', 200]);
    assert.equal(m.mainPid, 100);
  });

  it('vfork shares the parent\'s memory until execve', () => {
    const m = build([
      EXEC,
      '100 vfork() = 200',
      '200 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f1000000000',
      '200 execve("/bin/true", ["true"], 0x7ffc0 /* 3 vars */) = 0',
      '200 mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3000000000',
    ]);
    const [p, c] = [100, 200].map((pid) => m.processes.get(pid)!);
    assert.equal(m.threads.get(200)!.how, 'vfork');
    assert.deepEqual([p.space.vsize, c.space.vsize], [8192, 4096]);
  });

  it('execve resets the address space and names the program; threads of the old image are gone', () => {
    const m = build([
      EXEC,
      ...PTHREAD_CREATE,
      '100 mmap(NULL, 1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f1000000000',
      '100 execve("/usr/bin/other", ["other", "-x"], 0x7ffc0 /* 3 vars */) = 0',
      '100 brk(NULL) = 0x555000000000',
      '100 brk(0x555000021000) = 0x555000021000',
      '100 exit_group(0) = ?',
      '100 +++ exited with 0 +++',
    ]);
    const p = m.processes.get(100)!;
    assert.deepEqual([p.exe, p.command, p.argv, p.execLine, p.isGo], ['/usr/bin/other', 'other', ['other', '-x'], 6, false]);
    assert.deepEqual([p.space.vsize, p.space.peak, p.space.size], [0x21000, 0x21000, 1]);
    assert.equal(p.space.find(0x555000000000)!.kind, 'brk-heap');
    assert.equal(p.atExit!.threadsAlive, 1);
    assert.notEqual(m.threads.get(101)!.exitedLine, undefined);
    assert.equal(p.attachedLate, false);
  });

  it('a failed execve changes nothing', () => {
    const m = build([
      EXEC,
      '100 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f2000000000',
      '100 execve("/nope", ["nope"], 0x7ffc0 /* 3 vars */) = -1 ENOENT (No such file or directory)',
    ]);
    const p = m.processes.get(100)!;
    assert.deepEqual([p.exe, p.space.vsize], ['/home/gopher/prog', 4096]);
  });
});

describe('TraceModel: memory calls', () => {
  // Seen under load (samples/net, 2 cores): one thread trims its arena's tail while another thread's
  // new arena lands exactly there; the munmap's result is logged after the mmap that needed it.
  it('a munmap split around another thread\'s mmap at the freed address does not remove that mapping', () => {
    const m = build([
      EXEC,
      `100 clone3({flags=${GLIBC_FLAGS}, child_tid=0x7f00007ff990, parent_tid=0x7f00007ff990, exit_signal=0, stack=0x7f0000000000, stack_size=0x7fff80, tls=0x7f00007ff6c0} => {parent_tid=[101]}, 88) = 101`,
      `100 clone3({flags=${GLIBC_FLAGS}, child_tid=0x7f00017ff990, parent_tid=0x7f00017ff990, exit_signal=0, stack=0x7f0001000000, stack_size=0x7fff80, tls=0x7f00017ff6c0} => {parent_tid=[102]}, 88) = 102`,
      '101 mmap(NULL, 134217728, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) = 0x7fbf74000000',
      '101 munmap(0x7fbf78000000, 67108864 <unfinished ...>',
      '102 mmap(0x7fbf78000000, 67108864, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) = 0x7fbf78000000',
      '101 <... munmap resumed>) = 0',
    ]);
    const p = m.processes.get(100)!;
    assert.deepEqual(p.space.all().map((r) => [r.start.toString(16), r.end - r.start]), [['7fbf74000000', 64 * MiB], ['7fbf78000000', 64 * MiB]]);
    assert.equal(p.space.vsize, 128 * MiB);
  });

  it('a split munmap still removes what was mapped before it started, and MAP_FIXED mappings made meanwhile', () => {
    const m = build([
      EXEC,
      `100 clone3({flags=${GLIBC_FLAGS}, child_tid=0x7f00007ff990, parent_tid=0x7f00007ff990, exit_signal=0, stack=0x7f0000000000, stack_size=0x7fff80, tls=0x7f00007ff6c0} => {parent_tid=[101]}, 88) = 101`,
      '100 mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f2000000000',
      '100 munmap(0x7f2000000000, 16384 <unfinished ...>',
      '101 mmap(0x7f2000000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x7f2000000000',
      '100 <... munmap resumed>) = 0',
    ]);
    assert.deepEqual(m.processes.get(100)!.space.all(), []);
  });

  it('failed and unfinished calls change nothing; mremap moves; madvise keeps the size', () => {
    const m = build([
      EXEC,
      '100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 ENOMEM (Cannot allocate memory)',
      '100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f2000000000',
      '100 mremap(0x7f2000000000, 8192, 16384, MREMAP_MAYMOVE) = 0x7f3000000000',
      '100 madvise(0x7f3000000000, 16384, MADV_DONTNEED) = 0',
      '100 munmap(0x7f3000000000, 4096 <unfinished ...>',
    ]);
    const p = m.processes.get(100)!;
    assert.deepEqual(p.space.all().map((r) => [r.start, r.end - r.start, r.prot]), [[0x7f3000000000, 16384, 3]]);
    assert.equal(p.space.peak, 16384);
  });
  it('file mappings: shared libraries by path (-y or openat), the ld.so cache', () => {
    const m = build([
      EXEC,
      '100 openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3',
      '100 mmap(NULL, 38759, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f1eb2b26000',
      '100 close(3) = 0',
      '100 mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/x86_64-linux-gnu/libc.so.6>, 0) = 0x7f1eb2944000',
      '100 mmap(0x7f1eb296a000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3</usr/lib/x86_64-linux-gnu/libc.so.6>, 0x26000) = 0x7f1eb296a000',
      '100 mmap(0x7f1eb2b19000, 53072, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f1eb2b19000',
    ]);
    const p = m.processes.get(100)!;
    assert.equal(p.space.find(0x7f1eb2b26000)!.res.path, '/etc/ld.so.cache');
    assert.equal(p.space.find(0x7f1eb296a000)!.kind, 'shared-library');
    assert.equal(p.space.find(0x7f1eb2944000)!.res, p.space.find(0x7f1eb296a000)!.res);
    assert.equal(p.space.find(0x7f1eb2b19000)!.kind, 'shared-library'); // .bss overlay inside libc's reservation
    assert.deepEqual([p.dynamic, [...p.libraries.keys()]], [true, ['/usr/lib/x86_64-linux-gnu/libc.so.6']]);
  });
});

describe('Timeline', () => {
  it('keeps every point under capacity, then thins keeping peaks', () => {
    const t = new Timeline(16);
    for (let i = 0; i < 16; i++) t.add(i, i, i === 5 ? 1000 : i, 0);
    assert.equal(t.length, 16);
    for (let i = 16; i < 100; i++) t.add(i, i, i === 77 ? 5000 : i, 0);
    assert.ok(t.length <= 16);
    const vs = t.points().map((p) => p.vsize);
    assert.ok(vs.includes(1000) && vs.includes(5000), JSON.stringify(vs));
    const ts = t.points().map((p) => p.t);
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
    assert.equal(t.points().at(-1)!.t >= 90, true);
  });
});

describe('processes whose fork is not in the log', () => {
  it('a tid first seen at its execve is a process of its own, with its own address space', () => {
    const m = build([
      EXEC,
      '100 mmap(NULL, 262144, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f1000000000',
      '200 execve("/usr/bin/other", ["other"], 0x7ffc0 /* 3 vars */) = 0',
      '200 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f2000000000',
      '200 exit_group(0) = ?',
      '200 +++ exited with 0 +++',
      '100 exit_group(0) = ?',
      '100 +++ exited with 0 +++',
    ]);
    assert.deepEqual([...m.processes.keys()].sort(), [100, 200]);
    assert.equal(m.processes.get(200)!.command, 'other');
    assert.equal(m.processes.get(200)!.space.vsize, 8192);
    assert.equal(m.processes.get(100)!.space.vsize, 262144);
    assert.deepEqual(m.processes.get(100)!.tids, [100]);
    assert.equal(m.processes.get(100)!.atExit?.threadsAlive, 1);
  });
});

describe('execve from a thread that is not the leader', () => {
  it('the program goes on under the leader\'s pid with a fresh address space and one thread', () => {
    const m = build([
      EXEC,
      `100 clone(child_stack=0xc000060000, flags=${GO_FLAGS}, tls=0xc000080098) = 101`,
      '100 mmap(0xc000000000, 67108864, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xc000000000',
      '101 execve("/usr/bin/next", ["next"], 0x7ffc0 /* 3 vars */ <unfinished ...>',
      '100 +++ superseded by execve in pid 101 +++',
      '100 <... execve resumed>) = 0',
      '100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3000000000',
      '100 exit_group(0) = ?',
      '100 +++ exited with 0 +++',
    ]);
    assert.deepEqual([...m.processes.keys()], [100]);
    const p = m.processes.get(100)!;
    assert.equal(p.command, 'next');
    assert.equal(p.space.vsize, 8192, 'the old program\'s Go heap is gone with its address space');
    assert.equal(p.atExit?.threadsAlive, 1);
    assert.notEqual(m.threads.get(101)!.exitedLine, undefined, 'tid 101 vanished into pid 100');
  });
});

describe('TraceModel: many clones in flight at once', () => {
  /** n threads each begin a clone that has not returned yet (each new one is placed as the latest clone's child) */
  function inFlightMs(n: number): number {
    const lines = [EXEC];
    for (let k = 0; k < n; k++) lines.push(`${100 + k} clone(child_stack=0x7f00, flags=${GO_FLAGS} <unfinished ...>`);
    const text = lines.join('\n') + '\n';
    let best = Infinity;
    for (let round = 0; round < 2; round++) {
      const m = new TraceModel();
      const p = new StraceParser({ onEvent: (e) => m.onEvent(e) });
      const t0 = performance.now();
      p.write(text);
      m.finish();
      best = Math.min(best, performance.now() - t0);
      assert.equal(m.threads.size + m.threadsCounted, n);
    }
    return best;
  }

  it('4× the clones in flight take about 4× the time, not 16× (the latest clone is not found by listing them all)', () => {
    inFlightMs(5_000); // warm-up
    const small = inFlightMs(10_000);
    const big = inFlightMs(40_000);
    // linear: ~4; listing every clone in flight for each new thread: ~16
    assert.ok(big / small < 9, `10,000 → ${small.toFixed(0)} ms, 40,000 → ${big.toFixed(0)} ms`);
  });
});

describe('TraceModel: threads past the cap are counted, not kept', () => {
  /** a Go-like program that makes n threads; every other one exits before the end */
  function manyThreads(n: number): string {
    const lines = [EXEC, '100 mmap(0xc000000000, 67108864, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xc000000000'];
    for (let k = 0; k < n; k++) {
      const tid = 1000 + k;
      lines.push(`100 clone(child_stack=0xc00002c000, flags=${GO_FLAGS}, tls=0xc00004a098) = ${tid}`);
      lines.push(`${tid} mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x${(0x7f0000000000 + k * 4096).toString(16)}`);
      if (k % 2 === 1) lines.push(`${tid} +++ exited with 0 +++`);
    }
    lines.push('100 exit_group(0) = ?', '100 +++ exited with 0 +++');
    return lines.join('\n') + '\n';
  }

  function modelOf(text: string, maxThreads?: number): TraceModel {
    const m = new TraceModel({ maxThreads });
    const p = new StraceParser({ onEvent: (e) => m.onEvent(e) });
    p.write(text);
    p.end();
    m.finish();
    return m;
  }

  it('5,000 threads with a cap of 1,000: the same figures as without a cap, 1,000 records', () => {
    const text = manyThreads(5000);
    const full = modelOf(text, Infinity);
    const capped = modelOf(text, 1000);
    assert.equal(full.threads.size, 5001);
    assert.equal(capped.threads.size, 1000);
    assert.equal(capped.threadsCounted, 4001);
    const [f, c] = [full.processes.get(100)!, capped.processes.get(100)!];
    assert.deepEqual(
      [c.tids.length + c.countedThreads, c.atExit?.threadsAlive, c.atExit?.vsize, c.space.vsize, c.ended],
      [f.tids.length, f.atExit?.threadsAlive, f.atExit?.vsize, f.space.vsize, f.ended],
    );
    assert.equal(f.atExit?.threadsAlive, 2501);
    assert.equal(c.countedExited, 2001);
  });

  it('the report lists the threads kept and counts the rest (default cap: 10,000)', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gml-threads-'));
    try {
      const log = path.join(dir, 'threads.strace');
      await fsp.writeFile(log, manyThreads(12_000));
      const r = await analyzeLog(log);
      const p = r.processes[0];
      assert.equal(p.threads.length, MODEL_MAX_THREADS);
      assert.deepEqual([p.threadsCreated, p.threadsAtExit, p.threadsNotListed], [12_000, 6_001, 12_001 - MODEL_MAX_THREADS]);
      assert.ok(r.log.warnings.some((w) => w.includes('not listed one by one')), r.log.warnings.join('\n'));
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('resumed halves with no start, from 30,000 random pids, in a log that shows the program start: no thread record', () => {
    const lines = [EXEC];
    let x = 7;
    for (let k = 0; k < 30_000; k++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      lines.push(`${200 + (x % 4_000_000)} <... futex resumed>) = 0`);
    }
    const m = modelOf(lines.join('\n') + '\n');
    // the log shows the program start, so a tid that no clone made is a stray line's: neither kept nor
    // counted as a thread of the program, only as a stray tid
    const p = m.processes.get(100)!;
    assert.equal(m.threads.size, 1);
    assert.equal(m.strayTids, new Set(lines.slice(1).map((l) => l.split(' ')[0])).size);
    assert.deepEqual([p.strayTids, p.tids.length, p.countedThreads], [m.strayTids, 1, 0]);
  });
});
