// Watches a growing strace log from a worker thread for the traced program's exit_group, and stops strace
// (SIGSTOP) the moment it appears: strace then restarts no one, so the program stays held on entry to
// exit_group, however short strace's own pause (see EXIT_PAUSE_US in trace.ts), until the caller has read
// /proc and sent SIGCONT. A thread of its own, because the caller's event loop may be busy for milliseconds
// (a neighbour's log being analyzed, an editor's other extensions) while the pause lasts only a few.
import { Worker } from 'node:worker_threads';

/** What the watch reports, once: the program's exit_group line, and whether strace was stopped in time to hold it. */
export interface ExitSeen {
  /** the program's process id (the first execve's pid) */
  tgid: number;
  /** the thread that called exit_group */
  tid: number;
  /** SIGSTOP reached strace (it may still have let the thread go just before: check the thread's state) */
  stopped: boolean;
}

export interface ExitWatch {
  /** the thread is running and reading the log: start strace after this, so a quick exit is not missed */
  ready: Promise<void>;
  /** strace's pid, to stop at the program's exit_group */
  arm(stracePid: number): void;
  /** reads the log to its end (strace has exited: no signal is sent now), then ends the thread; resolves with what it saw, if anything */
  finish(): Promise<ExitSeen | undefined>;
}

/**
 * The worker's code, plain JavaScript with only node's own modules, so it runs the same from the bundle and
 * from the TypeScript sources in tests (a Worker given eval: true). It keeps what it needs of the log and no
 * more: the program's pid from the first execve line, and which pids are the program's threads, from the
 * results of the program's clone calls with CLONE_THREAD (strace -f logs every one, in fast mode too), or from
 * /proc while the thread is alive. Chunks with none of the words it looks for are not split into lines.
 */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { logFile, pollMs } = workerData;
let stracePid;
let straceStart;
let disarmed = false;
// strace's start time (stat field 22): a pid reused by another process after strace is gone must not be stopped
const startTime = (pid) => {
  try {
    const stat = fs.readFileSync('/proc/' + pid + '/stat', 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
};
const HEAD = /^(\d+)\s+[\d:.]+\s+/;
const RESULT = /\) = (\d+)(?: <[\d.]+>)?$/;
const fd = fs.openSync(logFile, 'r');
const buf = Buffer.alloc(256 * 1024);
let offset = 0;
let carry = '';
let tgid;
let seen;
const threads = new Set();
const pendingClone = new Set();
const isThread = (pid) => pid === tgid || threads.has(pid) || fs.existsSync('/proc/' + tgid + '/task/' + pid);
const onLine = (line, complete) => {
  const head = HEAD.exec(line);
  if (!head) return;
  const pid = Number(head[1]);
  const rest = line.slice(head[0].length);
  if (tgid === undefined) {
    if (rest.startsWith('execve(')) tgid = pid;
    return;
  }
  if (rest.startsWith('exit_group(')) {
    if (!isThread(pid)) return;
    if (stracePid === undefined && !disarmed) return 'wait';
    let stopped = false;
    if (!disarmed && straceStart !== undefined && startTime(stracePid) === straceStart) {
      try {
        process.kill(stracePid, 'SIGSTOP');
        stopped = true;
      } catch {
        // gone already
      }
    }
    seen = { tgid, tid: pid, stopped };
    parentPort.postMessage(seen);
    return;
  }
  if (!complete) return; // a line still being written: only its exit_group head counts, the rest comes whole
  if (rest.startsWith('+++')) {
    if (pid !== tgid) threads.delete(pid); // a thread's id may be reused by a later child process
    return;
  }
  const isClone = rest.startsWith('clone') && rest.includes('CLONE_THREAD');
  const resumed = rest.startsWith('<... clone') && pendingClone.has(pid);
  if (!isClone && !resumed) return;
  if (!isThread(pid)) return;
  if (rest.endsWith('<unfinished ...>')) {
    pendingClone.add(pid);
    return;
  }
  pendingClone.delete(pid);
  const r = RESULT.exec(rest);
  if (r) threads.add(Number(r[1]));
};
const read = () => {
  for (;;) {
    if (seen) return;
    const n = fs.readSync(fd, buf, 0, buf.length, offset);
    if (n === 0) return;
    offset += n;
    const text = carry + buf.toString('latin1', 0, n);
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      carry = text.length > 1048576 ? '' : text;
      continue;
    }
    carry = text.slice(end + 1);
    const body = text.slice(0, end);
    if (tgid !== undefined && !body.includes('exit_group(') && !body.includes('clone') && !body.includes('+++')) continue;
    const lines = body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (onLine(lines[i], true) === 'wait') {
        // not armed yet (strace's pid is on its way): read from this line again once it is
        carry = lines.slice(i).join('\n') + '\n' + carry;
        return;
      }
      if (seen) return;
    }
  }
};
// the unfinished "exit_group(0 <unfinished ...>" may be the last, newline-less text of the log
const readAll = () => {
  read();
  if (!seen && carry) onLine(carry, false);
};
// How the thread wakes: on a quiet log, inotify (fs.watch) wakes it at the first write; once the log is
// busy it reads every millisecond instead, until the log has been quiet for a few. strace writes each line
// on its own, so in full mode a wake per write was a hundred thousand a second and cost more CPU than the
// rest of the runner (measured 2.5 s against 0.6 s for an 11 MB log); a poll every millisecond adds at most
// that to how soon the exit_group line is seen, well inside the pause.
const QUIET_POLLS = 5;
let watcher;
let busy;
let quiet = 0;
const readAllCounting = () => {
  const before = offset;
  readAll();
  return offset - before;
};
const whenBusy = () => {
  if (watcher) {
    watcher.close();
    watcher = undefined;
  }
  quiet = 0;
  if (busy) return;
  busy = setInterval(() => {
    if (readAllCounting() > 0) quiet = 0;
    else if (++quiet >= QUIET_POLLS) whenQuiet();
  }, 1);
};
const whenQuiet = () => {
  if (busy) {
    clearInterval(busy);
    busy = undefined;
  }
  try {
    watcher = fs.watch(logFile, { persistent: false }, () => {
      readAll();
      whenBusy();
    });
    watcher.on('error', () => {});
  } catch {
    watcher = undefined; // no inotify watch left: the slow poll below alone
    return;
  }
  readAll(); // what was written before the watch began
};
whenQuiet();
// a slow poll besides, in case inotify says nothing
const poll = setInterval(readAll, pollMs);
parentPort.on('message', (m) => {
  if (m.arm) {
    stracePid = m.arm;
    straceStart = startTime(stracePid);
    readAll();
    return;
  }
  disarmed = true; // strace has exited: what is read now is only said to be late
  readAll();
  clearInterval(poll);
  if (busy) clearInterval(busy);
  if (watcher) watcher.close();
  fs.closeSync(fd);
  parentPort.postMessage({ done: true, seen });
});
readAll();
`;

/**
 * Starts watching `logFile` (already created; strace will write to it) for the program's exit_group, to stop
 * strace (given by arm) then and call `onExit`. `onError` hears if the thread could not run.
 */
export function startExitWatch(logFile: string, onExit: (seen: ExitSeen) => void, onError: (err: Error) => void): ExitWatch {
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { logFile, pollMs: 15 } });
  } catch (err) {
    onError(err as Error);
    return { ready: Promise.resolve(), arm: () => {}, finish: () => Promise.resolve(undefined) };
  }
  worker.unref(); // the trace's own child process and timers keep the caller alive, not this thread
  let finished: Promise<ExitSeen | undefined> | undefined;
  let failed: Error | undefined;
  worker.on('message', (m: ExitSeen | { done: true }) => {
    if (!('done' in m)) onExit(m);
  });
  worker.on('error', (err) => {
    failed = err;
    onError(err);
  });
  const ready = new Promise<void>((resolve) => {
    worker.once('online', resolve);
    worker.once('error', () => resolve());
  });
  return {
    ready,
    arm(stracePid) {
      worker.postMessage({ arm: stracePid });
    },
    finish() {
      finished ??= failed
        ? Promise.resolve(undefined)
        : new Promise<ExitSeen | undefined>((resolve) => {
            const onDone = (m: ExitSeen | { done: true; seen?: ExitSeen }) => {
              if (!('done' in m)) return;
              worker.off('message', onDone);
              resolve(m.seen);
              void worker.terminate();
            };
            worker.on('message', onDone);
            worker.once('error', () => resolve(undefined));
            worker.once('exit', () => resolve(undefined));
            worker.postMessage('finish');
          });
      return finished;
    },
  };
}
