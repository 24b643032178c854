// Conversions between numeric types (spec: interpreter/exec/convert.ml).
//
// Float inputs are JS numbers (an f32 is a double exactly representable in binary32, so
// one bound check serves both widths). i64 inputs are passed as (lo, hi) words; i64
// results are written to words (w[i], w[i+1]) of the value stack. Float results are
// returned as numbers for the caller's writeF32 / writeF64 (which apply the NaN rule;
// demote and promote are NaN-rule "arithmetic").
//
// Traps: only the non-saturating truncations `*_trunc_f*_{s,u}` (invalid conversion to
// integer on NaN, integer overflow out of range). Everything else is total.
// Reinterpretations are no-ops on the bits and have no function here.

import { Trap, TrapMessage } from './trap.js';

const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;
const TWO_64 = 18446744073709551616;
/** |hi| below this bound means the i64 value is a safe integer (|v| < 2^53). */
const SAFE_HI = 0x200000;

// ---------------------------------------------------------------------------------------
// Integer <-> integer, in place on the words of one slot.

export function i32_wrap_i64(w: Int32Array, i: number): void {
  w[i + 1] = 0;
}

export function i64_extend_i32_s(w: Int32Array, i: number): void {
  w[i + 1] = w[i] >> 31;
}

export function i64_extend_i32_u(w: Int32Array, i: number): void {
  w[i + 1] = 0;
}

// ---------------------------------------------------------------------------------------
// Float -> i32, trapping. The open intervals below are exactly the inputs whose truncation
// fits: e.g. signed, -2147483648.9 truncates to INT32_MIN, -2147483649 does not.

function checkNotNaN(x: number): void {
  if (x !== x) throw new Trap(TrapMessage.invalidConversion);
}

/** Traps: invalid conversion to integer (NaN), integer overflow. */
export function i32_trunc_f64_s(x: number): number {
  checkNotNaN(x);
  if (!(x > -2147483649 && x < 2147483648)) throw new Trap(TrapMessage.integerOverflow);
  return x | 0;
}

/** Traps: invalid conversion to integer (NaN), integer overflow. */
export function i32_trunc_f64_u(x: number): number {
  checkNotNaN(x);
  if (!(x > -1 && x < TWO_32)) throw new Trap(TrapMessage.integerOverflow);
  return x | 0; // ToInt32 truncates, then keeps the 32 bits of the unsigned result
}

/** Traps: invalid conversion to integer (NaN), integer overflow. */
export const i32_trunc_f32_s: (x: number) => number = i32_trunc_f64_s;
/** Traps: invalid conversion to integer (NaN), integer overflow. */
export const i32_trunc_f32_u: (x: number) => number = i32_trunc_f64_u;

// ---------------------------------------------------------------------------------------
// Float -> i64, trapping. The integral double t is split exactly: t / 2^32 is exact (a
// power-of-two scale), so its floor is the high word, and ToInt32 (`| 0`) takes t modulo
// 2^32 exactly for any finite double, which is the low word. No precision is lost even
// for |t| >= 2^53.

/** Writes integral double t (in [-2^63, 2^64)) as i64 words, modulo 2^64. */
function writeIntegral(w: Int32Array, i: number, t: number): void {
  w[i] = t | 0;
  w[i + 1] = Math.floor(t / TWO_32) | 0;
}

/** Traps: invalid conversion to integer (NaN), integer overflow. */
export function i64_trunc_f64_s(w: Int32Array, i: number, x: number): void {
  checkNotNaN(x);
  // -2^63 is a double; the largest double below 2^63 is 2^63 - 1024.
  if (!(x >= -TWO_63 && x < TWO_63)) throw new Trap(TrapMessage.integerOverflow);
  writeIntegral(w, i, Math.trunc(x));
}

/** Traps: invalid conversion to integer (NaN), integer overflow. */
export function i64_trunc_f64_u(w: Int32Array, i: number, x: number): void {
  checkNotNaN(x);
  if (!(x > -1 && x < TWO_64)) throw new Trap(TrapMessage.integerOverflow);
  writeIntegral(w, i, Math.trunc(x));
}

/** Traps: invalid conversion to integer (NaN), integer overflow. */
export const i64_trunc_f32_s: (w: Int32Array, i: number, x: number) => void = i64_trunc_f64_s;
/** Traps: invalid conversion to integer (NaN), integer overflow. */
export const i64_trunc_f32_u: (w: Int32Array, i: number, x: number) => void = i64_trunc_f64_u;

// ---------------------------------------------------------------------------------------
// Saturating truncation (never traps): NaN -> 0, out of range -> the nearest bound.

export function i32_trunc_sat_f64_s(x: number): number {
  if (x !== x) return 0;
  if (x <= -2147483648) return -2147483648;
  if (x >= 2147483647) return 2147483647;
  return x | 0;
}

export function i32_trunc_sat_f64_u(x: number): number {
  if (x !== x || x <= 0) return 0;
  if (x >= 4294967295) return -1; // 0xFFFFFFFF
  return x | 0;
}

export const i32_trunc_sat_f32_s: (x: number) => number = i32_trunc_sat_f64_s;
export const i32_trunc_sat_f32_u: (x: number) => number = i32_trunc_sat_f64_u;

export function i64_trunc_sat_f64_s(w: Int32Array, i: number, x: number): void {
  if (x !== x) {
    w[i] = 0;
    w[i + 1] = 0;
  } else if (x < -TWO_63) {
    w[i] = 0;
    w[i + 1] = -2147483648; // INT64_MIN
  } else if (x >= TWO_63) {
    w[i] = -1;
    w[i + 1] = 2147483647; // INT64_MAX
  } else writeIntegral(w, i, Math.trunc(x));
}

export function i64_trunc_sat_f64_u(w: Int32Array, i: number, x: number): void {
  if (x !== x || x <= 0) {
    w[i] = 0;
    w[i + 1] = 0;
  } else if (x >= TWO_64) {
    w[i] = -1;
    w[i + 1] = -1;
  } else writeIntegral(w, i, Math.trunc(x));
}

export const i64_trunc_sat_f32_s: (w: Int32Array, i: number, x: number) => void =
  i64_trunc_sat_f64_s;
export const i64_trunc_sat_f32_u: (w: Int32Array, i: number, x: number) => void =
  i64_trunc_sat_f64_u;

// ---------------------------------------------------------------------------------------
// Integer -> float. Results are correctly rounded (round to nearest even).

export function f64_convert_i32_u(x: number): number {
  return x >>> 0;
}

export function f32_convert_i32_u(x: number): number {
  return Math.fround(x >>> 0);
}

export function f32_convert_i32_s(x: number): number {
  return Math.fround(x);
}

// hi * 2^32 and lo are exact doubles, so their sum is the exact value rounded once.

export function f64_convert_i64_s(lo: number, hi: number): number {
  return hi * TWO_32 + (lo >>> 0);
}

export function f64_convert_i64_u(lo: number, hi: number): number {
  return (hi >>> 0) * TWO_32 + (lo >>> 0);
}

// To binary32, rounding the integer to a double first and then to binary32 rounds twice
// and is wrong when the first rounding lands on a binary32 tie (e.g. 0x0020000020000001).
// Below 2^53 the double is exact, so one rounding happens. At or above 2^53 the binary32
// spacing is at least 2^30, so bits 0..11 only matter as "sticky" (whether anything
// below the rounding bit is set): folding them into bit 11 leaves the binary32 rounding
// unchanged and leaves at most 53 significant bits (11..63), which a double holds
// exactly. The fold works on two's complement directly: with v = H*2^12 + L, 0 <= L <
// 2^12, both v and H*2^12 + 2^11 lie strictly between the same two multiples of 2^12, and
// no binary32 value or rounding midpoint at that magnitude lies strictly between them.

function stickyLow(lo: number): number {
  return ((lo & ~0xfff) | ((lo & 0xfff) !== 0 ? 0x800 : 0)) >>> 0;
}

export function f32_convert_i64_s(lo: number, hi: number): number {
  if (hi >= -SAFE_HI && hi < SAFE_HI) return Math.fround(hi * TWO_32 + (lo >>> 0));
  return Math.fround(hi * TWO_32 + stickyLow(lo));
}

export function f32_convert_i64_u(lo: number, hi: number): number {
  const h = hi >>> 0;
  if (h < SAFE_HI) return Math.fround(h * TWO_32 + (lo >>> 0));
  return Math.fround(h * TWO_32 + stickyLow(lo));
}

// ---------------------------------------------------------------------------------------
// Float <-> float. Both are NaN-rule arithmetic: the caller's writer canonicalizes NaN.

/** Rounds to nearest binary32 (overflow to infinity). */
export function f32_demote_f64(x: number): number {
  return Math.fround(x);
}

/** Exact: every binary32 value is a double. */
export function f64_promote_f32(x: number): number {
  return x;
}
