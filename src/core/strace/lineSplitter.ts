/**
 * Splits a byte stream into lines without ever holding more than one partial line.
 * Lines are decoded as latin1: strace escapes non-printable bytes itself, and latin1 maps every byte to one
 * char, so offsets stay byte offsets and decoding never fails on a truncated multi-byte sequence.
 */
export class LineSplitter {
  private partial: Buffer[] = [];
  private partialLength = 0;
  private partialString = '';

  /** @param onLine receives each line without its '\n' (a trailing '\r' is dropped too). */
  constructor(
    private readonly onLine: (line: string) => void,
    /** A line longer than this is cut (the rest is dropped up to the next newline) so memory stays bounded. */
    private readonly maxLineLength = 16 * 1024 * 1024,
    /**
     * When given, lines that arrive in Buffer chunks go here undecoded, as `buf[start, end)`: a consumer that
     * scans bytes can decode only the parts it keeps. The bytes are valid only during the call.
     */
    private readonly onLineBytes?: (buf: Buffer, start: number, end: number) => void,
  ) {}

  private truncatedPartial = false;

  write(chunk: Buffer | string): void {
    if (typeof chunk === 'string') {
      this.writeString(chunk);
      return;
    }
    let start = 0;
    const n = chunk.length;
    if (this.partialString) {
      // mixed input: flush the string part through the buffer path
      this.pushPartial(Buffer.from(this.partialString, 'latin1'));
      this.partialString = '';
    }
    while (start < n) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) {
        this.pushPartial(chunk.subarray(start));
        return;
      }
      if (this.partialLength > 0 || this.truncatedPartial) {
        this.pushPartial(chunk.subarray(start, nl));
        const whole = this.partial.length === 1 ? this.partial[0] : Buffer.concat(this.partial, this.partialLength);
        this.partial = [];
        this.partialLength = 0;
        this.truncatedPartial = false;
        this.emitBytes(whole, 0, whole.length);
      } else {
        this.emitBytes(chunk, start, Math.min(nl, start + this.maxLineLength));
      }
      start = nl + 1;
    }
  }

  private writeString(chunk: string): void {
    let start = 0;
    if (this.partialLength > 0) {
      // mixed input: turn the buffered bytes into the string partial
      const whole = Buffer.concat(this.partial, this.partialLength);
      this.partial = [];
      this.partialLength = 0;
      this.partialString = whole.toString('latin1');
    }
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) {
        const rest = chunk.slice(start);
        if (this.partialString.length + rest.length > this.maxLineLength) {
          this.partialString = (this.partialString + rest).slice(0, this.maxLineLength);
          this.truncatedPartial = true;
        } else {
          this.partialString += rest;
        }
        return;
      }
      const piece = chunk.slice(start, nl);
      if (this.partialString || this.truncatedPartial) {
        const line = (this.partialString + piece).slice(0, this.maxLineLength);
        this.partialString = '';
        this.truncatedPartial = false;
        this.emit(line);
      } else {
        this.emit(piece.length > this.maxLineLength ? piece.slice(0, this.maxLineLength) : piece);
      }
      start = nl + 1;
    }
  }

  private pushPartial(b: Buffer): void {
    if (b.length === 0) return;
    const room = this.maxLineLength - this.partialLength;
    if (room <= 0) {
      this.truncatedPartial = true;
      return;
    }
    // copy: the caller may reuse its chunk buffer (fs streams do not, but sockets may)
    const piece = Buffer.from(b.length > room ? b.subarray(0, room) : b);
    if (b.length > room) this.truncatedPartial = true;
    this.partial.push(piece);
    this.partialLength += piece.length;
  }

  private emitBytes(buf: Buffer, start: number, end: number): void {
    if (!this.onLineBytes) {
      this.emit(buf.toString('latin1', start, end));
      return;
    }
    this.onLineBytes(buf, start, end > start && buf[end - 1] === 13 ? end - 1 : end);
  }

  private emit(line: string): void {
    const len = line.length;
    this.onLine(len > 0 && line.charCodeAt(len - 1) === 13 ? line.slice(0, len - 1) : line);
  }

  /** Emits the last line if the stream did not end with a newline. Returns true if there was one. */
  end(): boolean {
    this.truncatedPartial = false;
    if (this.partialLength > 0) {
      const whole = Buffer.concat(this.partial, this.partialLength);
      this.partial = [];
      this.partialLength = 0;
      this.emitBytes(whole, 0, whole.length);
      return true;
    }
    if (this.partialString) {
      const s = this.partialString;
      this.partialString = '';
      this.emit(s);
      return true;
    }
    return false;
  }
}

/**
 * The offsets of every newline of `chunk`, into `out` (grown when too small); returns how many. What
 * StraceParser.writeIndexed is given.
 */
export function newlinesOf(chunk: Buffer, out: { offsets: Int32Array }): number {
  let n = 0;
  let a = out.offsets;
  for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, nl + 1)) {
    if (n === a.length) {
      const grown = new Int32Array(a.length * 2);
      grown.set(a);
      a = out.offsets = grown;
    }
    a[n++] = nl;
  }
  return n;
}

/**
 * Lone carriage returns (the line ends of CR-only text, as old Mac tools write it) turned into newlines, so
 * that a log written that way reads as its lines rather than as one; a '\r' before a '\n' stays (the line's
 * '\r' is dropped where the line is handed over). One per stream: a '\r' that ends a chunk is a line end
 * either way, and a '\n' that begins the next chunk is then its pair, not an empty line.
 */
export class LoneCarriageReturns {
  private afterCR = false;

  /** the chunk with its lone '\r' as '\n' (a copy when it has any; the chunk itself when not) */
  bytes(chunk: Buffer): Buffer {
    if (this.afterCR) {
      this.afterCR = false;
      if (chunk.length > 0 && chunk[0] === 10) chunk = chunk.subarray(1);
    }
    let out: Buffer | undefined;
    const n = chunk.length;
    for (let cr = chunk.indexOf(13); cr >= 0; cr = chunk.indexOf(13, cr + 1)) {
      if (cr + 1 < n && chunk[cr + 1] === 10) continue;
      out ??= Buffer.from(chunk);
      out[cr] = 10;
      if (cr + 1 === n) this.afterCR = true;
    }
    return out ?? chunk;
  }

  string(chunk: string): string {
    if (this.afterCR) {
      this.afterCR = false;
      if (chunk.charCodeAt(0) === 10) chunk = chunk.slice(1);
    }
    if (chunk.indexOf('\r') < 0) return chunk;
    if (chunk.charCodeAt(chunk.length - 1) === 13) this.afterCR = true;
    return chunk.replace(/\r(?!\n)/g, '\n');
  }
}
