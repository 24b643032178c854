// Float semantics that are not single JS operators (spec: interpreter/exec/fxx.ml), and
// the writers that apply the machine's NaN rule (docs/machine.md#nan-rule).
//
// Values are JS numbers; an f32 is a double exactly representable in binary32. Arithmetic
// may return any NaN: the interpreter stores every arithmetic result through writeF32 /
// writeF64, which canonicalize it. Bit-level ops (abs, neg, copysign) work on the words,
// so they keep NaN payloads as the spec requires. None of these functions traps.
//
// Not here because JS already has the wasm semantics:
// - f64 add/sub/mul/div/sqrt: the JS operators and Math.sqrt (IEEE, round to nearest even);
// - ceil/floor/trunc of both widths: Math.ceil/floor/trunc (they keep -0; the integral
//   result of an f32 input is again an f32);
// - comparisons: the JS operators (false on NaN; `!=` is `!==`, true on NaN);
// - f64 min/max: Math.min/Math.max (NaN if any operand is NaN; -0 < +0) — see below.

export const CANONICAL_NAN_F32 = 0x7fc00000;
export const CANONICAL_NAN_F64_HI = 0x7ff80000;

/**
 * Stores f32 result `x` at word `wordIndex` (the f32 view shares `w`'s buffer, so its
 * index is the word index): NaN becomes the canonical NaN, anything else is rounded to
 * binary32. The high word of the slot is zeroed (i32/f32 invariant).
 */
export function writeF32(w: Int32Array, f32: Float32Array, wordIndex: number, x: number): void {
  if (x !== x) w[wordIndex] = CANONICAL_NAN_F32;
  else f32[wordIndex] = x;
  w[wordIndex + 1] = 0;
}

/** Stores f64 result `x` at slot `slot` (words 2*slot, 2*slot+1); NaN becomes canonical. */
export function writeF64(w: Int32Array, f64: Float64Array, slot: number, x: number): void {
  if (x !== x) {
    w[2 * slot] = 0;
    w[2 * slot + 1] = CANONICAL_NAN_F64_HI;
  } else f64[slot] = x;
}

// ---------------------------------------------------------------------------------------
// f32 arithmetic. A double has 53 >= 2*24 + 2 significant bits, so computing in double and
// rounding once to binary32 is correctly rounded for + - * / and sqrt (no double rounding).

export function f32_add(a: number, b: number): number {
  return Math.fround(a + b);
}

export function f32_sub(a: number, b: number): number {
  return Math.fround(a - b);
}

export function f32_mul(a: number, b: number): number {
  return Math.fround(a * b);
}

export function f32_div(a: number, b: number): number {
  return Math.fround(a / b);
}

export function f32_sqrt(x: number): number {
  return Math.fround(Math.sqrt(x));
}

// ---------------------------------------------------------------------------------------
// min/max. ECMAScript's Math.min/Math.max already return NaN when any operand is NaN and
// order -0 below +0, which is exactly the wasm rule; named here so the rule is written down.

export function f64_min(a: number, b: number): number {
  return Math.min(a, b);
}

export function f64_max(a: number, b: number): number {
  return Math.max(a, b);
}

export function f32_min(a: number, b: number): number {
  return Math.min(a, b);
}

export function f32_max(a: number, b: number): number {
  return Math.max(a, b);
}

// ---------------------------------------------------------------------------------------
// nearest: round half to even, keeping the sign of zero (nearest(-0.5) = -0).
// Math.round rounds halves up, so instead add and subtract 2^52: every double of magnitude
// >= 2^52 is an integer, so the addition rounds |x| to an integer in the current mode,
// round-to-nearest-even. Inputs at or above 2^52 (and inf, NaN) are already integral.

const TWO_52 = 4503599627370496;

export function f64_nearest(x: number): number {
  const a = Math.abs(x);
  if (!(a < TWO_52) || x === 0) return x;
  const r = a + TWO_52 - TWO_52;
  return x < 0 ? -r : r;
}

/** Same rule: f32 inputs below 2^23 round to an integer of at most 2^23, again an f32. */
export function f32_nearest(x: number): number {
  return f64_nearest(x);
}

// ---------------------------------------------------------------------------------------
// Sign-bit operations, in place on the words of the value stack (operand layout as in
// int64.ts: a at slot word i, b at word i+2). They never touch other bits, so NaN payloads
// survive, as the NaN rule requires for abs/neg/copysign.

export function f32_abs(w: Int32Array, i: number): void {
  w[i] &= 0x7fffffff;
}

export function f32_neg(w: Int32Array, i: number): void {
  w[i] ^= 0x80000000;
}

export function f32_copysign(w: Int32Array, i: number): void {
  w[i] = (w[i] & 0x7fffffff) | (w[i + 2] & 0x80000000);
}

export function f64_abs(w: Int32Array, i: number): void {
  w[i + 1] &= 0x7fffffff;
}

export function f64_neg(w: Int32Array, i: number): void {
  w[i + 1] ^= 0x80000000;
}

export function f64_copysign(w: Int32Array, i: number): void {
  w[i + 1] = (w[i + 1] & 0x7fffffff) | (w[i + 3] & 0x80000000);
}
