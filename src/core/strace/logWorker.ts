/**
 * The worker thread of readLog's two-thread path (bundled on its own as dist/logWorker.js). The main
 * thread reads the log a chunk at a time and finds its newlines; this thread parses each chunk
 * (StraceParser.writeIndexed) and posts back its events as a batch (eventCodec), with the chunk's buffers
 * for the main thread to read into again. The main thread builds the model from one batch while this
 * thread parses the next. One log at a time; the thread stays for the next, its code compiled.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { EventEncoder } from './eventCodec';
import { StraceParser } from './parser';
import { summarizeParsers, type ParseSummary } from './reader';

export interface LogWorkerJob {
  detailCalls?: string[];
  reuseEvents?: boolean;
  /** send the calls outside detailCalls as who-and-when records (the consumer has onOtherCall) */
  otherCalls: boolean;
  /** send only each thread's first such call, and count the rest (the consumer has onOtherCalls) */
  countRepeats: boolean;
}

/** main → worker: a log begins, a chunk of it (its bytes and newline offsets, moved), the log ends */
export type LogWorkerRequest =
  | { kind: 'start'; job: LogWorkerJob }
  | { kind: 'chunk'; data: ArrayBuffer; length: number; newlines: Int32Array; count: number }
  | { kind: 'end' };

/** worker → main: a chunk's events (and its buffers, moved back), or the end */
export type LogWorkerMessage =
  | { kind: 'batch'; nums: Float64Array; size: number; strs: Array<string | undefined>; data?: ArrayBuffer; newlines?: Int32Array }
  | { kind: 'done'; summary: ParseSummary }
  | { kind: 'error'; message: string };

class Job {
  private readonly enc: EventEncoder;
  private readonly parser: StraceParser;
  private bytes = 0;

  constructor(private readonly port: MessagePort, job: LogWorkerJob) {
    const enc = (this.enc = new EventEncoder({ countRepeats: job.countRepeats }));
    this.parser = new StraceParser({
      onEvent: (e) => enc.event(e),
      detailCalls: job.detailCalls ? new Set(job.detailCalls) : undefined,
      reuseEvents: job.reuseEvents,
      onOtherCall: job.otherCalls ? (pid, time, line) => enc.other(pid, time, line) : undefined,
    });
  }

  chunk(data: ArrayBuffer, length: number, newlines: Int32Array, count: number): void {
    this.bytes += length;
    this.parser.writeIndexed(Buffer.from(data, 0, length), newlines, count);
    this.post(data, newlines);
  }

  end(): void {
    this.parser.end();
    this.post();
    const done: LogWorkerMessage = { kind: 'done', summary: summarizeParsers([this.parser], this.bytes) };
    this.port.postMessage(done);
  }

  private post(data?: ArrayBuffer, newlines?: Int32Array): void {
    if (data === undefined && this.enc.records === 0) return;
    const b = this.enc.take();
    const msg: LogWorkerMessage = { kind: 'batch', nums: b.nums, size: b.size, strs: b.strs, data, newlines };
    const moved: ArrayBuffer[] = [b.nums.buffer as ArrayBuffer];
    if (data) moved.push(data, newlines!.buffer as ArrayBuffer);
    this.port.postMessage(msg, moved);
  }
}

if (parentPort) {
  const port = parentPort as unknown as MessagePort;
  let job: Job | undefined;
  parentPort.on('message', (m: LogWorkerRequest) => {
    try {
      if (m.kind === 'start') job = new Job(port, m.job);
      else if (m.kind === 'chunk') job!.chunk(m.data, m.length, m.newlines, m.count);
      else job!.end();
    } catch (err) {
      job = undefined;
      const msg: LogWorkerMessage = { kind: 'error', message: (err as Error).message ?? String(err) };
      port.postMessage(msg);
    }
  });
}
