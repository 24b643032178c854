// A growable byte buffer with the binary format's primitive encoders
// (spec chapter 5.2 "Values"): the inverse of reader.ts.
// LEB128 output is always minimal, so encoding is canonical.

export class Writer {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  private used = 0;

  get length(): number {
    return this.used;
  }

  private reserve(n: number): void {
    const needed = this.used + n;
    if (needed <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buf.subarray(0, this.used));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.used++] = b & 0xff;
  }

  bytes(src: Uint8Array): void {
    this.reserve(src.length);
    this.buf.set(src, this.used);
    this.used += src.length;
  }

  /** Unsigned LEB128 of a u32 (0..2^32-1). */
  u32(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
      throw new RangeError(`encode: ${value} is not a u32`);
    }
    let v = value;
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
  }

  /** Signed LEB128 of an s32 (-2^31..2^31-1). */
  s32(value: number): void {
    if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
      throw new RangeError(`encode: ${value} is not an s32`);
    }
    this.signed(BigInt(value));
  }

  /** Signed LEB128 of a 64-bit pattern given as an unsigned bigint 0..2^64-1. */
  s64(pattern: bigint): void {
    if (pattern < 0n || pattern > 0xffff_ffff_ffff_ffffn) {
      throw new RangeError(`encode: ${pattern} is not a 64-bit pattern`);
    }
    this.signed(BigInt.asIntN(64, pattern));
  }

  /** Signed LEB128 of a non-negative type index as s33 (block types). */
  s33(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
      throw new RangeError(`encode: ${value} is not a type index`);
    }
    this.signed(BigInt(value));
  }

  private signed(value: bigint): void {
    let v = value;
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n; // arithmetic shift: keeps the sign
      const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return;
    }
  }

  /** Fixed-width little-endian 32-bit word (low 32 bits of `value`). */
  u32le(value: number): void {
    this.reserve(4);
    const v = value >>> 0;
    this.buf[this.used++] = v & 0xff;
    this.buf[this.used++] = (v >>> 8) & 0xff;
    this.buf[this.used++] = (v >>> 16) & 0xff;
    this.buf[this.used++] = (v >>> 24) & 0xff;
  }

  /** Fixed-width little-endian 64-bit word of an unsigned bigint pattern. */
  u64le(pattern: bigint): void {
    this.u32le(Number(pattern & 0xffff_ffffn));
    this.u32le(Number((pattern >> 32n) & 0xffff_ffffn));
  }

  /** A name: its UTF-8 length, then the bytes. */
  name(s: string): void {
    const utf8 = new TextEncoder().encode(s);
    this.u32(utf8.length);
    this.bytes(utf8);
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.used);
  }
}
