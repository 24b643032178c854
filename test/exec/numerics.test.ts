// Numeric semantics of the interpreter (vm/exec/int64.ts, float.ts, convert.ts):
// - i64 ops on words against a BigInt reference, on edge values and ~100k random pairs;
// - i32 helpers, float min/max/nearest and conversions on their edge cases;
// - correctly rounded i64 -> f32/f64 against an independent BigInt rounding;
// - every assert_return / assert_trap of the spec's single-op numeric scripts (and the
//   hand-translated compositions of int_exprs), run on a little word stack laid out as the
//   interpreter's value stack (slot k = words 2k, 2k+1).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as I from '../../vm/exec/int64.js';
import * as F from '../../vm/exec/float.js';
import * as C from '../../vm/exec/convert.js';
import { Trap, TrapMessage } from '../../vm/exec/trap.js';

const SPEC_JSON = fileURLToPath(new URL('../../../shared/wasm-spec/json/', import.meta.url));

// ---------------------------------------------------------------------------------------
// The word stack and its views (one buffer, like the interpreter's).

const buffer = new ArrayBuffer(8 * 16);
const W = new Int32Array(buffer);
const F32 = new Float32Array(buffer);
const F64 = new Float64Array(buffer);

const MASK64 = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function setI64(slot: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  W[2 * slot] = Number(u & 0xffffffffn) | 0;
  W[2 * slot + 1] = Number(u >> 32n) | 0;
}

function getU64(slot: number): bigint {
  return (BigInt(W[2 * slot + 1] >>> 0) << 32n) | BigInt(W[2 * slot] >>> 0);
}

function f32Bits(x: number): number {
  F32[14] = x;
  return W[14] >>> 0;
}

function f32FromBits(bits: number): number {
  W[14] = bits;
  return F32[14];
}

function f64Bits(x: number): bigint {
  F64[7] = x;
  return getU64(7);
}

function f64FromBits(bits: bigint): number {
  setI64(7, bits);
  return F64[7];
}

/** Deterministic PRNG (mulberry32) so that failures reproduce. */
function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) | 0;
  };
}

function expectTrap(fn: () => unknown, message: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(Trap);
  expect((thrown as Trap).message).toBe(message);
}

// ---------------------------------------------------------------------------------------
// Operand values: edge cases plus random values of every width.

function edgeI64(): bigint[] {
  const out = new Set<bigint>([0n, 1n, -1n, 2n, -2n, 3n, 5n, 6n, 7n, 10n, -10n, INT64_MIN, INT64_MAX]);
  for (let k = 0n; k < 64n; k++) {
    const p = 1n << k;
    for (const v of [p, p - 1n, p + 1n, -p, -p + 1n, -p - 1n]) out.add(BigInt.asIntN(64, v));
  }
  for (const v of [0x7fffffffn, 0x80000000n, 0xffffffffn, 0x1fffffn, 0x200000n, 0x1fffff_ffffffffn]) {
    out.add(v);
    out.add(-v);
  }
  out.add(INT64_MIN + 1n);
  out.add(INT64_MAX - 1n);
  return [...out];
}

const EDGES = edgeI64();

function randomI64(next: () => number): bigint {
  const kind = next() & 7;
  const lo = BigInt(next() >>> 0);
  const hi = BigInt(next() >>> 0);
  const full = BigInt.asIntN(64, (hi << 32n) | lo);
  switch (kind) {
    case 0:
      return EDGES[(next() >>> 0) % EDGES.length];
    case 1:
      return BigInt(next()); // sign-extended i32
    case 2:
    case 3: {
      // a random bit length, so that every division path (small, safe, wide) is hit
      const bits = BigInt((next() >>> 0) % 64);
      const v = BigInt.asUintN(Number(bits), full);
      return next() < 0 ? -v : v;
    }
    default:
      return full;
  }
}

// ---------------------------------------------------------------------------------------
// i64 ops against BigInt

const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const bool = (b: boolean): bigint => (b ? 1n : 0n);

type I64Ref = (a: bigint, b: bigint) => bigint | 'divideByZero' | 'integerOverflow';

const I64_BINARY: Array<[string, (w: Int32Array, i: number) => void, I64Ref]> = [
  ['add', I.i64_add, (a, b) => a + b],
  ['sub', I.i64_sub, (a, b) => a - b],
  ['mul', I.i64_mul, (a, b) => a * b],
  ['div_s', I.i64_div_s, (a, b) => (b === 0n ? 'divideByZero' : a === INT64_MIN && b === -1n ? 'integerOverflow' : a / b)],
  ['div_u', I.i64_div_u, (a, b) => (b === 0n ? 'divideByZero' : u64(a) / u64(b))],
  ['rem_s', I.i64_rem_s, (a, b) => (b === 0n ? 'divideByZero' : a % b)],
  ['rem_u', I.i64_rem_u, (a, b) => (b === 0n ? 'divideByZero' : u64(a) % u64(b))],
  ['and', I.i64_and, (a, b) => a & b],
  ['or', I.i64_or, (a, b) => a | b],
  ['xor', I.i64_xor, (a, b) => a ^ b],
  ['shl', I.i64_shl, (a, b) => a << (u64(b) & 63n)],
  ['shr_s', I.i64_shr_s, (a, b) => a >> (u64(b) & 63n)],
  ['shr_u', I.i64_shr_u, (a, b) => u64(a) >> (u64(b) & 63n)],
  ['rotl', I.i64_rotl, (a, b) => { const k = u64(b) & 63n; return (u64(a) << k) | (u64(a) >> ((64n - k) & 63n)); }],
  ['rotr', I.i64_rotr, (a, b) => { const k = u64(b) & 63n; return (u64(a) >> k) | (u64(a) << ((64n - k) & 63n)); }],
  ['eq', I.i64_eq, (a, b) => bool(a === b)],
  ['ne', I.i64_ne, (a, b) => bool(a !== b)],
  ['lt_s', I.i64_lt_s, (a, b) => bool(a < b)],
  ['lt_u', I.i64_lt_u, (a, b) => bool(u64(a) < u64(b))],
  ['gt_s', I.i64_gt_s, (a, b) => bool(a > b)],
  ['gt_u', I.i64_gt_u, (a, b) => bool(u64(a) > u64(b))],
  ['le_s', I.i64_le_s, (a, b) => bool(a <= b)],
  ['le_u', I.i64_le_u, (a, b) => bool(u64(a) <= u64(b))],
  ['ge_s', I.i64_ge_s, (a, b) => bool(a >= b)],
  ['ge_u', I.i64_ge_u, (a, b) => bool(u64(a) >= u64(b))],
];

function popcount(v: bigint): bigint {
  let n = 0n;
  for (let u = u64(v); u !== 0n; u >>= 1n) n += u & 1n;
  return n;
}

function clz(v: bigint): bigint {
  let n = 0n;
  for (let bit = 63n; bit >= 0n && ((u64(v) >> bit) & 1n) === 0n; bit--) n++;
  return n;
}

function ctz(v: bigint): bigint {
  let n = 0n;
  for (let bit = 0n; bit < 64n && ((u64(v) >> bit) & 1n) === 0n; bit++) n++;
  return n;
}

const I64_UNARY: Array<[string, (w: Int32Array, i: number) => void, (a: bigint) => bigint]> = [
  ['clz', I.i64_clz, clz],
  ['ctz', I.i64_ctz, ctz],
  ['popcnt', I.i64_popcnt, popcount],
  ['eqz', I.i64_eqz, (a) => bool(a === 0n)],
  ['extend8_s', I.i64_extend8_s, (a) => BigInt.asIntN(8, a)],
  ['extend16_s', I.i64_extend16_s, (a) => BigInt.asIntN(16, a)],
  ['extend32_s', I.i64_extend32_s, (a) => BigInt.asIntN(32, a)],
];

const RANDOM_PAIRS = 100_000;

function i64Pairs(): Array<[bigint, bigint]> {
  const pairs: Array<[bigint, bigint]> = [];
  for (const a of EDGES) for (const b of EDGES) pairs.push([a, b]);
  const next = prng(0x5eed64);
  for (let n = 0; n < RANDOM_PAIRS; n++) pairs.push([randomI64(next), randomI64(next)]);
  for (const a of EDGES.slice(0, 40)) for (let k = 0n; k < 200n; k++) pairs.push([a, k]);
  return pairs;
}

describe('i64 on words', () => {
  const pairs = i64Pairs();

  for (const [name, op, ref] of I64_BINARY) {
    it(`i64.${name} matches BigInt on ${pairs.length} pairs`, () => {
      const mismatches: string[] = [];
      for (const [a, b] of pairs) {
        setI64(0, a);
        setI64(1, b);
        const want = ref(a, b);
        let got: bigint | string;
        try {
          op(W, 0);
          got = getU64(0);
        } catch (e) {
          got = e instanceof Trap ? (e.message === TrapMessage.divideByZero ? 'divideByZero' : 'integerOverflow') : String(e);
        }
        const expected = typeof want === 'bigint' ? u64(want) : want;
        if (got !== expected && mismatches.length < 5) mismatches.push(`${a} ${name} ${b}: got ${got}, want ${expected}`);
      }
      expect(mismatches).toEqual([]);
    });
  }

  for (const [name, op, ref] of I64_UNARY) {
    it(`i64.${name} matches BigInt on ${pairs.length} values`, () => {
      const mismatches: string[] = [];
      for (const [a] of pairs) {
        setI64(0, a);
        op(W, 0);
        const got = getU64(0);
        if (got !== u64(ref(a)) && mismatches.length < 5) mismatches.push(`${name} ${a}: got ${got}, want ${u64(ref(a))}`);
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('traps with the spec messages', () => {
    setI64(0, INT64_MIN);
    setI64(1, -1n);
    expectTrap(() => I.i64_div_s(W, 0), TrapMessage.integerOverflow);
    setI64(0, INT64_MIN);
    setI64(1, -1n);
    I.i64_rem_s(W, 0);
    expect(getU64(0)).toBe(0n);
    for (const op of [I.i64_div_s, I.i64_div_u, I.i64_rem_s, I.i64_rem_u]) {
      setI64(0, 123n);
      setI64(1, 0n);
      expectTrap(() => op(W, 0), TrapMessage.divideByZero);
    }
  });
});

// ---------------------------------------------------------------------------------------
// i32 helpers

describe('i32 helpers', () => {
  const values: number[] = [0, 1, -1, 2, -2, 3, 7, 31, 32, 33, 0x7fffffff, -0x80000000, 0x55555555, -0x55555556];
  for (let k = 0; k < 32; k++) values.push(1 << k, (1 << k) - 1, -(1 << k));
  const next = prng(0x5eed32);
  for (let n = 0; n < 2000; n++) values.push(next(), next() >> ((next() >>> 0) % 32));

  const s32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
  const refs: Array<[string, (a: number, b: number) => number, (a: bigint, b: bigint, au: bigint, bu: bigint) => number]> = [
    ['div_s', I.i32_div_s, (a, b) => s32(a / b)],
    ['div_u', I.i32_div_u, (_a, _b, au, bu) => s32(au / bu)],
    ['rem_s', I.i32_rem_s, (a, b) => s32(a % b)],
    ['rem_u', I.i32_rem_u, (_a, _b, au, bu) => s32(au % bu)],
    ['rotl', I.i32_rotl, (_a, b, au) => { const k = BigInt.asUintN(5, b); return s32((au << k) | (au >> ((32n - k) & 31n))); }],
    ['rotr', I.i32_rotr, (_a, b, au) => { const k = BigInt.asUintN(5, b); return s32((au >> k) | (au << ((32n - k) & 31n))); }],
  ];

  for (const [name, op, ref] of refs) {
    it(`i32.${name} matches BigInt`, () => {
      const mismatches: string[] = [];
      const sample = values.slice(0, 300);
      for (const a of sample) {
        for (const b of sample) {
          const divides = name.startsWith('div') || name.startsWith('rem');
          if (divides && b === 0) continue; // traps, checked below
          if (name === 'div_s' && a === -0x80000000 && b === -1) continue;
          const got = op(a, b);
          const want = ref(BigInt(a), BigInt(b), BigInt(a >>> 0), BigInt(b >>> 0));
          if (!Object.is(got, want) && mismatches.length < 5) mismatches.push(`${a} ${name} ${b}: got ${got}, want ${want}`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('i32.ctz / i32.popcnt match a bit loop', () => {
    for (const a of values) {
      let ctzWant = 0;
      while (ctzWant < 32 && ((a >>> ctzWant) & 1) === 0) ctzWant++;
      let popWant = 0;
      for (let k = 0; k < 32; k++) popWant += (a >>> k) & 1;
      expect(I.i32_ctz(a)).toBe(ctzWant);
      expect(I.i32_popcnt(a)).toBe(popWant);
    }
  });

  it('traps: divide by zero, INT32_MIN / -1', () => {
    for (const op of [I.i32_div_s, I.i32_div_u, I.i32_rem_s, I.i32_rem_u]) expectTrap(() => op(5, 0), TrapMessage.divideByZero);
    expectTrap(() => I.i32_div_s(-0x80000000, -1), TrapMessage.integerOverflow);
    expect(Object.is(I.i32_rem_s(-0x80000000, -1), 0)).toBe(true);
    expect(Object.is(I.i32_rem_s(-4, 2), 0)).toBe(true); // not -0
  });
});

// ---------------------------------------------------------------------------------------
// Floats

describe('float min/max/nearest and the NaN rule', () => {
  const isNegZero = (x: number): boolean => Object.is(x, -0);

  it('min/max: NaN wins, -0 < +0, infinities', () => {
    for (const [min, max] of [[F.f32_min, F.f32_max], [F.f64_min, F.f64_max]]) {
      expect(isNegZero(min(-0, 0))).toBe(true);
      expect(isNegZero(min(0, -0))).toBe(true);
      expect(Object.is(max(-0, 0), 0)).toBe(true);
      expect(Object.is(max(0, -0), 0)).toBe(true);
      expect(min(NaN, 1)).toBeNaN();
      expect(min(1, NaN)).toBeNaN();
      expect(max(NaN, -Infinity)).toBeNaN();
      expect(max(Infinity, NaN)).toBeNaN();
      expect(min(-Infinity, 5)).toBe(-Infinity);
      expect(max(-Infinity, 5)).toBe(5);
      expect(max(Infinity, 5)).toBe(Infinity);
    }
  });

  it('nearest rounds half to even and keeps the sign of zero', () => {
    const cases: Array<[number, number]> = [
      [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, -0], [-1.5, -2], [-2.5, -2], [0.49999999999999994, 0],
      [-0.49999999999999994, -0], [4503599627370497, 4503599627370497], [4503599627370495.5, 4503599627370496],
      [-4503599627370497, -4503599627370497], [0, 0], [-0, -0], [Infinity, Infinity], [-Infinity, -Infinity],
      [1e300, 1e300], [5e-324, 0], [-5e-324, -0], [2.4999999, 2], [2.5000001, 3],
    ];
    for (const [x, want] of cases) expect(Object.is(F.f64_nearest(x), want)).toBe(true);
    expect(F.f64_nearest(NaN)).toBeNaN();
    // f32: the largest f32 below 2^23 with a half fraction, and an already-integral value
    expect(F.f32_nearest(8388607.5)).toBe(8388608);
    expect(F.f32_nearest(8388606.5)).toBe(8388606);
    expect(F.f32_nearest(16777216)).toBe(16777216);
    expect(Object.is(F.f32_nearest(-0.5), -0)).toBe(true);
  });

  it('writeF32 canonicalizes NaN, rounds to binary32 and zeroes the high word', () => {
    W[0] = 0x12345;
    W[1] = -1;
    F.writeF32(W, F32, 0, NaN);
    expect(W[0] >>> 0).toBe(F.CANONICAL_NAN_F32);
    expect(W[1]).toBe(0);
    W[1] = -1;
    F.writeF32(W, F32, 0, f32FromBits(0xffa00001)); // a negative signalling NaN
    expect(W[0] >>> 0).toBe(0x7fc00000);
    F.writeF32(W, F32, 0, 1 + 2 ** -30);
    expect(F32[0]).toBe(1);
    F.writeF32(W, F32, 0, -0);
    expect(W[0] >>> 0).toBe(0x80000000);
  });

  it('writeF64 canonicalizes NaN', () => {
    F.writeF64(W, F64, 1, f64FromBits(0xfff0000000000001n));
    expect(getU64(1)).toBe(0x7ff8000000000000n);
    F.writeF64(W, F64, 1, -0);
    expect(getU64(1)).toBe(0x8000000000000000n);
  });

  it('abs/neg/copysign touch only the sign bit (NaN payloads survive)', () => {
    W[0] = 0x7fa00001;
    W[1] = 0;
    F.f32_neg(W, 0);
    expect(W[0] >>> 0).toBe(0xffa00001);
    expect(W[1]).toBe(0);
    F.f32_abs(W, 0);
    expect(W[0] >>> 0).toBe(0x7fa00001);
    W[2] = 0x80000000 | 0;
    F.f32_copysign(W, 0);
    expect(W[0] >>> 0).toBe(0xffa00001);
    setI64(0, 0x7ff0000000000001n);
    F.f64_neg(W, 0);
    expect(getU64(0)).toBe(0xfff0000000000001n);
    F.f64_abs(W, 0);
    expect(getU64(0)).toBe(0x7ff0000000000001n);
    setI64(1, -1n);
    F.f64_copysign(W, 0);
    expect(getU64(0)).toBe(0xfff0000000000001n);
  });
});

// ---------------------------------------------------------------------------------------
// Conversions

/** Correctly rounded (nearest, ties to even) conversion of an integer to binary32. */
function referenceF32(v: bigint): number {
  if (v === 0n) return 0;
  const negative = v < 0n;
  let m = negative ? -v : v;
  const length = m.toString(2).length;
  let scale = 1;
  if (length > 24) {
    const shift = BigInt(length - 24);
    const rest = m & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    m >>= shift;
    if (rest > half || (rest === half && (m & 1n) === 1n)) m += 1n;
    scale = 2 ** Number(shift);
  }
  const r = Number(m) * scale; // m <= 2^24: exact
  return negative ? -r : r;
}

describe('conversions', () => {
  it('i32.trunc: the edges of the ranges', () => {
    expectTrap(() => C.i32_trunc_f32_s(-2147483904.0), TrapMessage.integerOverflow);
    expect(C.i32_trunc_f32_s(-2147483648.0)).toBe(-2147483648);
    expectTrap(() => C.i32_trunc_f32_s(2147483648.0), TrapMessage.integerOverflow);
    expect(C.i32_trunc_f32_s(2147483520.0)).toBe(2147483520);
    expect(C.i32_trunc_f64_s(-2147483648.9)).toBe(-2147483648);
    expectTrap(() => C.i32_trunc_f64_s(-2147483649.0), TrapMessage.integerOverflow);
    expect(C.i32_trunc_f64_s(2147483647.9)).toBe(2147483647);
    expectTrap(() => C.i32_trunc_f64_s(2147483648.0), TrapMessage.integerOverflow);
    expect(C.i32_trunc_f32_u(-0.99)).toBe(0);
    expect(Object.is(C.i32_trunc_f64_u(-0.99), 0)).toBe(true);
    expectTrap(() => C.i32_trunc_f64_u(-1), TrapMessage.integerOverflow);
    expect(C.i32_trunc_f64_u(4294967295.9)).toBe(-1);
    expectTrap(() => C.i32_trunc_f64_u(4294967296), TrapMessage.integerOverflow);
    expect(C.i32_trunc_f32_u(4294967040.0)).toBe(-256);
    for (const f of [C.i32_trunc_f32_s, C.i32_trunc_f32_u, C.i32_trunc_f64_s, C.i32_trunc_f64_u]) {
      expectTrap(() => f(NaN), TrapMessage.invalidConversion);
      expectTrap(() => f(Infinity), TrapMessage.integerOverflow);
      expectTrap(() => f(-Infinity), TrapMessage.integerOverflow);
    }
  });

  it('i64.trunc: the edges of the ranges, exact above 2^53', () => {
    const s = (x: number): bigint => {
      C.i64_trunc_f64_s(W, 0, x);
      return BigInt.asIntN(64, getU64(0));
    };
    const u = (x: number): bigint => {
      C.i64_trunc_f64_u(W, 0, x);
      return getU64(0);
    };
    expect(s(-9223372036854775808)).toBe(INT64_MIN);
    expectTrap(() => s(9223372036854775808), TrapMessage.integerOverflow);
    expect(s(9223372036854774784)).toBe(9223372036854774784n);
    expectTrap(() => s(-9223372036854777856), TrapMessage.integerOverflow);
    expect(s(-1.9)).toBe(-1n);
    expect(s(2 ** 53 + 2)).toBe(9007199254740994n);
    expect(s(-(2 ** 60) - 2 ** 8)).toBe(-(1n << 60n) - 256n);
    expect(u(18446744073709549568)).toBe(18446744073709549568n);
    expectTrap(() => u(18446744073709551616), TrapMessage.integerOverflow);
    expect(u(-0.99)).toBe(0n);
    expectTrap(() => u(-1), TrapMessage.integerOverflow);
    expect(u(9223372036854775808)).toBe(1n << 63n);
    for (const f of [C.i64_trunc_f32_s, C.i64_trunc_f32_u, C.i64_trunc_f64_s, C.i64_trunc_f64_u]) {
      expectTrap(() => f(W, 0, NaN), TrapMessage.invalidConversion);
      expectTrap(() => f(W, 0, -Infinity), TrapMessage.integerOverflow);
    }
  });

  it('i64.trunc matches BigInt on random doubles of every magnitude', () => {
    const next = prng(0x7a11c);
    for (let n = 0; n < 20000; n++) {
      const x = (next() / 2 ** 31) * 2 ** ((next() >>> 0) % 66);
      const t = BigInt(Math.trunc(x));
      if (t >= INT64_MIN && t <= INT64_MAX) {
        C.i64_trunc_f64_s(W, 0, x);
        expect(BigInt.asIntN(64, getU64(0))).toBe(t);
      }
      if (t >= 0n && t <= MASK64) {
        C.i64_trunc_f64_u(W, 0, x);
        expect(getU64(0)).toBe(t);
      }
    }
  });

  it('trunc_sat saturates and maps NaN to 0', () => {
    expect(C.i32_trunc_sat_f64_s(NaN)).toBe(0);
    expect(C.i32_trunc_sat_f64_s(-1e10)).toBe(-2147483648);
    expect(C.i32_trunc_sat_f64_s(1e10)).toBe(2147483647);
    expect(C.i32_trunc_sat_f64_s(-2147483648.9)).toBe(-2147483648);
    expect(C.i32_trunc_sat_f32_s(-1.5)).toBe(-1);
    expect(C.i32_trunc_sat_f64_u(NaN)).toBe(0);
    expect(C.i32_trunc_sat_f64_u(-5)).toBe(0);
    expect(C.i32_trunc_sat_f64_u(4294967295.5)).toBe(-1);
    expect(C.i32_trunc_sat_f64_u(Infinity)).toBe(-1);
    expect(C.i32_trunc_sat_f32_u(3e9)).toBe(3000000000 | 0);
    const s = (x: number): bigint => {
      C.i64_trunc_sat_f64_s(W, 0, x);
      return BigInt.asIntN(64, getU64(0));
    };
    const u = (x: number): bigint => {
      C.i64_trunc_sat_f32_u(W, 0, x);
      return getU64(0);
    };
    expect(s(NaN)).toBe(0n);
    expect(s(-Infinity)).toBe(INT64_MIN);
    expect(s(-9223372036854777856)).toBe(INT64_MIN);
    expect(s(9223372036854775808)).toBe(INT64_MAX);
    expect(s(-9223372036854775808)).toBe(INT64_MIN);
    expect(s(-3.7)).toBe(-3n);
    expect(u(NaN)).toBe(0n);
    expect(u(-Infinity)).toBe(0n);
    expect(u(18446744073709551616)).toBe(MASK64);
    expect(u(18446742974197923840)).toBe(18446742974197923840n);
  });

  it('f32.convert_i64 is correctly rounded (the spec tricky values)', () => {
    const cases: Array<[bigint, number]> = [
      [0x0020000020000001n, 0x5a000001],
      [9007199791611905n, f32Bits(9007200328482816)],
      [-9223371761976868863n, f32Bits(-9223371487098961920)],
      [0x7fffff4000000001n, 0x5effffff],
      [-0x7fffff4000000001n, 0xdeffffff],
    ];
    for (const [v, bits] of cases) {
      setI64(0, v);
      expect(f32Bits(C.f32_convert_i64_s(W[0], W[1]))).toBe(bits);
    }
    // unsigned: 0xFFFFFF8000000001 rounds up to 2^64 (a tie is broken by the sticky 1)
    setI64(0, 0xffffff8000000001n);
    expect(C.f32_convert_i64_u(W[0], W[1])).toBe(18446744073709551616);
    setI64(0, 0xffffff8000000000n); // an exact tie: to the even 2^64
    expect(C.f32_convert_i64_u(W[0], W[1])).toBe(18446744073709551616);
    setI64(0, 0xffffff7fffffffffn);
    expect(C.f32_convert_i64_u(W[0], W[1])).toBe(18446742974197923840);
    setI64(0, 0x8000008000000001n);
    expect(f32Bits(C.f32_convert_i64_u(W[0], W[1]))).toBe(0x5f000001);
  });

  it('i64 -> f32/f64 match correct rounding on random values', () => {
    const next = prng(0xc0ffee);
    // values just around binary32 ties are the interesting ones: a 25-bit head, a tie bit,
    // then random or zero tail bits
    const values: bigint[] = [...EDGES];
    for (let n = 0; n < 15000; n++) {
      const v = randomI64(next);
      values.push(v);
      const shift = BigInt((next() >>> 0) % 40);
      const head = (BigInt(next() >>> 0) | 1n) << shift;
      values.push(BigInt.asIntN(64, head | BigInt(next() & 1)), BigInt.asIntN(64, head << 8n));
    }
    for (const v of values) {
      setI64(0, v);
      const [lo, hi] = [W[0], W[1]];
      const s = BigInt.asIntN(64, v);
      const u = BigInt.asUintN(64, v);
      expect(C.f32_convert_i64_s(lo, hi)).toBe(referenceF32(s));
      expect(C.f32_convert_i64_u(lo, hi)).toBe(referenceF32(u));
      // Number(bigint) rounds to nearest, ties to even (ECMAScript), so it is a reference
      expect(C.f64_convert_i64_s(lo, hi)).toBe(Number(s));
      expect(C.f64_convert_i64_u(lo, hi)).toBe(Number(u));
    }
  });

  it('i32 -> float and the other small conversions', () => {
    expect(C.f32_convert_i32_u(-1)).toBe(4294967296);
    expect(C.f32_convert_i32_u(0x7fffffc0)).toBe(2147483648); // a tie: to the even 2^31
    expect(C.f32_convert_i32_u(0x7fffffbf)).toBe(2147483520);
    expect(C.f32_convert_i32_s(16777217)).toBe(16777216);
    expect(C.f32_convert_i32_s(16777219)).toBe(16777220);
    expect(C.f64_convert_i32_u(-1)).toBe(4294967295);
    expect(C.f32_demote_f64(1e300)).toBe(Infinity);
    expect(C.f32_demote_f64(1 + 2 ** -24)).toBe(1); // tie to even
    expect(C.f64_promote_f32(f32FromBits(0x3f800001))).toBe(1 + 2 ** -23);
    setI64(0, 0x123456789n);
    C.i32_wrap_i64(W, 0);
    expect(getU64(0)).toBe(0x23456789n);
    setI64(0, 0xffff_ffff_8000_0000n);
    C.i64_extend_i32_u(W, 0);
    expect(getU64(0)).toBe(0x80000000n);
    C.i64_extend_i32_s(W, 0);
    expect(getU64(0)).toBe(0xffff_ffff_8000_0000n);
  });
});

// ---------------------------------------------------------------------------------------
// The spec scripts, run on a word stack. Each op takes its operands at word i (slot
// i/2 and up) and leaves its result there, as the interpreter does.

type StackOp = { arity: number; run: (i: number) => void };

const i32Binary = (f: (a: number, b: number) => number): StackOp => ({
  arity: 2,
  run: (i) => {
    W[i] = f(W[i], W[i + 2]);
  },
});
const i32Unary = (f: (a: number) => number): StackOp => ({
  arity: 1,
  run: (i) => {
    W[i] = f(W[i]);
  },
});
const onWords = (arity: number, f: (w: Int32Array, i: number) => void): StackOp => ({ arity, run: (i) => f(W, i) });
const f32Binary = (f: (a: number, b: number) => number): StackOp => ({
  arity: 2,
  run: (i) => F.writeF32(W, F32, i, f(F32[i], F32[i + 2])),
});
const f32Unary = (f: (a: number) => number): StackOp => ({ arity: 1, run: (i) => F.writeF32(W, F32, i, f(F32[i])) });
const f64Binary = (f: (a: number, b: number) => number): StackOp => ({
  arity: 2,
  run: (i) => F.writeF64(W, F64, i / 2, f(F64[i / 2], F64[i / 2 + 1])),
});
const f64Unary = (f: (a: number) => number): StackOp => ({ arity: 1, run: (i) => F.writeF64(W, F64, i / 2, f(F64[i / 2])) });
const f32Compare = (f: (a: number, b: number) => boolean): StackOp => ({
  arity: 2,
  run: (i) => {
    W[i] = f(F32[i], F32[i + 2]) ? 1 : 0;
  },
});
const f64Compare = (f: (a: number, b: number) => boolean): StackOp => ({
  arity: 2,
  run: (i) => {
    const r = f(F64[i / 2], F64[i / 2 + 1]) ? 1 : 0;
    W[i] = r;
    W[i + 1] = 0;
  },
});
/** A float -> i32 conversion: reads the operand, writes an i32 (high word zero). */
const toI32 = (read: (i: number) => number, f: (x: number) => number): StackOp => ({
  arity: 1,
  run: (i) => {
    const r = f(read(i));
    W[i] = r;
    W[i + 1] = 0;
  },
});
const toI64 = (read: (i: number) => number, f: (w: Int32Array, i: number, x: number) => void): StackOp => ({
  arity: 1,
  run: (i) => f(W, i, read(i)),
});
const readF32 = (i: number): number => F32[i];
const readF64 = (i: number): number => F64[i / 2];

const OPS: Record<string, StackOp> = {
  // i32: the one-liners the interpreter inlines, and the helpers
  'i32.add': i32Binary((a, b) => (a + b) | 0),
  'i32.sub': i32Binary((a, b) => (a - b) | 0),
  'i32.mul': i32Binary(Math.imul),
  'i32.div_s': i32Binary(I.i32_div_s),
  'i32.div_u': i32Binary(I.i32_div_u),
  'i32.rem_s': i32Binary(I.i32_rem_s),
  'i32.rem_u': i32Binary(I.i32_rem_u),
  'i32.and': i32Binary((a, b) => a & b),
  'i32.or': i32Binary((a, b) => a | b),
  'i32.xor': i32Binary((a, b) => a ^ b),
  'i32.shl': i32Binary((a, b) => a << b),
  'i32.shr_s': i32Binary((a, b) => a >> b),
  'i32.shr_u': i32Binary((a, b) => (a >>> b) | 0),
  'i32.rotl': i32Binary(I.i32_rotl),
  'i32.rotr': i32Binary(I.i32_rotr),
  'i32.clz': i32Unary(Math.clz32),
  'i32.ctz': i32Unary(I.i32_ctz),
  'i32.popcnt': i32Unary(I.i32_popcnt),
  'i32.extend8_s': i32Unary((a) => (a << 24) >> 24),
  'i32.extend16_s': i32Unary((a) => (a << 16) >> 16),
  'i32.eqz': i32Unary((a) => (a === 0 ? 1 : 0)),
  'i32.eq': i32Binary((a, b) => (a === b ? 1 : 0)),
  'i32.ne': i32Binary((a, b) => (a !== b ? 1 : 0)),
  'i32.lt_s': i32Binary((a, b) => (a < b ? 1 : 0)),
  'i32.lt_u': i32Binary((a, b) => (a >>> 0 < b >>> 0 ? 1 : 0)),
  'i32.le_s': i32Binary((a, b) => (a <= b ? 1 : 0)),
  'i32.le_u': i32Binary((a, b) => (a >>> 0 <= b >>> 0 ? 1 : 0)),
  'i32.gt_s': i32Binary((a, b) => (a > b ? 1 : 0)),
  'i32.gt_u': i32Binary((a, b) => (a >>> 0 > b >>> 0 ? 1 : 0)),
  'i32.ge_s': i32Binary((a, b) => (a >= b ? 1 : 0)),
  'i32.ge_u': i32Binary((a, b) => (a >>> 0 >= b >>> 0 ? 1 : 0)),
  // i64
  ...Object.fromEntries(I64_BINARY.map(([name, f]) => [`i64.${name}`, onWords(2, f)])),
  ...Object.fromEntries(I64_UNARY.map(([name, f]) => [`i64.${name}`, onWords(1, f)])),
  // f32 / f64 arithmetic
  'f32.add': f32Binary(F.f32_add),
  'f32.sub': f32Binary(F.f32_sub),
  'f32.mul': f32Binary(F.f32_mul),
  'f32.div': f32Binary(F.f32_div),
  'f32.min': f32Binary(F.f32_min),
  'f32.max': f32Binary(F.f32_max),
  'f32.sqrt': f32Unary(F.f32_sqrt),
  'f32.ceil': f32Unary(Math.ceil),
  'f32.floor': f32Unary(Math.floor),
  'f32.trunc': f32Unary(Math.trunc),
  'f32.nearest': f32Unary(F.f32_nearest),
  'f32.abs': onWords(1, F.f32_abs),
  'f32.neg': onWords(1, F.f32_neg),
  'f32.copysign': onWords(2, F.f32_copysign),
  'f64.add': f64Binary((a, b) => a + b),
  'f64.sub': f64Binary((a, b) => a - b),
  'f64.mul': f64Binary((a, b) => a * b),
  'f64.div': f64Binary((a, b) => a / b),
  'f64.min': f64Binary(F.f64_min),
  'f64.max': f64Binary(F.f64_max),
  'f64.sqrt': f64Unary(Math.sqrt),
  'f64.ceil': f64Unary(Math.ceil),
  'f64.floor': f64Unary(Math.floor),
  'f64.trunc': f64Unary(Math.trunc),
  'f64.nearest': f64Unary(F.f64_nearest),
  'f64.abs': onWords(1, F.f64_abs),
  'f64.neg': onWords(1, F.f64_neg),
  'f64.copysign': onWords(2, F.f64_copysign),
  'f32.eq': f32Compare((a, b) => a === b),
  'f32.ne': f32Compare((a, b) => a !== b),
  'f32.lt': f32Compare((a, b) => a < b),
  'f32.le': f32Compare((a, b) => a <= b),
  'f32.gt': f32Compare((a, b) => a > b),
  'f32.ge': f32Compare((a, b) => a >= b),
  'f64.eq': f64Compare((a, b) => a === b),
  'f64.ne': f64Compare((a, b) => a !== b),
  'f64.lt': f64Compare((a, b) => a < b),
  'f64.le': f64Compare((a, b) => a <= b),
  'f64.gt': f64Compare((a, b) => a > b),
  'f64.ge': f64Compare((a, b) => a >= b),
  // conversions
  'i64.extend_i32_s': onWords(1, C.i64_extend_i32_s),
  'i64.extend_i32_u': onWords(1, C.i64_extend_i32_u),
  'i32.wrap_i64': onWords(1, C.i32_wrap_i64),
  'i32.trunc_f32_s': toI32(readF32, C.i32_trunc_f32_s),
  'i32.trunc_f32_u': toI32(readF32, C.i32_trunc_f32_u),
  'i32.trunc_f64_s': toI32(readF64, C.i32_trunc_f64_s),
  'i32.trunc_f64_u': toI32(readF64, C.i32_trunc_f64_u),
  'i32.trunc_sat_f32_s': toI32(readF32, C.i32_trunc_sat_f32_s),
  'i32.trunc_sat_f32_u': toI32(readF32, C.i32_trunc_sat_f32_u),
  'i32.trunc_sat_f64_s': toI32(readF64, C.i32_trunc_sat_f64_s),
  'i32.trunc_sat_f64_u': toI32(readF64, C.i32_trunc_sat_f64_u),
  'i64.trunc_f32_s': toI64(readF32, C.i64_trunc_f32_s),
  'i64.trunc_f32_u': toI64(readF32, C.i64_trunc_f32_u),
  'i64.trunc_f64_s': toI64(readF64, C.i64_trunc_f64_s),
  'i64.trunc_f64_u': toI64(readF64, C.i64_trunc_f64_u),
  'i64.trunc_sat_f32_s': toI64(readF32, C.i64_trunc_sat_f32_s),
  'i64.trunc_sat_f32_u': toI64(readF32, C.i64_trunc_sat_f32_u),
  'i64.trunc_sat_f64_s': toI64(readF64, C.i64_trunc_sat_f64_s),
  'i64.trunc_sat_f64_u': toI64(readF64, C.i64_trunc_sat_f64_u),
  'f32.convert_i32_s': { arity: 1, run: (i) => F.writeF32(W, F32, i, C.f32_convert_i32_s(W[i])) },
  'f32.convert_i32_u': { arity: 1, run: (i) => F.writeF32(W, F32, i, C.f32_convert_i32_u(W[i])) },
  'f32.convert_i64_s': { arity: 1, run: (i) => F.writeF32(W, F32, i, C.f32_convert_i64_s(W[i], W[i + 1])) },
  'f32.convert_i64_u': { arity: 1, run: (i) => F.writeF32(W, F32, i, C.f32_convert_i64_u(W[i], W[i + 1])) },
  'f64.convert_i32_s': { arity: 1, run: (i) => F.writeF64(W, F64, i / 2, W[i]) },
  'f64.convert_i32_u': { arity: 1, run: (i) => F.writeF64(W, F64, i / 2, C.f64_convert_i32_u(W[i])) },
  'f64.convert_i64_s': { arity: 1, run: (i) => F.writeF64(W, F64, i / 2, C.f64_convert_i64_s(W[i], W[i + 1])) },
  'f64.convert_i64_u': { arity: 1, run: (i) => F.writeF64(W, F64, i / 2, C.f64_convert_i64_u(W[i], W[i + 1])) },
  'f32.demote_f64': { arity: 1, run: (i) => F.writeF32(W, F32, i, C.f32_demote_f64(F64[i / 2])) },
  'f64.promote_f32': { arity: 1, run: (i) => F.writeF64(W, F64, i / 2, C.f64_promote_f32(F32[i])) },
  // reinterpretations keep the bits: nothing to do
  'f32.reinterpret_i32': { arity: 1, run: () => {} },
  'i32.reinterpret_f32': { arity: 1, run: () => {} },
  'f64.reinterpret_i64': { arity: 1, run: () => {} },
  'i64.reinterpret_f64': { arity: 1, run: () => {} },
};

interface SpecValue {
  type: string;
  value?: string;
}

interface SpecAssertion {
  type: string;
  line: number;
  action?: { type: string; field: string; args: SpecValue[] };
  expected?: SpecValue[];
  text?: string;
}

/** Loads spec value v into stack slot `slot`. */
function pushValue(slot: number, v: SpecValue): void {
  const bits = BigInt(v.value ?? '0');
  if (v.type === 'i32' || v.type === 'f32') {
    W[2 * slot] = Number(BigInt.asUintN(32, bits)) | 0;
    W[2 * slot + 1] = 0;
  } else setI64(slot, bits);
}

/** Why slot 0 does not hold `v` (empty string if it does). */
function checkResult(v: SpecValue): string {
  const is32 = v.type === 'i32' || v.type === 'f32';
  const got = is32 ? BigInt(W[0] >>> 0) : getU64(0);
  if (is32 && W[1] !== 0) return `high word of a 32-bit result is ${W[1]}`;
  let want: bigint;
  if (v.value === 'nan:canonical' || v.value === 'nan:arithmetic') {
    // the machine's NaN rule: every arithmetic NaN is the canonical one
    want = v.type === 'f32' ? BigInt(F.CANONICAL_NAN_F32) : BigInt(F.CANONICAL_NAN_F64_HI) << 32n;
  } else want = BigInt(v.value ?? '0');
  return got === want ? '' : `got ${got}, want ${want}`;
}

/** A program: operands (`$0`, `$1` are the arguments, other entries are ops or consts). */
type Program = string[];

function runProgram(program: Program, args: SpecValue[], constType: string): void {
  let sp = 0;
  for (const step of program) {
    if (step.startsWith('$')) pushValue(sp++, args[Number(step.slice(1))]);
    else if (step.startsWith('#')) pushValue(sp++, { type: constType, value: String(BigInt.asUintN(64, BigInt(step.slice(1)))) });
    else {
      const op = OPS[step];
      if (op === undefined) throw new Error(`no op ${step}`);
      sp -= op.arity;
      op.run(2 * sp);
      sp++;
    }
  }
  expect(sp).toBe(1);
}

/** The int_exprs.wast exports, transcribed from their bodies (T is i32 or i64). */
function intExprsProgram(field: string): { program: Program; type: string } {
  const [t, name] = field.split('.') as [string, string];
  const op = (o: string): string => `${t}.${o}`;
  let m: RegExpMatchArray | null;
  if ((m = name.match(/^no_fold_cmp_([su])_offset$/))) return { type: t, program: ['$0', '#1', op('add'), '$1', '#1', op('add'), op(`lt_${m[1]}`)] };
  if ((m = name.match(/^no_fold_wrap_extend_([su])$/))) return { type: t, program: ['$0', 'i32.wrap_i64', `i64.extend_i32_${m[1]}`] };
  if ((m = name.match(/^no_fold_shl_shr_([su])$/))) return { type: t, program: ['$0', '#1', op('shl'), '#1', op(`shr_${m[1]}`)] };
  if ((m = name.match(/^no_fold_shr_([su])_shl$/))) return { type: t, program: ['$0', '#1', op(`shr_${m[1]}`), '#1', op('shl')] };
  if ((m = name.match(/^no_fold_div_([su])_mul$/))) return { type: t, program: ['$0', '#6', op(`div_${m[1]}`), '#6', op('mul')] };
  if ((m = name.match(/^no_fold_(div|rem)_([su])_self$/))) return { type: t, program: ['$0', '$0', op(`${m[1]}_${m[2]}`)] };
  if ((m = name.match(/^no_fold_mul_div_([su])$/))) return { type: t, program: ['$0', '#6', op('mul'), '#6', op(`div_${m[1]}`)] };
  if ((m = name.match(/^no_fold_(div|rem)_s_2$/))) return { type: t, program: ['$0', '#2', op(`${m[1]}_s`)] };
  if ((m = name.match(/^(div|rem)_([su])_(\d)$/))) return { type: t, program: ['$0', `#${m[3]}`, op(`${m[1]}_${m[2]}`)] };
  if (name === 'no_fold_div_neg1') return { type: t, program: ['$0', '#-1', op('div_s')] };
  throw new Error(`int_exprs: no transcription of ${field}`);
}

/** Single-op scripts: the export's name, with the file's prefix, is the op's name. */
const SPEC_FILES: Array<[string, (field: string) => { program: Program; type: string }]> = [
  ['i32', (f) => ({ program: ['$0', '$1', `i32.${f}`], type: 'i32' })],
  ['i64', (f) => ({ program: ['$0', '$1', `i64.${f}`], type: 'i64' })],
  ['f32', (f) => ({ program: ['$0', '$1', `f32.${f}`], type: 'f32' })],
  ['f64', (f) => ({ program: ['$0', '$1', `f64.${f}`], type: 'f64' })],
  ['f32_cmp', (f) => ({ program: ['$0', '$1', `f32.${f}`], type: 'f32' })],
  ['f64_cmp', (f) => ({ program: ['$0', '$1', `f64.${f}`], type: 'f64' })],
  ['f32_bitwise', (f) => ({ program: ['$0', '$1', `f32.${f}`], type: 'f32' })],
  ['f64_bitwise', (f) => ({ program: ['$0', '$1', `f64.${f}`], type: 'f64' })],
  ['float_misc', (f) => ({ program: ['$0', '$1', f], type: '' })],
  ['conversions', (f) => ({ program: ['$0', f], type: '' })],
  ['int_exprs', intExprsProgram],
];

describe('spec scripts', () => {
  for (const [file, programOf] of SPEC_FILES) {
    const script = JSON.parse(readFileSync(`${SPEC_JSON}${file}.json`, 'utf8')) as { commands: SpecAssertion[] };
    const cases = script.commands.filter((c) => (c.type === 'assert_return' || c.type === 'assert_trap') && c.action?.type === 'invoke');

    it(`${file}.json: all ${cases.length} assert_return/assert_trap`, () => {
      const failures: string[] = [];
      for (const c of cases) {
        const action = c.action!;
        const { program: full, type } = programOf(action.field);
        // unary ops take one argument: drop the unused `$1`
        const program = full.filter((s) => !s.startsWith('$') || Number(s.slice(1)) < action.args.length);
        const where = `${file}.wast:${c.line} ${action.field}(${action.args.map((a) => a.value).join(', ')})`;
        let failure = '';
        try {
          runProgram(program, action.args, type);
          failure = c.type === 'assert_trap' ? `expected trap "${c.text}"` : checkResult(c.expected![0]);
        } catch (e) {
          if (!(e instanceof Trap)) throw e;
          if (c.type !== 'assert_trap') failure = `unexpected trap "${e.message}"`;
          else if (!e.message.startsWith(c.text!)) failure = `trap "${e.message}", want "${c.text}"`;
        }
        if (failure !== '') failures.push(`${where}: ${failure}`);
      }
      expect(failures).toEqual([]);
      expect(cases.length).toBeGreaterThan(0);
    });
  }
});
