// An append-only byte buffer: the job's stdout and stderr. Bytes below `length` are
// never rewritten, so a view returned by `bytes()` stays valid, and `clone()` can share
// the backing buffer until either side appends (copy-on-write keeps snapshots cheap).

export class ByteLog {
  private buffer: Uint8Array;
  private used = 0;
  /** True while another ByteLog may be looking at `buffer`: copy before appending. */
  private shared = false;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.used;
  }

  /** Appends `src[start..end)`. */
  append(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    const needed = this.used + n;
    if (this.shared || needed > this.buffer.length) {
      let capacity = this.buffer.length;
      while (capacity < needed) capacity *= 2;
      const next = new Uint8Array(capacity);
      next.set(this.buffer.subarray(0, this.used));
      this.buffer = next;
      this.shared = false;
    }
    // Most writes are a few bytes (a line of printf): a loop beats a subarray and set().
    if (n <= 64) {
      const buffer = this.buffer;
      for (let i = 0, at = this.used; i < n; i++) buffer[at + i] = src[start + i];
    } else this.buffer.set(src.subarray(start, end), this.used);
    this.used = needed;
  }

  /** The bytes appended so far (a view; never changes afterwards). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }

  clone(): ByteLog {
    const copy = new ByteLog(1);
    copy.buffer = this.buffer;
    copy.used = this.used;
    copy.shared = true;
    this.shared = true;
    return copy;
  }
}
