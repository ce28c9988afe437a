// Reads just enough of an ELF64 executable (headers, program headers, section names, the dynamic
// section) to say how the kernel and the dynamic loader will map it, without loading the whole file:
// Go binaries with debug info are tens of MiB and only a few KiB of headers matter here.
import { constants as fsc, promises as fsp } from 'node:fs';

export interface ElfSegment {
  vaddr: number;
  memsz: number;
  filesz: number;
  offset: number;
  /** PF_R=4, PF_W=2, PF_X=1 */
  flags: number;
}

export interface ElfInfo {
  type: 'EXEC' | 'DYN' | 'other';
  machine: string;
  interpreter?: string;
  needed: string[];
  loads: ElfSegment[];
  /** has a .go.buildinfo or .note.go.buildid section (or, without section headers, a Go build-id note) */
  isGo: boolean;
  fileSize: number;
}

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export class ElfError extends Error {
  constructor(message: string, readonly path: string) {
    super(`${path}: ${message}`);
    this.name = 'ElfError';
  }
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_NOTE = 4;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
/** No sane header table, dynamic section or string table comes near this; it bounds what a corrupt file can make us allocate. */
const MAX_TABLE_BYTES = 4 * 1024 * 1024;

const MACHINES: Record<number, string> = { 62: 'x86_64', 183: 'aarch64' };

interface Reader {
  read(offset: number, length: number, what: string): Promise<Buffer>;
}

function toNumber(v: bigint, what: string, path: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`${what} 0x${v.toString(16)} is too large`, path);
  return Number(v);
}

function cString(buf: Buffer, start: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 ? buf.length : end);
}

export async function readElf(path: string): Promise<ElfInfo> {
  // without blocking: opening a pipe for reading would wait for a writer forever
  const fh = await fsp.open(path, fsc.O_RDONLY | fsc.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ElfError(st.isDirectory() ? 'a folder, not an executable' : 'not a regular file (a pipe or device)', path);
    const fileSize = st.size;
    const reader: Reader = {
      async read(offset, length, what) {
        if (length > MAX_TABLE_BYTES) throw new ElfError(`${what} is implausibly large (${length} bytes)`, path);
        if (offset < 0 || offset + length > fileSize) throw new ElfError(`${what} lies outside the file`, path);
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, offset);
        if (bytesRead !== length) throw new ElfError(`short read of ${what}`, path);
        return buf;
      },
    };
    return await parse(reader, path, fileSize);
  } finally {
    await fh.close();
  }
}

async function parse(r: Reader, path: string, fileSize: number): Promise<ElfInfo> {
  if (fileSize < EHDR_SIZE) throw new ElfError('not an ELF file (too short)', path);
  const eh = await r.read(0, EHDR_SIZE, 'ELF header');
  if (eh.readUInt32BE(0) !== 0x7f454c46) throw new ElfError('not an ELF file (bad magic)', path);
  if (eh[4] !== 2) throw new ElfError('only 64-bit ELF is supported (this is 32-bit)', path);
  if (eh[5] !== 1) throw new ElfError('only little-endian ELF is supported', path);
  const eType = eh.readUInt16LE(16);
  const eMachine = eh.readUInt16LE(18);
  const machine = MACHINES[eMachine];
  if (!machine) throw new ElfError(`unsupported machine ${eMachine} (only x86_64 and aarch64 are supported)`, path);
  const phoff = toNumber(eh.readBigUInt64LE(32), 'e_phoff', path);
  const shoff = toNumber(eh.readBigUInt64LE(40), 'e_shoff', path);
  const phentsize = eh.readUInt16LE(54);
  const phnum = eh.readUInt16LE(56);
  const shentsize = eh.readUInt16LE(58);
  const shnum = eh.readUInt16LE(60);
  const shstrndx = eh.readUInt16LE(62);
  if (phnum > 0 && phentsize < PHDR_SIZE) throw new ElfError(`bad program header size ${phentsize}`, path);

  const loads: ElfSegment[] = [];
  let interpreter: string | undefined;
  let dynamic: { offset: number; size: number } | undefined;
  let hasGoNote = false;
  const ph = phnum > 0 ? await r.read(phoff, phnum * phentsize, 'program headers') : Buffer.alloc(0);
  for (let i = 0; i < phnum; i++) {
    const o = i * phentsize;
    const pType = ph.readUInt32LE(o);
    const flags = ph.readUInt32LE(o + 4);
    const offset = toNumber(ph.readBigUInt64LE(o + 8), 'p_offset', path);
    const vaddr = toNumber(ph.readBigUInt64LE(o + 16), 'p_vaddr', path);
    const filesz = toNumber(ph.readBigUInt64LE(o + 32), 'p_filesz', path);
    const memsz = toNumber(ph.readBigUInt64LE(o + 40), 'p_memsz', path);
    if (pType === PT_LOAD) loads.push({ vaddr, memsz, filesz, offset, flags });
    else if (pType === PT_INTERP) interpreter = cString(await r.read(offset, filesz, 'PT_INTERP'), 0);
    else if (pType === PT_DYNAMIC) dynamic = { offset, size: filesz };
    else if (pType === PT_NOTE && !hasGoNote) hasGoNote = hasGoBuildIdNote(await r.read(offset, filesz, 'PT_NOTE'));
  }

  const sectionNames = shnum > 0 && shoff > 0 && shentsize >= SHDR_SIZE ? await readSectionNames(r, shoff, shnum, shentsize, shstrndx) : [];
  const isGo = sectionNames.includes('.go.buildinfo') || sectionNames.includes('.note.go.buildid') || hasGoNote;
  const needed = dynamic ? await readNeeded(r, path, dynamic, loads) : [];
  const type = eType === 2 ? 'EXEC' : eType === 3 ? 'DYN' : 'other';
  return { type, machine, ...(interpreter !== undefined ? { interpreter } : {}), needed, loads, isGo, fileSize };
}

/** The Go linker writes an ELF note named "Go" of type 4 (the Go build ID); external linkers keep it in its own section. */
function hasGoBuildIdNote(notes: Buffer): boolean {
  let o = 0;
  while (o + 12 <= notes.length) {
    const namesz = notes.readUInt32LE(o);
    const descsz = notes.readUInt32LE(o + 4);
    const type = notes.readUInt32LE(o + 8);
    const name = notes.toString('latin1', o + 12, o + 12 + Math.max(0, namesz - 1));
    if (name === 'Go' && type === 4) return true;
    o += 12 + align4(namesz) + align4(descsz);
  }
  return false;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

async function readSectionNames(r: Reader, shoff: number, shnum: number, shentsize: number, shstrndx: number): Promise<string[]> {
  if (shstrndx >= shnum) return [];
  const sh = await r.read(shoff, shnum * shentsize, 'section headers');
  const strOff = Number(sh.readBigUInt64LE(shstrndx * shentsize + 24));
  const strSize = Number(sh.readBigUInt64LE(shstrndx * shentsize + 32));
  const strtab = await r.read(strOff, strSize, 'section name table');
  const names: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const nameOff = sh.readUInt32LE(i * shentsize);
    if (nameOff < strtab.length) names.push(cString(strtab, nameOff));
  }
  return names;
}

async function readNeeded(r: Reader, path: string, dyn: { offset: number; size: number }, loads: ElfSegment[]): Promise<string[]> {
  const d = await r.read(dyn.offset, dyn.size, 'dynamic section');
  const neededOffsets: number[] = [];
  let strtabAddr: number | undefined;
  let strsz: number | undefined;
  for (let o = 0; o + 16 <= d.length; o += 16) {
    const tag = d.readBigInt64LE(o);
    const val = d.readBigUInt64LE(o + 8);
    if (tag === DT_NULL) break;
    if (tag === DT_NEEDED) neededOffsets.push(toNumber(val, 'DT_NEEDED', path));
    else if (tag === DT_STRTAB) strtabAddr = toNumber(val, 'DT_STRTAB', path);
    else if (tag === DT_STRSZ) strsz = toNumber(val, 'DT_STRSZ', path);
  }
  if (neededOffsets.length === 0) return [];
  if (strtabAddr === undefined || strsz === undefined) throw new ElfError('dynamic section has DT_NEEDED but no string table', path);
  // DT_STRTAB is a virtual address; the PT_LOAD that covers it says where it sits in the file.
  const seg = loads.find((s) => strtabAddr! >= s.vaddr && strtabAddr! + strsz! <= s.vaddr + s.filesz);
  if (!seg) throw new ElfError('dynamic string table is not inside any loaded segment', path);
  const strtab = await r.read(seg.offset + (strtabAddr - seg.vaddr), strsz, 'dynamic string table');
  return neededOffsets.map((off) => cString(strtab, off));
}

/**
 * Bytes the kernel maps for the PT_LOAD segments (each page-aligned: alignDown(vaddr) .. alignUp(vaddr+memsz),
 * overlapping pages counted once): what /proc/PID/maps shows for the image including its anonymous .bss tail.
 */
export function loadedImageSize(info: ElfInfo, pageSize = 4096): number {
  const ranges = info.loads
    .filter((s) => s.memsz > 0)
    .map((s) => [Math.floor(s.vaddr / pageSize) * pageSize, Math.ceil((s.vaddr + s.memsz) / pageSize) * pageSize] as const)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -1;
  for (const [lo, hi] of ranges) {
    const from = Math.max(lo, end);
    if (hi > from) total += hi - from;
    end = Math.max(end, hi);
  }
  return total;
}
