// Constants and every numeric instruction. The operands are copied into a 2-slot
// scratch (a at words 0-1, b at 2-3, with f32/f64 views), computed exactly as the
// interpreter computes them (its hot-loop cases are restated here; the rest are its own
// binaryOp / unaryOp), and the result slot is written back.

import { Op } from '../../syntax/opcodes.js';
import { BINARY, OP_KIND, UNARY, binaryOp, unaryOp } from '../../exec/interpret.js';
import * as Fl from '../../exec/float.js';
import type { StepState } from '../access.js';
import { push, type Row } from './common.js';

const buffer = new ArrayBuffer(16);
const w = new Int32Array(buffer);
const f32 = new Float32Array(buffer);
const f64 = new Float64Array(buffer);

const HOT_BINARY: readonly number[] = [
  Op.i32_eq, Op.i32_ne, Op.i32_lt_s, Op.i32_lt_u, Op.i32_gt_s, Op.i32_gt_u, Op.i32_le_s, Op.i32_le_u,
  Op.i32_ge_s, Op.i32_ge_u, Op.i32_add, Op.i32_sub, Op.i32_mul, Op.i32_and, Op.i32_or, Op.i32_xor,
  Op.i32_shl, Op.i32_shr_s, Op.i32_shr_u, Op.i32_rotl,
  Op.i64_eq, Op.i64_ne, Op.i64_add, Op.i64_sub, Op.i64_and, Op.i64_or, Op.i64_xor,
  Op.f64_add, Op.f64_sub, Op.f64_mul,
];
const HOT_UNARY: readonly number[] = [
  Op.i32_eqz, Op.i64_eqz, Op.i32_wrap_i64, Op.i64_extend_i32_s, Op.i64_extend_i32_u,
];
/** Slots hold raw bits: these change nothing but pc. */
const REINTERPRET: readonly number[] = [
  Op.i32_reinterpret_f32, Op.i64_reinterpret_f64, Op.f32_reinterpret_i32, Op.f64_reinterpret_i64,
];
const CONST: readonly number[] = [Op.i32_const, Op.f32_const, Op.i64_const, Op.f64_const];

export const NUMERIC_OPS: readonly number[] = (() => {
  const ops = [...CONST, ...HOT_BINARY, ...HOT_UNARY, ...REINTERPRET];
  for (let op = 0; op < 256; op++) if (OP_KIND[op] !== 0) ops.push(op);
  return ops;
})();

const KIND = new Uint8Array(256);
for (const op of HOT_BINARY) KIND[op] = BINARY;
for (const op of HOT_UNARY) KIND[op] = UNARY;
for (let op = 0; op < 256; op++) if (OP_KIND[op] !== 0) KIND[op] = OP_KIND[op];

export function execNumeric(st: StepState, row: Row): void {
  const h = st.h;
  const op = row[0];
  if (op === Op.i32_const || op === Op.f32_const) push(st, row[1], 0);
  else if (op === Op.i64_const || op === Op.f64_const) push(st, row[1], row[2]);
  else if (KIND[op] === BINARY) {
    const [blo, bhi] = st.readSlot(h.sp - 1);
    const [alo, ahi] = st.readSlot(h.sp - 2);
    h.sp--; // popped before a trap, as in the interpreter
    w[0] = alo; w[1] = ahi; w[2] = blo; w[3] = bhi;
    if (!hotBinary(op)) binaryOp(op, w, f32, f64, 0);
    st.writeSlot(h.sp - 1, w[0], w[1]);
  } else if (KIND[op] === UNARY) {
    const [lo, hi] = st.readSlot(h.sp - 1);
    w[0] = lo; w[1] = hi;
    if (!hotUnary(op)) unaryOp(op, w, f32, f64, 0);
    st.writeSlot(h.sp - 1, w[0], w[1]);
  } else if (!REINTERPRET.includes(op)) {
    throw new Error(`internal: 0x${op.toString(16)} is not a numeric instruction`);
  }
  h.pc++;
}

/** The interpreter's inline binary cases (runChunk), on the scratch. */
function hotBinary(op: number): boolean {
  switch (op) {
    case Op.i32_eq: w[0] = w[0] === w[2] ? 1 : 0; return true;
    case Op.i32_ne: w[0] = w[0] !== w[2] ? 1 : 0; return true;
    case Op.i32_lt_s: w[0] = w[0] < w[2] ? 1 : 0; return true;
    case Op.i32_lt_u: w[0] = (w[0] >>> 0) < (w[2] >>> 0) ? 1 : 0; return true;
    case Op.i32_gt_s: w[0] = w[0] > w[2] ? 1 : 0; return true;
    case Op.i32_gt_u: w[0] = (w[0] >>> 0) > (w[2] >>> 0) ? 1 : 0; return true;
    case Op.i32_le_s: w[0] = w[0] <= w[2] ? 1 : 0; return true;
    case Op.i32_le_u: w[0] = (w[0] >>> 0) <= (w[2] >>> 0) ? 1 : 0; return true;
    case Op.i32_ge_s: w[0] = w[0] >= w[2] ? 1 : 0; return true;
    case Op.i32_ge_u: w[0] = (w[0] >>> 0) >= (w[2] >>> 0) ? 1 : 0; return true;
    case Op.i32_add: w[0] = (w[0] + w[2]) | 0; return true;
    case Op.i32_sub: w[0] = (w[0] - w[2]) | 0; return true;
    case Op.i32_mul: w[0] = Math.imul(w[0], w[2]); return true;
    case Op.i32_and: w[0] &= w[2]; return true;
    case Op.i32_or: w[0] |= w[2]; return true;
    case Op.i32_xor: w[0] ^= w[2]; return true;
    case Op.i32_shl: w[0] <<= w[2]; return true; // JS masks the count by 31
    case Op.i32_shr_s: w[0] >>= w[2]; return true;
    case Op.i32_shr_u: w[0] = w[0] >>> w[2]; return true;
    case Op.i32_rotl: {
      const x = w[0];
      const k = w[2];
      w[0] = (x << k) | (x >>> (32 - k));
      return true;
    }
    case Op.i64_eq: w[0] = w[0] === w[2] && w[1] === w[3] ? 1 : 0; w[1] = 0; return true;
    case Op.i64_ne: w[0] = w[0] !== w[2] || w[1] !== w[3] ? 1 : 0; w[1] = 0; return true;
    case Op.i64_add: {
      const lo = (w[0] + w[2]) | 0;
      w[1] = (w[1] + w[3] + ((lo >>> 0) < (w[0] >>> 0) ? 1 : 0)) | 0;
      w[0] = lo;
      return true;
    }
    case Op.i64_sub: {
      const lo = (w[0] - w[2]) | 0;
      w[1] = (w[1] - w[3] - ((w[0] >>> 0) < (w[2] >>> 0) ? 1 : 0)) | 0;
      w[0] = lo;
      return true;
    }
    case Op.i64_and: w[0] &= w[2]; w[1] &= w[3]; return true;
    case Op.i64_or: w[0] |= w[2]; w[1] |= w[3]; return true;
    case Op.i64_xor: w[0] ^= w[2]; w[1] ^= w[3]; return true;
    case Op.f64_add: Fl.writeF64(w, f64, 0, f64[0] + f64[1]); return true;
    case Op.f64_sub: Fl.writeF64(w, f64, 0, f64[0] - f64[1]); return true;
    case Op.f64_mul: Fl.writeF64(w, f64, 0, f64[0] * f64[1]); return true;
    default: return false;
  }
}

/** The interpreter's inline unary cases (runChunk), on the scratch. */
function hotUnary(op: number): boolean {
  switch (op) {
    case Op.i32_eqz: w[0] = w[0] === 0 ? 1 : 0; return true;
    case Op.i64_eqz: w[0] = (w[0] | w[1]) === 0 ? 1 : 0; w[1] = 0; return true;
    case Op.i32_wrap_i64: w[1] = 0; return true;
    case Op.i64_extend_i32_s: w[1] = w[0] >> 31; return true;
    case Op.i64_extend_i32_u: w[1] = 0; return true;
    default: return false;
  }
}
