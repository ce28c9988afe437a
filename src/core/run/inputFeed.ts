// Gives every traced program the input the user gave the CLI: what arrives on the CLI's stdin goes to each
// running program, a program that starts later gets what came before, and the end of the CLI's input (EOF of a
// pipe or /dev/null, Ctrl-D on a terminal) ends each program's input, so a program that reads to the end finishes.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { TraceIo } from './trace';

/** Input kept for programs that start later; past it, they get the first this-many bytes, then end of input. */
export const INPUT_HISTORY_CAP = 16 * 1024 * 1024;

export class InputFeed {
  private readonly ios: TraceIo[] = [];
  private readonly history: string[] = [];
  private historyBytes = 0;
  private historyCut = false;
  private ended = false;
  private reading = false;

  /** `log` hears, once, that input was cut for programs that start later. */
  constructor(private readonly source: NodeJS.ReadStream | NodeJS.ReadableStream, private readonly log: (line: string) => void = () => {}) {}

  /** A program started: it gets everything read so far, then what follows. Reading begins with the first one. */
  attach(io: TraceIo): void {
    for (const chunk of this.history) io.write(chunk);
    if (this.ended || this.historyCut) {
      if (this.historyCut && !this.ended) this.log(`the input for this program was cut at ${INPUT_HISTORY_CAP} bytes (it started after that much had been read)`);
      io.end();
      return;
    }
    this.ios.push(io);
    if (!this.reading) this.start();
  }

  private start(): void {
    this.reading = true;
    this.source.setEncoding?.('utf8');
    this.source.on('data', (d: string | Buffer) => {
      const text = typeof d === 'string' ? d : d.toString('utf8');
      for (const io of this.ios) io.write(text);
      if (this.historyCut) return;
      const bytes = Buffer.byteLength(text);
      if (this.historyBytes + bytes > INPUT_HISTORY_CAP) this.historyCut = true;
      else {
        this.history.push(text);
        this.historyBytes += bytes;
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
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(f[2]);
    const tpgid = Number(f[5]);
    return tpgid > 0 && tpgid !== pgrp;
  } catch {
    return false;
  }
}
