// Operand signatures of the "plain" numeric instructions (tests, comparisons, unary and
// binary arithmetic, conversions): every one pops one or two values of fixed types and
// pushes one. A table lookup keeps the body checker's hot path branch-free for them.
// Mirrors the spec interpreter's `Value.type_of_op` / `type_cvtop`.

import { F32, F64, I32, I64, type NumType } from '../syntax/types.js';

/** A fixed signature: `in1` and `in2` are popped (in2 first; 0 = absent), `out` pushed. */
export interface NumSig {
  in1: NumType;
  in2: NumType | 0;
  out: NumType;
}

// Indexed by `slot(op)`: one-byte opcodes at 0..255, 0xFC-prefixed ones at 256 + subopcode.
const signatures: (NumSig | undefined)[] = new Array<NumSig | undefined>(512).fill(undefined);

function slot(op: number): number {
  if (op < 0x100) return op;
  if (op >= 0xfc00 && op <= 0xfcff) return 0x100 + (op - 0xfc00);
  return -1;
}

function range(from: number, to: number, sig: NumSig): void {
  for (let op = from; op <= to; op++) signatures[slot(op)] = sig;
}

const unary = (t: NumType, out: NumType = t): NumSig => ({ in1: t, in2: 0, out });
const binary = (t: NumType, out: NumType = t): NumSig => ({ in1: t, in2: t, out });

// Tests and comparisons.
range(0x45, 0x45, unary(I32, I32)); // i32.eqz
range(0x46, 0x4f, binary(I32, I32));
range(0x50, 0x50, unary(I64, I32)); // i64.eqz
range(0x51, 0x5a, binary(I64, I32));
range(0x5b, 0x60, binary(F32, I32));
range(0x61, 0x66, binary(F64, I32));
// Arithmetic.
range(0x67, 0x69, unary(I32));
range(0x6a, 0x78, binary(I32));
range(0x79, 0x7b, unary(I64));
range(0x7c, 0x8a, binary(I64));
range(0x8b, 0x91, unary(F32));
range(0x92, 0x98, binary(F32));
range(0x99, 0x9f, unary(F64));
range(0xa0, 0xa6, binary(F64));
// Conversions, in opcode order.
const conversions: [number, NumType, NumType][] = [
  [0xa7, I64, I32], [0xa8, F32, I32], [0xa9, F32, I32], [0xaa, F64, I32], [0xab, F64, I32],
  [0xac, I32, I64], [0xad, I32, I64], [0xae, F32, I64], [0xaf, F32, I64], [0xb0, F64, I64],
  [0xb1, F64, I64], [0xb2, I32, F32], [0xb3, I32, F32], [0xb4, I64, F32], [0xb5, I64, F32],
  [0xb6, F64, F32], [0xb7, I32, F64], [0xb8, I32, F64], [0xb9, I64, F64], [0xba, I64, F64],
  [0xbb, F32, F64], [0xbc, F32, I32], [0xbd, F64, I64], [0xbe, I32, F32], [0xbf, I64, F64],
  // Non-trapping float-to-int (0xFC 0..7).
  [0xfc00, F32, I32], [0xfc01, F32, I32], [0xfc02, F64, I32], [0xfc03, F64, I32],
  [0xfc04, F32, I64], [0xfc05, F32, I64], [0xfc06, F64, I64], [0xfc07, F64, I64],
];
for (const [op, from, to] of conversions) signatures[slot(op)] = unary(from, to);
// Sign extension.
range(0xc0, 0xc1, unary(I32));
range(0xc2, 0xc4, unary(I64));

/** The fixed signature of a plain numeric instruction, or undefined for any other opcode. */
export function numericSignature(op: number): NumSig | undefined {
  const i = slot(op);
  return i < 0 ? undefined : signatures[i];
}

/** Value type a load pushes / a store pops, and log2 of its natural alignment. */
export interface MemAccess {
  type: NumType;
  naturalAlign: number;
  isStore: boolean;
}

const accesses = new Map<number, MemAccess>();
const memops: [number, NumType, number][] = [
  [0x28, I32, 2], [0x29, I64, 3], [0x2a, F32, 2], [0x2b, F64, 3],
  [0x2c, I32, 0], [0x2d, I32, 0], [0x2e, I32, 1], [0x2f, I32, 1],
  [0x30, I64, 0], [0x31, I64, 0], [0x32, I64, 1], [0x33, I64, 1], [0x34, I64, 2], [0x35, I64, 2],
  [0x36, I32, 2], [0x37, I64, 3], [0x38, F32, 2], [0x39, F64, 3],
  [0x3a, I32, 0], [0x3b, I32, 1], [0x3c, I64, 0], [0x3d, I64, 1], [0x3e, I64, 2],
];
for (const [op, type, naturalAlign] of memops) accesses.set(op, { type, naturalAlign, isStore: op >= 0x36 });

/** The access a load/store opcode performs, or undefined for any other opcode. */
export function memAccess(op: number): MemAccess | undefined {
  return accesses.get(op);
}
