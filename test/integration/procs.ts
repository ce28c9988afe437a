// The process table and temp folders, read the way ps would, to prove a run left nothing behind.
import { readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { descendantsOf } from '../../src/core/run/proc';

export interface Proc {
  pid: number;
  cmdline: string;
}

export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmdline) out.push({ pid: Number(d), cmdline });
    } catch {
      // exited while we looked
    }
  }
  return out;
}


/**
 * Processes this extension host started (its descendants: node-pty forks strace from here) that run
 * something out of one of our private build folders. Other processes on the machine are not ours to count.
 */
export function runProcesses(): Proc[] {
  const mine = new Set(descendantsOf(process.pid));
  return processes().filter((p) => mine.has(p.pid) && p.cmdline.includes('go-memory-lens-'));
}

export function leftoverTempDirs(): string[] {
  return readdirSync(os.tmpdir()).filter((d) => d.startsWith('go-memory-lens-'));
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
