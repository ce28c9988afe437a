// StraceParser, one test per piece of strace syntax (small logs written here), then every fixture log
// parsed with awkward chunk boundaries against its whole-file parse.
import { strict as assert } from 'node:assert';
import { promises as fsp, readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { ExitEvent, SignalEvent, SyscallEvent, TraceEvent } from '../../src/core/strace/events';
import { StraceParser, parseStackFrame, type EntryEvent, type ParserOptions } from '../../src/core/strace/parser';
import { readLog, resolveLogSource, type LogEvent } from '../../src/core/strace/reader';
import { fdPath, splitArgs, str } from '../../src/core/strace/args';

type Ev = TraceEvent | EntryEvent;
const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');

function parse(text: string | Array<string | Buffer>, opts: Partial<ParserOptions> = {}): { events: Ev[]; parser: StraceParser } {
  const events: Ev[] = [];
  const parser = new StraceParser({ ...opts, onEvent: (e) => events.push(e) });
  for (const c of typeof text === 'string' ? [text] : text) parser.write(c);
  parser.end();
  return { events, parser };
}
const calls = (evs: Ev[]) => evs.filter((e): e is SyscallEvent => e.type === 'syscall');
function one(text: string, opts: Partial<ParserOptions> = {}): SyscallEvent {
  const { events, parser } = parse(text, opts);
  assert.deepEqual(parser.unparsed, []);
  const c = calls(events);
  assert.equal(c.length, 1, JSON.stringify(events));
  return c[0];
}

describe('StraceParser: line prefixes', () => {
  it('-f -o: a pid column, padded to the column', () => {
    const { events, parser } = parse('1234  mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000\n99    close(3) = 0\n');
    const c = calls(events);
    assert.deepEqual(c.map((e) => [e.pid, e.name, e.retval, e.line]), [[1234, 'mmap', 0x7f0000001000, 1], [99, 'close', 0, 2]]);
    assert.equal(c[0].args, 'NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0');
    assert.equal(parser.style.pidPrefix, 'plain');
  });
  it('[pid  1234] prefix of a terminal', () => {
    const { events, parser } = parse('[pid  1234] close(3) = 0\n[pid 56] close(4) = 0\n');
    assert.deepEqual(calls(events).map((e) => [e.pid, e.args]), [[1234, '3'], [56, '4']]);
    assert.equal(parser.style.pidPrefix, 'bracketed');
  });
  it('no pid: pid 0, or the -ff file pid', () => {
    assert.equal(one('close(3) = 0\n').pid, 0);
    assert.equal(one('close(3) = 0\n', { fixedPid: 777 }).pid, 777);
    assert.equal(one('09:21:43.954705 close(3) = 0\n', { fixedPid: 777 }).time, (9 * 3600 + 21 * 60 + 43) * 1e6 + 954705);
  });
  it('-t: time of day in seconds', () => {
    const { events, parser } = parse('1 09:21:43 close(3) = 0\n');
    assert.equal(calls(events)[0].time, (9 * 3600 + 21 * 60 + 43) * 1e6);
    assert.equal(parser.style.timestamps, 'time');
  });
  it('-tt: time of day in microseconds, with and without a pid', () => {
    const { events, parser } = parse('1 09:21:43.954705 close(3) = 0\n09:21:44.000001 close(4) = 0\n');
    assert.deepEqual(calls(events).map((e) => e.time), [33703954705, 33704000001]);
    assert.equal(parser.style.timestamps, 'time-us');
  });
  it('-tt across midnight keeps counting up', () => {
    const { events } = parse('1 23:59:59.900000 close(3) = 0\n1 00:00:00.100000 close(4) = 0\n');
    assert.deepEqual(calls(events).map((e) => e.time), [86399900000, 86400100000]);
  });
  it('-ttt: seconds since the epoch', () => {
    const { events, parser } = parse('32188 1795771343.099421 close(3) = 0\n1795771343.100000 close(4) = 0\n');
    assert.deepEqual(calls(events).map((e) => [e.pid, e.time]), [[32188, 1795771343099421], [0, 1795771343100000]]);
    assert.equal(parser.style.timestamps, 'epoch');
  });
  it('-r: deltas accumulate into a clock, with the padded column', () => {
    const { events, parser } = parse('     0.000000 close(3) = 0\n     0.000150 close(4) = 0\n1234      1.500000 close(5) = 0\n');
    assert.deepEqual(calls(events).map((e) => [e.pid, e.time]), [[0, 0], [0, 150], [1234, 1500150]]);
    assert.equal(parser.style.timestamps, 'relative');
  });
  it('-T: durations', () => {
    const { events, parser } = parse('1 munmap(0x7f1eb2b26000, 38759) = 0 <0.000121>\n1 close(3) = 0 <12.5>\n');
    assert.deepEqual(calls(events).map((e) => [e.ret, e.duration]), [['0', 0.000121], ['0', 12.5]]);
    assert.equal(parser.style.durations, true);
  });
});

describe('StraceParser: return values', () => {
  it('errno and its note', () => {
    const e = one('1 access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory) <0.004080>\n');
    assert.deepEqual([e.ret, e.retval, e.errno, e.retNote, e.duration], ['-1', -1, 'ENOENT', '(No such file or directory)', 0.00408]);
  });
  it('ERESTART errnos, and a note without errno', () => {
    const e = one('1 futex(0x1, FUTEX_WAIT_PRIVATE, 0, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n');
    assert.deepEqual([e.ret, e.retval, e.errno, e.retNote], ['?', undefined, 'ERESTARTSYS', '(To be restarted if SA_RESTART is set)']);
    const f = one('1 fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)\n');
    assert.deepEqual([f.retval, f.errno, f.retNote], [0x8002, undefined, '(flags O_RDWR|O_LARGEFILE)']);
  });
  it('= ? (no return: the thread exited in the call)', () => {
    const e = one('1 exit_group(0) = ?\n', { entryCalls: new Set() });
    assert.deepEqual([e.ret, e.retval, e.status, e.args], ['?', undefined, 'complete', '0']);
  });
  it('= ? <unavailable>', () => {
    const e = one('1 exit_group(0) = ? <unavailable>\n', { entryCalls: new Set() });
    assert.deepEqual([e.ret, e.retval, e.duration], ['?', undefined, undefined]);
  });
  it('column-40 padding before " = "', () => {
    const e = one('30244 09:21:43.969616 brk(NULL)         = 0x2589b000 <0.000132>\n');
    assert.deepEqual([e.args, e.ret, e.retval, e.duration], ['NULL', '0x2589b000', 0x2589b000, 0.000132]);
  });
  it('-y/-yy decorations in arguments and the return value', () => {
    const e = one('1 openat(AT_FDCWD</home/gopher>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache> <0.000100>\n');
    assert.deepEqual([e.args, e.ret, e.retval, e.duration, e.retNote], ['AT_FDCWD</home/gopher>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC', '3</etc/ld.so.cache>', 3, 0.0001, undefined]);
    const m = one('1 mmap(NULL, 38759, PROT_READ, MAP_PRIVATE, 3</etc/ld.so.cache>, 0) = 0x7f1eb2b26000\n');
    assert.equal(m.args, 'NULL, 38759, PROT_READ, MAP_PRIVATE, 3</etc/ld.so.cache>, 0');
    const s = one('1 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3<TCP:[12345]>\n');
    assert.deepEqual([s.ret, s.retval], ['3<TCP:[12345]>', 3]);
    const sp = one('1 openat(AT_FDCWD, "/tmp/a b", O_RDONLY) = 4</tmp/a b> <0.000010>\n');
    assert.deepEqual([sp.ret, sp.retval, sp.duration], ['4</tmp/a b>', 4, 0.00001]);
    assert.equal(parse('1 dup(3) = 4</x>\n').parser.style.fdPaths, true);
  });
  it('hex and huge return values', () => {
    assert.equal(one('1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fffffffe000\n').retval, 0x7fffffffe000);
    const big = one('1 lseek(3, 0, SEEK_CUR) = 18446744073709551615\n');
    assert.equal(big.ret, '18446744073709551615');
  });
});

describe('StraceParser: arguments', () => {
  it('structs and arrays with nested braces, quoted strings with escaped quotes and ")" inside', () => {
    const e = one('1 write(1, "a \\"quoted\\" ) string, {x}", 27) = 27\n');
    assert.equal(e.args, '1, "a \\"quoted\\" ) string, {x}", 27');
    const f = one('1 newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=38759, st_atim={tv_sec=1, tv_nsec=2}, ...}, AT_EMPTY_PATH) = 0\n');
    assert.equal(f.args, '3, "", {st_mode=S_IFREG|0644, st_size=38759, st_atim={tv_sec=1, tv_nsec=2}, ...}, AT_EMPTY_PATH');
    const g = one('1 rt_sigprocmask(SIG_SETMASK, ~[KILL STOP RTMIN RT_1], NULL, 8) = 0\n');
    assert.equal(g.args, 'SIG_SETMASK, ~[KILL STOP RTMIN RT_1], NULL, 8');
    const h = one('1 write(1, "\\\\", 1) = 1\n');
    assert.equal(h.args, '1, "\\\\", 1');
  });
  it('truncated strings "..."...', () => {
    const { events, parser } = parse('1 read(3, "\\177ELF\\2\\1\\1\\3\\0"..., 832) = 832\n');
    assert.equal(calls(events)[0].args, '3, "\\177ELF\\2\\1\\1\\3\\0"..., 832');
    assert.equal(parser.style.truncatedStrings, true);
    assert.equal(parse('1 read(3, "abc", 3) = 3\n').parser.style.truncatedStrings, false);
  });
  it('clone3 with its struct and the => result', () => {
    const line = '30244 09:21:44.000907 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f1e6bdff990, parent_tid=0x7f1e6bdff990, exit_signal=0, stack=0x7f1e6b5ff000, stack_size=0x7fff80, tls=0x7f1e6bdff6c0} => {parent_tid=[30246]}, 88) = 30246 <0.001019>\n';
    const e = one(line, { entryCalls: new Set() });
    assert.equal(e.name, 'clone3');
    assert.ok(e.args.startsWith('{flags=CLONE_VM|'));
    assert.ok(e.args.endsWith('tls=0x7f1e6bdff6c0} => {parent_tid=[30246]}, 88'));
    assert.deepEqual([e.retval, e.duration], [30246, 0.001019]);
  });
  it('clone with child_stack=, fork and vfork', () => {
    const { events } = parse([
      '30381 clone(child_stack=0xc00002c000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS, tls=0xc00004a098) = 30382\n',
      '30381 fork() = 30390\n',
      '30381 vfork() = 30391\n',
    ].join(''), { entryCalls: new Set() });
    assert.deepEqual(calls(events).map((e) => [e.name, e.args, e.retval]), [
      ['clone', 'child_stack=0xc00002c000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS, tls=0xc00004a098', 30382],
      ['fork', '', 30390],
      ['vfork', '', 30391],
    ]);
  });
});

describe('StraceParser: split calls', () => {
  it('<unfinished ...> and <... mmap resumed>: joined args, return on the resumed half, line of the first half', () => {
    const { events } = parse([
      '30246 09:21:44.003000 mmap(NULL, 134217728, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0 <unfinished ...>\n',
      '30244 09:21:44.003100 close(3) = 0\n',
      '30246 09:21:44.003456 <... mmap resumed>) = 0x7f1e62c00000 <0.000019>\n',
    ].join(''));
    const c = calls(events);
    assert.deepEqual(c.map((e) => e.name), ['close', 'mmap']);
    const m = c[1];
    assert.deepEqual(
      { pid: m.pid, line: m.line, resumedLine: m.resumedLine, time: m.time, resumedTime: m.resumedTime, args: m.args, retval: m.retval, duration: m.duration, status: m.status },
      { pid: 30246, line: 1, resumedLine: 3, time: 33704003000, resumedTime: 33704003456, args: 'NULL, 134217728, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0', retval: 0x7f1e62c00000, duration: 0.000019, status: 'complete' },
    );
  });
  it('a split in the middle of the arguments (clone3 ... => {parent_tid=[N]})', () => {
    const { events } = parse([
      '1 clone3({flags=CLONE_VM|CLONE_THREAD, stack=0x7f0000000000, stack_size=0x7fff80} <unfinished ...>\n',
      '2 rseq(0x7f1, 0x20, 0, 0x53053053) = 0\n',
      '1 <... clone3 resumed> => {parent_tid=[2]}, 88) = 2\n',
      '1 rt_sigprocmask(SIG_SETMASK, ~[KILL STOP RTMIN RT_1],  <unfinished ...>\n',
      '1 <... rt_sigprocmask resumed>NULL, 8) = 0\n',
    ].join(''), { entryCalls: new Set() });
    const c = calls(events);
    assert.deepEqual(c.map((e) => [e.name, e.args, e.retval, e.line, e.resumedLine]), [
      ['rseq', '0x7f1, 0x20, 0, 0x53053053', 0, 2, undefined],
      ['clone3', '{flags=CLONE_VM|CLONE_THREAD, stack=0x7f0000000000, stack_size=0x7fff80} => {parent_tid=[2]}, 88', 2, 1, 3],
      ['rt_sigprocmask', 'SIG_SETMASK, ~[KILL STOP RTMIN RT_1], NULL, 8', 0, 4, 5],
    ]);
  });
  it('<... nanosleep resumed> <unfinished ...>) = ?', () => {
    const { events, parser } = parse([
      '7 nanosleep({tv_sec=0, tv_nsec=20000}, NULL <unfinished ...>\n',
      '1 exit_group(0) = ?\n',
      '7 <... nanosleep resumed> <unfinished ...>) = ?\n',
      '7 +++ exited with 0 +++\n',
    ].join(''), { entryCalls: new Set() });
    assert.deepEqual(parser.unparsed, []);
    const n = calls(events).find((e) => e.name === 'nanosleep')!;
    assert.deepEqual([n.args, n.ret, n.status, n.line, n.resumedLine], ['{tv_sec=0, tv_nsec=20000}, NULL', '?', 'complete', 1, 3]);
  });
  it('a call whose resumed half never comes is emitted as unfinished at end()', () => {
    const { events } = parse('5 futex(0xc000, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>\n6 close(3) = 0\n');
    const c = calls(events);
    assert.deepEqual(c.map((e) => [e.pid, e.name, e.status, e.ret, e.line]), [[6, 'close', 'complete', '0', 2], [5, 'futex', 'unfinished', '?', 1]]);
    assert.equal(c[1].args, '0xc000, FUTEX_WAIT_PRIVATE, 0, NULL');
  });
  it('a thread that exits with a call in flight: the call is emitted unfinished before the exit', () => {
    const { events } = parse('5 futex(0xc000, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>\n5 +++ exited with 0 +++\n');
    assert.deepEqual(events.map((e) => [e.type, (e as SyscallEvent).status]), [['syscall', 'unfinished'], ['exit', undefined]]);
  });
  it('strace -f to a terminal: a call begun without a pid prefix resumes as [pid N]', () => {
    const { events, parser } = parse('clone3({flags=CLONE_VM|CLONE_THREAD, stack=0x7f00} <unfinished ...>\n[pid   101] close(3) = 0\n[pid   100] <... clone3 resumed> => {parent_tid=[101]}, 88) = 101\n', { entryCalls: new Set() });
    assert.equal(parser.orphanResumed, 0);
    assert.deepEqual(calls(events).map((e) => [e.pid, e.name, e.args, e.line, e.resumedLine]), [
      [101, 'close', '3', 2, undefined],
      [100, 'clone3', '{flags=CLONE_VM|CLONE_THREAD, stack=0x7f00} => {parent_tid=[101]}, 88', 1, 3],
    ]);
  });
  it('a resumed half without its start is counted as an orphan and still parsed', () => {
    const { events, parser } = parse('5 <... read resumed>"x", 1) = 1\n');
    assert.equal(parser.orphanResumed, 1);
    assert.deepEqual(calls(events).map((e) => [e.name, e.args, e.retval, e.resumedLine]), [['read', '"x", 1', 1, undefined]]);
  });
});

describe('StraceParser: signals, exits, strace messages', () => {
  it('--- SIGURG {…} ---', () => {
    const { events } = parse('31843 09:00:00.000001 --- SIGURG {si_signo=SIGURG, si_code=SI_TKILL, si_pid=31843, si_uid=0} ---\n');
    assert.deepEqual(events, [{ type: 'signal', pid: 31843, time: 32400000001, line: 1, signal: 'SIGURG', info: '{si_signo=SIGURG, si_code=SI_TKILL, si_pid=31843, si_uid=0}' }]);
  });
  it('+++ exited / killed / core dumped / superseded +++', () => {
    const { events } = parse('1 +++ exited with 0 +++\n2 +++ exited with 3 +++\n3 +++ killed by SIGKILL +++\n4 +++ killed by SIGSEGV (core dumped) +++\n5 +++ superseded by execve in pid 1 +++\n');
    const x = events as ExitEvent[];
    assert.deepEqual(x.map((e) => [e.type, e.pid, e.code, e.signal, e.coreDumped, e.supersededBy]), [
      ['exit', 1, 0, undefined, undefined, undefined],
      ['exit', 2, 3, undefined, undefined, undefined],
      ['exit', 3, undefined, 'SIGKILL', false, undefined],
      ['exit', 4, undefined, 'SIGSEGV', true, undefined],
      ['exit', 5, undefined, undefined, undefined, 1],
    ]);
  });
  it('strace: Process N attached / detached, and other strace messages', () => {
    const { events, parser } = parse('strace: Process 123 attached\n[pid   123] close(3) = 0\nstrace: Process 123 detached\nstrace: something else\n');
    assert.deepEqual(events.map((e) => [e.type, e.pid, e.line]), [['attach', 123, 1], ['syscall', 123, 2], ['detach', 123, 3]]);
    assert.deepEqual(parser.straceMessages, ['something else']);
    assert.equal(parser.unparsedCount, 0);
  });
  it('entry events come at once for exit_group (before the call itself), and at the first half of a split call', () => {
    const { events } = parse('1 close(3) = 0\n1 exit_group(0) = ?\n2 clone3({flags=CLONE_VM} <unfinished ...>\n');
    assert.deepEqual(events.map((e) => [e.type, (e as SyscallEvent).name, e.line]), [
      ['syscall', 'close', 1], ['entry', 'exit_group', 2], ['syscall', 'exit_group', 2], ['entry', 'clone3', 3], ['syscall', 'clone3', 3],
    ]);
    assert.deepEqual((events[1] as EntryEvent).args, '0');
    assert.deepEqual((events[3] as EntryEvent).args, '{flags=CLONE_VM}');
  });
});

describe('StraceParser: -k stacks', () => {
  const frames = ' > /usr/lib/x86_64-linux-gnu/libc.so.6(__mmap+0x26) [0x1098d9]\n > /home/gopher/prog(runtime.newosproc+0x8e) [0x2f12e]\n > /home/gopher/prog() [0x4000]\n';
  it('frames attach to the preceding call', () => {
    const { events, parser } = parse(`1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n${frames}1 close(3) = 0\n`);
    const c = calls(events);
    assert.deepEqual(c[0].stack, [
      { object: '/usr/lib/x86_64-linux-gnu/libc.so.6', func: '__mmap', offset: '0x26', address: '0x1098d9' },
      { object: '/home/gopher/prog', func: 'runtime.newosproc', offset: '0x8e', address: '0x2f12e' },
      { object: '/home/gopher/prog', address: '0x4000' },
    ]);
    assert.equal(c[1].stack, undefined);
    assert.equal(parser.style.stacks, true);
  });
  it('frames attach to a resumed call', () => {
    const { events } = parse(`1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n2 close(3) = 0\n1 <... mmap resumed>) = 0x7f0000000000\n${frames}`);
    const m = calls(events).find((e) => e.name === 'mmap')!;
    assert.equal(m.stack?.length, 3);
    assert.equal(calls(events).find((e) => e.name === 'close')!.stack, undefined);
  });
  it('frames attach to a signal and to an exit line', () => {
    const { events, parser } = parse(`1 --- SIGURG {si_signo=SIGURG} ---\n${frames}1 +++ exited with 0 +++\n${frames}`);
    assert.equal((events[0] as SignalEvent).stack?.length, 3);
    assert.equal((events[1] as ExitEvent).stack?.[1].func, 'runtime.newosproc');
    assert.equal(parser.unparsedCount, 0);
  });
  it('a frame with nothing before it is unparsed', () => {
    const { parser } = parse(frames.split('\n')[0] + '\n');
    assert.equal(parser.unparsedCount, 1);
    assert.equal(parser.unparsed[0].reason, 'stack frame without a preceding call or signal');
  });
  it('parseStackFrame forms', () => {
    assert.deepEqual(parseStackFrame(' > unexpected_backtracing_error [0x7f00]'), { object: 'unexpected_backtracing_error', address: '0x7f00' });
    assert.equal(parseStackFrame(' > nonsense'), undefined);
  });
});

describe('StraceParser: bad lines', () => {
  it('counts an unparseable line with its number and reason, and goes on', () => {
    const { events, parser } = parse('1 close(3) = 0\nHello from the program\n1 close(4) = 0\n1 close(5\n2 +++ vanished +++\n1 close(6) = 0\n');
    assert.deepEqual(calls(events).map((e) => e.args), ['3', '4', '6']);
    assert.equal(parser.unparsedCount, 3);
    assert.deepEqual(parser.unparsed.map((u) => [u.line, u.reason]), [
      [2, 'not a system call, signal, exit or strace message'],
      [4, 'call cut off (its line never ended)'],
      [5, 'unknown +++ line'],
    ]);
    assert.equal(parser.unparsed[0].text, 'Hello from the program');
  });
  it('keeps at most keepUnparsed records and cuts their text, but counts every line', () => {
    const { parser } = parse('junk '.repeat(40) + '\n' + 'junk\n'.repeat(9), { keepUnparsed: 3, maxKeptText: 10 });
    assert.equal(parser.unparsedCount, 10);
    assert.equal(parser.unparsed.length, 3);
    assert.equal(parser.unparsed[0].text, 'junk junk …');
  });
  it('a call broken by the program\'s own output on a shared terminal is joined', () => {
    const { events, parser } = parse('[pid 1] write(1, "hi\\n", 3hi\n) = 3\n[pid 1] close(3) = 0\n');
    assert.deepEqual(parser.unparsed, []);
    assert.deepEqual(calls(events).map((e) => [e.name, e.retval]), [['write', 3], ['close', 0]]);
  });
});

/** The whole-file event stream of a log, as JSON lines, and the parser's counters. */
function streamOf(chunks: Array<Buffer | string>, fixedPid?: number): string {
  const out: string[] = [];
  const p = new StraceParser({ fixedPid, onEvent: (e) => out.push(JSON.stringify(e)) });
  for (const c of chunks) p.write(c);
  p.end();
  out.push(JSON.stringify([p.unparsedCount, p.unparsed, p.linesRead, p.orphanResumed, p.style, p.straceMessages]));
  return out.join('\n');
}

describe('StraceParser: chunk boundaries on every fixture', () => {
  const files: Array<{ name: string; bytes: Buffer; fixedPid?: number }> = [];
  for (const n of readdirSync(LOGS).filter((f) => f.endsWith('.strace')).sort()) files.push({ name: n, bytes: readFileSync(path.join(LOGS, n)) });
  const ff = path.join(LOGS, 'ff-net-default-go1.23');
  for (const n of readdirSync(ff).sort()) files.push({ name: n, bytes: readFileSync(path.join(ff, n)), fixedPid: parseInt(n.slice(n.lastIndexOf('.') + 1), 10) });

  for (const f of files) {
    it(`${f.name}: 300 cut points (windows of whole lines), whole-file cuts and random chunk sizes`, () => {
      const whole = streamOf([f.bytes], f.fixedPid);
      assert.ok(whole.split('\n').length > 5);
      assert.ok(whole.slice(whole.lastIndexOf('\n') + 1).startsWith('[0,[],'), 'the fixture parses without unparsed lines');
      // Each cut is checked on a window of whole lines around it: the window parsed in one piece against the
      // same window split at the cut (the parser's only state across chunks is the splitter's partial line).
      const step = Math.max(1, Math.floor(f.bytes.length / 300));
      for (let cut = 1; cut < f.bytes.length; cut += step) {
        for (const at of [cut, f.bytes.indexOf(10, cut), f.bytes.indexOf(10, cut) + 1]) {
          if (at <= 0 || at >= f.bytes.length) continue;
          const from = Math.max(0, f.bytes.lastIndexOf(10, Math.max(0, at - 1024)) + 1);
          const toNl = f.bytes.indexOf(10, at + 1024);
          const to = toNl < 0 ? f.bytes.length : toNl + 1;
          const win = f.bytes.subarray(from, to);
          const want = streamOf([win], f.fixedPid);
          const got = streamOf([win.subarray(0, at - from), win.subarray(at - from)], f.fixedPid);
          if (got !== want) assert.equal(got, want, `cut at ${at}`);
          if (at !== cut) continue;
          const gotStr = streamOf([win.toString('latin1', 0, at - from), win.toString('latin1', at - from)], f.fixedPid);
          if (gotStr !== want) assert.equal(gotStr, want, `string cut at ${at}`);
        }
      }
      for (let k = 1; k < 8; k++) {
        const cut = Math.floor((f.bytes.length * k) / 8);
        const got = streamOf([f.bytes.subarray(0, cut), f.bytes.subarray(cut)], f.fixedPid);
        if (got !== whole) assert.equal(got, whole, `whole-file cut at ${cut}`);
      }
      let seed = f.bytes.length;
      const rnd = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      for (let round = 0; round < 3; round++) {
        const chunks: Array<Buffer | string> = [];
        for (let i = 0; i < f.bytes.length;) {
          const len = 1 + rnd(round === 0 ? 16 : 2000);
          chunks.push(round === 2 ? f.bytes.toString('latin1', i, i + len) : f.bytes.subarray(i, i + len));
          i += len;
        }
        const got = streamOf(chunks, f.fixedPid);
        if (got !== whole) assert.equal(got, whole, `random round ${round}`);
      }
    });
  }
});

describe('readLog', () => {
  it('-ff: merges the per-thread files by time, with the pid of each file', async () => {
    const source = await resolveLogSource(path.join(LOGS, 'ff-net-default-go1.23'));
    assert.deepEqual(source.pids, [21068, 21069, 21070, 21071, 21072, 21073]);
    const evs: LogEvent[] = [];
    const s = await readLog(source, (e) => evs.push(e));
    assert.equal(s.unparsedCount, 0);
    assert.equal(s.mergedWithoutTime, undefined);
    assert.equal(s.style.pidPrefix, 'fixed');
    assert.deepEqual(new Set(evs.map((e) => e.pid)), new Set(source.pids));
    for (let i = 1; i < evs.length; i++) assert.ok(evs[i - 1].time! <= evs[i].time!, `event ${i} out of time order`);
    assert.deepEqual([evs[0].pid, evs[0].type, (evs[0] as { name?: string }).name], [21068, 'entry', 'execve']);
    const lines = source.files.reduce((n, f) => n + readFileSync(f, 'latin1').split('\n').length - 1, 0);
    assert.equal(s.linesRead, lines);
    // the same file named directly, or by its prefix, resolves to the same set
    assert.deepEqual((await resolveLogSource(source.files[2])).files, source.files);
    assert.deepEqual((await resolveLogSource(path.join(LOGS, 'ff-net-default-go1.23', 'net-default-go1.23.ff'))).files, source.files);
  });
  it('-ff without timestamps: the files are concatenated in pid order, and the summary says so', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gml-ff-'));
    try {
      await fsp.writeFile(path.join(dir, 'log.101'), 'close(4) = 0\n+++ exited with 0 +++\n');
      await fsp.writeFile(path.join(dir, 'log.100'), 'close(3) = 0\nclone(child_stack=0xc000060000, flags=CLONE_VM|CLONE_THREAD) = 101\nexit_group(0) = ?\n+++ exited with 0 +++\n');
      const source = await resolveLogSource(path.join(dir, 'log'));
      assert.deepEqual(source.pids, [100, 101]);
      const evs: LogEvent[] = [];
      const s = await readLog(source, (e) => evs.push(e));
      assert.equal(s.mergedWithoutTime, true);
      assert.deepEqual(evs.filter((e) => e.type !== 'entry').map((e) => [e.pid, e.type, e.line, e.file]), [
        [100, 'syscall', 1, 0], [100, 'syscall', 2, 0], [100, 'syscall', 3, 0], [100, 'exit', 4, 0], [101, 'syscall', 1, 1], [101, 'exit', 2, 1],
      ]);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
  it('a single file streams to the same events as one parse', async () => {
    const file = path.join(LOGS, 'native-default-go1.23.strace');
    const evs: string[] = [];
    const s = await readLog({ files: [file] }, (e) => evs.push(JSON.stringify(e)));
    const whole = streamOf([readFileSync(file)]).split('\n');
    assert.deepEqual(evs, whole.slice(0, -1));
    assert.equal(s.bytesRead, readFileSync(file).length);
  });
});

describe('StraceParser: escapes in paths (a folder named with ", \\, brackets or <>)', () => {
  // as strace 6.1 -f -tt -T -y printed them for a program run from folders named `we"ird` and `p(a)<b>c[d`
  // (in a -y decoration the path is unquoted: `<`, `>` octal, `"` and `\` escaped, brackets as they are)
  const LINES = [
    '25578 13:33:22.240914 execve("/tmp/lens/we\\"ird\\\\-pure", ["/tmp/lens/we\\"ird\\\\-pure"], 0x7ffe575adc40 /* 36 vars */) = 0 <0.000229>',
    '25578 13:33:22.241392 openat(AT_FDCWD</tmp/wp/we\\"ird>, "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", O_RDONLY) = 3</sys/kernel/mm/transparent_hugepage/hpage_pmd_size> <0.000023>',
    '25578 13:33:22.241400 openat(AT_FDCWD</tmp/wp/p(a)\\74b\\76c[d>, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC) = 3</tmp/wp/p(a)\\74b\\76c[d/libc.so.6> <0.000023>',
    '25578 13:33:22.241410 openat(AT_FDCWD</tmp/wp/x]{\\"y>, "z\\"]", O_RDONLY <unfinished ...>',
    '25579 13:33:22.241411 read(3<TCP:[127.0.0.1:80->127.0.0.1:5000]>, "", 1) = 0 <0.000001>',
    '25578 13:33:22.241420 <... openat resumed>) = 4</tmp/wp/x]{\\"y/z\\"]> <0.000001>',
  ];
  const text = LINES.join('\n') + '\n';

  for (const [how, input] of [['strings', text], ['bytes', [Buffer.from(text, 'latin1')]]] as const) {
    it(`every line parses, the arguments split where strace put the commas (${how})`, () => {
      const { events, parser } = parse(input as string | Buffer[]);
      assert.deepEqual(parser.unparsed, []);
      const cs = calls(events);
      assert.deepEqual(cs.map((c) => [c.name, c.retval]), [['execve', 0], ['openat', 3], ['openat', 3], ['read', 0], ['openat', 4]]);
      assert.deepEqual(splitArgs(cs[2].args), ['AT_FDCWD</tmp/wp/p(a)\\74b\\76c[d>', '"/lib/x86_64-linux-gnu/libc.so.6"', 'O_RDONLY|O_CLOEXEC']);
      assert.deepEqual(splitArgs(cs[4].args), ['AT_FDCWD</tmp/wp/x]{\\"y>', '"z\\"]"', 'O_RDONLY']);
      assert.equal(str(splitArgs(cs[0].args)[0]), '/tmp/lens/we"ird\\-pure');
      assert.equal(fdPath(cs[2].ret), '/tmp/wp/p(a)<b>c[d/libc.so.6');
      assert.equal(fdPath(splitArgs(cs[1].args)[0]), '/tmp/wp/we"ird');
    });
  }
});
