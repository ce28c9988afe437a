// From a `strace -k` frame to a source line: strace prints each frame's offset in the mapped file; the
// binary's program headers turn it into a virtual address, and `go tool addr2line` (the toolchain's own
// reader of Go's line tables, so GOROOT's runtime sources resolve too) names the function, file and line.
import { spawn } from 'node:child_process';
import type { ElfInfo } from '../elf';
import type { ToolLocation } from './tools';

export interface SourceLine {
  func: string;
  file: string;
  line: number;
}

/** The virtual address of a file offset, through the PT_LOAD segment that maps it. */
export function fileOffsetToVaddr(elf: ElfInfo, offset: number): number | undefined {
  const seg = elf.loads.find((s) => offset >= s.offset && offset < s.offset + s.filesz);
  return seg ? seg.vaddr + (offset - seg.offset) : undefined;
}

/** "runtime.sysAlloc+0x35 (prog) [0x12395]" → 0x12395, the frame's offset in its object file. */
export function frameOffset(frame: string): number | undefined {
  const m = /\[(0x[0-9a-fA-F]+)\]\s*$/.exec(frame);
  return m ? Number.parseInt(m[1], 16) : undefined;
}

/** One `go tool addr2line BINARY` for all addresses: it reads them on stdin and answers two lines each. */
export function addr2line(go: ToolLocation, binary: string, addresses: number[], signal?: AbortSignal): Promise<Array<SourceLine | undefined>> {
  return new Promise((resolve, reject) => {
    const child = spawn(go.path, ['tool', 'addr2line', binary], { stdio: ['pipe', 'pipe', 'pipe'], signal });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`go tool addr2line exited with ${code}: ${err.trim().split('\n')[0]}`));
      const lines = out.split('\n');
      resolve(addresses.map((_, i) => {
        const func = lines[2 * i];
        const where = /^(.*):(\d+)$/.exec(lines[2 * i + 1] ?? '');
        if (!func || func === '?' || !where || where[1] === '?') return undefined;
        return { func, file: where[1], line: Number(where[2]) };
      }));
    });
    child.stdin.end(addresses.map((a) => `0x${a.toString(16)}\n`).join(''));
  });
}
