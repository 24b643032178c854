// Integer semantics that are not single JS operators (spec: interpreter/exec/ixx.ml).
//
// i64 values live in two 32-bit words of the value stack `w` (low word first, see
// docs/machine.md#values) and are computed on those words directly: no BigInt on the hot
// path. Binary ops read a = (w[i], w[i+1]), b = (w[i+2], w[i+3]) and write the result to
// (w[i], w[i+1]); unary ops work in place on (w[i], w[i+1]); comparisons write an i32
// 0/1 to w[i] and 0 to w[i+1]. Only div/rem may throw (a Trap); nothing here allocates
// except the rare BigInt fallback of div/rem.

import { Trap, TrapMessage } from './trap.js';

const TWO_32 = 4294967296;
/** |hi| below this bound means the i64 value is a safe integer (|v| < 2^53). */
const SAFE_HI = 0x200000;

// ---------------------------------------------------------------------------------------
// i32 helpers (operands and results are int32, i.e. already `| 0`)

/** Traps: integer divide by zero, integer overflow (INT32_MIN / -1). */
export function i32_div_s(a: number, b: number): number {
  if (b === 0) throw new Trap(TrapMessage.divideByZero);
  if (a === -2147483648 && b === -1) throw new Trap(TrapMessage.integerOverflow);
  // |a| < 2^53, so the rounded double quotient truncates to the exact integer quotient.
  return (a / b) | 0;
}

/** Traps: integer divide by zero. */
export function i32_div_u(a: number, b: number): number {
  if (b === 0) throw new Trap(TrapMessage.divideByZero);
  return ((a >>> 0) / (b >>> 0)) | 0;
}

/** Traps: integer divide by zero. INT32_MIN rem -1 is 0 (no trap). */
export function i32_rem_s(a: number, b: number): number {
  if (b === 0) throw new Trap(TrapMessage.divideByZero);
  // JS `%` is exact and takes the dividend's sign, as wasm does; `| 0` turns -0 into 0.
  return (a % b) | 0;
}

/** Traps: integer divide by zero. */
export function i32_rem_u(a: number, b: number): number {
  if (b === 0) throw new Trap(TrapMessage.divideByZero);
  return ((a >>> 0) % (b >>> 0)) | 0;
}

// JS shift counts are taken mod 32, so `32 - k` is 0 for k = 0 and both halves are `a`.
export function i32_rotl(a: number, k: number): number {
  return (a << k) | (a >>> (32 - k));
}

export function i32_rotr(a: number, k: number): number {
  return (a >>> k) | (a << (32 - k));
}

export function i32_ctz(a: number): number {
  // a & -a isolates the lowest set bit; clz32(0) = 32 gives ctz(0) = 32.
  return a === 0 ? 32 : 31 - Math.clz32(a & -a);
}

export function i32_popcnt(a: number): number {
  a = a - ((a >>> 1) & 0x55555555);
  a = (a & 0x33333333) + ((a >>> 2) & 0x33333333);
  a = (a + (a >>> 4)) & 0x0f0f0f0f;
  return Math.imul(a, 0x01010101) >>> 24;
}

// ---------------------------------------------------------------------------------------
// i64 arithmetic

export function i64_add(w: Int32Array, i: number): void {
  const lo = (w[i] >>> 0) + (w[i + 2] >>> 0);
  w[i] = lo | 0;
  w[i + 1] = (w[i + 1] + w[i + 3] + (lo > 0xffffffff ? 1 : 0)) | 0;
}

export function i64_sub(w: Int32Array, i: number): void {
  const lo = (w[i] >>> 0) - (w[i + 2] >>> 0);
  w[i] = lo | 0;
  w[i + 1] = (w[i + 1] - w[i + 3] - (lo < 0 ? 1 : 0)) | 0;
}

export function i64_mul(w: Int32Array, i: number): void {
  const alo = w[i];
  const blo = w[i + 2];
  // Low 64 bits of a*b = alo*blo + 2^32 (alo*bhi + ahi*blo): Math.imul gives the cross
  // terms; only the high word of the unsigned 32x32 product alo*blo needs care.
  w[i + 1] = (mulHighU32(alo, blo) + Math.imul(alo, w[i + 3]) + Math.imul(w[i + 1], blo)) | 0;
  w[i] = Math.imul(alo, blo);
}

/** High 32 bits of the unsigned 64-bit product of two 32-bit words, from 16-bit halves. */
function mulHighU32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1; // each partial product < 2^32
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
}

// Unsigned 64-bit quotient/remainder of the last udivmod call (module scratch, so the
// hot path returns four words without allocating).
let qLo = 0;
let qHi = 0;
let rLo = 0;
let rHi = 0;

/**
 * Unsigned (aHi:aLo) divmod (bHi:bLo), b != 0, into qHi/qLo/rHi/rLo. Double arithmetic
 * when it is exact, BigInt only for wide divisors of wide dividends.
 */
function udivmod(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const al = aLo >>> 0;
  const ah = aHi >>> 0;
  const bl = bLo >>> 0;
  const bh = bHi >>> 0;
  // A quotient q of safe integers n/d: the rounding error of n/d is below 1/d, the gap to
  // the next integer, so Math.floor(n / d) is exact.
  if (bh === 0 && bl < SAFE_HI) {
    // Divisor below 2^21 (e.g. printing a u64 in decimal): schoolbook division by words;
    // r1 * 2^32 + al < 2^53 keeps the second step exact.
    const q1 = Math.floor(ah / bl);
    const n = (ah - q1 * bl) * TWO_32 + al;
    const q0 = Math.floor(n / bl);
    qHi = q1 | 0;
    qLo = q0 | 0;
    rHi = 0;
    rLo = (n - q0 * bl) | 0;
    return;
  }
  if (ah < SAFE_HI && bh < SAFE_HI) {
    const n = ah * TWO_32 + al;
    const d = bh * TWO_32 + bl;
    const q = Math.floor(n / d);
    const r = n - q * d;
    qHi = Math.floor(q / TWO_32) | 0;
    qLo = q | 0;
    rHi = Math.floor(r / TWO_32) | 0;
    rLo = r | 0;
    return;
  }
  const n = (BigInt(ah) << 32n) | BigInt(al);
  const d = (BigInt(bh) << 32n) | BigInt(bl);
  const q = n / d;
  const r = n - q * d;
  qHi = Number(q >> 32n) | 0;
  qLo = Number(q & 0xffffffffn) | 0;
  rHi = Number(r >> 32n) | 0;
  rLo = Number(r & 0xffffffffn) | 0;
}

/** Traps: integer divide by zero. */
export function i64_div_u(w: Int32Array, i: number): void {
  if ((w[i + 2] | w[i + 3]) === 0) throw new Trap(TrapMessage.divideByZero);
  udivmod(w[i], w[i + 1], w[i + 2], w[i + 3]);
  w[i] = qLo;
  w[i + 1] = qHi;
}

/** Traps: integer divide by zero. */
export function i64_rem_u(w: Int32Array, i: number): void {
  if ((w[i + 2] | w[i + 3]) === 0) throw new Trap(TrapMessage.divideByZero);
  udivmod(w[i], w[i + 1], w[i + 2], w[i + 3]);
  w[i] = rLo;
  w[i + 1] = rHi;
}

/**
 * Signed divmod via the unsigned one on magnitudes (two's-complement negation; the
 * magnitude of INT64_MIN is 2^63, fine as unsigned). Quotient/remainder signs are fixed
 * by the callers: the spec truncates toward zero, the remainder takes the dividend's sign.
 */
function sdivmodMagnitudes(w: Int32Array, i: number): void {
  let aLo = w[i];
  let aHi = w[i + 1];
  let bLo = w[i + 2];
  let bHi = w[i + 3];
  if (aHi < 0) {
    aHi = aLo === 0 ? -aHi | 0 : ~aHi;
    aLo = -aLo | 0;
  }
  if (bHi < 0) {
    bHi = bLo === 0 ? -bHi | 0 : ~bHi;
    bLo = -bLo | 0;
  }
  udivmod(aLo, aHi, bLo, bHi);
}

function writeNegated(w: Int32Array, i: number, lo: number, hi: number): void {
  w[i] = -lo | 0;
  w[i + 1] = lo === 0 ? -hi | 0 : ~hi;
}

/** Traps: integer divide by zero, integer overflow (INT64_MIN / -1). */
export function i64_div_s(w: Int32Array, i: number): void {
  const aHi = w[i + 1];
  const bHi = w[i + 3];
  if ((w[i + 2] | bHi) === 0) throw new Trap(TrapMessage.divideByZero);
  if (aHi === -2147483648 && w[i] === 0 && w[i + 2] === -1 && bHi === -1) {
    throw new Trap(TrapMessage.integerOverflow);
  }
  sdivmodMagnitudes(w, i);
  if ((aHi ^ bHi) < 0) writeNegated(w, i, qLo, qHi);
  else {
    w[i] = qLo;
    w[i + 1] = qHi;
  }
}

/** Traps: integer divide by zero. INT64_MIN rem -1 is 0 (no trap). */
export function i64_rem_s(w: Int32Array, i: number): void {
  const aHi = w[i + 1];
  if ((w[i + 2] | w[i + 3]) === 0) throw new Trap(TrapMessage.divideByZero);
  sdivmodMagnitudes(w, i);
  if (aHi < 0) writeNegated(w, i, rLo, rHi);
  else {
    w[i] = rLo;
    w[i + 1] = rHi;
  }
}

// ---------------------------------------------------------------------------------------
// i64 bitwise

export function i64_and(w: Int32Array, i: number): void {
  w[i] &= w[i + 2];
  w[i + 1] &= w[i + 3];
}

export function i64_or(w: Int32Array, i: number): void {
  w[i] |= w[i + 2];
  w[i + 1] |= w[i + 3];
}

export function i64_xor(w: Int32Array, i: number): void {
  w[i] ^= w[i + 2];
  w[i + 1] ^= w[i + 3];
}

// Shift counts are taken mod 64 (spec); the high word of the count is ignored.

export function i64_shl(w: Int32Array, i: number): void {
  const k = w[i + 2] & 63;
  if (k === 0) return;
  const lo = w[i];
  if (k < 32) {
    w[i + 1] = (w[i + 1] << k) | (lo >>> (32 - k));
    w[i] = lo << k;
  } else {
    w[i + 1] = lo << (k - 32);
    w[i] = 0;
  }
}

export function i64_shr_s(w: Int32Array, i: number): void {
  const k = w[i + 2] & 63;
  if (k === 0) return;
  const hi = w[i + 1];
  if (k < 32) {
    w[i] = (w[i] >>> k) | (hi << (32 - k));
    w[i + 1] = hi >> k;
  } else {
    w[i] = hi >> (k - 32);
    w[i + 1] = hi >> 31;
  }
}

export function i64_shr_u(w: Int32Array, i: number): void {
  const k = w[i + 2] & 63;
  if (k === 0) return;
  const hi = w[i + 1];
  if (k < 32) {
    w[i] = (w[i] >>> k) | (hi << (32 - k));
    w[i + 1] = hi >>> k;
  } else {
    w[i] = hi >>> (k - 32);
    w[i + 1] = 0;
  }
}

/** Rotates (w[i], w[i+1]) left by k in [0, 63]. */
function rotateLeft(w: Int32Array, i: number, k: number): void {
  let lo = w[i];
  let hi = w[i + 1];
  if (k >= 32) {
    const t = lo;
    lo = hi;
    hi = t;
    k -= 32;
  }
  if (k === 0) {
    w[i] = lo;
    w[i + 1] = hi;
  } else {
    w[i] = (lo << k) | (hi >>> (32 - k));
    w[i + 1] = (hi << k) | (lo >>> (32 - k));
  }
}

export function i64_rotl(w: Int32Array, i: number): void {
  rotateLeft(w, i, w[i + 2] & 63);
}

export function i64_rotr(w: Int32Array, i: number): void {
  rotateLeft(w, i, (64 - (w[i + 2] & 63)) & 63);
}

export function i64_clz(w: Int32Array, i: number): void {
  const hi = w[i + 1];
  w[i] = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(w[i]);
  w[i + 1] = 0;
}

export function i64_ctz(w: Int32Array, i: number): void {
  const lo = w[i];
  w[i] = lo !== 0 ? i32_ctz(lo) : 32 + i32_ctz(w[i + 1]);
  w[i + 1] = 0;
}

export function i64_popcnt(w: Int32Array, i: number): void {
  w[i] = i32_popcnt(w[i]) + i32_popcnt(w[i + 1]);
  w[i + 1] = 0;
}

export function i64_extend8_s(w: Int32Array, i: number): void {
  const lo = (w[i] << 24) >> 24;
  w[i] = lo;
  w[i + 1] = lo >> 31;
}

export function i64_extend16_s(w: Int32Array, i: number): void {
  const lo = (w[i] << 16) >> 16;
  w[i] = lo;
  w[i + 1] = lo >> 31;
}

export function i64_extend32_s(w: Int32Array, i: number): void {
  w[i + 1] = w[i] >> 31;
}

// ---------------------------------------------------------------------------------------
// i64 tests and comparisons (result: i32 0/1 in w[i], high word 0)

export function i64_eqz(w: Int32Array, i: number): void {
  w[i] = (w[i] | w[i + 1]) === 0 ? 1 : 0;
  w[i + 1] = 0;
}

export function i64_eq(w: Int32Array, i: number): void {
  w[i] = w[i] === w[i + 2] && w[i + 1] === w[i + 3] ? 1 : 0;
  w[i + 1] = 0;
}

export function i64_ne(w: Int32Array, i: number): void {
  w[i] = w[i] !== w[i + 2] || w[i + 1] !== w[i + 3] ? 1 : 0;
  w[i + 1] = 0;
}

// Signed order: compare high words signed, then low words unsigned.
function lessS(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo >>> 0 < bLo >>> 0);
}

function lessU(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi >>> 0 < bHi >>> 0 || (aHi === bHi && aLo >>> 0 < bLo >>> 0);
}

export function i64_lt_s(w: Int32Array, i: number): void {
  w[i] = lessS(w[i], w[i + 1], w[i + 2], w[i + 3]) ? 1 : 0;
  w[i + 1] = 0;
}

export function i64_lt_u(w: Int32Array, i: number): void {
  w[i] = lessU(w[i], w[i + 1], w[i + 2], w[i + 3]) ? 1 : 0;
  w[i + 1] = 0;
}

export function i64_gt_s(w: Int32Array, i: number): void {
  w[i] = lessS(w[i + 2], w[i + 3], w[i], w[i + 1]) ? 1 : 0;
  w[i + 1] = 0;
}

export function i64_gt_u(w: Int32Array, i: number): void {
  w[i] = lessU(w[i + 2], w[i + 3], w[i], w[i + 1]) ? 1 : 0;
  w[i + 1] = 0;
}

export function i64_le_s(w: Int32Array, i: number): void {
  w[i] = lessS(w[i + 2], w[i + 3], w[i], w[i + 1]) ? 0 : 1;
  w[i + 1] = 0;
}

export function i64_le_u(w: Int32Array, i: number): void {
  w[i] = lessU(w[i + 2], w[i + 3], w[i], w[i + 1]) ? 0 : 1;
  w[i + 1] = 0;
}

export function i64_ge_s(w: Int32Array, i: number): void {
  w[i] = lessS(w[i], w[i + 1], w[i + 2], w[i + 3]) ? 0 : 1;
  w[i + 1] = 0;
}

export function i64_ge_u(w: Int32Array, i: number): void {
  w[i] = lessU(w[i], w[i + 1], w[i + 2], w[i + 3]) ? 0 : 1;
  w[i + 1] = 0;
}
