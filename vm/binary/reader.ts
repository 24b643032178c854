// A cursor over a module's bytes with the spec's primitive decoders
// (interpreter/binary/decode.ml, "Decoding stream" and "Generic values";
// spec chapter 5.2 "Values").
//
// Every failure throws WasmError('malformed', ...) carrying the section and
// function the decoder is in, so the caller only sets `section` / `func`.
//
// Like the spec's stream, the reader is bounded by the END OF THE MODULE, not of
// the current section: a section or function body that runs past its declared
// size is reported after the fact as "section size mismatch" (or by whatever
// error the overrun hits first), exactly as the reference interpreter does.

import { WasmError } from '../syntax/types.js';

const TWO_POW_32 = 0x1_0000_0000;

export class Reader {
  /** Offset of the next byte to read. */
  pos = 0;
  /** Section being decoded, for error messages (null: the module header). */
  section: string | null = null;
  /** Function (index space, imports first) being decoded, for error messages. */
  func: number | null = null;

  constructor(readonly bytes: Uint8Array) {}

  get length(): number {
    return this.bytes.length;
  }

  atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  fail(reason: string, at: number = this.pos): never {
    throw new WasmError('malformed', reason, this.section, this.func, at);
  }

  unexpectedEnd(at: number = this.pos): never {
    return this.fail('unexpected end of section or function', at);
  }

  /** The next byte without consuming it, or -1 at the end of the module. */
  peek(): number {
    return this.pos < this.bytes.length ? this.bytes[this.pos] : -1;
  }

  u8(): number {
    if (this.pos >= this.bytes.length) this.unexpectedEnd();
    return this.bytes[this.pos++];
  }

  /** Consumes one byte that must equal `expected`. */
  expect(expected: number, reason: string): void {
    const at = this.pos;
    if (this.u8() !== expected) this.fail(reason, at);
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length) this.unexpectedEnd();
    this.pos += n;
  }

  /** Fixed-width little-endian 32-bit word, as an unsigned number. */
  u32le(): number {
    const p = this.pos;
    if (p + 4 > this.bytes.length) this.unexpectedEnd(this.bytes.length);
    const b = this.bytes;
    this.pos = p + 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** Fixed-width little-endian 64-bit word, as an unsigned bigint. */
  u64le(): bigint {
    const lo = this.u32le();
    const hi = this.u32le();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  // ---- LEB128 -------------------------------------------------------------
  // The spec's vuN / vsN read at most ceil(N/7) bytes. Its two errors, in the
  // order it checks them per byte:
  //  - "integer too large": the last permitted byte has payload bits beyond N
  //    (unsigned: not zero; signed: not a sign extension of bit N-1);
  //  - "integer representation too long": that last byte still has its
  //    continuation bit set.

  /** vu32: unsigned LEB128, at most 5 bytes, value 0..2^32-1. */
  u32(): number {
    const bytes = this.bytes;
    let p = this.pos;
    if (p < bytes.length && bytes[p] < 0x80) {
      this.pos = p + 1;
      return bytes[p];
    }
    let result = 0;
    for (let i = 0; ; i++) {
      if (p >= bytes.length) { this.pos = p; this.unexpectedEnd(); }
      const b = bytes[p++];
      if (i === 4) {
        if ((b & 0x7f) >= 0x10) this.fail('integer too large', p - 1);
        if (b & 0x80) this.fail('integer representation too long', p);
      }
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        this.pos = p;
        return result;
      }
    }
  }

  /** vu1: the limits flag byte of WebAssembly 2.0, 0 or 1, read as a 1-bit LEB128. */
  u1(): number {
    const at = this.pos;
    const b = this.u8();
    if ((b & 0x7f) >= 2) this.fail('integer too large', at);
    if (b & 0x80) this.fail('integer representation too long', this.pos);
    return b;
  }

  /** vs32: signed LEB128, at most 5 bytes, as a signed 32-bit number. */
  s32(): number {
    const bytes = this.bytes;
    let p = this.pos;
    let result = 0;
    for (let i = 0; ; i++) {
      if (p >= bytes.length) { this.pos = p; this.unexpectedEnd(); }
      const b = bytes[p++];
      if (i === 4) {
        const sign = b & 0x78; // payload bits 31.. must all equal bit 31
        if (sign !== 0 && sign !== 0x78) this.fail('integer too large', p - 1);
        if (b & 0x80) this.fail('integer representation too long', p);
      }
      result |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) {
        const width = 7 * (i + 1);
        if (width < 32 && (b & 0x40)) result |= -1 << width;
        this.pos = p;
        return result | 0;
      }
    }
  }

  /** vs33 (block types): signed LEB128, at most 5 bytes, value -2^32..2^32-1. */
  s33(): number {
    const bytes = this.bytes;
    let p = this.pos;
    let result = 0;
    for (let i = 0; ; i++) {
      if (p >= bytes.length) { this.pos = p; this.unexpectedEnd(); }
      const b = bytes[p++];
      if (i === 4) {
        const sign = b & 0x70; // payload bits 32.. must all equal bit 32
        if (sign !== 0 && sign !== 0x70) this.fail('integer too large', p - 1);
        if (b & 0x80) this.fail('integer representation too long', p);
      }
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (b & 0x40) result -= 2 ** (7 * (i + 1));
        this.pos = p;
        return result;
      }
    }
  }

  /** vs64: signed LEB128, at most 10 bytes, as a signed bigint (-2^63..2^63-1). */
  s64(): bigint {
    const bytes = this.bytes;
    let p = this.pos;
    if (p < bytes.length && bytes[p] < 0x80) {
      const b = bytes[p];
      this.pos = p + 1;
      return BigInt(b & 0x40 ? b - 0x80 : b);
    }
    // Payload bits accumulate in two exact doubles: 28 low bits, up to 42 high bits.
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (p >= bytes.length) { this.pos = p; this.unexpectedEnd(); }
      const b = bytes[p++];
      if (i === 9) {
        const sign = b & 0x7f; // only bit 63 is left: the rest must extend it
        if (sign !== 0 && sign !== 0x7f) this.fail('integer too large', p - 1);
        if (b & 0x80) this.fail('integer representation too long', p);
      }
      if (i < 4) lo += (b & 0x7f) * 2 ** (7 * i);
      else hi += (b & 0x7f) * 2 ** (7 * (i - 4));
      if ((b & 0x80) === 0) {
        this.pos = p;
        let value = (BigInt(hi) << 28n) | BigInt(lo);
        const width = 7 * (i + 1);
        if (b & 0x40) value -= 1n << BigInt(width);
        return BigInt.asIntN(64, value);
      }
    }
  }

  // ---- Vectors and names --------------------------------------------------

  /**
   * A vector length or byte count (the spec's len32): a u32 that cannot exceed
   * the bytes left in the module, counted from the length field itself. Keeps a
   * hostile count from driving a huge allocation.
   */
  len32(): number {
    const at = this.pos;
    const n = this.u32();
    if (n > this.bytes.length - at) this.fail('length out of bounds', at);
    return n;
  }

  /** `n` raw bytes, copied out of the module. */
  bytesCopy(n: number): Uint8Array {
    const p = this.pos;
    if (p + n > this.bytes.length) this.unexpectedEnd(this.bytes.length);
    this.pos = p + n;
    return this.bytes.slice(p, p + n);
  }

  /** A name: a length-prefixed, strictly valid UTF-8 string. */
  name(): string {
    const at = this.pos;
    const n = this.len32();
    const p = this.pos;
    if (p + n > this.bytes.length) this.unexpectedEnd(this.bytes.length);
    if (!isValidUtf8(this.bytes, p, p + n)) this.fail('malformed UTF-8 encoding', at);
    this.pos = p + n;
    return utf8Decoder.decode(this.bytes.subarray(p, p + n));
  }
}

// Validation is done by isValidUtf8; the decoder only converts. ignoreBOM keeps
// a leading U+FEFF as part of the name instead of silently dropping it.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Strict UTF-8 (spec 5.2.4, Unicode 3.9 table 3-7): shortest form only, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences.
 */
export function isValidUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let p = start;
  while (p < end) {
    const b0 = bytes[p];
    if (b0 < 0x80) { p++; continue; }
    let need: number;
    let lo = 0x80; // allowed range of the second byte
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 === 0xe0) lo = 0xa0; // overlong
      else if (b0 === 0xed) hi = 0x9f; // surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 === 0xf0) lo = 0x90; // overlong
      else if (b0 === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return false; // continuation byte, C0/C1 (overlong) or F5..FF
    if (p + need >= end) return false; // truncated sequence
    const b1 = bytes[p + 1];
    if (b1 < lo || b1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const bk = bytes[p + k];
      if (bk < 0x80 || bk > 0xbf) return false;
    }
    p += need + 1;
  }
  return true;
}

/** Two's-complement wrap of a vs33 block type index, as the spec's I32 wrap does. */
export function wrapU32(x: number): number {
  return x < 0 ? x + TWO_POW_32 : x;
}
