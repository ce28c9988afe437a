// Gives every traced program the input the user gave the CLI: what arrives on the CLI's stdin goes to each
// running program, a program that starts later gets what came before, and the end of the CLI's input (EOF of a
// pipe or /dev/null, Ctrl-D on a terminal) ends each program's input, so a program that reads to the end finishes.
import { Readable } from 'node:stream';
import { readStat } from './proc';
import type { TraceIo } from './trace';

/** Input kept for programs that start later; past it, they get the first this-many bytes, then end of input. */
export const INPUT_HISTORY_CAP = 16 * 1024 * 1024;

/**
 * Data piped in goes through a program's pseudo-terminal literally: each control character (Ctrl-C, Ctrl-D, CR,
 * erase...) is preceded by the terminal's literal-next character (Ctrl-V), so the line discipline passes it on
 * instead of acting on it (a 0x03 byte would interrupt the program, a 0x04 end its input early). Newline and tab
 * pass as they are.
 */
export function quoteForPty(data: Buffer): Buffer {
  let specials = 0;
  for (const b of data) if ((b < 0x20 && b !== 0x0a && b !== 0x09) || b === 0x7f) specials++;
  if (specials === 0) return data;
  const out = Buffer.alloc(data.length + specials);
  let j = 0;
  for (const b of data) {
    if ((b < 0x20 && b !== 0x0a && b !== 0x09) || b === 0x7f) out[j++] = 0x16;
    out[j++] = b;
  }
  return out;
}

export class InputFeed {
  private readonly ios: TraceIo[] = [];
  private readonly history: Buffer[] = [];
  private historyBytes = 0;
  private historyCut = false;
  private ended = false;
  private reading = false;

  /**
   * `literal`: the input is data (a pipe or a file), not someone typing, so it passes a program's terminal
   * untouched (quoteForPty). `log` hears that input was cut for programs that start later.
   */
  constructor(
    private readonly source: NodeJS.ReadableStream,
    private readonly opts: { literal?: boolean; log?: (line: string) => void } = {},
  ) {}

  /** A program started: it gets everything read so far, then what follows. Reading begins with the first one. */
  attach(io: TraceIo): void {
    for (const chunk of this.history) this.write(io, chunk);
    if (this.ended || this.historyCut) {
      if (this.historyCut && !this.ended) this.opts.log?.(`the input for this program was cut at ${INPUT_HISTORY_CAP} bytes (it started after that much had been read)`);
      io.end();
      return;
    }
    this.ios.push(io);
    if (!this.reading) this.start();
  }

  private write(io: TraceIo, data: Buffer): void {
    io.write(io.pty && this.opts.literal ? quoteForPty(data) : data);
  }

  private start(): void {
    this.reading = true;
    this.source.on('data', (d: string | Buffer) => {
      const data = typeof d === 'string' ? Buffer.from(d) : d;
      for (const io of this.ios) this.write(io, data);
      if (this.historyCut) return;
      if (this.historyBytes + data.length > INPUT_HISTORY_CAP) this.historyCut = true;
      else {
        this.history.push(data);
        this.historyBytes += data.length;
      }
    });
    const finish = () => {
      if (this.ended) return;
      this.ended = true;
      for (const io of this.ios) io.end();
    };
    this.source.on('end', finish);
    this.source.on('error', finish); // no usable stdin (closed fd): the program sees end of input
  }

  /** Stops reading the CLI's input so that it does not keep the process alive after the runs. */
  close(): void {
    if (!this.reading) return;
    const s = this.source as NodeJS.ReadableStream & { destroy?: () => void };
    s.pause();
    s.destroy?.();
  }
}

/**
 * The CLI's input for the programs: its stdin, except when that is a terminal and the CLI runs in the background
 * (`go-memory-lens investigate &`): reading it then would stop the CLI (SIGTTIN), so the programs get end of input.
 */
export function cliInput(stdin: NodeJS.ReadStream): NodeJS.ReadableStream {
  return stdin.isTTY && inBackground() ? Readable.from([]) : stdin;
}

/** True if this process's group is not the foreground group of its terminal (/proc/self/stat: pgrp vs tpgid). */
function inBackground(): boolean {
  const f = readStat('self')?.fields;
  if (!f) return false;
  const pgrp = Number(f[2]);
  const tpgid = Number(f[5]);
  return tpgid > 0 && tpgid !== pgrp;
}
