// A small LSP client for tests: spawns the real dist/server.js with --stdio and speaks JSON-RPC over its pipes
// with Content-Length framing, exactly as an editor does. Requests the server makes of the client are
// answered with null; notifications are kept so that tests can wait for them.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import type { InitializeResult } from 'vscode-languageserver';

export const SERVER = path.resolve(__dirname, '..', '..', 'dist', 'server.js');

interface Message {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

type Waiter = { method: string; match: (params: unknown) => boolean; resolve: (params: unknown) => void };

export class LspClient {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly notifications: Array<{ method: string; params: unknown }> = [];
  private waiters: Waiter[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[] = ['--stdio']) {
    this.proc = spawn(process.execPath, [SERVER, ...args], { stdio: 'pipe' });
    this.proc.stdout.on('data', (d: Buffer) => this.onData(d));
    this.proc.stderr.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const sep = this.buffer.indexOf('\r\n\r\n');
      if (sep < 0) return;
      const header = this.buffer.subarray(0, sep).toString('ascii');
      const m = /Content-Length: (\d+)/i.exec(header);
      if (!m) throw new Error(`bad header from the server: ${header}`);
      const len = +m[1];
      if (this.buffer.length < sep + 4 + len) return;
      const body = this.buffer.subarray(sep + 4, sep + 4 + len).toString('utf8');
      this.buffer = this.buffer.subarray(sep + 4 + len);
      this.onMessage(JSON.parse(body) as Message);
    }
  }

  private onMessage(msg: Message): void {
    if (msg.method !== undefined && msg.id !== undefined) {
      // a request of the server's (registerCapability, workDoneProgress/create…): accept it
      this.send({ jsonrpc: '2.0', id: msg.id, result: null });
      return;
    }
    if (msg.method !== undefined) {
      // the first waiter that wants it takes it; otherwise it is kept for a later notification() call
      const w = this.waiters.find((x) => x.method === msg.method && x.match(msg.params));
      if (w) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(msg.params);
      } else {
        this.notifications.push({ method: msg.method, params: msg.params });
      }
      return;
    }
    const p = this.pending.get(msg.id as number);
    if (!p) return;
    this.pending.delete(msg.id as number);
    if (msg.error) p.reject(new Error(`${msg.error.code}: ${msg.error.message}`));
    else p.resolve(msg.result);
  }

  private send(msg: Message): void {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  /** Bytes written to the server's stdin as they are: for framing the server must survive. */
  raw(data: Buffer | string): void {
    this.proc.stdin.write(data);
  }

  /** Resolves once the server has written `re` to stderr. */
  async stderrMatching(re: RegExp): Promise<string> {
    for (;;) {
      const all = this.stderr.join('');
      if (re.test(all)) return all;
      await new Promise<void>((resolve) => this.proc.stderr.once('data', () => resolve()));
    }
  }

  /** The answer to a request sent with raw(), by its id. */
  response<T>(id: number): Promise<T> {
    return new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: (v) => resolve(v as T), reject }));
  }

  request<T>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** The next (or an already received) notification that matches. */
  notification<T>(method: string, match: (params: T) => boolean = () => true): Promise<T> {
    const test = (p: unknown) => match(p as T);
    const seen = this.notifications.find((n) => n.method === method && test(n.params));
    if (seen) {
      this.notifications.splice(this.notifications.indexOf(seen), 1);
      return Promise.resolve(seen.params as T);
    }
    return new Promise((resolve) => this.waiters.push({ method, match: test, resolve: (p) => resolve(p as T) }));
  }

  async initialize(): Promise<InitializeResult> {
    const result = await this.request<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: { textDocument: { foldingRange: { rangeLimit: 5000 }, hover: { contentFormat: ['markdown'] }, documentSymbol: { hierarchicalDocumentSymbolSupport: true } } },
    });
    this.notify('initialized', {});
    return result;
  }

  /** Ends the server without the protocol (a test that failed must not leave it running). */
  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill();
  }

  async shutdown(): Promise<number | null> {
    await this.request('shutdown', null);
    this.notify('exit', null);
    return this.exited;
  }
}
