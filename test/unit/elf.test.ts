// readElf and loadedImageSize on real binaries: a Go program built here (cgo default and CGO_ENABLED=0),
// /bin/true, and the maps of the Go program while it runs.
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadedImageSize, readElf, type ElfInfo } from '../../src/core/elf';
import { findGo } from '../../src/core/run/tools';

const run = promisify(execFile);

// Imports net so that the default build links runtime/cgo (dynamic, with an interpreter); waits on stdin so
// the test can read its maps and then let it go.
const PROGRAM = `package main

import (
	"fmt"
	"net"
	"os"
)

var _ = net.ParseIP

func main() {
	fmt.Println("ready")
	buf := make([]byte, 1)
	os.Stdin.Read(buf)
}
`;

/** Bytes of the image in /proc/PID/maps: the lines naming the binary plus the anonymous .bss line right after them. */
function imageBytesInMaps(maps: string, binary: string): number {
  let total = 0;
  let lastEnd = -1;
  let inImage = false;
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [start, end, inode, name] = [parseInt(m[1], 16), parseInt(m[2], 16), m[3], m[4]];
    if (name === binary) {
      total += end - start;
      lastEnd = end;
      inImage = true;
    } else if (inImage && name === '' && inode === '0' && start === lastEnd) {
      total += end - start; // the .bss tail beyond the file-backed pages
      inImage = false;
    } else {
      inImage = false;
    }
  }
  return total;
}

async function mapsWhileRunning(binary: string): Promise<string> {
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'], env: { PATH: '/usr/bin:/bin' } });
  try {
    const [first] = (await once(child.stdout!, 'data')) as [Buffer];
    assert.match(first.toString(), /ready/);
    return await fsp.readFile(`/proc/${child.pid}/maps`, 'utf8');
  } finally {
    child.stdin!.end();
    await once(child, 'close');
  }
}

describe('readElf', () => {
  let dir = '';
  let dynamicBin = '';
  let staticBin = '';

  before(async () => {
    const go = await findGo();
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gml-elf-'));
    await fsp.writeFile(path.join(dir, 'go.mod'), 'module example.com/elftest\n\ngo 1.19\n');
    await fsp.writeFile(path.join(dir, 'main.go'), PROGRAM);
    dynamicBin = path.join(dir, 'prog-default');
    staticBin = path.join(dir, 'prog-pure');
    await Promise.all([
      run(go.path, ['build', '-o', dynamicBin, '.'], { cwd: dir, env: { ...process.env } }),
      run(go.path, ['build', '-o', staticBin, '.'], { cwd: dir, env: { ...process.env, CGO_ENABLED: '0' } }),
    ]);
  });

  after(async () => {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('reads a cgo (default) Go build: dynamic, glibc interpreter, NEEDED libc', async () => {
    const info = await readElf(dynamicBin);
    assert.equal(info.machine, os.arch() === 'arm64' ? 'aarch64' : 'x86_64');
    assert.equal(info.type, 'EXEC');
    assert.match(info.interpreter ?? '', /^\/lib(64)?\/ld-linux-(x86-64|aarch64)\.so\.[12]$/);
    assert.ok(info.needed.includes('libc.so.6'), `needed: ${info.needed.join(', ')}`);
    assert.equal(info.isGo, true);
    assert.equal(info.fileSize, (await fsp.stat(dynamicBin)).size);
    assert.ok(info.loads.length >= 2);
    assert.ok(info.loads.some((s) => s.flags & 1), 'an executable segment');
  });

  it('reads a CGO_ENABLED=0 Go build: static, no interpreter, nothing needed', async () => {
    const info = await readElf(staticBin);
    assert.equal(info.interpreter, undefined);
    assert.deepEqual(info.needed, []);
    assert.equal(info.isGo, true);
  });

  it('reads /bin/true: a PIE with an interpreter, not Go', async () => {
    const info = await readElf('/bin/true');
    assert.equal(info.type, 'DYN');
    assert.ok(info.interpreter);
    assert.ok(info.needed.includes('libc.so.6'));
    assert.equal(info.isGo, false);
  });

  for (const which of ['default', 'pure'] as const) {
    it(`loadedImageSize matches the image in /proc/PID/maps (${which} build)`, async () => {
      const binary = which === 'default' ? dynamicBin : staticBin;
      const [info, maps] = await Promise.all([readElf(binary), mapsWhileRunning(binary)]);
      const inMaps = imageBytesInMaps(maps, binary);
      assert.ok(inMaps > 0, `no lines for ${binary} in maps:\n${maps}`);
      assert.equal(loadedImageSize(info), inMaps);
    });
  }

  it('rejects files that are not ELF64 little-endian with a clear error', async () => {
    const d = await fsp.mkdtemp(path.join(os.tmpdir(), 'gml-elf-bad-'));
    try {
      const text = path.join(d, 'script.sh');
      await fsp.writeFile(text, '#!/bin/sh\necho this is not an ELF file, it is just long enough\n');
      await assert.rejects(readElf(text), /not an ELF file/);
      const elf32 = Buffer.alloc(64);
      elf32.writeUInt32BE(0x7f454c46, 0);
      elf32[4] = 1; // ELFCLASS32
      elf32[5] = 1;
      await fsp.writeFile(path.join(d, 'elf32'), elf32);
      await assert.rejects(readElf(path.join(d, 'elf32')), /only 64-bit ELF/);
      const bigEndian = Buffer.from(elf32);
      bigEndian[4] = 2;
      bigEndian[5] = 2;
      await fsp.writeFile(path.join(d, 'be'), bigEndian);
      await assert.rejects(readElf(path.join(d, 'be')), /little-endian/);
      const riscv = Buffer.from(elf32);
      riscv[4] = 2;
      riscv.writeUInt16LE(243, 18);
      await fsp.writeFile(path.join(d, 'riscv'), riscv);
      await assert.rejects(readElf(path.join(d, 'riscv')), /unsupported machine 243/);
    } finally {
      await fsp.rm(d, { recursive: true, force: true });
    }
  });
});

describe('loadedImageSize', () => {
  const info = (loads: Array<[number, number]>): ElfInfo => ({
    type: 'EXEC',
    machine: 'x86_64',
    needed: [],
    isGo: true,
    fileSize: 0,
    loads: loads.map(([vaddr, memsz]) => ({ vaddr, memsz, filesz: memsz, offset: 0, flags: 4 })),
  });

  it('page-aligns each segment and counts a shared page once', () => {
    // 0x400000..0x401234 -> 2 pages; 0x401234..0x402010 shares page 0x401000 -> adds 0x402000..0x403000
    assert.equal(loadedImageSize(info([[0x400000, 0x1234], [0x401234, 0xddc]])), 3 * 4096);
  });

  it('adds gaps between segments as nothing and honours the page size', () => {
    assert.equal(loadedImageSize(info([[0x10000, 1], [0x30000, 1]]), 0x10000), 2 * 0x10000);
    assert.equal(loadedImageSize(info([])), 0);
    assert.equal(loadedImageSize(info([[0x400000, 0]])), 0);
  });
});
