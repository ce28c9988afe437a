// Every path and number a user hands the engine, checked before anything is read, built or run: a pipe or a
// device where a file is expected would block or never end, a folder would fail deep inside with EISDIR, and
// an output that cannot be written would lose a whole investigation's results at the end.
import { constants as fsc, promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { ToolError } from './run/tools';

/** A path or value given by the user that cannot be used; the CLI exits with its usage code (2) for these. */
export class InputError extends ToolError {
  constructor(message: string, fix: string) {
    super(message, fix);
    this.name = 'InputError';
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function errnoWords(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT': return 'does not exist';
    case 'ENOTDIR': return 'has a file where a folder is expected in its path';
    case 'EACCES': case 'EPERM': return 'cannot be read (permission denied)';
    case 'ELOOP': return 'is a loop of symbolic links';
    case 'ENAMETOOLONG': return 'is too long a name';
    default: return `cannot be opened (${e?.code ?? (e as Error)?.message ?? String(err)})`;
  }
}

/** stat() of an input, or an InputError that names it. */
async function statInput(file: string, what: string, fix: string): Promise<Stats> {
  try {
    return await fsp.stat(file);
  } catch (err) {
    throw new InputError(`${what} ${file} ${errnoWords(err)}`, fix);
  }
}

/** The path must name a regular file (after symbolic links). */
export async function checkRegularFile(file: string, what: string, fix: string): Promise<Stats> {
  const st = await statInput(file, what, fix);
  if (!st.isFile()) throw new InputError(`${what} ${file} is ${kindOf(st)}, not a regular file`, fix);
  return st;
}

/** The path must name a folder. */
export async function checkFolder(dir: string, what: string, fix: string): Promise<void> {
  const st = await statInput(dir, what, fix);
  if (!st.isDirectory()) throw new InputError(`${what} ${dir} is ${st.isFile() ? 'a file' : kindOf(st)}, not a folder`, fix);
}

/**
 * Reads a regular file of at most maxBytes. Opened without blocking (a pipe swapped in after the check
 * cannot hang the read) and checked again on the open handle.
 */
export async function readRegularFile(file: string, what: string, fix: string, maxBytes: number): Promise<string> {
  await checkRegularFile(file, what, fix);
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, fsc.O_RDONLY | fsc.O_NONBLOCK);
  } catch (err) {
    throw new InputError(`${what} ${file} ${errnoWords(err)}`, fix);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new InputError(`${what} ${file} is ${kindOf(st)}, not a regular file`, fix);
    if (st.size > maxBytes) throw new InputError(`${what} ${file} is ${st.size} bytes, more than the ${maxBytes} it can be`, fix);
    // read up to one byte past the limit, growing the buffer: a file that grows, or lies about its size
    // (those in /proc say 0), is caught too
    let buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(st.size + 1, 64 * 1024)));
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (buf.length > maxBytes) throw new InputError(`${what} ${file} is more than ${maxBytes} bytes`, fix);
        const bigger = Buffer.alloc(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got).toString('utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${what} ${file} could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, fix);
  } finally {
    await fh.close();
  }
}

/**
 * An output the run will write at its end, checked before it starts: not a folder, in a folder that exists
 * and can be written, and writable itself when it exists. Failures found only when writing (a full disk, a
 * file in /proc) are worded by writeOutput.
 */
export async function checkOutputFile(file: string, what: string): Promise<void> {
  const fix = `give ${what} a file path in a folder you can write to`;
  const st = await fsp.stat(file).catch(() => undefined);
  if (st?.isDirectory() || file.endsWith('/')) throw new InputError(`${what} ${file} is a folder`, fix);
  const dir = path.dirname(path.resolve(file));
  const dst = await fsp.stat(dir).catch(() => undefined);
  if (!dst) throw new InputError(`the folder of ${what} ${file} (${dir}) does not exist`, fix);
  if (!dst.isDirectory()) throw new InputError(`the folder of ${what} ${file} (${dir}) is a file`, fix);
  try {
    await fsp.access(st ? file : dir, fsc.W_OK);
  } catch {
    throw new InputError(st ? `${what} ${file} cannot be written (permission denied)` : `the folder of ${what} ${file} (${dir}) cannot be written (permission denied)`, fix);
  }
  if (st && !st.isFile() && !st.isCharacterDevice() && !st.isFIFO()) throw new InputError(`${what} ${file} is ${kindOf(st)}`, fix);
}

/** Writes an output file; a failure is one sentence that names the file and the reason. */
export async function writeOutput(file: string, what: string, text: string): Promise<void> {
  try {
    await fsp.writeFile(file, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'no space left on the device'
      : code === 'EIO' ? 'an I/O error: the file does not take data'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'EROFS' ? 'a read-only file system'
      : code === 'EISDIR' ? 'it is a folder'
      : code ?? (err as Error).message;
    throw new ToolError(`could not write ${what} to ${file} (${why})`, 'write it to a regular file on a disk with room (the report was made; run again with another path)');
  }
}

/** The longest timeout: a day (Node's timers hold at most 2^31-1 ms, about 24.8 days). */
export const MAX_TIMEOUT_SECONDS = 24 * 60 * 60;

/**
 * A timeout in seconds as the user wrote it: 1 … 86400, or 0 / "none" for no limit (undefined). Returns a
 * sentence instead of a number when the value cannot be used.
 */
export function parseTimeoutSeconds(raw: unknown): { seconds: number | undefined } | { problem: string } {
  if (raw === 'none' || raw === 0 || raw === '0') return { seconds: undefined };
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n < 1 || n > MAX_TIMEOUT_SECONDS) {
    return { problem: `"${String(raw)}" is not a number of seconds from 1 to ${MAX_TIMEOUT_SECONDS} (24 h), or 0 or none for no limit` };
  }
  return { seconds: n };
}
