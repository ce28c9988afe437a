/**
 * The worker thread of readLog's two-thread path (bundled on its own as dist/logWorker.js): reads a log
 * file and parses it, and posts the events as batches (eventCodec) while the main thread builds the model
 * from the batches before. At most MAX_AHEAD batches wait unacknowledged, so memory stays bounded when the
 * consumer is the slower side. The thread stays for the next file (one at a time), its code compiled.
 */
import { createReadStream } from 'node:fs';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { EventEncoder } from './eventCodec';
import { StraceParser } from './parser';
import { summarizeParsers, type ParseSummary } from './reader';

export interface LogWorkerJob {
  file: string;
  detailCalls?: string[];
  reuseEvents?: boolean;
  /** send the calls outside detailCalls as who-and-when records (the consumer has onOtherCall) */
  otherCalls: boolean;
}

/** main → worker: a file to read, or one batch consumed */
export type LogWorkerRequest = { kind: 'read'; job: LogWorkerJob } | { kind: 'ack' };

/** worker → main, for the job in hand */
export type LogWorkerMessage =
  | { kind: 'batch'; nums: Float64Array; size: number; strs: Array<string | undefined> }
  | { kind: 'done'; summary: ParseSummary }
  | { kind: 'error'; message: string };

const CHUNK = 1 << 20;
const MAX_AHEAD = 4;

/** Reads one file; the thread takes the next job only after this one is done (the caller sees to it). */
class Reader {
  private ahead = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly port: MessagePort) {}

  acked(): void {
    this.ahead--;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async run(job: LogWorkerJob): Promise<void> {
    const port = this.port;
    const enc = new EventEncoder();
    const post = (): void => {
      if (enc.records === 0) return;
      const b = enc.take();
      this.ahead++;
      const msg: LogWorkerMessage = { kind: 'batch', nums: b.nums, size: b.size, strs: b.strs };
      port.postMessage(msg, [b.nums.buffer as ArrayBuffer]);
    };
    const parser = new StraceParser({
      onEvent: (e) => enc.event(e),
      detailCalls: job.detailCalls ? new Set(job.detailCalls) : undefined,
      reuseEvents: job.reuseEvents,
      onOtherCall: job.otherCalls ? (pid, time, line) => enc.other(pid, time, line) : undefined,
    });
    let bytes = 0;
    for await (const chunk of createReadStream(job.file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      parser.write(chunk);
      post();
      while (this.ahead >= MAX_AHEAD) await new Promise<void>((resolve) => (this.wake = resolve));
    }
    parser.end();
    post();
    const done: LogWorkerMessage = { kind: 'done', summary: summarizeParsers([parser], bytes) };
    port.postMessage(done);
  }
}

if (parentPort) {
  const port = parentPort as unknown as MessagePort;
  let reader: Reader | undefined;
  parentPort.on('message', (m: LogWorkerRequest) => {
    if (m.kind === 'ack') {
      reader?.acked();
      return;
    }
    const r = (reader = new Reader(port));
    r.run(m.job).catch((err: unknown) => {
      const msg: LogWorkerMessage = { kind: 'error', message: (err as Error).message ?? String(err) };
      port.postMessage(msg);
    });
  });
}
