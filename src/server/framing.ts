// LSP's base protocol over a byte stream (`Content-Length: N\r\n\r\n` then N bytes of JSON), read so that
// bad input costs only itself. vscode-jsonrpc's StreamMessageReader trusts the header: a length of -5,
// "1e3" (parseInt reads 1) or 99999999999999 leaves its buffer out of step with the stream, and a header it
// cannot read is reported to an error event nobody logs, so the server stays alive but never answers again.
// Here every header is checked as it arrives; whatever is not a well-formed message is skipped up to the
// next `Content-Length:` header, with one line saying what was skipped and why.

import { AbstractMessageReader, Disposable, type DataCallback, type Message, type MessageReader } from 'vscode-languageserver/node';

/**
 * The longest message body read. VS Code hands extensions no document above 50 MB; a didOpen of such a
 * document, JSON-escaped, stays well under this. A larger Content-Length is a broken or hostile client.
 */
export const MAX_CONTENT_LENGTH = 128 * 1024 * 1024;
/** a header block longer than this is not one (an editor's is under 100 bytes) */
const MAX_HEADER_BYTES = 8 * 1024;

const CR = 13;
const LF = 10;
const COLON = 58;
const MARK = Buffer.from('content-length:', 'latin1');
/** the end of a Content-Length line, without its LF, in the last TAIL bytes before an LF */
const HEADER_LINE_END = /content-length:[ \t]*\d+\r$/i;
const TAIL = 64;

const TOKEN_PUNCTUATION = new Set(Array.from("!#$%&'*+-.^_`|~", (c) => c.charCodeAt(0)));

/** RFC 9110 token characters: what a header name is made of. */
function isToken(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || TOKEN_PUNCTUATION.has(c);
}

/** Visible ASCII, space and tab: what a header value is made of. */
function isValueChar(c: number): boolean {
  return c === 9 || (c >= 32 && c < 127);
}

/** A few bytes of input, printable, for a log line. */
function excerpt(b: Buffer, start: number, end: number): string {
  let s = '';
  for (let i = start; i < Math.min(end, start + 40); i++) {
    const c = b[i];
    s += c >= 32 && c < 127 && c !== 34 && c !== 92 ? String.fromCharCode(c) : c === CR ? '\\r' : c === LF ? '\\n' : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return end - start > 40 ? `${s}…` : s;
}

/** Where `MARK` starts in `b` at or after `from`, ignoring case; -1 when nowhere. */
function findMark(b: Buffer, from: number): number {
  const last = b.length - MARK.length;
  for (let i = from; i <= last; i++) {
    if ((b[i] | 0x20) !== MARK[0]) continue;
    let k = 1;
    while (k < MARK.length && (b[i + k] === COLON ? COLON : b[i + k] | 0x20) === MARK[k]) k++;
    if (k === MARK.length) return i;
  }
  return -1;
}

type Header =
  | { kind: 'more' }
  | { kind: 'bad'; reason: string }
  /** a well-formed header block of `size` bytes whose Content-Length is unusable: skip the block, not the input after it */
  | { kind: 'unusable'; reason: string; size: number }
  | { kind: 'ok'; size: number; length: number };

/** Reads the header block at the start of `b`: fields `Name: value\r\n`, then `\r\n`. */
function readHeader(b: Buffer): Header {
  let lengthText: string | undefined;
  let charset: string | undefined;
  let i = 0;
  for (;;) {
    if (i >= b.length) return { kind: 'more' };
    if (b[i] === CR) {
      if (i + 1 >= b.length) return { kind: 'more' };
      if (b[i + 1] !== LF) return { kind: 'bad', reason: `not a message header: "${excerpt(b, 0, i + 2)}"` };
      i += 2;
      break;
    }
    const name = i;
    while (i < b.length && isToken(b[i])) i++;
    if (i >= b.length) return { kind: 'more' };
    if (b[i] !== COLON || i === name) return { kind: 'bad', reason: `not a message header: "${excerpt(b, 0, i + 1)}"` };
    const key = b.toString('latin1', name, i).toLowerCase();
    const value = ++i;
    while (i < b.length && isValueChar(b[i])) i++;
    if (i < b.length && b[i] !== CR) return { kind: 'bad', reason: `not a message header: "${excerpt(b, 0, i + 1)}"` };
    if (i + 1 >= b.length) return { kind: 'more' };
    if (b[i + 1] !== LF) return { kind: 'bad', reason: `not a message header: "${excerpt(b, 0, i + 2)}"` };
    const text = b.toString('latin1', value, i).trim();
    i += 2;
    if (key === 'content-length') {
      if (lengthText !== undefined && lengthText !== text) return { kind: 'bad', reason: `two Content-Length headers, "${lengthText}" and "${text}"` };
      lengthText = text;
    } else if (key === 'content-type') {
      charset = /;\s*charset\s*=\s*"?([^;"\s]+)/i.exec(text)?.[1];
    }
    if (i > MAX_HEADER_BYTES) break;
  }
  if (i > MAX_HEADER_BYTES) return { kind: 'bad', reason: `a header block longer than ${MAX_HEADER_BYTES} bytes` };
  if (lengthText === undefined) return { kind: 'unusable', size: i, reason: 'a header without Content-Length' };
  if (!/^\d+$/.test(lengthText)) return { kind: 'unusable', size: i, reason: `Content-Length "${lengthText.slice(0, 40)}" is not a byte count` };
  const length = Number(lengthText);
  if (length > MAX_CONTENT_LENGTH) {
    return { kind: 'unusable', size: i, reason: `Content-Length ${lengthText.length > 40 ? `${lengthText.slice(0, 40)}…` : lengthText} is above the ${MAX_CONTENT_LENGTH / 1024 / 1024} MiB limit` };
  }
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) return { kind: 'unusable', size: i, reason: `charset ${charset} is not utf-8` };
  return { kind: 'ok', size: i, length };
}

/**
 * The messages in a byte stream given in chunks of any size. Memory stays bounded: a header in progress
 * (at most MAX_HEADER_BYTES), the body in progress (at most MAX_CONTENT_LENGTH), and while skipping, only
 * the last few bytes (a `Content-Length:` may straddle two chunks).
 */
export class FrameParser {
  /** unread input, in the header or skipping states */
  private buf: Buffer = Buffer.alloc(0);
  /** the body being gathered: its chunks, how many bytes they hold, how many it needs */
  private body: Buffer[] | undefined;
  private have = 0;
  private need = 0;
  /** the last TAIL bytes of the body gathered so far (a header line may straddle two chunks) */
  private tail: Buffer = Buffer.alloc(0);
  /** skipping to the next Content-Length header */
  private skipping = false;
  /** where in `buf` to look for the next header (see skip) */
  private skipFrom = 1;

  constructor(
    private readonly onMessage: (msg: Message) => void,
    /** one sentence: what was skipped and why */
    private readonly onSkipped: (reason: string) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.body) {
      if (!this.gather(chunk)) return;
    } else {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    }
    this.drain();
  }

  /** Adds to the body in progress; true when the body is done with (taken or cut short), what follows in `buf`. */
  private gather(chunk: Buffer): boolean {
    const body = this.body!;
    const start = this.have;
    body.push(chunk);
    this.have += chunk.length;
    const header = this.headerIn(chunk, start);
    if (header >= 0) {
      // the Content-Length ran past its body: the bytes from this header on are the next message
      this.body = undefined;
      this.onSkipped(`a body shorter than its Content-Length ${this.need} (a message header came after ${header} bytes); reading on from the next Content-Length header`);
      this.buf = Buffer.concat(body, this.have).subarray(header);
      return true;
    }
    this.tail = Buffer.concat([this.tail, chunk.subarray(Math.max(0, chunk.length - TAIL))]).subarray(-TAIL);
    if (this.have < this.need) return false;
    const all = Buffer.concat(body, this.have);
    this.body = undefined;
    this.take(all.subarray(0, this.need), all.subarray(this.need));
    return true;
  }

  /**
   * Where a `Content-Length: N\r\n` line starts in the body being gathered (`chunk` is its part from
   * `start`), or -1. No JSON text holds one (a raw CR is in no JSON string, and letters stand outside
   * strings only in true, false and null), so a body that does was given a Content-Length too long: without
   * this the server would wait for bytes that never come.
   */
  private headerIn(chunk: Buffer, start: number): number {
    for (let nl = chunk.indexOf(LF); nl >= 0; nl = chunk.indexOf(LF, nl + 1)) {
      const window = nl >= TAIL
        ? chunk.toString('latin1', nl - TAIL, nl)
        : this.tail.toString('latin1', Math.max(0, this.tail.length - (TAIL - nl))) + chunk.toString('latin1', 0, nl);
      const m = HEADER_LINE_END.exec(window);
      if (m && start + nl - (window.length - m.index) < this.need) return start + nl - (window.length - m.index);
    }
    return -1;
  }

  /** A body has arrived whole, followed by `rest`: hand it on, or skip it. */
  private take(body: Buffer, rest: Buffer): void {
    let msg: unknown;
    try {
      msg = JSON.parse(body.toString('utf8'));
    } catch (err) {
      // a Content-Length too long swallowed the start of the next message, too short left it after a few
      // bytes of the body: look for it from the body's first byte
      this.skip(`a ${body.length}-byte body that is not JSON (${(err as Error).message.slice(0, 80)})`, 0);
      this.buf = rest.length ? Buffer.concat([body, rest]) : body;
      return;
    }
    this.buf = rest;
    // well framed, so the next message starts right after it
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) this.onSkipped(`a body that is not a JSON-RPC message object: "${excerpt(body, 0, body.length)}"`);
    else this.onMessage(msg as Message);
  }

  /** `from` 1: the header that failed is at the start of `buf`, and must not be found again */
  private skip(reason: string, from = 1): void {
    this.onSkipped(`${reason}; reading on from the next Content-Length header`);
    this.skipping = true;
    this.skipFrom = from;
  }

  private drain(): void {
    for (;;) {
      const b = this.buf;
      if (this.skipping) {
        const at = findMark(b, this.skipFrom);
        if (at < 0) {
          // keep what may be the start of a header cut by the chunk's end
          this.buf = b.subarray(Math.max(this.skipFrom, b.length - (MARK.length - 1)));
          this.skipFrom = 0;
          return;
        }
        this.buf = b.subarray(at);
        this.skipping = false;
        continue;
      }
      if (b.length === 0) return;
      const h = readHeader(b);
      switch (h.kind) {
        case 'more':
          if (b.length <= MAX_HEADER_BYTES) return;
          this.skip(`a header block longer than ${MAX_HEADER_BYTES} bytes`);
          continue;
        case 'bad':
          this.skip(h.reason);
          continue;
        case 'unusable':
          this.skip(h.reason);
          // the bytes after a well-formed header are its body, whatever its length says: skip them too
          this.buf = b.subarray(h.size - 1);
          continue;
        case 'ok':
          if (b.length - h.size >= h.length) {
            this.take(b.subarray(h.size, h.size + h.length), b.subarray(h.size + h.length));
            continue;
          }
          this.body = [];
          this.have = 0;
          this.need = h.length;
          this.tail = Buffer.alloc(0);
          this.buf = Buffer.alloc(0);
          if (!this.gather(b.subarray(h.size))) return;
          continue;
      }
    }
  }
}

const MAX_LOGGED = 100;

/** The MessageReader the connection reads from: a FrameParser over a stream (stdin). */
export class CheckedStreamReader extends AbstractMessageReader implements MessageReader {
  constructor(private readonly input: NodeJS.ReadableStream, private readonly log: (line: string) => void) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    // a client that sends nothing but garbage must not fill the log: say so once past a hundred lines
    let logged = 0;
    const parser = new FrameParser(callback, (reason) => {
      if (++logged <= MAX_LOGGED) this.log(`strace language server: skipped input: ${reason}.`);
      else if (logged === MAX_LOGGED + 1) this.log(`strace language server: more input skipped; no more of it is logged.`);
    });
    const onData = (d: Buffer | string) => parser.push(typeof d === 'string' ? Buffer.from(d, 'utf8') : d);
    const onError = (e: Error) => this.fireError(e);
    const onClose = () => this.fireClose();
    this.input.on('data', onData);
    this.input.on('error', onError);
    this.input.on('close', onClose);
    return Disposable.create(() => {
      this.input.off('data', onData);
      this.input.off('error', onError);
      this.input.off('close', onClose);
    });
  }
}
