// Small readers of /proc used while a program runs under strace: the kernel's own accounting to check
// a model against, and the process tree to stop on timeout or cancel.
import { promises as fsp, readdirSync, readFileSync } from 'node:fs';

/** The same shape as the fixtures' *.proc.json (raw /proc texts) plus when it was taken. */
export interface ProcSnapshot {
  status: string;
  maps: string;
  tasks: number;
  tgid: number;
  /** ms since the trace started */
  atMs: number;
}

/** Sizes in bytes. */
export interface ProcSample {
  atMs: number;
  vmSize: number;
  vmRss: number;
  threads: number;
}

/** Reads status, maps and the task list together, so they describe the same moment as closely as /proc allows. */
export async function readProcSnapshot(tgid: number, atMs: number): Promise<ProcSnapshot> {
  const [status, maps, tasks] = await Promise.all([
    fsp.readFile(`/proc/${tgid}/status`, 'utf8'),
    fsp.readFile(`/proc/${tgid}/maps`, 'utf8'),
    fsp.readdir(`/proc/${tgid}/task`),
  ]);
  return { status, maps, tasks: tasks.length, tgid, atMs };
}

/** A field of /proc/PID/status; "kB" values are returned in bytes. */
export function statusField(status: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s*(\\d+)(?:\\s*kB)?`, 'm').exec(status);
  if (!m) return undefined;
  return /kB/.test(m[0]) ? Number(m[1]) * 1024 : Number(m[1]);
}

export function sampleFromStatus(status: string, atMs: number): ProcSample | undefined {
  const vmSize = statusField(status, 'VmSize');
  const vmRss = statusField(status, 'VmRSS');
  const threads = statusField(status, 'Threads');
  // A zombie or a process mid-exec has no Vm lines: no sample rather than zeros.
  if (vmSize === undefined || vmRss === undefined || threads === undefined) return undefined;
  return { atMs, vmSize, vmRss, threads };
}

export async function readProcSample(tgid: number, atMs: number): Promise<ProcSample | undefined> {
  try {
    return sampleFromStatus(await fsp.readFile(`/proc/${tgid}/status`, 'utf8'), atMs);
  } catch {
    return undefined; // gone already
  }
}

/** ppid from /proc/PID/stat; the command name may hold spaces and parentheses, so parse after the last ')'. */
export function parseStatPpid(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/**
 * Every live descendant of `root` (not root itself), children before grandchildren. /proc's ppid is the
 * real parent even while ptrace holds the process, so traced programs appear under strace.
 */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const ppid = parseStatPpid(stat);
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list) list.push(Number(name));
    else children.set(ppid, [Number(name)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (out.includes(c)) continue;
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * /proc/PID/stat (or a thread's, or 'self'), split after the command name: the name may hold spaces and ')', so
 * the fields start after the last ')'. fields[0] is the state, [1] ppid, [2] pgrp, [3] session, [5] tpgid.
 */
export function readStat(pid: number | 'self', tid?: number): { name: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    if (close < 0) return undefined;
    return { name: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
  } catch {
    return undefined; // gone
  }
}

/**
 * The one-letter state of a process, or of one of its threads when tid is given ("R", "S", "T" stopped by a
 * signal, "t" held by its tracer, "Z"...), from /proc's stat; undefined once it is gone.
 */
export function taskState(pid: number, tid?: number): string | undefined {
  return readStat(pid, tid)?.fields[0];
}

/** True if the pid exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  const state = taskState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** True if /proc still lists the pid at all (a zombie counts: someone still has to reap it). */
export function pidExists(pid: number): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
}

export function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone, or (for a group) no member left
  }
}
