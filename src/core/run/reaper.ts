// The processes a run's strace traces, found from the kernel's side, so that none outlives the run: a child
// that called setsid() has left the process group and, once its parent exits, is re-parented to PID 1, so
// neither a group kill nor a walk down from strace finds it; ptrace still ties it to strace (TracerPid).
import { readdirSync, readFileSync } from 'node:fs';
import { readStat } from './proc';

/** A traced process that was still running when the program itself had exited. */
export interface Leftover {
  pid: number;
  /** it leads its own session (setsid), as a daemon does */
  setsid: boolean;
  /** its command line, or its name from /proc/PID/stat */
  command: string;
}

/** The processes (thread group ids) whose /proc/PID/status says TracerPid: tracer. */
export function tracedBy(tracer: number): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  const needle = `\nTracerPid:\t${tracer}\n`;
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === tracer) continue;
    try {
      if (readFileSync(`/proc/${name}/status`, 'utf8').includes(needle)) out.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** What a leftover is, for the note: its session (setsid or not) and its command line. */
export function describeProcess(pid: number): Leftover | undefined {
  const st = readStat(pid);
  if (!st) return undefined;
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
  } catch {
    // gone, or a kernel thread
  }
  return { pid, setsid: Number(st.fields[3]) === pid, command: command || st.name };
}

/**
 * "the program exited after 0.7 s; 1 process it started (pid 123, setsid) was still running and was killed":
 * one sentence for the report, saying what really happened instead of a timeout.
 */
export function leftoverSentence(exitMs: number, leftovers: Leftover[], timeoutMs?: number): string {
  const n = leftovers.length;
  const shown = leftovers.slice(0, 5).map((l) => `pid ${l.pid}${l.setsid ? ', setsid' : ''}: ${l.command.slice(0, 80)}`).join('; ');
  const more = n > 5 ? `; and ${n - 5} more` : '';
  const when = timeoutMs !== undefined ? ` at the ${Math.round(timeoutMs / 1000)} s timeout` : '';
  return `the program exited after ${(exitMs / 1000).toFixed(1)} s; ${n} process${n === 1 ? '' : 'es'} it started (${shown}${more}) ${n === 1 ? 'was' : 'were'} still running${when} and ${n === 1 ? 'was' : 'were'} killed`;
}
