// The pure parts of a run's lifetime: how the CLI's input reaches programs that start at different times, and
// the sentence that says a program left processes running.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { INPUT_HISTORY_CAP, InputFeed, quoteForPty } from '../../src/core/run/inputFeed';
import { leftoverSentence } from '../../src/core/run/reaper';
import { logClockMs, type TraceIo } from '../../src/core/run/trace';

function fakeIo(pty = false): TraceIo & { got: string; ended: boolean } {
  const io = {
    pid: 1,
    pty,
    got: '',
    ended: false,
    write(d: string | Buffer) {
      assert.equal(io.ended, false, 'no input after the end');
      io.got += typeof d === 'string' ? d : d.toString('latin1');
    },
    end() {
      io.ended = true;
    },
    resize() {},
  };
  return io;
}

describe('InputFeed', () => {
  it('gives every program all the input, a late one what came before, and the end to all', async () => {
    const src = new PassThrough();
    const feed = new InputFeed(src);
    const first = fakeIo();
    feed.attach(first);
    src.write('one\n');
    await new Promise((r) => setImmediate(r));
    const second = fakeIo();
    feed.attach(second);
    src.end('two');
    await once(src, 'end');
    const third = fakeIo(); // started after the input ended
    feed.attach(third);
    for (const io of [first, second, third]) {
      assert.equal(io.got, 'one\ntwo');
      assert.equal(io.ended, true);
    }
  });

  it('an empty input (/dev/null) ends at once; reading starts only when a program does', async () => {
    const src = new PassThrough();
    const feed = new InputFeed(src);
    src.end();
    assert.equal(src.listenerCount('data'), 0, 'nothing reads before a program starts');
    const io = fakeIo();
    feed.attach(io);
    await once(src, 'end');
    assert.equal(io.ended, true);
    assert.equal(io.got, '');
    feed.close();
  });

  it('past the cap, a late program gets the first part and its end, and is told so', async () => {
    const src = new PassThrough();
    const said: string[] = [];
    const feed = new InputFeed(src, { log: (l) => said.push(l) });
    const early = fakeIo();
    feed.attach(early);
    const chunk = 'x'.repeat(1024 * 1024);
    for (let i = 0; i <= INPUT_HISTORY_CAP / chunk.length; i++) src.write(chunk);
    await new Promise((r) => setImmediate(r));
    const late = fakeIo();
    feed.attach(late);
    assert.equal(late.got.length, INPUT_HISTORY_CAP);
    assert.equal(late.ended, true);
    assert.match(said.join('\n'), /cut at 16777216 bytes/);
    assert.equal(early.got.length, INPUT_HISTORY_CAP + chunk.length, 'a running program gets it all');
    feed.close();
  });
});

describe('piped input through a pseudo-terminal', () => {
  it('every control character but newline and tab goes with a literal-next (Ctrl-V) before it', () => {
    assert.equal(quoteForPty(Buffer.from('plain text\n\tindented')).toString('latin1'), 'plain text\n\tindented');
    assert.equal(quoteForPty(Buffer.from('a\x03b\x04c\r\n\x7f\x16')).toString('latin1'), 'a\x16\x03b\x16\x04c\x16\r\n\x16\x7f\x16\x16');
  });

  it('a literal feed quotes for a pty and passes bytes untouched to a pipe; typed input is never quoted', async () => {
    const src = new PassThrough();
    const feed = new InputFeed(src, { literal: true });
    const pty = fakeIo(true);
    const pipe = fakeIo(false);
    feed.attach(pty);
    feed.attach(pipe);
    src.end(Buffer.from([0x61, 0x03, 0xff, 0x0a]));
    await once(src, 'end');
    assert.equal(pty.got, 'a\x16\x03\xff\n');
    assert.equal(pipe.got, 'a\x03\xff\n', 'binary data reaches a pipe byte for byte');
    const typed = new PassThrough();
    const tty = fakeIo(true);
    new InputFeed(typed).attach(tty);
    typed.end('x\x03');
    await once(typed, 'end');
    assert.equal(tty.got, 'x\x03');
  });
});

describe('leftoverSentence', () => {
  it('says when the program exited and what it left running, in one sentence', () => {
    assert.equal(
      leftoverSentence(200, [{ pid: 42, setsid: true, command: '/tmp/x/prog daemon' }]),
      'the program exited after 0.2 s; 1 process it started (pid 42, setsid: /tmp/x/prog daemon) was still running and was killed',
    );
    const many = Array.from({ length: 7 }, (_, i) => ({ pid: 100 + i, setsid: false, command: 'sleep 9' }));
    assert.match(leftoverSentence(1500, many), /^the program exited after 1\.5 s; 7 processes it started \(pid 100: sleep 9; .*pid 104: sleep 9; and 2 more\) were still running and were killed$/);
  });
});

describe('logClockMs', () => {
  it('reads the time of day of a strace -tt line head, and nothing from other lines', () => {
    assert.equal(logClockMs('1234  13:05:42.250001 execve("/x", ["x"], 0x7ff /* 3 vars */) = 0'), (13 * 3600 + 5 * 60 + 42.250001) * 1000);
    assert.equal(logClockMs('77 00:00:00.000001 +++ exited with 0 +++'), 0.001);
    assert.equal(logClockMs('execve("/x") = 0'), undefined);
  });
});
