/**
 * Virtual size over time, bounded: when the buffer is full, neighbouring points are merged pairwise,
 * keeping the one with the larger virtual size so that peaks survive thinning. Memory stays O(capacity).
 */
export class Timeline {
  private t: Float64Array;
  private line: Float64Array;
  private vsize: Float64Array;
  private reserved: Float64Array;
  private n = 0;
  /** how many input points each stored point stands for (doubles at each thinning) */
  stride = 1;
  private pendingCount = 0;

  private readonly capacity: number;

  constructor(capacity = 4096) {
    this.capacity = Math.max(16, capacity);
    // start small and grow: a log with thousands of short-lived processes has a timeline for each
    const c = 16;
    this.t = new Float64Array(c);
    this.line = new Float64Array(c);
    this.vsize = new Float64Array(c);
    this.reserved = new Float64Array(c);
  }

  private grow(): void {
    const c = Math.min(this.capacity, this.t.length * 2);
    const g = (a: Float64Array) => {
      const b = new Float64Array(c);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.t = g(this.t);
    this.line = g(this.line);
    this.vsize = g(this.vsize);
    this.reserved = g(this.reserved);
  }

  get length(): number {
    return this.n;
  }

  add(time: number, line: number, vsize: number, reserved: number): void {
    if (this.stride > 1 && this.pendingCount > 0) {
      // merging into the last point until it stands for `stride` inputs
      const i = this.n - 1;
      if (vsize >= this.vsize[i]) {
        this.t[i] = time;
        this.line[i] = line;
        this.vsize[i] = vsize;
        this.reserved[i] = reserved;
      }
      this.pendingCount++;
      if (this.pendingCount >= this.stride) this.pendingCount = 0;
      return;
    }
    if (this.n === this.t.length) {
      if (this.t.length < this.capacity) this.grow();
      else this.thin();
    }
    const i = this.n++;
    this.t[i] = time;
    this.line[i] = line;
    this.vsize[i] = vsize;
    this.reserved[i] = reserved;
    if (this.stride > 1) this.pendingCount = 1;
  }

  private thin(): void {
    const half = this.n >>> 1;
    for (let i = 0; i < half; i++) {
      const a = 2 * i;
      const b = a + 1;
      const k = this.vsize[b] >= this.vsize[a] ? b : a;
      this.t[i] = this.t[k];
      this.line[i] = this.line[k];
      this.vsize[i] = this.vsize[k];
      this.reserved[i] = this.reserved[k];
    }
    this.n = half;
    this.stride *= 2;
    this.pendingCount = 0;
  }

  points(): Array<{ t: number; line: number; vsize: number; reserved: number }> {
    const out = [];
    for (let i = 0; i < this.n; i++) out.push({ t: this.t[i], line: this.line[i], vsize: this.vsize[i], reserved: this.reserved[i] });
    return out;
  }
}
