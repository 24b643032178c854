// Superinstructions: the interpreter's dispatch table over the machine code.
//
// The machine code (vm/exec/code.ts) stays one row per wasm instruction: that is what a
// step is, what a pc names and what Part 2 commits to. This table is the interpreter's
// private view of it: a copy of the rows in which word 0 is either the row's own opcode
// or a *fused* opcode that runs this row and up to MAX_FUSED_ROWS - 1 following ones in a
// single dispatch when the step budget has room for all of them. A fused opcode writes
// exactly the slots, counts exactly the steps and leaves exactly the pc (and, when a load
// or store in it traps, exactly the trapped state) that stepping the rows one by one
// would, so nothing outside runChunk can tell the difference (test/exec/fuse.test.ts).
//
// Every row keeps an entry of its own, so a branch into the middle of a fused sequence
// lands on a row that dispatches on its own. Only straight-line sequences are fused, and
// a trailing `br_if` only when it does not leave the function.
//
// Which sequences: the most frequent ones in the fixtures' dynamic instruction mix
// (local.get 24%, i32.const 16%; local.get + i32.const + i32.add alone is 5% of all
// steps): operand pushes with their operator, the result's local.set/tee, address
// arithmetic with its load, loop conditions with their br_if, register shuffles. Measured
// in docs/benchmarks.md. A new family needs its cases in interpret.ts (then
// `node scripts/gen-opcode-enums.mjs`), a run in warmup.ts and one in the fuse test.

import { Op, opName } from '../syntax/opcodes.js';
import { CODE_WIDTH, RETURN_TARGET, type CodeBuffer } from './code.js';

/** The most rows one fused opcode runs: the step budget must have room for this many. */
export const MAX_FUSED_ROWS = 5;

/** The i32 binary operators that fuse with the pushes of their operands, in family order. */
const ARITH = [
  Op.i32_add, Op.i32_sub, Op.i32_mul, Op.i32_and, Op.i32_or, Op.i32_xor, Op.i32_shl, Op.i32_shr_s, Op.i32_shr_u, Op.i32_rotl,
] as const;

/** The binary operators that fuse with a preceding local.get (their right operand). */
const LOCAL_RIGHT = [...ARITH, Op.f64_add, Op.f64_sub, Op.f64_mul] as const;

/** The loads that fuse with the row computing their address (i32.add or local.get). */
const LOADS = [Op.i32_load, Op.i32_load8_s, Op.i32_load8_u, Op.f64_load] as const;

/** The i32 loads that fuse with a following multiply or add (int8 dot products). */
const INT_LOADS = [Op.i32_load, Op.i32_load8_s, Op.i32_load8_u] as const;
const LOAD_THEN = [Op.i32_mul, Op.i32_add] as const;

/** The f64 operators that fuse with a following f64.store. */
const F64_STORED = [Op.f64_add, Op.f64_sub, Op.f64_mul] as const;

/** The operators that fuse after LC_OP, combining its result with the value below. */
const THEN = [Op.i32_xor, Op.i32_add, Op.i32_and, Op.i32_or] as const;

/** Rows that only advance the pc (one step each). */
const NOP_LIKE: readonly number[] = [Op.nop, Op.block, Op.loop, Op.end];

/** i32 comparisons that fuse with a following br_if, in family order (eqz first). */
const COMPARE = [
  Op.i32_eqz, Op.i32_eq, Op.i32_ne, Op.i32_lt_s, Op.i32_lt_u, Op.i32_gt_s, Op.i32_gt_u, Op.i32_le_s, Op.i32_le_u, Op.i32_ge_s,
  Op.i32_ge_u,
] as const;

/**
 * Fused opcodes. A family's members follow the order of ARITH / COMPARE, so that
 * `family + index` names one (the interpreter's switch lists each explicitly).
 * Numbered from 0x100: above every machine-code opcode.
 */
export const Fused = {
  /** `i32.const c; OP`, OP in ARITH. */
  C_OP: 0x100,
  /** `local.get a; i32.const c; OP`, OP in ARITH. */
  LC_OP: 0x110,
  /** `local.get a; local.get b; OP`, OP in ARITH. */
  LL_OP: 0x120,
  /** `CMP; br_if`, CMP in COMPARE, the branch not leaving the function. */
  CMP_BR_IF: 0x130,
  /** `local.get a; local.get b` */
  LL: 0x140,
  /** `local.get a; i32.const c` */
  LC: 0x141,
  /** `local.set a; local.get b` */
  SET_GET: 0x142,
  /** `local.tee a; local.get b` */
  TEE_GET: 0x143,
  /** `i32.add; local.set a` */
  ADD_SET: 0x144,
  /** `i32.add; local.tee a` */
  ADD_TEE: 0x145,
  /** Two or three rows of nop, block, loop or end. */
  NOP2: 0x146,
  NOP3: 0x147,
  /** `local.get a; i32.const c; i32.and; br_if` (not a return): a flag test. */
  LC_AND_BR_IF: 0x148,
  /** `local.get a; i32.const c; i32.and; i32.eqz; br_if` (not a return). */
  LC_AND_EQZ_BR_IF: 0x149,
  /** `i32.const c; local.set a` */
  C_SET: 0x14a,
  /** `local.get a; local.set b` */
  GET_SET: 0x14b,
  /** `local.get a; OP`, OP in LOCAL_RIGHT. */
  L_OP: 0x150,
  /** `i32.add; LOAD`, LOAD in LOADS. */
  ADD_LOAD: 0x160,
  /** `local.get a; LOAD`, LOAD in LOADS. */
  L_LOAD: 0x168,
  /** `local.get a; i32.const c; i32.add; LOAD`, LOAD in LOADS. */
  LC_ADD_LOAD: 0x170,
  /** `i32.const c; i32.add; LOAD`, LOAD in LOADS. */
  C_ADD_LOAD: 0x178,
  /** `LOAD; OP`, LOAD in INT_LOADS, OP in LOAD_THEN: LOAD_OP + 2 * load + op. */
  LOAD_OP: 0x180,
  /** `OP; f64.store`, OP in F64_STORED. */
  F64_OP_STORE: 0x188,
  /** LC_OP, LL_OP followed by `local.set b` / `local.tee b` (families of 16: `op & 15` is the ARITH index). */
  LC_OP_SET: 0x190,
  LC_OP_TEE: 0x1a0,
  LL_OP_SET: 0x1b0,
  LL_OP_TEE: 0x1c0,
  /** `local.get a; local.get b; f64.OP`, OP in F64_STORED's order (add, sub, mul). */
  LL_F64_OP: 0x1d0,
  /** `local.get a; local.get b; f64.mul; local.get c; f64.mul`: a product of three (nbody). */
  LL_F64_MUL_MUL: 0x1d3,
  /** `local.set a; local.get b; local.set c; local.get d` */
  SET_GET2: 0x1d8,
  /**
   * `local.get a; i32.const c; OP; OP2`, OP in ARITH, OP2 in THEN (xor, add, and, or):
   * LC_OP_THEN + 16 * (OP2's index) + OP's index (hash rounds: x ^ (y >>> k)).
   */
  LC_OP_THEN: 0x200,
  /**
   * `local.get a; i32.const c|local.get b; CMP; br_if` (a loop's condition), CMP a binary
   * comparison of COMPARE: LC_CMP_BR_IF / LL_CMP_BR_IF + CMP's index there (1..10).
   */
  LC_CMP_BR_IF: 0x240,
  LL_CMP_BR_IF: 0x250,
  /** `i32.const c; CMP; br_if`: C_CMP_BR_IF + CMP's index in COMPARE (1..10). */
  C_CMP_BR_IF: 0x260,
  /** `local.get a; local.get b; LOAD`, LOAD in LOADS (the load reads b's address). */
  LL_LOAD: 0x270,
  /** `i32.const c; LOAD`, LOAD in LOADS (a constant address: C's globals). */
  C_LOAD: 0x274,
  /**
   * The four address + load families above (ADD_LOAD, L_LOAD, LC_ADD_LOAD, C_ADD_LOAD in
   * that order) with an i32 load followed by i32.mul or i32.add (dot products):
   * ADD_LOAD_THEN + 8 * family + 2 * (index in INT_LOADS) + (index in LOAD_THEN).
   */
  ADD_LOAD_THEN: 0x280,
} as const;

/**
 * Every fused opcode by name (`C_ADD`, `LC_SHR_U`, `EQZ_BR_IF`, `SET_GET`, ...): the names
 * runChunk's cases use (vm/exec/interpret.ts's generated `const enum F`).
 */
export function fusedOpcodes(): Array<[string, number]> {
  // i32.add -> ADD, f64.add -> F64_ADD
  const suffix = (op: number): string => opName(op).replace(/^i32\./, '').replace('.', '_').toUpperCase();
  return [
    ...LOCAL_RIGHT.map((op, k): [string, number] => [`L_${suffix(op)}`, Fused.L_OP + k]),
    ...LOADS.map((op, k): [string, number] => [`ADD_${suffix(op)}`, Fused.ADD_LOAD + k]),
    ...LOADS.map((op, k): [string, number] => [`L_${suffix(op)}`, Fused.L_LOAD + k]),
    ...LOADS.map((op, k): [string, number] => [`LC_ADD_${suffix(op)}`, Fused.LC_ADD_LOAD + k]),
    ...LOADS.map((op, k): [string, number] => [`C_ADD_${suffix(op)}`, Fused.C_ADD_LOAD + k]),
    ...LOADS.map((op, k): [string, number] => [`LL_${suffix(op)}`, Fused.LL_LOAD + k]),
    ...LOADS.map((op, k): [string, number] => [`C_${suffix(op)}`, Fused.C_LOAD + k]),
    ...INT_LOADS.flatMap((load, k) =>
      LOAD_THEN.map((op, j): [string, number] => [`${suffix(load)}_${suffix(op)}`, Fused.LOAD_OP + 2 * k + j])),
    ...F64_STORED.map((op, k): [string, number] => [`${suffix(op)}_STORE`, Fused.F64_OP_STORE + k]),
    ...ARITH.map((op, k): [string, number] => [`LC_${suffix(op)}_SET`, Fused.LC_OP_SET + k]),
    ...ARITH.map((op, k): [string, number] => [`LC_${suffix(op)}_TEE`, Fused.LC_OP_TEE + k]),
    ...ARITH.map((op, k): [string, number] => [`LL_${suffix(op)}_SET`, Fused.LL_OP_SET + k]),
    ...ARITH.map((op, k): [string, number] => [`LL_${suffix(op)}_TEE`, Fused.LL_OP_TEE + k]),
    ...F64_STORED.map((op, k): [string, number] => [`LL_${suffix(op)}`, Fused.LL_F64_OP + k]),
    ...THEN.flatMap((then, j) =>
      ARITH.map((op, k): [string, number] => [`LC_${suffix(op)}_THEN_${suffix(then)}`, Fused.LC_OP_THEN + 16 * j + k])),
    ...COMPARE.slice(1).map((op, k): [string, number] => [`LC_${suffix(op)}_BR_IF`, Fused.LC_CMP_BR_IF + k + 1]),
    ...COMPARE.slice(1).map((op, k): [string, number] => [`LL_${suffix(op)}_BR_IF`, Fused.LL_CMP_BR_IF + k + 1]),
    ...['ADD_', 'L_', 'LC_ADD_', 'C_ADD_'].flatMap((family, f) => INT_LOADS.flatMap((load, k) =>
      LOAD_THEN.map((then, j): [string, number] => [`${family}${suffix(load)}_${suffix(then)}`, Fused.ADD_LOAD_THEN + 8 * f + 2 * k + j]))),
    ...COMPARE.slice(1).map((op, k): [string, number] => [`C_${suffix(op)}_BR_IF`, Fused.C_CMP_BR_IF + k + 1]),
    ['SET_GET2', Fused.SET_GET2], ['LL_F64_MUL_MUL', Fused.LL_F64_MUL_MUL],
    ['ADD_SET', Fused.ADD_SET], ['ADD_TEE', Fused.ADD_TEE], ['NOP2', Fused.NOP2], ['NOP3', Fused.NOP3],
    ['LC_AND_BR_IF', Fused.LC_AND_BR_IF], ['LC_AND_EQZ_BR_IF', Fused.LC_AND_EQZ_BR_IF], ['C_SET', Fused.C_SET], ['GET_SET', Fused.GET_SET],
    ...ARITH.map((op, k): [string, number] => [`C_${suffix(op)}`, Fused.C_OP + k]),
    ...ARITH.map((op, k): [string, number] => [`LC_${suffix(op)}`, Fused.LC_OP + k]),
    ...ARITH.map((op, k): [string, number] => [`LL_${suffix(op)}`, Fused.LL_OP + k]),
    ...COMPARE.map((op, k): [string, number] => [`${suffix(op)}_BR_IF`, Fused.CMP_BR_IF + k]),
    ['LL', Fused.LL], ['LC', Fused.LC], ['SET_GET', Fused.SET_GET], ['TEE_GET', Fused.TEE_GET],
  ];
}

/**
 * The interpreter's dispatch table of `code`, brought up to date with its rows: a copy of
 * the rows (CODE_WIDTH words each) whose word 0 is the fused opcode where a sequence
 * starts, so that the loop reads an entry and its operands from one array.
 */
export function dispatchTable(code: CodeBuffer): Int32Array {
  let table = code.dispatch;
  if (code.dispatchRows === code.length && table !== null) return table;
  const words = code.length * CODE_WIDTH;
  if (table === null) {
    const built = builtFrom(code.words, words);
    if (built !== null) {
      // Shared with the cache (and every store built from the same rows) until rows are
      // appended, which copies it first (below): a machine copies it into its own buffer.
      code.dispatch = built;
      code.dispatchRows = code.length;
      code.dispatchShared = true;
      return built;
    }
  }
  const fromScratch = table === null;
  if (table === null || table.length < words || code.dispatchShared) {
    const next = new Int32Array(Math.max(code.words.length, 1 << 12));
    if (table !== null) next.set(table);
    table = next;
  }
  // Rows appended since the last update may extend a sequence that began in the last
  // rows seen before: revisit those.
  const from = Math.max(0, code.dispatchRows - (MAX_FUSED_ROWS - 1));
  table.set(code.words.subarray(from * CODE_WIDTH, words), from * CODE_WIDTH);
  chooseEntries(code.words, code.length, from, table);
  code.dispatch = table;
  code.dispatchRows = code.length;
  code.dispatchShared = false;
  if (fromScratch) remember(code.words.slice(0, words), table.slice(0, words));
  return table;
}

/**
 * The last tables built from scratch, with the rows they were built from. A job's machine
 * is created anew for every run, from the same rows (store.ts reuses the lowered rows), and
 * comparing the rows takes a fraction of choosing the entries again (sort: ~0.2 ms a run).
 */
const built: { words: Int32Array; table: Int32Array }[] = [];
const BUILT_KEPT = 4;

function builtFrom(words: Int32Array, length: number): Int32Array | null {
  const rows = Buffer.from(words.buffer, words.byteOffset, 4 * length);
  for (const b of built) {
    if (b.words.length !== length) continue;
    if (rows.equals(Buffer.from(b.words.buffer, b.words.byteOffset, 4 * length))) return b.table;
  }
  return null;
}

function remember(words: Int32Array, table: Int32Array): void {
  built.unshift({ words, table });
  if (built.length > BUILT_KEPT) built.pop();
}

/**
 * Sets word 0 of the table's rows from..rows (already copies of the code rows). Where
 * sequences overlap (`local.set; local.get; i32.const; i32.add` is SET_GET + C_ADD or
 * local.set + LC_ADD), the choice that needs the fewest
 * dispatches to run straight on to the end is taken: a shortest path over the rows,
 * computed backwards.
 */
function chooseEntries(words: Int32Array, rows: number, from: number, table: Int32Array): void {
  const dispatches = new Int32Array(rows - from + MAX_FUSED_ROWS); // from pc on, straight-line
  for (let pc = rows - 1; pc >= from; pc--) {
    const i = pc - from;
    const op = words[pc * CODE_WIDTH];
    dispatches[i] = 1 + dispatches[i + 1];
    if (op < 0 || op > 0xff || STARTS[op] === 0) continue; // most rows start no sequence
    const fused = fusedOpAt(words, rows, pc);
    const length = fused & 7;
    if (fused !== NONE && 1 + dispatches[i + length] <= dispatches[i]) {
      table[pc * CODE_WIDTH] = fused >> 3;
      dispatches[i] = 1 + dispatches[i + length];
    }
  }
}

/** Index of each opcode in `list`, -1 when absent (a lookup per row, not a search). */
function indexTable(list: readonly number[]): Int8Array {
  const index = new Int8Array(256).fill(-1);
  list.forEach((op, k) => { index[op] = k; });
  return index;
}
const ARITH_INDEX = indexTable(ARITH);
const LOAD_INDEX = indexTable(LOADS);
const INT_LOAD_INDEX = indexTable(INT_LOADS);
const LOAD_THEN_INDEX = indexTable(LOAD_THEN);
const LOCAL_RIGHT_INDEX = indexTable(LOCAL_RIGHT);
const F64_STORED_INDEX = indexTable(F64_STORED);
const COMPARE_INDEX = indexTable(COMPARE);
const NOP_INDEX = indexTable(NOP_LIKE);
const THEN_INDEX = indexTable(THEN);
/** 1 for the opcodes a fused sequence can start with. */
const STARTS = new Uint8Array(256);
for (const op of [Op.local_get, Op.i32_add, Op.i32_const, Op.local_set, Op.local_tee, ...NOP_LIKE, ...INT_LOADS, ...F64_STORED, ...COMPARE]) STARTS[op] = 1;

const NONE = 0;
/** A fused opcode and its row count, packed: `op << 3 | rows`. */
const fused = (op: number, rows: number): number => (op << 3) | rows;

/** The opcode of row `pc`, or 0xff past the end (0xff starts and continues nothing). */
function opAt(words: Int32Array, rows: number, pc: number): number {
  return pc < rows ? words[pc * CODE_WIDTH] & 0xff : 0xff;
}

/**
 * An address + load family member (`op`, `rows` long, family index `family`), or its
 * variant with the operator `next` after the load when that is an i32 load followed by
 * i32.mul or i32.add.
 */
function withThen(op: number, family: number, rows: number, next: number): number {
  const load = op & 7;
  if (load > 2 || LOAD_THEN_INDEX[next] < 0) return fused(op, rows);
  return fused(Fused.ADD_LOAD_THEN + 8 * family + 2 * load + LOAD_THEN_INDEX[next], rows + 1);
}

/**
 * The fused opcode of a known sequence starting at row `pc`, packed with how many rows it
 * runs (see `fused`), or NONE.
 */
function fusedOpAt(words: Int32Array, rows: number, pc: number): number {
  const op0 = opAt(words, rows, pc);
  const op1 = opAt(words, rows, pc + 1);
  const op2 = opAt(words, rows, pc + 2);
  const arith2 = ARITH_INDEX[op2];
  switch (op0) {
    case Op.local_get: {
      if (op1 === Op.i32_const && op2 === Op.i32_add) {
        const load = LOAD_INDEX[opAt(words, rows, pc + 3)];
        if (load >= 0) return withThen(Fused.LC_ADD_LOAD + load, 2, 4, opAt(words, rows, pc + 4));
      }
      if ((op1 === Op.i32_const || op1 === Op.local_get) && COMPARE_INDEX[op2] >= 1 && opAt(words, rows, pc + 3) === Op.br_if &&
          words[(pc + 3) * CODE_WIDTH + 1] !== RETURN_TARGET) {
        return fused((op1 === Op.i32_const ? Fused.LC_CMP_BR_IF : Fused.LL_CMP_BR_IF) + COMPARE_INDEX[op2], 4);
      }
      if (op1 === Op.i32_const && op2 === Op.i32_and) {
        const op3 = opAt(words, rows, pc + 3);
        if (op3 === Op.br_if && words[(pc + 3) * CODE_WIDTH + 1] !== RETURN_TARGET) return fused(Fused.LC_AND_BR_IF, 4);
        if (op3 === Op.i32_eqz && opAt(words, rows, pc + 4) === Op.br_if && words[(pc + 4) * CODE_WIDTH + 1] !== RETURN_TARGET) {
          return fused(Fused.LC_AND_EQZ_BR_IF, 5);
        }
      }
      if ((op1 === Op.i32_const || op1 === Op.local_get) && arith2 >= 0) {
        const op3 = opAt(words, rows, pc + 3);
        if (op1 === Op.i32_const && THEN_INDEX[op3] >= 0) return fused(Fused.LC_OP_THEN + 16 * THEN_INDEX[op3] + arith2, 4);
        const family = op1 === Op.i32_const
          ? (op3 === Op.local_set ? Fused.LC_OP_SET : op3 === Op.local_tee ? Fused.LC_OP_TEE : Fused.LC_OP)
          : (op3 === Op.local_set ? Fused.LL_OP_SET : op3 === Op.local_tee ? Fused.LL_OP_TEE : Fused.LL_OP);
        return fused(family + arith2, family === Fused.LC_OP || family === Fused.LL_OP ? 3 : 4);
      }
      if (op1 === Op.i32_const) return fused(Fused.LC, 2);
      if (op1 === Op.local_get && op2 === Op.f64_mul && opAt(words, rows, pc + 3) === Op.local_get && opAt(words, rows, pc + 4) === Op.f64_mul) {
        return fused(Fused.LL_F64_MUL_MUL, 5);
      }
      if (op1 === Op.local_get && F64_STORED_INDEX[op2] >= 0) return fused(Fused.LL_F64_OP + F64_STORED_INDEX[op2], 3);
      if (op1 === Op.local_get && LOAD_INDEX[op2] >= 0) return fused(Fused.LL_LOAD + LOAD_INDEX[op2], 3);
      if (op1 === Op.local_get) return fused(Fused.LL, 2);
      if (op1 === Op.local_set) return fused(Fused.GET_SET, 2);
      if (LOCAL_RIGHT_INDEX[op1] >= 0) return fused(Fused.L_OP + LOCAL_RIGHT_INDEX[op1], 2);
      return LOAD_INDEX[op1] >= 0 ? withThen(Fused.L_LOAD + LOAD_INDEX[op1], 1, 2, op2) : NONE;
    }
    case Op.i32_add:
      if (LOAD_INDEX[op1] >= 0) return withThen(Fused.ADD_LOAD + LOAD_INDEX[op1], 0, 2, op2);
      if (op1 === Op.local_set) return fused(Fused.ADD_SET, 2);
      return op1 === Op.local_tee ? fused(Fused.ADD_TEE, 2) : NONE;
    case Op.nop:
    case Op.block:
    case Op.loop:
    case Op.end:
      if (NOP_INDEX[op1] < 0) return NONE;
      return NOP_INDEX[op2] >= 0 ? fused(Fused.NOP3, 3) : fused(Fused.NOP2, 2);
    case Op.i32_const:
      if (COMPARE_INDEX[op1] >= 1 && op2 === Op.br_if && words[(pc + 2) * CODE_WIDTH + 1] !== RETURN_TARGET) {
        return fused(Fused.C_CMP_BR_IF + COMPARE_INDEX[op1], 3);
      }
      if (op1 === Op.i32_add && LOAD_INDEX[op2] >= 0) return withThen(Fused.C_ADD_LOAD + LOAD_INDEX[op2], 3, 3, opAt(words, rows, pc + 3));
      if (op1 === Op.local_set) return fused(Fused.C_SET, 2);
      if (LOAD_INDEX[op1] >= 0) return fused(Fused.C_LOAD + LOAD_INDEX[op1], 2);
      return ARITH_INDEX[op1] >= 0 ? fused(Fused.C_OP + ARITH_INDEX[op1], 2) : NONE;
    case Op.local_set:
      if (op1 !== Op.local_get) return NONE;
      return op2 === Op.local_set && opAt(words, rows, pc + 3) === Op.local_get ? fused(Fused.SET_GET2, 4) : fused(Fused.SET_GET, 2);
    case Op.local_tee:
      return op1 === Op.local_get ? fused(Fused.TEE_GET, 2) : NONE;
    case Op.i32_load:
    case Op.i32_load8_s:
    case Op.i32_load8_u:
      return LOAD_THEN_INDEX[op1] >= 0 ? fused(Fused.LOAD_OP + 2 * INT_LOAD_INDEX[op0] + LOAD_THEN_INDEX[op1], 2) : NONE;
    case Op.f64_add:
    case Op.f64_sub:
    case Op.f64_mul:
      return op1 === Op.f64_store ? fused(Fused.F64_OP_STORE + F64_STORED_INDEX[op0], 2) : NONE;
    default:
      if (COMPARE_INDEX[op0] >= 0 && op1 === Op.br_if && words[(pc + 1) * CODE_WIDTH + 1] !== RETURN_TARGET) {
        return fused(Fused.CMP_BR_IF + COMPARE_INDEX[op0], 2);
      }
      return NONE;
  }
}
