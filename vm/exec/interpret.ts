// Execution (spec 4.4 "Instructions"): the machine and its step loop.
//
// The whole machine state is a handful of integers plus typed arrays, so a snapshot
// is a few array copies (Part 2 hashes it):
//   pc, steps, status       registers
//   stack   (Int32Array)    value slots, 2 words each; a frame's params and locals sit
//                           at its frame pointer `fp`, its operands above them, up to `sp`
//   frames  (Int32Array)    FRAME_WIDTH words per call: return pc, caller fp, caller fn
//   globals, memories, tables, segments (in the store), host I/O state (HostState)
// The loop keeps pc/sp/fp/steps in locals (sp and fp as word indices) and works on the
// typed arrays directly: no object per instruction, no BigInt on the hot path.

import { fastForwardChunks, HostOutcome, wasiStep, type HostState } from '../host/wasi.js';
import { CODE_WIDTH as CODE_WIDTH_EXPORT, RETURN_TARGET as RETURN_TARGET_EXPORT } from './code.js';
import * as I64Module from './int64.js';
import * as FlModule from './float.js';
import * as CvModule from './convert.js';
import { dispatchTable, MAX_FUSED_ROWS } from './fuse.js';
import { warmInterpreter } from './warmup.js';
import { LEAF_SIZE, LOCALS_PER_STEP } from './limits.js';
import { Memory } from './memory.js';
import { NULL_REF } from './table.js';
import type { Store } from './store.js';
import { Trap, TrapMessage } from './trap.js';

// Plain module-local objects for the hot loop's constants and numeric helpers. A test
// runner that rewrites imports into getter calls (vitest) would otherwise pay a getter
// per use, which made the interpreter ~15x slower under test (measured: sha256 fixture
// 95 ms vs 1,150 ms). The opcode numbers are literals (the generated block below).
const CODE_WIDTH = CODE_WIDTH_EXPORT;
// A row's first word is pc << CODE_SHIFT: as a multiply, V8 adds an overflow check and
// three cycles of latency to every dispatch.
const CODE_SHIFT = 2;
// Why runChunk's inner loop stopped: the budget (X_NONE), or a case that calls out.
const X_NONE = 0;
const X_LEAVE = 1;
const X_UNWIND = 2;
const X_ENTER = 3;
const X_HOST = 4;
const X_NUMERIC = 5;
const X_RARE = 6;
if (1 << CODE_SHIFT !== CODE_WIDTH) throw new Error('interpret: CODE_WIDTH is not 1 << CODE_SHIFT');
const RETURN_TARGET = RETURN_TARGET_EXPORT;
const I64 = { ...I64Module };
const Fl = { ...FlModule };
const Cv = { ...CvModule };
const NAN_F64_HI = FlModule.CANONICAL_NAN_F64_HI;
const NAN_F32 = FlModule.CANONICAL_NAN_F32;

// ---- opcode numbers (generated: node scripts/gen-opcode-enums.mjs) ----
// Literal case labels: see test/support/opcode-enums.ts. Do not edit by hand.
const enum Op {
  unreachable = 0x0, nop = 0x1, block = 0x2, loop = 0x3, if = 0x4,
  else = 0x5, end = 0xb, br = 0xc, br_if = 0xd, br_table = 0xe,
  return = 0xf, call = 0x10, call_indirect = 0x11, drop = 0x1a, select = 0x1b,
  local_get = 0x20, local_set = 0x21, local_tee = 0x22, global_get = 0x23, global_set = 0x24,
  table_get = 0x25, table_set = 0x26, i32_load = 0x28, i64_load = 0x29, f32_load = 0x2a,
  f64_load = 0x2b, i32_load8_s = 0x2c, i32_load8_u = 0x2d, i32_load16_s = 0x2e, i32_load16_u = 0x2f,
  i64_load8_s = 0x30, i64_load8_u = 0x31, i64_load16_s = 0x32, i64_load16_u = 0x33, i64_load32_s = 0x34,
  i64_load32_u = 0x35, i32_store = 0x36, i64_store = 0x37, f32_store = 0x38, f64_store = 0x39,
  i32_store8 = 0x3a, i32_store16 = 0x3b, i64_store8 = 0x3c, i64_store16 = 0x3d, i64_store32 = 0x3e,
  memory_size = 0x3f, memory_grow = 0x40, i32_const = 0x41, i64_const = 0x42, f32_const = 0x43,
  f64_const = 0x44, i32_eqz = 0x45, i32_eq = 0x46, i32_ne = 0x47, i32_lt_s = 0x48,
  i32_lt_u = 0x49, i32_gt_s = 0x4a, i32_gt_u = 0x4b, i32_le_s = 0x4c, i32_le_u = 0x4d,
  i32_ge_s = 0x4e, i32_ge_u = 0x4f, i64_eqz = 0x50, i64_eq = 0x51, i64_ne = 0x52,
  i64_lt_s = 0x53, i64_lt_u = 0x54, i64_gt_s = 0x55, i64_gt_u = 0x56, i64_le_s = 0x57,
  i64_le_u = 0x58, i64_ge_s = 0x59, i64_ge_u = 0x5a, f32_eq = 0x5b, f32_ne = 0x5c,
  f32_lt = 0x5d, f32_gt = 0x5e, f32_le = 0x5f, f32_ge = 0x60, f64_eq = 0x61,
  f64_ne = 0x62, f64_lt = 0x63, f64_gt = 0x64, f64_le = 0x65, f64_ge = 0x66,
  i32_clz = 0x67, i32_ctz = 0x68, i32_popcnt = 0x69, i32_add = 0x6a, i32_sub = 0x6b,
  i32_mul = 0x6c, i32_div_s = 0x6d, i32_div_u = 0x6e, i32_rem_s = 0x6f, i32_rem_u = 0x70,
  i32_and = 0x71, i32_or = 0x72, i32_xor = 0x73, i32_shl = 0x74, i32_shr_s = 0x75,
  i32_shr_u = 0x76, i32_rotl = 0x77, i32_rotr = 0x78, i64_clz = 0x79, i64_ctz = 0x7a,
  i64_popcnt = 0x7b, i64_add = 0x7c, i64_sub = 0x7d, i64_mul = 0x7e, i64_div_s = 0x7f,
  i64_div_u = 0x80, i64_rem_s = 0x81, i64_rem_u = 0x82, i64_and = 0x83, i64_or = 0x84,
  i64_xor = 0x85, i64_shl = 0x86, i64_shr_s = 0x87, i64_shr_u = 0x88, i64_rotl = 0x89,
  i64_rotr = 0x8a, f32_abs = 0x8b, f32_neg = 0x8c, f32_ceil = 0x8d, f32_floor = 0x8e,
  f32_trunc = 0x8f, f32_nearest = 0x90, f32_sqrt = 0x91, f32_add = 0x92, f32_sub = 0x93,
  f32_mul = 0x94, f32_div = 0x95, f32_min = 0x96, f32_max = 0x97, f32_copysign = 0x98,
  f64_abs = 0x99, f64_neg = 0x9a, f64_ceil = 0x9b, f64_floor = 0x9c, f64_trunc = 0x9d,
  f64_nearest = 0x9e, f64_sqrt = 0x9f, f64_add = 0xa0, f64_sub = 0xa1, f64_mul = 0xa2,
  f64_div = 0xa3, f64_min = 0xa4, f64_max = 0xa5, f64_copysign = 0xa6, i32_wrap_i64 = 0xa7,
  i32_trunc_f32_s = 0xa8, i32_trunc_f32_u = 0xa9, i32_trunc_f64_s = 0xaa, i32_trunc_f64_u = 0xab, i64_extend_i32_s = 0xac,
  i64_extend_i32_u = 0xad, i64_trunc_f32_s = 0xae, i64_trunc_f32_u = 0xaf, i64_trunc_f64_s = 0xb0, i64_trunc_f64_u = 0xb1,
  f32_convert_i32_s = 0xb2, f32_convert_i32_u = 0xb3, f32_convert_i64_s = 0xb4, f32_convert_i64_u = 0xb5, f32_demote_f64 = 0xb6,
  f64_convert_i32_s = 0xb7, f64_convert_i32_u = 0xb8, f64_convert_i64_s = 0xb9, f64_convert_i64_u = 0xba, f64_promote_f32 = 0xbb,
  i32_reinterpret_f32 = 0xbc, i64_reinterpret_f64 = 0xbd, f32_reinterpret_i32 = 0xbe, f64_reinterpret_i64 = 0xbf, i32_extend8_s = 0xc0,
  i32_extend16_s = 0xc1, i64_extend8_s = 0xc2, i64_extend16_s = 0xc3, i64_extend32_s = 0xc4, ref_null = 0xd0,
  ref_is_null = 0xd1, ref_func = 0xd2,
}
const enum IOp {
  HOST_CALL = 0xf4, END_FUNC = 0xf5, BOOT_EXIT = 0xf6, HALT = 0xf7, LOCALS = 0xf9,
}
const enum F {
  C_ADD = 0x100, C_SUB = 0x101, C_MUL = 0x102, C_AND = 0x103, C_OR = 0x104,
  C_XOR = 0x105, C_SHL = 0x106, C_SHR_S = 0x107, C_SHR_U = 0x108, C_ROTL = 0x109,
  LC_ADD = 0x110, LC_SUB = 0x111, LC_MUL = 0x112, LC_AND = 0x113, LC_OR = 0x114,
  LC_XOR = 0x115, LC_SHL = 0x116, LC_SHR_S = 0x117, LC_SHR_U = 0x118, LC_ROTL = 0x119,
  LL_ADD = 0x120, LL_SUB = 0x121, LL_MUL = 0x122, LL_AND = 0x123, LL_OR = 0x124,
  LL_XOR = 0x125, LL_SHL = 0x126, LL_SHR_S = 0x127, LL_SHR_U = 0x128, LL_ROTL = 0x129,
  EQZ_BR_IF = 0x130, EQ_BR_IF = 0x131, NE_BR_IF = 0x132, LT_S_BR_IF = 0x133, LT_U_BR_IF = 0x134,
  GT_S_BR_IF = 0x135, GT_U_BR_IF = 0x136, LE_S_BR_IF = 0x137, LE_U_BR_IF = 0x138, GE_S_BR_IF = 0x139,
  GE_U_BR_IF = 0x13a, LL = 0x140, LC = 0x141, SET_GET = 0x142, TEE_GET = 0x143,
  ADD_SET = 0x144, ADD_TEE = 0x145, NOP2 = 0x146, NOP3 = 0x147, LC_AND_BR_IF = 0x148,
  LC_AND_EQZ_BR_IF = 0x149, C_SET = 0x14a, GET_SET = 0x14b, L_ADD = 0x150, L_SUB = 0x151,
  L_MUL = 0x152, L_AND = 0x153, L_OR = 0x154, L_XOR = 0x155, L_SHL = 0x156,
  L_SHR_S = 0x157, L_SHR_U = 0x158, L_ROTL = 0x159, L_F64_ADD = 0x15a, L_F64_SUB = 0x15b,
  L_F64_MUL = 0x15c, ADD_LOAD = 0x160, ADD_LOAD8_S = 0x161, ADD_LOAD8_U = 0x162, ADD_F64_LOAD = 0x163,
  L_LOAD = 0x168, L_LOAD8_S = 0x169, L_LOAD8_U = 0x16a, L_F64_LOAD = 0x16b, LC_ADD_LOAD = 0x170,
  LC_ADD_LOAD8_S = 0x171, LC_ADD_LOAD8_U = 0x172, LC_ADD_F64_LOAD = 0x173, C_ADD_LOAD = 0x178, C_ADD_LOAD8_S = 0x179,
  C_ADD_LOAD8_U = 0x17a, C_ADD_F64_LOAD = 0x17b, LOAD_MUL = 0x180, LOAD_ADD = 0x181, LOAD8_S_MUL = 0x182,
  LOAD8_S_ADD = 0x183, LOAD8_U_MUL = 0x184, LOAD8_U_ADD = 0x185, F64_ADD_STORE = 0x188, F64_SUB_STORE = 0x189,
  F64_MUL_STORE = 0x18a, LC_ADD_SET = 0x190, LC_SUB_SET = 0x191, LC_MUL_SET = 0x192, LC_AND_SET = 0x193,
  LC_OR_SET = 0x194, LC_XOR_SET = 0x195, LC_SHL_SET = 0x196, LC_SHR_S_SET = 0x197, LC_SHR_U_SET = 0x198,
  LC_ROTL_SET = 0x199, LC_ADD_TEE = 0x1a0, LC_SUB_TEE = 0x1a1, LC_MUL_TEE = 0x1a2, LC_AND_TEE = 0x1a3,
  LC_OR_TEE = 0x1a4, LC_XOR_TEE = 0x1a5, LC_SHL_TEE = 0x1a6, LC_SHR_S_TEE = 0x1a7, LC_SHR_U_TEE = 0x1a8,
  LC_ROTL_TEE = 0x1a9, LL_ADD_SET = 0x1b0, LL_SUB_SET = 0x1b1, LL_MUL_SET = 0x1b2, LL_AND_SET = 0x1b3,
  LL_OR_SET = 0x1b4, LL_XOR_SET = 0x1b5, LL_SHL_SET = 0x1b6, LL_SHR_S_SET = 0x1b7, LL_SHR_U_SET = 0x1b8,
  LL_ROTL_SET = 0x1b9, LL_ADD_TEE = 0x1c0, LL_SUB_TEE = 0x1c1, LL_MUL_TEE = 0x1c2, LL_AND_TEE = 0x1c3,
  LL_OR_TEE = 0x1c4, LL_XOR_TEE = 0x1c5, LL_SHL_TEE = 0x1c6, LL_SHR_S_TEE = 0x1c7, LL_SHR_U_TEE = 0x1c8,
  LL_ROTL_TEE = 0x1c9, LL_F64_ADD = 0x1d0, LL_F64_SUB = 0x1d1, LL_F64_MUL = 0x1d2, LL_F64_MUL_MUL = 0x1d3,
  SET_GET2 = 0x1d8, LC_ADD_THEN_XOR = 0x200, LC_SUB_THEN_XOR = 0x201, LC_MUL_THEN_XOR = 0x202, LC_AND_THEN_XOR = 0x203,
  LC_OR_THEN_XOR = 0x204, LC_XOR_THEN_XOR = 0x205, LC_SHL_THEN_XOR = 0x206, LC_SHR_S_THEN_XOR = 0x207, LC_SHR_U_THEN_XOR = 0x208,
  LC_ROTL_THEN_XOR = 0x209, LC_ADD_THEN_ADD = 0x210, LC_SUB_THEN_ADD = 0x211, LC_MUL_THEN_ADD = 0x212, LC_AND_THEN_ADD = 0x213,
  LC_OR_THEN_ADD = 0x214, LC_XOR_THEN_ADD = 0x215, LC_SHL_THEN_ADD = 0x216, LC_SHR_S_THEN_ADD = 0x217, LC_SHR_U_THEN_ADD = 0x218,
  LC_ROTL_THEN_ADD = 0x219, LC_ADD_THEN_AND = 0x220, LC_SUB_THEN_AND = 0x221, LC_MUL_THEN_AND = 0x222, LC_AND_THEN_AND = 0x223,
  LC_OR_THEN_AND = 0x224, LC_XOR_THEN_AND = 0x225, LC_SHL_THEN_AND = 0x226, LC_SHR_S_THEN_AND = 0x227, LC_SHR_U_THEN_AND = 0x228,
  LC_ROTL_THEN_AND = 0x229, LC_ADD_THEN_OR = 0x230, LC_SUB_THEN_OR = 0x231, LC_MUL_THEN_OR = 0x232, LC_AND_THEN_OR = 0x233,
  LC_OR_THEN_OR = 0x234, LC_XOR_THEN_OR = 0x235, LC_SHL_THEN_OR = 0x236, LC_SHR_S_THEN_OR = 0x237, LC_SHR_U_THEN_OR = 0x238,
  LC_ROTL_THEN_OR = 0x239, LC_EQ_BR_IF = 0x241, LC_NE_BR_IF = 0x242, LC_LT_S_BR_IF = 0x243, LC_LT_U_BR_IF = 0x244,
  LC_GT_S_BR_IF = 0x245, LC_GT_U_BR_IF = 0x246, LC_LE_S_BR_IF = 0x247, LC_LE_U_BR_IF = 0x248, LC_GE_S_BR_IF = 0x249,
  LC_GE_U_BR_IF = 0x24a, LL_EQ_BR_IF = 0x251, LL_NE_BR_IF = 0x252, LL_LT_S_BR_IF = 0x253, LL_LT_U_BR_IF = 0x254,
  LL_GT_S_BR_IF = 0x255, LL_GT_U_BR_IF = 0x256, LL_LE_S_BR_IF = 0x257, LL_LE_U_BR_IF = 0x258, LL_GE_S_BR_IF = 0x259,
  LL_GE_U_BR_IF = 0x25a, C_EQ_BR_IF = 0x261, C_NE_BR_IF = 0x262, C_LT_S_BR_IF = 0x263, C_LT_U_BR_IF = 0x264,
  C_GT_S_BR_IF = 0x265, C_GT_U_BR_IF = 0x266, C_LE_S_BR_IF = 0x267, C_LE_U_BR_IF = 0x268, C_GE_S_BR_IF = 0x269,
  C_GE_U_BR_IF = 0x26a, LL_LOAD = 0x270, LL_LOAD8_S = 0x271, LL_LOAD8_U = 0x272, LL_F64_LOAD = 0x273,
  C_LOAD = 0x274, C_LOAD8_S = 0x275, C_LOAD8_U = 0x276, C_F64_LOAD = 0x277, ADD_LOAD_MUL = 0x280,
  ADD_LOAD_ADD = 0x281, ADD_LOAD8_S_MUL = 0x282, ADD_LOAD8_S_ADD = 0x283, ADD_LOAD8_U_MUL = 0x284, ADD_LOAD8_U_ADD = 0x285,
  L_LOAD_MUL = 0x288, L_LOAD_ADD = 0x289, L_LOAD8_S_MUL = 0x28a, L_LOAD8_S_ADD = 0x28b, L_LOAD8_U_MUL = 0x28c,
  L_LOAD8_U_ADD = 0x28d, LC_ADD_LOAD_MUL = 0x290, LC_ADD_LOAD_ADD = 0x291, LC_ADD_LOAD8_S_MUL = 0x292, LC_ADD_LOAD8_S_ADD = 0x293,
  LC_ADD_LOAD8_U_MUL = 0x294, LC_ADD_LOAD8_U_ADD = 0x295, C_ADD_LOAD_MUL = 0x298, C_ADD_LOAD_ADD = 0x299, C_ADD_LOAD8_S_MUL = 0x29a,
  C_ADD_LOAD8_S_ADD = 0x29b, C_ADD_LOAD8_U_MUL = 0x29c, C_ADD_LOAD8_U_ADD = 0x29d,
}
// ---- end of opcode numbers ----

export type Status = 'running' | 'exited' | 'trapped' | 'out-of-steps' | 'returned';

/** Words per frame record: [return pc, caller fp, caller function address, caller units]. */
export const FRAME_WIDTH = 4;

/** Function address of the bootstrap / trampoline code (no wasm function is active). */
export const NO_FUNCTION = -1;

const EMPTY_MEMORY = new Memory(0, 0);
const NO_CODE = new Int32Array(0);
const P = 0xe0; // first internal opcode of the 0xFC-prefixed instructions

/**
 * Batching the micro-steps of a bulk operation must leave exactly the state stepping
 * leaves: each micro-step rewrites the operands in place and the last one pops them, so
 * the popped slots keep the operands the LAST micro-step started with (they stay in the
 * committed stack region above sp). These write those values; `lastLeafStart` is where
 * a forward operation's last chunk begins.
 */
function lastMicroStepOperands(w: Int32Array, j: number, a: number, b: number, c: number): void {
  w[j] = a;
  w[j + 2] = b;
  w[j + 4] = c;
}

function lastLeafStart(d: number, n: number): number {
  return Math.max(d, Math.floor((d + n - 1) / LEAF_SIZE) * LEAF_SIZE);
}

/** Number of aligned 32-byte leaves that bytes [d, d+n) touch (n > 0). */
export function leavesTouched(d: number, n: number): number {
  return Math.floor((d + n - 1) / LEAF_SIZE) - Math.floor(d / LEAF_SIZE) + 1;
}

/** Words of a machine's dispatch table space for `rows` rows of code: a power of two, for few moves as a store grows. */
function tableCapacity(rows: number): number {
  let words = MIN_TABLE_WORDS;
  while (words < rows * CODE_WIDTH) words *= 2;
  return words;
}
const MIN_TABLE_WORDS = 1 << 12;

/** Buffers of released machines (Machine.release), by stack units. */
const spareBuffers = new Map<number, { buffer: ArrayBuffer; tableWords: number; frames: Int32Array }[]>();
const SPARES_KEPT = 2;

export class Machine {
  /** The value stack (two words a slot). A new array when the store's code outgrows the machine's table space: read it at use. */
  stack!: Int32Array;
  f32!: Float32Array;
  f64!: Float64Array;
  readonly frames: Int32Array;

  pc = 0;
  sp = 0;
  fp = 0;
  /** Frame records in use. */
  fsp = 0;
  /** Address of the running function, NO_FUNCTION in bootstrap code. */
  fn = NO_FUNCTION;
  /** Stack units in use (docs/machine.md#limits). */
  units = 0;
  /**
   * High-water marks, kept for snapshots (vm/exec/snapshot.ts): no slot at or above
   * `maxSp` and no frame record at or above `maxFsp` was ever written, so a snapshot
   * copies only below them. Tracked per call (a frame never grows past its static
   * units), not per instruction.
   */
  maxSp = 0;
  maxFsp = 0;
  steps = 0;
  status: Status = 'running';
  exitCode: number | null = null;
  trapMessage: string | null = null;
  /** Memory of the running function's instance. */
  mem: Memory = EMPTY_MEMORY;
  /**
   * The micro-step registers r0..r3 (docs/machine.md#micro-step-registers), all zero
   * between micro-stepped instructions: a WASI call's progress, or table.grow's. A job
   * machine shares them with its host (they are `host.regs`), so there is one set.
   */
  readonly regs: Int32Array;
  /** The dispatch table (vm/exec/fuse.ts) and the machine code, set by run() for runChunk. */
  private code: Int32Array = NO_CODE;
  /**
   * One buffer holds the dispatch table (its first `tableWords` words, a copy) and the
   * value stack (the rest; `stack`, `f32` and `f64` view only that part). runChunk reads
   * both through `words`, with stack indices offset by `tableWords`: one typed array in
   * the loop instead of two, so V8 checks and loads one array's map, base and length per
   * dispatch instead of two (measured: loop 8%, floats32 and sort 4%).
   */
  private words: Int32Array = NO_CODE;
  private wordsF32: Float32Array = new Float32Array(0);
  private wordsF64: Float64Array = new Float64Array(0);
  private tableWords = 0;
  /** Rows of the store's code whose dispatch entries are copied into `words`. */
  private tableRows = 0;
  private rows: Int32Array = NO_CODE;

  constructor(
    readonly store: Store,
    readonly host: HostState | null,
    public maxSteps: number,
    readonly maxStackUnits: number,
  ) {
    // Each frame costs at least one unit and each slot one unit, so maxStackUnits slots
    // and frames always suffice: the static unit check is the only overflow check.
    const spare = spareBuffers.get(maxStackUnits)?.pop();
    const tableWords = tableCapacity(store.code.length);
    const reuse = spare !== undefined && spare.tableWords >= tableWords;
    this.useBuffer(reuse ? spare.buffer : null, reuse ? spare.tableWords : tableWords);
    this.frames = spare?.frames ?? new Int32Array(FRAME_WIDTH * (maxStackUnits + 1));
    this.regs = host === null ? new Int32Array(4) : host.regs;
  }

  /**
   * Hands this machine's stack and frame buffers, zeroed where it wrote them (below maxSp
   * and maxFsp), to the next machine of the same size; this machine must not be used
   * afterwards. A job's machine is built for every run, and allocating its buffers
   * (6 MiB under the default limits) costs more than zeroing the part a run touched.
   */
  release(): void {
    const spares = spareBuffers.get(this.maxStackUnits) ?? [];
    if (spares.length >= SPARES_KEPT) return;
    this.stack.fill(0, 0, 2 * (this.maxSp + 1));
    this.frames.fill(0, 0, FRAME_WIDTH * (Math.max(this.maxFsp, this.fsp) + 1));
    spares.push({ buffer: this.words.buffer as ArrayBuffer, tableWords: this.tableWords, frames: this.frames });
    spareBuffers.set(this.maxStackUnits, spares);
    this.maxSteps = 0; // a run() by mistake stops at once (out-of-steps) instead of writing
  }

  /**
   * Uses `buffer` (a released machine's, or null for a new one) for the dispatch table
   * space of `tableWords` words and the value stack after it.
   */
  private useBuffer(buffer: ArrayBuffer | null, tableWords: number): void {
    const stackWords = 2 * (this.maxStackUnits + 1);
    const b = buffer ?? new ArrayBuffer(4 * (tableWords + stackWords));
    this.words = new Int32Array(b);
    this.wordsF32 = new Float32Array(b);
    this.wordsF64 = new Float64Array(b);
    this.tableWords = tableWords;
    this.tableRows = 0;
    this.stack = new Int32Array(b, 4 * tableWords, stackWords);
    this.f32 = new Float32Array(b, 4 * tableWords, stackWords);
    this.f64 = new Float64Array(b, 4 * tableWords, stackWords / 2);
  }

  /**
   * Brings the dispatch table's copy in `words` up to date with the store's code (rows
   * appended since, and the entries of the last rows before them, which a new row may
   * extend), moving the stack to a larger buffer when the code outgrew the table space.
   */
  private copyDispatchTable(): void {
    const code = this.store.code;
    const table = dispatchTable(code);
    if (code.length * CODE_WIDTH > this.tableWords) {
      const stack = this.stack;
      this.useBuffer(null, tableCapacity(code.length));
      this.stack.set(stack);
    }
    const from = Math.max(0, this.tableRows - (MAX_FUSED_ROWS - 1)) * CODE_WIDTH;
    this.words.set(table.subarray(from, code.length * CODE_WIDTH), from);
    this.tableRows = code.length;
  }

  /** Selects the memory of the instance that owns function `fn`. */
  private selectMemory(): void {
    const f = this.fn === NO_FUNCTION ? null : this.store.funcs[this.fn];
    this.mem = f && f.kind === 'wasm' && f.instance.memAddr >= 0 ? this.store.mems[f.instance.memAddr] : EMPTY_MEMORY;
  }

  /**
   * Enters wasm function `addr` whose arguments are the top slots below `sp`; the caller
   * resumes at `returnPc`. Returns the new sp. Traps when the call would exceed the
   * stack-unit budget.
   */
  private enter(addr: number, sp: number, returnPc: number): number {
    const f = this.store.funcs[addr];
    if (f.kind !== 'wasm') throw new Error('internal: enter() of a host function');
    if (this.units + f.units > this.maxStackUnits) throw new Trap(TrapMessage.callStackExhausted);
    this.units += f.units;
    let r = this.fsp * FRAME_WIDTH;
    const fr = this.frames;
    fr[r++] = returnPc;
    fr[r++] = this.fp;
    fr[r++] = this.fn;
    fr[r] = f.units;
    this.fsp++;
    if (this.fsp > this.maxFsp) this.maxFsp = this.fsp;
    // Declared locals are pushed by the function's LOCALS prologue row, not here: zeroing
    // them is micro-stepped so that one step writes a bounded part of the stack.
    this.fp = sp - f.params;
    // The frame's slots (params, locals, operands) all lie below fp + units - 1.
    if (this.fp + f.units - 1 > this.maxSp) this.maxSp = this.fp + f.units - 1;
    this.fn = addr;
    this.pc = f.entryPc;
    if (f.instance.memAddr >= 0) this.mem = this.store.mems[f.instance.memAddr];
    else this.mem = EMPTY_MEMORY;
    return sp;
  }

  /** Returns from the running function: its results (top of stack) move to its fp. */
  private leave(sp: number): number {
    const funcs = this.store.funcs;
    const f = funcs[this.fn];
    const n = f.kind === 'wasm' ? f.results : 0;
    const fp = this.fp;
    const w = this.stack;
    // The results move down to fp: mostly none or one, which needs no copyWithin call.
    if (n === 1) {
      w[fp * 2] = w[sp * 2 - 2];
      w[fp * 2 + 1] = w[sp * 2 - 1];
    } else if (n > 1) w.copyWithin(fp * 2, (sp - n) * 2, sp * 2);
    this.fsp--;
    let r = this.fsp * FRAME_WIDTH;
    const fr = this.frames;
    this.pc = fr[r++];
    this.fp = fr[r++];
    this.fn = fr[r++];
    this.units -= fr[r];
    // The caller's memory is the callee's when both are of one instance (a job's module).
    const caller = this.fn === NO_FUNCTION ? null : funcs[this.fn];
    if (caller === null || caller.kind !== 'wasm' || f.kind !== 'wasm' || caller.instance !== f.instance) this.selectMemory();
    return fp + n;
  }

  /**
   * Runs until the machine halts (exits, traps, returns to a HALT row) or has executed
   * `maxSteps` steps in total (status `out-of-steps`).
   */
  run(): void {
    warmInterpreter(); // once per process: see vm/exec/warmup.ts
    while (this.status === 'running') {
      if (this.steps >= this.maxSteps) {
        this.status = 'out-of-steps';
        break;
      }
      // `| 0`: maxSteps - steps is usually a double (limits go to 10^10); the loop must
      // compare against a small integer or V8 deoptimizes it ("lost precision").
      // Through fields, not parameters: V8 knows a field's array type, so the loop does not
      // re-check it on every dispatch.
      if (this.tableRows !== this.store.code.length) this.copyDispatchTable();
      this.code = this.words;
      this.rows = this.store.code.words;
      this.runChunk(Math.min(this.maxSteps - this.steps, CHUNK_STEPS) | 0);
    }
  }

  /**
   * The step loop, for at most `budget` steps (fewer if the machine halts), dispatching
   * on `code`, the dispatch table (vm/exec/fuse.ts), while the budget has room for a fused row. The budget
   * is chunked so that the step counter of the loop stays a small integer for V8.
   *
   * Only the frequent instructions are written out here: V8 delays optimizing a function
   * in proportion to its size and re-optimizes it whenever a case runs for the first
   * time, so a small loop gets fast far sooner. Pure numeric instructions go to
   * `unaryOp` / `binaryOp`, everything that touches more state to `execRare`; both, and
   * calls and returns, run after the inner loop, which the case leaves (`break inner`)
   * so that the inner loop itself calls nothing (measured: the loop fixture 470 -> 540
   * Msteps/s, the others 2-3%). The stack pointer is kept in words here (`s` = 2 * sp).
   */
  private runChunk(budget: number): void {
    const start = this.steps;
    // `code` is the dispatch table: the rows with a fused opcode in word 0 where a
    // sequence starts (so operands and dispatch come from one array); `rows` is the
    // machine code itself, whose word 0 is dispatched on when the budget is nearly spent.
    const code = this.code;
    const rows = this.rows;
    const w = code; // the same array: see `words`
    const sb = this.tableWords; // word 0 of the stack in w
    const f32 = this.wordsF32;
    const f64 = this.wordsF64;
    const globals = this.store.globals;
    const tables = this.store.tables;
    const funcs = this.store.funcs;
    const frames = this.frames;
    // A fused entry runs up to MAX_FUSED_ROWS rows: only taken while the budget has room.
    const fuseUntil = budget - (MAX_FUSED_ROWS - 1);
    let n = 0; // steps executed in this chunk
    let pc = this.pc;
    let s = this.sp * 2 + sb;
    let fw = this.fp * 2 + sb;
    let bytes = this.mem.bytes;
    let m32 = this.mem.words;
    let dv = this.mem.view;
    let memSize = this.mem.size;
    // True while an out-of-line method owns the state (this.pc/sp/steps are current).
    let synced = false;
    // Why the inner loop stopped (X_*), and what the case that stopped it leaves for the
    // switch after it.
    let exit = X_NONE;
    let x1 = 0;
    let x2 = 0;
    let x3 = 0;

    try {
      outer: for (;;) {
      // The inner loop calls nothing: every case that would (rare and less frequent
      // numeric instructions, calls and returns that are not the common case, host calls)
      // leaves it for the switch after it and comes back. Helpers that V8 did not inline
      // cost a call and its register spills each time.
      // The reads below, before the loop, establish the typed arrays' maps and lengths:
      // without them every fixture runs 15% slower (measured; V8 still re-checks `code`
      // (which is `w`) at each dispatch, since its stack check at the loop's back edge
      // counts as a write to anything). Never true (`| 1`): the reads only have to happen.
      if ((code[0] | rows[0] | m32.length | bytes.length | 1) === 0) break;
      inner: for (;;) {
        n++;
        const base = pc << CODE_SHIFT;
        // One compare on the common path: the budget is tested only in a chunk's last
        // rows (measured against `while (n < budget)` and a select: fixtures 1.5-5% faster).
        let op: number;
        if (n <= fuseUntil) op = code[base];
        else if (n <= budget) op = rows[base];
        else {
          n--;
          break;
        }
        switch (op) {
          // Every label is a literal (the generated block above), so V8 dispatches through
          // a jump table. The most frequent cases come first (fixtures: local.get alone is
          // 24% of all steps, i32.const 16%, i32.add 10%). (Tried: a second loop for the
          // last rows of a chunk instead of the `n <= fuseUntil` test: 10-20% slower.)
          // ---- superinstructions (vm/exec/fuse.ts): each writes, counts and leaves what
          // stepping its rows would. Operand words: row k's word j is code[base + 4k + j].
          case F.C_ADD: n++; w[s] = code[base + 1]; w[s + 1] = 0; w[s - 2] = (w[s - 2] + w[s]) | 0; pc += 2; break;
          case F.C_SUB: n++; w[s] = code[base + 1]; w[s + 1] = 0; w[s - 2] = (w[s - 2] - w[s]) | 0; pc += 2; break;
          case F.C_MUL: n++; w[s] = code[base + 1]; w[s + 1] = 0; w[s - 2] = Math.imul(w[s - 2], w[s]); pc += 2; break;
          case F.C_AND: n++; w[s] = code[base + 1]; w[s + 1] = 0; w[s - 2] &= w[s]; pc += 2; break;
          case F.C_OR: n++; w[s] = code[base + 1]; w[s + 1] = 0; w[s - 2] |= w[s]; pc += 2; break;
          case F.C_XOR: n++; w[s] = code[base + 1]; w[s + 1] = 0; w[s - 2] ^= w[s]; pc += 2; break;
          case F.C_SHL: n++; w[s] = code[base + 1]; w[s + 1] = 0; w[s - 2] <<= w[s]; pc += 2; break;
          case F.C_SHR_S: n++; w[s] = code[base + 1]; w[s + 1] = 0; w[s - 2] >>= w[s]; pc += 2; break;
          case F.C_SHR_U: n++; w[s] = code[base + 1]; w[s + 1] = 0; w[s - 2] = w[s - 2] >>> w[s]; pc += 2; break;
          case F.C_ROTL: n++; w[s] = code[base + 1]; w[s + 1] = 0; { const x = w[s - 2]; const k = w[s]; w[s - 2] = (x << k) | (x >>> (32 - k)); } pc += 2; break;

          case F.LC_ADD: case F.LC_SUB: case F.LC_MUL: case F.LC_AND: case F.LC_OR:
          case F.LC_XOR: case F.LC_SHL: case F.LC_SHR_S: case F.LC_SHR_U: case F.LC_ROTL:
          case F.LC_ADD_SET: case F.LC_SUB_SET: case F.LC_MUL_SET: case F.LC_AND_SET: case F.LC_OR_SET:
          case F.LC_XOR_SET: case F.LC_SHL_SET: case F.LC_SHR_S_SET: case F.LC_SHR_U_SET: case F.LC_ROTL_SET:
          case F.LC_ADD_TEE: case F.LC_SUB_TEE: case F.LC_MUL_TEE: case F.LC_AND_TEE: case F.LC_OR_TEE:
          case F.LC_XOR_TEE: case F.LC_SHL_TEE: case F.LC_SHR_S_TEE: case F.LC_SHR_U_TEE: case F.LC_ROTL_TEE:
          case F.LC_ADD_THEN_XOR: case F.LC_SUB_THEN_XOR: case F.LC_MUL_THEN_XOR: case F.LC_AND_THEN_XOR: case F.LC_OR_THEN_XOR:
          case F.LC_XOR_THEN_XOR: case F.LC_SHL_THEN_XOR: case F.LC_SHR_S_THEN_XOR: case F.LC_SHR_U_THEN_XOR: case F.LC_ROTL_THEN_XOR:
          case F.LC_ADD_THEN_ADD: case F.LC_SUB_THEN_ADD: case F.LC_MUL_THEN_ADD: case F.LC_AND_THEN_ADD: case F.LC_OR_THEN_ADD:
          case F.LC_XOR_THEN_ADD: case F.LC_SHL_THEN_ADD: case F.LC_SHR_S_THEN_ADD: case F.LC_SHR_U_THEN_ADD: case F.LC_ROTL_THEN_ADD:
          case F.LC_ADD_THEN_AND: case F.LC_SUB_THEN_AND: case F.LC_MUL_THEN_AND: case F.LC_AND_THEN_AND: case F.LC_OR_THEN_AND:
          case F.LC_XOR_THEN_AND: case F.LC_SHL_THEN_AND: case F.LC_SHR_S_THEN_AND: case F.LC_SHR_U_THEN_AND: case F.LC_ROTL_THEN_AND:
          case F.LC_ADD_THEN_OR: case F.LC_SUB_THEN_OR: case F.LC_MUL_THEN_OR: case F.LC_AND_THEN_OR: case F.LC_OR_THEN_OR:
          case F.LC_XOR_THEN_OR: case F.LC_SHL_THEN_OR: case F.LC_SHR_S_THEN_OR: case F.LC_SHR_U_THEN_OR: case F.LC_ROTL_THEN_OR: {
            // local.get a; i32.const c; OP [; local.set|tee b | ; OP2]: the local's and the
            // constant's slots as pushed. `op & 15` is OP's index in fuse.ts's ARITH.
            const l = fw + code[base + 1] * 2;
            const x = w[l];
            const c = code[base + 5];
            w[s + 1] = w[l + 1];
            w[s + 2] = c;
            w[s + 3] = 0;
            let v: number;
            switch (op & 15) {
              case 0: v = (x + c) | 0; break;
              case 1: v = (x - c) | 0; break;
              case 2: v = Math.imul(x, c); break;
              case 3: v = x & c; break;
              case 4: v = x | c; break;
              case 5: v = x ^ c; break;
              case 6: v = x << c; break;
              case 7: v = x >> c; break;
              case 8: v = (x >>> c) | 0; break;
              default: v = (x << c) | (x >>> (32 - c)); // rotl
            }
            w[s] = v;
            if (op < F.LC_ADD_SET) {
              s += 2;
              n += 2;
              pc += 3;
              break;
            }
            if (op >= F.LC_ADD_THEN_XOR) { // a fourth row combines the result with the value below it
              const y = w[s - 2];
              switch (op & 0x30) {
                case 0x00: w[s - 2] = y ^ v; break;
                case 0x10: w[s - 2] = (y + v) | 0; break;
                case 0x20: w[s - 2] = y & v; break;
                default: w[s - 2] = y | v;
              }
              n += 3;
              pc += 4;
              break;
            }
            const d = fw + code[base + 13] * 2; // the result's slot (and its high word) goes to local b
            w[d] = v;
            w[d + 1] = w[s + 1];
            if (op >= F.LC_ADD_TEE) s += 2; // local.tee keeps it on the stack
            n += 3;
            pc += 4;
            break;
          }
          case F.LL_ADD: case F.LL_SUB: case F.LL_MUL: case F.LL_AND: case F.LL_OR:
          case F.LL_XOR: case F.LL_SHL: case F.LL_SHR_S: case F.LL_SHR_U: case F.LL_ROTL:
          case F.LL_ADD_SET: case F.LL_SUB_SET: case F.LL_MUL_SET: case F.LL_AND_SET: case F.LL_OR_SET:
          case F.LL_XOR_SET: case F.LL_SHL_SET: case F.LL_SHR_S_SET: case F.LL_SHR_U_SET: case F.LL_ROTL_SET:
          case F.LL_ADD_TEE: case F.LL_SUB_TEE: case F.LL_MUL_TEE: case F.LL_AND_TEE: case F.LL_OR_TEE:
          case F.LL_XOR_TEE: case F.LL_SHL_TEE: case F.LL_SHR_S_TEE: case F.LL_SHR_U_TEE: case F.LL_ROTL_TEE: {
            // local.get a; local.get b; OP [; local.set|tee c]
            const la = fw + code[base + 1] * 2;
            const lb = fw + code[base + 5] * 2;
            const x = w[la];
            const y = w[lb];
            w[s + 1] = w[la + 1];
            w[s + 2] = y;
            w[s + 3] = w[lb + 1];
            let v: number;
            switch (op & 15) {
              case 0: v = (x + y) | 0; break;
              case 1: v = (x - y) | 0; break;
              case 2: v = Math.imul(x, y); break;
              case 3: v = x & y; break;
              case 4: v = x | y; break;
              case 5: v = x ^ y; break;
              case 6: v = x << y; break;
              case 7: v = x >> y; break;
              case 8: v = (x >>> y) | 0; break;
              default: v = (x << y) | (x >>> (32 - y)); // rotl
            }
            w[s] = v;
            if (op < F.LL_ADD_SET) {
              s += 2;
              n += 2;
              pc += 3;
              break;
            }
            const d = fw + code[base + 13] * 2;
            w[d] = v;
            w[d + 1] = w[s + 1];
            if (op >= F.LL_ADD_TEE) s += 2;
            n += 3;
            pc += 4;
            break;
          }
          case F.LL_F64_ADD: case F.LL_F64_SUB: case F.LL_F64_MUL: {
            // local.get a; local.get b; f64.OP
            const la = fw + code[base + 1] * 2;
            const lb = fw + code[base + 5] * 2;
            w[s] = w[la];
            w[s + 1] = w[la + 1];
            w[s + 2] = w[lb];
            w[s + 3] = w[lb + 1];
            const x = f64[la >> 1];
            const y = f64[lb >> 1];
            const r = op === F.LL_F64_ADD ? x + y : op === F.LL_F64_SUB ? x - y : x * y;
            if (r !== r) { w[s] = 0; w[s + 1] = NAN_F64_HI; } else f64[s >> 1] = r; // the NaN rule, inline
            s += 2;
            n += 2;
            pc += 3;
            break;
          }
          case F.L_ADD: case F.L_SUB: case F.L_MUL: case F.L_AND: case F.L_OR:
          case F.L_XOR: case F.L_SHL: case F.L_SHR_S: case F.L_SHR_U: case F.L_ROTL: {
            // local.get a; OP: the local is the right operand, its slot stays written.
            const l = fw + code[base + 1] * 2;
            const x = w[s - 2];
            const y = w[l];
            w[s] = y;
            w[s + 1] = w[l + 1];
            switch (op) {
              case F.L_ADD: w[s - 2] = (x + y) | 0; break;
              case F.L_SUB: w[s - 2] = (x - y) | 0; break;
              case F.L_MUL: w[s - 2] = Math.imul(x, y); break;
              case F.L_AND: w[s - 2] = x & y; break;
              case F.L_OR: w[s - 2] = x | y; break;
              case F.L_XOR: w[s - 2] = x ^ y; break;
              case F.L_SHL: w[s - 2] = x << y; break;
              case F.L_SHR_S: w[s - 2] = x >> y; break;
              case F.L_SHR_U: w[s - 2] = x >>> y; break;
              default: w[s - 2] = (x << y) | (x >>> (32 - y)); // rotl
            }
            n++;
            pc += 2;
            break;
          }
          case F.LL_F64_MUL_MUL: {
            // local.get a; local.get b; f64.mul; local.get c; f64.mul: the product a*b is
            // overwritten by the final one (whose NaN, if any, is canonical either way); c's
            // slot stays written where it was pushed, over b's.
            const la = fw + code[base + 1] * 2;
            const lb = fw + code[base + 5] * 2;
            const lc = fw + code[base + 13] * 2;
            const r = f64[la >> 1] * f64[lb >> 1] * f64[lc >> 1];
            w[s + 2] = w[lc];
            w[s + 3] = w[lc + 1];
            if (r !== r) { w[s] = 0; w[s + 1] = NAN_F64_HI; } else f64[s >> 1] = r;
            s += 2;
            n += 4;
            pc += 5;
            break;
          }
          case F.L_F64_ADD: case F.L_F64_SUB: case F.L_F64_MUL: {
            const l = fw + code[base + 1] * 2;
            w[s] = w[l];
            w[s + 1] = w[l + 1];
            const j = (s >> 1) - 1;
            const x = f64[j];
            const y = f64[j + 1];
            const r = op === F.L_F64_ADD ? x + y : op === F.L_F64_SUB ? x - y : x * y;
            if (r !== r) { w[s - 2] = 0; w[s - 1] = NAN_F64_HI; } else f64[j] = r;
            n++;
            pc += 2;
            break;
          }
          case F.ADD_SET: { // i32.add; local.set a: the sum stays written where local.set popped it
            s -= 4;
            const v = (w[s] + w[s + 2]) | 0;
            w[s] = v;
            const l = fw + code[base + 5] * 2;
            w[l] = v;
            w[l + 1] = w[s + 1];
            n++;
            pc += 2;
            break;
          }
          case F.ADD_TEE: {
            s -= 2;
            const v = (w[s - 2] + w[s]) | 0;
            w[s - 2] = v;
            const l = fw + code[base + 5] * 2;
            w[l] = v;
            w[l + 1] = w[s - 1];
            n++;
            pc += 2;
            break;
          }
          // The hottest address + load sequences, each on its own (the shared case below
          // branches on family, load and operator at every dispatch): int8 dot products
          // (nn_int8) and word lookups (loop). Same order of rows and writes as that case.
          case F.LC_ADD_LOAD8_S: case F.LC_ADD_LOAD8_S_MUL: {
            // local.get a; i32.const c; i32.add; i32.load8_s [; i32.mul]
            const l = fw + code[base + 1] * 2;
            const c = code[base + 5];
            const p = (w[l] + c) | 0;
            w[s] = p;
            w[s + 1] = w[l + 1];
            w[s + 2] = c;
            w[s + 3] = 0;
            s += 2;
            n += 3;
            pc += 3;
            const a = (p >>> 0) + (code[base + 13] >>> 0);
            if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            w[s - 2] = (bytes[a] << 24) >> 24;
            w[s - 1] = 0;
            pc++;
            if (op === F.LC_ADD_LOAD8_S_MUL) {
              s -= 2;
              w[s - 2] = Math.imul(w[s - 2], w[s]);
              n++;
              pc++;
            }
            break;
          }
          case F.L_LOAD8_S: case F.L_LOAD8_S_MUL: {
            // local.get a; i32.load8_s [; i32.mul]
            const l = fw + code[base + 1] * 2;
            const p = w[l];
            w[s] = p;
            w[s + 1] = w[l + 1];
            s += 2;
            n++;
            pc++;
            const a = (p >>> 0) + (code[base + 5] >>> 0);
            if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            w[s - 2] = (bytes[a] << 24) >> 24;
            w[s - 1] = 0;
            pc++;
            if (op === F.L_LOAD8_S_MUL) {
              s -= 2;
              w[s - 2] = Math.imul(w[s - 2], w[s]);
              n++;
              pc++;
            }
            break;
          }
          case F.C_ADD_LOAD8_S: case F.C_ADD_LOAD8_S_MUL: case F.C_ADD_LOAD: {
            // i32.const c; i32.add; i32.load8_s [; i32.mul] | i32.load
            const c = code[base + 1];
            w[s] = c;
            w[s + 1] = 0;
            const p = (w[s - 2] + c) | 0;
            w[s - 2] = p;
            n += 2;
            pc += 2;
            const a = (p >>> 0) + (code[base + 9] >>> 0);
            if (op === F.C_ADD_LOAD) {
              if (a + 4 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
              w[s - 2] = dv.getInt32(a, true);
              pc++;
              break;
            }
            if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            w[s - 2] = (bytes[a] << 24) >> 24;
            w[s - 1] = 0;
            pc++;
            if (op === F.C_ADD_LOAD8_S_MUL) {
              s -= 2;
              w[s - 2] = Math.imul(w[s - 2], w[s]);
              n++;
              pc++;
            }
            break;
          }
          case F.ADD_LOAD: case F.ADD_LOAD8_S: case F.ADD_LOAD8_U: case F.ADD_F64_LOAD:
          case F.L_LOAD: case F.L_LOAD8_U: case F.L_F64_LOAD:
          case F.LC_ADD_LOAD: case F.LC_ADD_LOAD8_U: case F.LC_ADD_F64_LOAD:
          case F.C_ADD_LOAD8_U: case F.C_ADD_F64_LOAD:
          case F.ADD_LOAD_MUL: case F.ADD_LOAD_ADD: case F.ADD_LOAD8_S_MUL: case F.ADD_LOAD8_S_ADD: case F.ADD_LOAD8_U_MUL: case F.ADD_LOAD8_U_ADD:
          case F.L_LOAD_MUL: case F.L_LOAD_ADD: case F.L_LOAD8_S_ADD: case F.L_LOAD8_U_MUL: case F.L_LOAD8_U_ADD:
          case F.LC_ADD_LOAD_MUL: case F.LC_ADD_LOAD_ADD: case F.LC_ADD_LOAD8_S_ADD: case F.LC_ADD_LOAD8_U_MUL: case F.LC_ADD_LOAD8_U_ADD:
          case F.C_ADD_LOAD_MUL: case F.C_ADD_LOAD_ADD: case F.C_ADD_LOAD8_S_ADD: case F.C_ADD_LOAD8_U_MUL: case F.C_ADD_LOAD8_U_ADD:
          case F.LL_LOAD: case F.LL_LOAD8_S: case F.LL_LOAD8_U: case F.LL_F64_LOAD:
          case F.C_LOAD: case F.C_LOAD8_S: case F.C_LOAD8_U: case F.C_F64_LOAD: {
            // The rows computing the address, then the load [, then i32.mul|i32.add with the
            // value below]. Rows are done in order: a trap in the load leaves pc on the load
            // row, every step up to it counted, the operator's row not run.
            // Families (fuse.ts): ADD_LOAD.. = family * 8 + load; ADD_LOAD_MUL.. = family * 8 + load * 2 + then;
            // LL_LOAD.. and C_LOAD.. = family + load (families 4 and 5 here).
            const fusedThen = op >= F.ADD_LOAD_MUL;
            const family = fusedThen ? (op - F.ADD_LOAD_MUL) >> 3 : op >= F.LL_LOAD ? (op >= F.C_LOAD ? 5 : 4) : (op - F.ADD_LOAD) >> 3;
            if (family === 4) { // local.get a; local.get b (the address)
              const la = fw + code[base + 1] * 2;
              const lb = fw + code[base + 5] * 2;
              w[s] = w[la];
              w[s + 1] = w[la + 1];
              w[s + 2] = w[lb];
              w[s + 3] = w[lb + 1];
              s += 4;
              n += 2;
              pc += 2;
            } else if (family === 5) { // i32.const c (the address)
              w[s] = code[base + 1];
              w[s + 1] = 0;
              s += 2;
              n++;
              pc++;
            } else if (family === 0) { // i32.add
              s -= 2;
              w[s - 2] = (w[s - 2] + w[s]) | 0;
              n++;
              pc++;
            } else if (family === 1) { // local.get a
              const l = fw + code[base + 1] * 2;
              w[s] = w[l];
              w[s + 1] = w[l + 1];
              s += 2;
              n++;
              pc++;
            } else if (family === 2) { // local.get a; i32.const c; i32.add
              const l = fw + code[base + 1] * 2;
              const c = code[base + 5];
              w[s + 1] = w[l + 1];
              w[s + 2] = c;
              w[s + 3] = 0;
              w[s] = (w[l] + c) | 0;
              s += 2;
              n += 3;
              pc += 3;
            } else { // i32.const c; i32.add
              const c = code[base + 1];
              w[s] = c;
              w[s + 1] = 0;
              w[s - 2] = (w[s - 2] + c) | 0;
              n += 2;
              pc += 2;
            }
            const a = (w[s - 2] >>> 0) + (code[(pc << CODE_SHIFT) + 1] >>> 0);
            switch (fusedThen ? (op >> 1) & 3 : op & 3) { // the load, in the order of fuse.ts's LOADS
              case 0:
                if (a + 4 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
                w[s - 2] = dv.getInt32(a, true);
                break;
              case 1:
                if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
                w[s - 2] = (bytes[a] << 24) >> 24;
                w[s - 1] = 0;
                break;
              case 2:
                if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
                w[s - 2] = bytes[a];
                w[s - 1] = 0;
                break;
              default:
                if (a + 8 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
                w[s - 2] = dv.getInt32(a, true);
                w[s - 1] = dv.getInt32(a + 4, true);
            }
            pc++;
            if (fusedThen) { // i32.mul | i32.add: the loaded value is the right operand
              s -= 2;
              const v = w[s];
              w[s - 2] = (op & 1) === 0 ? Math.imul(w[s - 2], v) : (w[s - 2] + v) | 0;
              n++;
              pc++;
            }
            break;
          }
          case F.LOAD_MUL: case F.LOAD_ADD: case F.LOAD8_S_MUL: case F.LOAD8_S_ADD: case F.LOAD8_U_MUL: case F.LOAD8_U_ADD: {
            // LOAD; i32.mul|i32.add: the loaded value is the right operand. A trap in the
            // load happens before anything is written.
            const a = (w[s - 2] >>> 0) + (code[base + 1] >>> 0);
            let v: number;
            if (op <= F.LOAD_ADD) {
              if (a + 4 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
              v = dv.getInt32(a, true);
            } else {
              if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
              v = op <= F.LOAD8_S_ADD ? (bytes[a] << 24) >> 24 : bytes[a];
              w[s - 1] = 0;
            }
            w[s - 2] = v;
            s -= 2;
            w[s - 2] = (op & 1) === 0 ? Math.imul(w[s - 2], v) : (w[s - 2] + v) | 0;
            n++;
            pc += 2;
            break;
          }
          case F.F64_ADD_STORE: case F.F64_SUB_STORE: case F.F64_MUL_STORE: {
            // OP; f64.store: the result is stored, and stays written where the store popped it.
            s -= 2;
            const j = (s >> 1) - 1;
            const x = f64[j];
            const y = f64[j + 1];
            const r = op === F.F64_ADD_STORE ? x + y : op === F.F64_SUB_STORE ? x - y : x * y;
            if (r !== r) { w[s - 2] = 0; w[s - 1] = NAN_F64_HI; } else f64[j] = r;
            n++;
            pc++;
            s -= 4; // a trap in the store leaves its operands popped, as stepping does
            const a = (w[s] >>> 0) + (code[base + 5] >>> 0);
            if (a + 8 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            if ((a & 3) === 0) { m32[a >>> 2] = w[s + 2]; m32[(a >>> 2) + 1] = w[s + 3]; } else {
              const lo = w[s + 2];
              const hi = w[s + 3];
              bytes[a] = lo; bytes[a + 1] = lo >> 8; bytes[a + 2] = lo >> 16; bytes[a + 3] = lo >> 24;
              bytes[a + 4] = hi; bytes[a + 5] = hi >> 8; bytes[a + 6] = hi >> 16; bytes[a + 7] = hi >> 24;
            }
            pc++;
            break;
          }
          case F.LC_AND_BR_IF: case F.LC_AND_EQZ_BR_IF: {
            // local.get a; i32.const c; i32.and; [i32.eqz;] br_if (not a return): the pushed
            // slots stay written, the and (or eqz) result where br_if popped it.
            const l = fw + code[base + 1] * 2;
            const c = code[base + 5];
            const v = w[l] & c;
            w[s + 1] = w[l + 1];
            w[s + 2] = c;
            w[s + 3] = 0;
            let taken: boolean;
            let b: number; // the br_if row
            if (op === F.LC_AND_BR_IF) {
              w[s] = v;
              taken = v !== 0;
              n += 3;
              b = base + 3 * CODE_WIDTH;
            } else {
              taken = v === 0;
              w[s] = taken ? 1 : 0;
              n += 4;
              b = base + 4 * CODE_WIDTH;
            }
            if (taken) {
              if (code[b + 2] !== 0) { // values to carry: out of the loop
                exit = X_UNWIND; x1 = fw + code[b + 3] * 2; x2 = code[b + 2]; x3 = code[b + 1];
                break inner;
              }
              s = fw + code[b + 3] * 2;
              pc = code[b + 1];
            } else pc += op === F.LC_AND_BR_IF ? 4 : 5;
            break;
          }
          case F.C_SET: { // i32.const c; local.set a: the constant's slot stays written
            const c = code[base + 1];
            const l = fw + code[base + 5] * 2;
            w[s] = c;
            w[s + 1] = 0;
            w[l] = c;
            w[l + 1] = 0;
            n++;
            pc += 2;
            break;
          }
          case F.GET_SET: { // local.get a; local.set b: the pushed slot stays written
            const la = fw + code[base + 1] * 2;
            const lb = fw + code[base + 5] * 2;
            const lo = w[la];
            const hi = w[la + 1];
            w[s] = lo;
            w[s + 1] = hi;
            w[lb] = lo;
            w[lb + 1] = hi;
            n++;
            pc += 2;
            break;
          }
          case F.NOP2: n++; pc += 2; break;
          case F.NOP3: n += 2; pc += 3; break;
          case F.LL: {
            const la = fw + code[base + 1] * 2;
            const lb = fw + code[base + 5] * 2;
            w[s] = w[la];
            w[s + 1] = w[la + 1];
            w[s + 2] = w[lb];
            w[s + 3] = w[lb + 1];
            s += 4;
            n++;
            pc += 2;
            break;
          }
          case F.LC: {
            const l = fw + code[base + 1] * 2;
            w[s] = w[l];
            w[s + 1] = w[l + 1];
            w[s + 2] = code[base + 5];
            w[s + 3] = 0;
            s += 4;
            n++;
            pc += 2;
            break;
          }
          case F.SET_GET: case F.SET_GET2: { // in order: a get may read the local just set
            let la = fw + code[base + 1] * 2;
            let lb = fw + code[base + 5] * 2;
            w[la] = w[s - 2];
            w[la + 1] = w[s - 1];
            w[s - 2] = w[lb];
            w[s - 1] = w[lb + 1];
            if (op === F.SET_GET2) { // register shuffles: local.set; local.get; local.set; local.get
              la = fw + code[base + 9] * 2;
              lb = fw + code[base + 13] * 2;
              w[la] = w[s - 2];
              w[la + 1] = w[s - 1];
              w[s - 2] = w[lb];
              w[s - 1] = w[lb + 1];
              n += 2;
              pc += 2;
            }
            n++;
            pc += 2;
            break;
          }
          case F.TEE_GET: {
            const la = fw + code[base + 1] * 2;
            const lb = fw + code[base + 5] * 2;
            w[la] = w[s - 2];
            w[la + 1] = w[s - 1];
            w[s] = w[lb];
            w[s + 1] = w[lb + 1];
            s += 2;
            n++;
            pc += 2;
            break;
          }
          case F.LC_EQ_BR_IF: case F.LC_NE_BR_IF: case F.LC_LT_S_BR_IF: case F.LC_LT_U_BR_IF: case F.LC_GT_S_BR_IF:
          case F.LC_GT_U_BR_IF: case F.LC_LE_S_BR_IF: case F.LC_LE_U_BR_IF: case F.LC_GE_S_BR_IF:
          case F.LC_GE_U_BR_IF:
          case F.LL_EQ_BR_IF: case F.LL_NE_BR_IF: case F.LL_LT_S_BR_IF: case F.LL_LT_U_BR_IF: case F.LL_GT_S_BR_IF:
          case F.LL_GT_U_BR_IF: case F.LL_LE_S_BR_IF: case F.LL_LE_U_BR_IF: case F.LL_GE_S_BR_IF:
          case F.LL_GE_U_BR_IF: {
            // local.get a; i32.const c|local.get b; CMP; br_if (not a return): the pushed
            // slots stay written, the comparison's result where br_if popped it.
            const l = fw + code[base + 1] * 2;
            const x = w[l];
            let y: number;
            w[s + 1] = w[l + 1];
            if (op < F.LL_EQ_BR_IF) {
              y = code[base + 5];
              w[s + 3] = 0;
            } else {
              const lb = fw + code[base + 5] * 2;
              y = w[lb];
              w[s + 3] = w[lb + 1];
            }
            w[s + 2] = y;
            let taken: boolean;
            switch (op & 15) { // CMP's index in fuse.ts's COMPARE
              case 1: taken = x === y; break;
              case 2: taken = x !== y; break;
              case 3: taken = x < y; break;
              case 4: taken = (x >>> 0) < (y >>> 0); break;
              case 5: taken = x > y; break;
              case 6: taken = (x >>> 0) > (y >>> 0); break;
              case 7: taken = x <= y; break;
              case 8: taken = (x >>> 0) <= (y >>> 0); break;
              case 9: taken = x >= y; break;
              default: taken = (x >>> 0) >= (y >>> 0);
            }
            w[s] = taken ? 1 : 0;
            n += 3;
            if (taken) {
              const b = base + 3 * CODE_WIDTH;
              if (code[b + 2] !== 0) { // values to carry: out of the loop
                exit = X_UNWIND; x1 = fw + code[b + 3] * 2; x2 = code[b + 2]; x3 = code[b + 1];
                break inner;
              }
              s = fw + code[b + 3] * 2;
              pc = code[b + 1];
            } else pc += 4;
            break;
          }
          case F.C_EQ_BR_IF: case F.C_NE_BR_IF: case F.C_LT_S_BR_IF: case F.C_LT_U_BR_IF: case F.C_GT_S_BR_IF:
          case F.C_GT_U_BR_IF: case F.C_LE_S_BR_IF: case F.C_LE_U_BR_IF: case F.C_GE_S_BR_IF: case F.C_GE_U_BR_IF: {
            // i32.const c; CMP; br_if (not a return): the constant is the right operand; its
            // slot stays written above the comparison's result, which br_if popped.
            const x = w[s - 2];
            const c = code[base + 1];
            w[s] = c;
            w[s + 1] = 0;
            let taken: boolean;
            switch (op & 15) { // CMP's index in fuse.ts's COMPARE
              case 1: taken = x === c; break;
              case 2: taken = x !== c; break;
              case 3: taken = x < c; break;
              case 4: taken = (x >>> 0) < (c >>> 0); break;
              case 5: taken = x > c; break;
              case 6: taken = (x >>> 0) > (c >>> 0); break;
              case 7: taken = x <= c; break;
              case 8: taken = (x >>> 0) <= (c >>> 0); break;
              case 9: taken = x >= c; break;
              default: taken = (x >>> 0) >= (c >>> 0);
            }
            w[s - 2] = taken ? 1 : 0;
            s -= 2;
            n += 2;
            if (taken) {
              const b = base + 2 * CODE_WIDTH;
              if (code[b + 2] !== 0) { // values to carry: out of the loop
                exit = X_UNWIND; x1 = fw + code[b + 3] * 2; x2 = code[b + 2]; x3 = code[b + 1];
                break inner;
              }
              s = fw + code[b + 3] * 2;
              pc = code[b + 1];
            } else pc += 3;
            break;
          }
          case F.EQZ_BR_IF: case F.EQ_BR_IF: case F.NE_BR_IF: case F.LT_S_BR_IF: case F.LT_U_BR_IF: case F.GT_S_BR_IF:
          case F.GT_U_BR_IF: case F.LE_S_BR_IF: case F.LE_U_BR_IF: case F.GE_S_BR_IF: case F.GE_U_BR_IF: {
            // CMP; br_if (not a return): the comparison's result stays written where br_if popped it.
            let taken: boolean;
            if (op === F.EQZ_BR_IF) taken = w[s - 2] === 0;
            else {
              s -= 2;
              const x = w[s - 2];
              const y = w[s];
              switch (op) {
                case F.EQ_BR_IF: taken = x === y; break;
                case F.NE_BR_IF: taken = x !== y; break;
                case F.LT_S_BR_IF: taken = x < y; break;
                case F.LT_U_BR_IF: taken = (x >>> 0) < (y >>> 0); break;
                case F.GT_S_BR_IF: taken = x > y; break;
                case F.GT_U_BR_IF: taken = (x >>> 0) > (y >>> 0); break;
                case F.LE_S_BR_IF: taken = x <= y; break;
                case F.LE_U_BR_IF: taken = (x >>> 0) <= (y >>> 0); break;
                case F.GE_S_BR_IF: taken = x >= y; break;
                default: taken = (x >>> 0) >= (y >>> 0);
              }
            }
            w[s - 2] = taken ? 1 : 0;
            s -= 2;
            n++;
            if (taken) {
              const b = base + CODE_WIDTH;
              if (code[b + 2] !== 0) { // values to carry: out of the loop
                exit = X_UNWIND; x1 = fw + code[b + 3] * 2; x2 = code[b + 2]; x3 = code[b + 1];
                break inner;
              }
              s = fw + code[b + 3] * 2;
              pc = code[b + 1];
            } else pc += 2;
            break;
          }

          // ---- variables ----
          case Op.local_get: {
            const l = fw + code[base + 1] * 2;
            w[s] = w[l];
            w[s + 1] = w[l + 1];
            s += 2;
            pc++;
            break;
          }
          case Op.local_set: {
            s -= 2;
            const l = fw + code[base + 1] * 2;
            w[l] = w[s];
            w[l + 1] = w[s + 1];
            pc++;
            break;
          }
          case Op.local_tee: {
            const l = fw + code[base + 1] * 2;
            w[l] = w[s - 2];
            w[l + 1] = w[s - 1];
            pc++;
            break;
          }
          case Op.global_get: {
            const g = code[base + 1] * 2;
            w[s] = globals[g];
            w[s + 1] = globals[g + 1];
            s += 2;
            pc++;
            break;
          }
          case Op.global_set: {
            s -= 2;
            const g = code[base + 1] * 2;
            globals[g] = w[s];
            globals[g + 1] = w[s + 1];
            pc++;
            break;
          }

          // ---- constants ----
          case Op.i32_const:
            w[s] = code[base + 1];
            w[s + 1] = 0;
            s += 2;
            pc++;
            break;
          case Op.f32_const:
            w[s] = code[base + 1];
            w[s + 1] = 0;
            s += 2;
            pc++;
            break;
          case Op.i64_const:
          case Op.f64_const:
            w[s] = code[base + 1];
            w[s + 1] = code[base + 2];
            s += 2;
            pc++;
            break;

          // ---- i32 (spec 4.3.2); an i32 operand's high word is 0 and stays 0 ----
          case Op.i32_eqz: w[s - 2] = w[s - 2] === 0 ? 1 : 0; pc++; break;
          case Op.i32_eq: s -= 2; w[s - 2] = w[s - 2] === w[s] ? 1 : 0; pc++; break;
          case Op.i32_ne: s -= 2; w[s - 2] = w[s - 2] !== w[s] ? 1 : 0; pc++; break;
          case Op.i32_lt_s: s -= 2; w[s - 2] = w[s - 2] < w[s] ? 1 : 0; pc++; break;
          case Op.i32_lt_u: s -= 2; w[s - 2] = (w[s - 2] >>> 0) < (w[s] >>> 0) ? 1 : 0; pc++; break;
          case Op.i32_gt_s: s -= 2; w[s - 2] = w[s - 2] > w[s] ? 1 : 0; pc++; break;
          case Op.i32_gt_u: s -= 2; w[s - 2] = (w[s - 2] >>> 0) > (w[s] >>> 0) ? 1 : 0; pc++; break;
          case Op.i32_le_s: s -= 2; w[s - 2] = w[s - 2] <= w[s] ? 1 : 0; pc++; break;
          case Op.i32_le_u: s -= 2; w[s - 2] = (w[s - 2] >>> 0) <= (w[s] >>> 0) ? 1 : 0; pc++; break;
          case Op.i32_ge_s: s -= 2; w[s - 2] = w[s - 2] >= w[s] ? 1 : 0; pc++; break;
          case Op.i32_ge_u: s -= 2; w[s - 2] = (w[s - 2] >>> 0) >= (w[s] >>> 0) ? 1 : 0; pc++; break;
          case Op.i32_add: s -= 2; w[s - 2] = (w[s - 2] + w[s]) | 0; pc++; break;
          case Op.i32_sub: s -= 2; w[s - 2] = (w[s - 2] - w[s]) | 0; pc++; break;
          case Op.i32_mul: s -= 2; w[s - 2] = Math.imul(w[s - 2], w[s]); pc++; break;
          case Op.i32_and: s -= 2; w[s - 2] &= w[s]; pc++; break;
          case Op.i32_or: s -= 2; w[s - 2] |= w[s]; pc++; break;
          case Op.i32_xor: s -= 2; w[s - 2] ^= w[s]; pc++; break;
          case Op.i32_shl: s -= 2; w[s - 2] <<= w[s]; pc++; break; // JS masks the count by 31
          case Op.i32_shr_s: s -= 2; w[s - 2] >>= w[s]; pc++; break;
          case Op.i32_shr_u: s -= 2; w[s - 2] = w[s - 2] >>> w[s]; pc++; break;
          case Op.i32_rotl: { s -= 2; const x = w[s - 2]; const k = w[s]; w[s - 2] = (x << k) | (x >>> (32 - k)); pc++; break; }

          // ---- control (spec 4.4.8) ----
          case Op.unreachable:
            throw new Trap(TrapMessage.unreachable);
          case Op.nop:
          case Op.block:
          case Op.loop:
          case Op.end:
            pc++;
            break;
          case Op.if:
            s -= 2;
            pc = w[s] !== 0 ? pc + 1 : code[base + 1];
            break;
          case Op.else:
            pc = code[base + 1];
            break;
          case Op.br_if:
            s -= 2;
            if (w[s] === 0) {
              pc++;
              break;
            }
          // falls through: the branch is taken
          case Op.br: {
            const target = code[base + 1];
            if (target === RETURN_TARGET) {
              exit = X_LEAVE;
              break inner;
            }
            // A branch carrying no values (most of them) just resets the stack height.
            if (code[base + 2] !== 0) {
              exit = X_UNWIND; x1 = fw + code[base + 3] * 2; x2 = code[base + 2]; x3 = target;
              break inner;
            }
            s = fw + code[base + 3] * 2;
            pc = target;
            break;
          }
          case Op.br_table: {
            s -= 2;
            const count = code[base + 1];
            // The index is a u32: a negative int32 is a huge index, so the default. Not
            // `>>> 0`: a u32 above 2^31 in this sum makes V8 deoptimize ("lost precision").
            const i = w[s];
            const row = (pc + 1 + (i >= 0 && i < count ? i : count)) * CODE_WIDTH;
            const target = code[row + 1];
            if (target === RETURN_TARGET) {
              exit = X_LEAVE;
              break inner;
            }
            if (code[row + 2] !== 0) {
              exit = X_UNWIND; x1 = fw + code[row + 3] * 2; x2 = code[row + 2]; x3 = target;
              break inner;
            }
            s = fw + code[row + 3] * 2;
            pc = target;
            break;
          }
          case IOp.LOCALS: { // [LOCALS, n, params]: as in execRare, when the budget lets it finish
            // Every call of a function with locals passes here: kept in the loop, not out of line.
            const target = (fw >> 1) + code[base + 2] + code[base + 1];
            const total = Math.ceil((target - (s >> 1)) / LOCALS_PER_STEP);
            if (total - 1 > this.maxSteps - (start + n)) {
              exit = X_RARE; x1 = op; x2 = base;
              break inner;
            }
            for (let k = s, end = target * 2; k < end; k++) w[k] = 0;
            n += total - 1;
            s = target * 2;
            pc++;
            break;
          }
          case Op.return:
          case IOp.END_FUNC: {
            // leave(), written out for the common case: at most one result, and a caller of
            // the same instance (so the same memory). Anything else goes through leave().
            const f = funcs[this.fn];
            const r = (this.fsp - 1) * FRAME_WIDTH;
            const caller = frames[r + 2];
            if (f.kind !== 'wasm' || f.results > 1 || caller === NO_FUNCTION) { exit = X_LEAVE; break inner; }
            const c = funcs[caller];
            if (c.kind !== 'wasm' || c.instance !== f.instance) { exit = X_LEAVE; break inner; }
            if (f.results === 1) {
              w[fw] = w[s - 2];
              w[fw + 1] = w[s - 1];
              s = fw + 2;
            } else s = fw;
            this.fsp--;
            pc = frames[r];
            this.fp = frames[r + 1];
            this.fn = caller;
            this.units -= frames[r + 3];
            fw = this.fp * 2 + sb;
            break;
          }
          case Op.call_indirect:
          case Op.call: {
            let addr: number;
            if (op === Op.call) addr = code[base + 1];
            else {
              const table = tables[code[base + 1]];
              s -= 2;
              const i = w[s] >>> 0;
              if (i >= table.size) throw new Trap(TrapMessage.undefinedElement);
              addr = table.elems[i];
              if (addr === NULL_REF) throw new Trap(TrapMessage.uninitializedElement);
              addr -= 1; // a funcref is its function address + 1
              if (funcs[addr].typeId !== code[base + 2]) throw new Trap(TrapMessage.indirectCallTypeMismatch);
              if (funcs[addr].kind !== 'wasm') {
                exit = X_HOST; x1 = addr; x2 = base;
                break inner;
              }
            }
            // enter(), written out for the common case: a callee of the same instance (so
            // the same memory) within the stack-unit budget. Anything else goes through enter().
            const f = funcs[addr];
            const cur = this.fn === NO_FUNCTION ? null : funcs[this.fn];
            if (f.kind !== 'wasm' || cur === null || cur.kind !== 'wasm' || cur.instance !== f.instance ||
                this.units + f.units > this.maxStackUnits) {
              exit = X_ENTER; x1 = addr;
              break inner;
            }
            const units = f.units;
            this.units += units;
            const r = this.fsp * FRAME_WIDTH;
            frames[r] = pc + 1;
            frames[r + 1] = (fw - sb) >> 1;
            frames[r + 2] = this.fn;
            frames[r + 3] = units;
            this.fsp++;
            if (this.fsp > this.maxFsp) this.maxFsp = this.fsp;
            const fp = ((s - sb) >> 1) - f.params;
            if (fp + units - 1 > this.maxSp) this.maxSp = fp + units - 1;
            this.fp = fp;
            this.fn = addr;
            fw = fp * 2 + sb;
            pc = f.entryPc;
            break;
          }

          // ---- memory (spec 4.4.7): effective address = u32 operand + u32 offset ----
          case Op.i32_load:
          case Op.f32_load: {
            const a = (w[s - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 4 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            w[s - 2] = dv.getInt32(a, true);
            pc++;
            break;
          }
          case Op.i64_load:
          case Op.f64_load: {
            const a = (w[s - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 8 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            w[s - 2] = dv.getInt32(a, true);
            w[s - 1] = dv.getInt32(a + 4, true);
            pc++;
            break;
          }
          case Op.i32_load8_s:
          case Op.i64_load8_s: {
            const a = (w[s - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            const v = (bytes[a] << 24) >> 24;
            w[s - 2] = v;
            w[s - 1] = op === Op.i64_load8_s ? v >> 31 : 0;
            pc++;
            break;
          }
          case Op.i32_load8_u:
          case Op.i64_load8_u: {
            const a = (w[s - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            w[s - 2] = bytes[a];
            w[s - 1] = 0;
            pc++;
            break;
          }
          case Op.i32_load16_s:
          case Op.i64_load16_s: {
            const a = (w[s - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 2 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            const v = dv.getInt16(a, true);
            w[s - 2] = v;
            w[s - 1] = op === Op.i64_load16_s ? v >> 31 : 0;
            pc++;
            break;
          }
          case Op.i32_load16_u:
          case Op.i64_load16_u: {
            const a = (w[s - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 2 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            w[s - 2] = dv.getUint16(a, true);
            w[s - 1] = 0;
            pc++;
            break;
          }
          case Op.i64_load32_s:
          case Op.i64_load32_u: {
            const a = (w[s - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 4 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            const v = dv.getInt32(a, true);
            w[s - 2] = v;
            w[s - 1] = op === Op.i64_load32_s ? v >> 31 : 0;
            pc++;
            break;
          }
          case Op.i32_store:
          case Op.f32_store:
          case Op.i64_store32: {
            s -= 4;
            const a = (w[s] >>> 0) + (code[base + 1] >>> 0);
            if (a + 4 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            if ((a & 3) === 0) m32[a >>> 2] = w[s + 2]; else {
              const v = w[s + 2];
              bytes[a] = v; bytes[a + 1] = v >> 8; bytes[a + 2] = v >> 16; bytes[a + 3] = v >> 24;
            }
            pc++;
            break;
          }
          case Op.i64_store:
          case Op.f64_store: {
            s -= 4;
            const a = (w[s] >>> 0) + (code[base + 1] >>> 0);
            if (a + 8 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            if ((a & 3) === 0) { m32[a >>> 2] = w[s + 2]; m32[(a >>> 2) + 1] = w[s + 3]; } else {
              const lo = w[s + 2];
              const hi = w[s + 3];
              bytes[a] = lo; bytes[a + 1] = lo >> 8; bytes[a + 2] = lo >> 16; bytes[a + 3] = lo >> 24;
              bytes[a + 4] = hi; bytes[a + 5] = hi >> 8; bytes[a + 6] = hi >> 16; bytes[a + 7] = hi >> 24;
            }
            pc++;
            break;
          }
          case Op.i32_store8:
          case Op.i64_store8: {
            s -= 4;
            const a = (w[s] >>> 0) + (code[base + 1] >>> 0);
            if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            bytes[a] = w[s + 2];
            pc++;
            break;
          }
          case Op.i32_store16:
          case Op.i64_store16: {
            s -= 4;
            const a = (w[s] >>> 0) + (code[base + 1] >>> 0);
            if (a + 2 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            bytes[a] = w[s + 2];
            bytes[a + 1] = w[s + 2] >> 8;
            pc++;
            break;
          }

          // ---- parametric ----
          case Op.drop:
            s -= 2;
            pc++;
            break;
          case Op.select:
            s -= 4;
            if (w[s + 2] === 0) {
              w[s - 2] = w[s];
              w[s - 1] = w[s + 1];
            }
            pc++;
            break;

          // ---- the most frequent i64 / f64 instructions ----
          case Op.i64_eqz: w[s - 2] = (w[s - 2] | w[s - 1]) === 0 ? 1 : 0; w[s - 1] = 0; pc++; break;
          case Op.i64_eq:
            s -= 2;
            w[s - 2] = w[s - 2] === w[s] && w[s - 1] === w[s + 1] ? 1 : 0;
            w[s - 1] = 0;
            pc++;
            break;
          case Op.i64_ne:
            s -= 2;
            w[s - 2] = w[s - 2] !== w[s] || w[s - 1] !== w[s + 1] ? 1 : 0;
            w[s - 1] = 0;
            pc++;
            break;
          case Op.i64_add: {
            s -= 2;
            const lo = (w[s - 2] + w[s]) | 0;
            w[s - 1] = (w[s - 1] + w[s + 1] + ((lo >>> 0) < (w[s - 2] >>> 0) ? 1 : 0)) | 0;
            w[s - 2] = lo;
            pc++;
            break;
          }
          case Op.i64_sub: {
            s -= 2;
            const lo = (w[s - 2] - w[s]) | 0;
            w[s - 1] = (w[s - 1] - w[s + 1] - ((w[s - 2] >>> 0) < (w[s] >>> 0) ? 1 : 0)) | 0;
            w[s - 2] = lo;
            pc++;
            break;
          }
          case Op.i64_and: s -= 2; w[s - 2] &= w[s]; w[s - 1] &= w[s + 1]; pc++; break;
          case Op.i64_or: s -= 2; w[s - 2] |= w[s]; w[s - 1] |= w[s + 1]; pc++; break;
          case Op.i64_xor: s -= 2; w[s - 2] ^= w[s]; w[s - 1] ^= w[s + 1]; pc++; break;
          // Out of binaryOp's switch: hash and PRNG loops shift and multiply i64 constantly.
          // Written out (int64.ts has the same): a call V8 does not inline would end the loop's
          // knowledge of its arrays (see runChunk).
          case Op.i64_shl: {
            s -= 2;
            const k = w[s] & 63;
            const lo = w[s - 2];
            if (k >= 32) { w[s - 1] = lo << (k - 32); w[s - 2] = 0; }
            else if (k !== 0) { w[s - 1] = (w[s - 1] << k) | (lo >>> (32 - k)); w[s - 2] = lo << k; }
            pc++;
            break;
          }
          case Op.i64_shr_s: {
            s -= 2;
            const k = w[s] & 63;
            const hi = w[s - 1];
            if (k >= 32) { w[s - 2] = hi >> (k - 32); w[s - 1] = hi >> 31; }
            else if (k !== 0) { w[s - 2] = (w[s - 2] >>> k) | (hi << (32 - k)); w[s - 1] = hi >> k; }
            pc++;
            break;
          }
          case Op.i64_shr_u: {
            s -= 2;
            const k = w[s] & 63;
            const hi = w[s - 1];
            if (k >= 32) { w[s - 2] = hi >>> (k - 32); w[s - 1] = 0; }
            else if (k !== 0) { w[s - 2] = (w[s - 2] >>> k) | (hi << (32 - k)); w[s - 1] = hi >>> k; }
            pc++;
            break;
          }
          case Op.i64_rotl: {
            s -= 2;
            let k = w[s] & 63;
            let lo = w[s - 2];
            let hi = w[s - 1];
            if (k >= 32) { const t = lo; lo = hi; hi = t; k -= 32; }
            if (k !== 0) { const l = (lo << k) | (hi >>> (32 - k)); hi = (hi << k) | (lo >>> (32 - k)); lo = l; }
            w[s - 2] = lo;
            w[s - 1] = hi;
            pc++;
            break;
          }
          case Op.i64_mul: {
            s -= 2;
            const alo = w[s - 2];
            const blo = w[s];
            // High word of the unsigned alo * blo from 16-bit halves, as int64.ts's mulHighU32.
            const a0 = alo & 0xffff, a1 = alo >>> 16, b0 = blo & 0xffff, b1 = blo >>> 16;
            const p01 = a0 * b1;
            const p10 = a1 * b0;
            const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
            const high = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
            w[s - 1] = (high + Math.imul(alo, w[s + 1]) + Math.imul(w[s - 1], blo)) | 0;
            w[s - 2] = Math.imul(alo, blo);
            pc++;
            break;
          }
          case Op.i32_wrap_i64: w[s - 1] = 0; pc++; break;
          case Op.i64_extend_i32_s: w[s - 1] = w[s - 2] >> 31; pc++; break;
          case Op.i64_extend_i32_u: w[s - 1] = 0; pc++; break;
          // The NaN rule (float.ts writeF64) written out in the float cases of this loop:
          // whether V8 inlines the call varies with what ran before it optimizes the loop.
          case Op.f64_add: {
            s -= 2;
            const r = f64[(s >> 1) - 1] + f64[s >> 1];
            if (r !== r) { w[s - 2] = 0; w[s - 1] = NAN_F64_HI; } else f64[(s >> 1) - 1] = r;
            pc++;
            break;
          }
          case Op.f64_sub: {
            s -= 2;
            const r = f64[(s >> 1) - 1] - f64[s >> 1];
            if (r !== r) { w[s - 2] = 0; w[s - 1] = NAN_F64_HI; } else f64[(s >> 1) - 1] = r;
            pc++;
            break;
          }
          case Op.f64_mul: {
            s -= 2;
            const r = f64[(s >> 1) - 1] * f64[s >> 1];
            if (r !== r) { w[s - 2] = 0; w[s - 1] = NAN_F64_HI; } else f64[(s >> 1) - 1] = r;
            pc++;
            break;
          }
          // Less frequent, but each would leave the inner loop (binaryOp / unaryOp) at a cost
          // of several dispatches: nbody's sqrt and div, sort's i64 comparisons, f32 math.
          case Op.f64_div: {
            s -= 2;
            const r = f64[(s >> 1) - 1] / f64[s >> 1];
            if (r !== r) { w[s - 2] = 0; w[s - 1] = NAN_F64_HI; } else f64[(s >> 1) - 1] = r;
            pc++;
            break;
          }
          case Op.f64_sqrt: {
            const r = Math.sqrt(f64[(s >> 1) - 1]);
            if (r !== r) { w[s - 2] = 0; w[s - 1] = NAN_F64_HI; } else f64[(s >> 1) - 1] = r;
            pc++;
            break;
          }
          case Op.f64_eq: case Op.f64_ne: case Op.f64_lt: case Op.f64_gt: case Op.f64_le: case Op.f64_ge: {
            s -= 2;
            const x = f64[(s >> 1) - 1];
            const y = f64[s >> 1];
            let r: boolean;
            switch (op) {
              case Op.f64_eq: r = x === y; break;
              case Op.f64_ne: r = x !== y; break;
              case Op.f64_lt: r = x < y; break;
              case Op.f64_gt: r = x > y; break;
              case Op.f64_le: r = x <= y; break;
              default: r = x >= y;
            }
            w[s - 2] = r ? 1 : 0;
            w[s - 1] = 0;
            pc++;
            break;
          }
          case Op.f64_abs: w[s - 1] &= 0x7fffffff; pc++; break;
          case Op.f64_neg: w[s - 1] ^= 0x80000000; pc++; break;
          case Op.f32_add: case Op.f32_sub: case Op.f32_mul: case Op.f32_div: {
            // In double, rounded once to f32 by the store: exact (float.ts says why).
            s -= 2;
            const x = f32[s - 2];
            const y = f32[s];
            const r = op === Op.f32_add ? x + y : op === Op.f32_sub ? x - y : op === Op.f32_mul ? x * y : x / y;
            if (r !== r) w[s - 2] = NAN_F32; else f32[s - 2] = r;
            w[s - 1] = 0;
            pc++;
            break;
          }
          case Op.f32_sqrt: {
            const r = Math.sqrt(f32[s - 2]);
            if (r !== r) w[s - 2] = NAN_F32; else f32[s - 2] = r;
            w[s - 1] = 0;
            pc++;
            break;
          }
          case Op.f32_convert_i32_s: f32[s - 2] = w[s - 2]; pc++; break;
          case Op.i64_lt_s: case Op.i64_lt_u: case Op.i64_gt_s: case Op.i64_gt_u:
          case Op.i64_le_s: case Op.i64_le_u: case Op.i64_ge_s: case Op.i64_ge_u: {
            s -= 2;
            const aLo = w[s - 2] >>> 0;
            const aHi = w[s - 1];
            const bLo = w[s] >>> 0;
            const bHi = w[s + 1];
            let r: boolean;
            switch (op) { // as int64.ts's lessS / lessU
              case Op.i64_lt_s: r = aHi < bHi || (aHi === bHi && aLo < bLo); break;
              case Op.i64_lt_u: r = aHi >>> 0 < bHi >>> 0 || (aHi === bHi && aLo < bLo); break;
              case Op.i64_gt_s: r = bHi < aHi || (aHi === bHi && bLo < aLo); break;
              case Op.i64_gt_u: r = bHi >>> 0 < aHi >>> 0 || (aHi === bHi && bLo < aLo); break;
              case Op.i64_le_s: r = !(bHi < aHi || (aHi === bHi && bLo < aLo)); break;
              case Op.i64_le_u: r = !(bHi >>> 0 < aHi >>> 0 || (aHi === bHi && bLo < aLo)); break;
              case Op.i64_ge_s: r = !(aHi < bHi || (aHi === bHi && aLo < bLo)); break;
              default: r = !(aHi >>> 0 < bHi >>> 0 || (aHi === bHi && aLo < bLo));
            }
            w[s - 2] = r ? 1 : 0;
            w[s - 1] = 0;
            pc++;
            break;
          }
          case Op.i32_div_u: {
            s -= 2;
            const b = w[s];
            if (b === 0) throw new Trap(TrapMessage.divideByZero);
            w[s - 2] = ((w[s - 2] >>> 0) / (b >>> 0)) | 0;
            pc++;
            break;
          }
          case Op.i32_div_s: case Op.i32_rem_s: case Op.i32_rem_u: {
            // A trap (zero divisor, the one overflow) goes to binaryOp, which names it.
            const a = w[s - 4];
            const b = w[s - 2];
            if (b === 0 || (op === Op.i32_div_s && b === -1 && a === -2147483648)) {
              exit = X_NUMERIC; x1 = op; x2 = base;
              break inner;
            }
            s -= 2;
            w[s - 2] = op === Op.i32_div_s ? (a / b) | 0 : op === Op.i32_rem_s ? (a % b) | 0 : ((a >>> 0) % (b >>> 0)) | 0;
            pc++;
            break;
          }
          case Op.i64_div_u: case Op.i64_rem_u: {
            // A divisor below 2^21 (printing a u64 in decimal): schoolbook division by
            // words in doubles, exact as in int64.ts's udivmod. Anything else goes to binaryOp.
            const d = w[s - 2];
            if (w[s - 1] !== 0 || d <= 0 || d >= 0x200000) {
              exit = X_NUMERIC; x1 = op; x2 = base;
              break inner;
            }
            const hi = w[s - 3] >>> 0;
            const q1 = Math.floor(hi / d);
            const rest = (hi - q1 * d) * 4294967296 + (w[s - 4] >>> 0);
            const q0 = Math.floor(rest / d);
            s -= 2;
            if (op === Op.i64_div_u) {
              w[s - 2] = q0 | 0;
              w[s - 1] = q1 | 0;
            } else {
              w[s - 2] = (rest - q0 * d) | 0;
              w[s - 1] = 0;
            }
            pc++;
            break;
          }
          case Op.i32_trunc_f64_s: case Op.i32_trunc_f64_u: {
            // In range: truncation is `| 0`. NaN and out of range go to unaryOp, which traps.
            const x = f64[(s >> 1) - 1];
            if (op === Op.i32_trunc_f64_s ? !(x > -2147483649 && x < 2147483648) : !(x > -1 && x < 4294967296)) {
              exit = X_NUMERIC; x1 = op; x2 = base;
              break inner;
            }
            w[s - 2] = x | 0;
            w[s - 1] = 0;
            pc++;
            break;
          }
          case Op.f64_convert_i32_s: f64[(s >> 1) - 1] = w[s - 2]; pc++; break;
          case Op.f64_convert_i32_u: f64[(s >> 1) - 1] = w[s - 2] >>> 0; pc++; break;
          case Op.f64_promote_f32: {
            const x = f32[s - 2];
            if (x !== x) { w[s - 2] = 0; w[s - 1] = NAN_F64_HI; } else f64[(s >> 1) - 1] = x;
            pc++;
            break;
          }
          case Op.f32_eq: case Op.f32_ne: case Op.f32_lt: case Op.f32_gt: case Op.f32_le: case Op.f32_ge: {
            s -= 2;
            const x = f32[s - 2];
            const y = f32[s];
            let r: boolean;
            switch (op) {
              case Op.f32_eq: r = x === y; break;
              case Op.f32_ne: r = x !== y; break;
              case Op.f32_lt: r = x < y; break;
              case Op.f32_gt: r = x > y; break;
              case Op.f32_le: r = x <= y; break;
              default: r = x >= y;
            }
            w[s - 2] = r ? 1 : 0;
            pc++;
            break;
          }
          case Op.i32_ctz: { const a = w[s - 2]; w[s - 2] = a === 0 ? 32 : 31 - Math.clz32(a & -a); pc++; break; }
          case Op.i32_reinterpret_f32:
          case Op.i64_reinterpret_f64:
          case Op.f32_reinterpret_i32:
          case Op.f64_reinterpret_i64:
            pc++; // slots hold raw bits: nothing to do
            break;

          default:
            exit = OP_KIND[op] === BINARY || OP_KIND[op] === UNARY ? X_NUMERIC : X_RARE;
            x1 = op;
            x2 = base;
            break inner;
        }
      }
      // Out of the inner loop: the budget is spent, or a case needs a call.
      switch (exit) {
        case X_NONE:
          break outer;
        case X_LEAVE:
          s = this.leave((s - sb) >> 1) * 2 + sb;
          pc = this.pc; fw = this.fp * 2 + sb;
          break;
        case X_UNWIND:
          s = unwind(w, s, x1, x2);
          pc = x3;
          break;
        case X_ENTER:
          this.fp = (fw - sb) >> 1;
          s = this.enter(x1, (s - sb) >> 1, pc + 1) * 2 + sb;
          pc = this.pc; fw = this.fp * 2 + sb;
          break;
        case X_HOST:
          this.pc = pc; this.sp = (s - sb) >> 1; this.steps = start + n; synced = true;
          this.hostCall(x1);
          synced = false;
          pc = this.pc; s = this.sp * 2 + sb; n = (this.steps - start) | 0;
          if (this.status !== 'running') break outer;
          // Paused mid-call at the budget: the row re-executes, so its table index
          // goes back on the stack (the host has not written the stack yet).
          if (pc << CODE_SHIFT === x2) s += 2;
          break;
        case X_NUMERIC:
          if (OP_KIND[x1] === BINARY) {
            s -= 2;
            binaryOp(x1, w, f32, f64, s - 2);
          } else unaryOp(x1, w, f32, f64, s - 2);
          pc++;
          break;
        default: // X_RARE
          this.pc = pc; this.sp = (s - sb) >> 1; this.steps = start + n; synced = true;
          this.execRare(x1, x2);
          synced = false;
          pc = this.pc; s = this.sp * 2 + sb; n = (this.steps - start) | 0;
          if (this.status !== 'running') break outer;
      }
      exit = X_NONE;
      bytes = this.mem.bytes; dv = this.mem.view; m32 = this.mem.words; memSize = this.mem.size;
      }
    } catch (e) {
      if (!(e instanceof Trap)) throw e;
      this.status = 'trapped';
      this.trapMessage = e.message;
      // A trap leaves pc on the trapping row. Every step up to and including the trapping
      // one counts: out-of-line code (host calls) keeps this.steps current, including
      // the micro-steps a WASI call ran before the one that trapped.
      this.pc = pc;
      if (!synced) {
        this.sp = (s - sb) >> 1;
        this.steps = start + n;
      }
      return;
    }
    this.pc = pc;
    this.sp = (s - sb) >> 1;
    this.steps = start + n;
  }

  /**
   * The instructions that are rare in practice, or touch more than the value stack:
   * tables, memory size and bulk operations, segment drops, host calls, the bootstrap
   * and trampoline rows. Works on this.pc / this.sp / this.steps.
   */
  private execRare(op: number, base: number): void {
    const code = this.store.code.words;
    const w = this.stack;
    const tables = this.store.tables;
    const mem = this.mem;
    const bytes = mem.bytes;
    const memSize = mem.size;
    const budget = this.maxSteps - this.steps; // steps left for the micro-steps of a bulk op
    let sp = this.sp;
    switch (op) {
      case IOp.HOST_CALL:
        this.hostCall(code[base + 1]);
        return;
      case IOp.BOOT_EXIT:
        this.status = 'exited';
        this.exitCode = 0;
        return;
      case IOp.LOCALS: { // [LOCALS, n, params]: push n zero slots, LOCALS_PER_STEP per micro-step
        const target = this.fp + code[base + 2] + code[base + 1];
        const total = Math.ceil((target - sp) / LOCALS_PER_STEP);
        if (total - 1 <= budget) {
          w.fill(0, sp * 2, target * 2);
          this.steps += total - 1;
          sp = target;
          break;
        }
        w.fill(0, sp * 2, (sp + LOCALS_PER_STEP) * 2);
        this.sp = sp + LOCALS_PER_STEP;
        return;
      }
      case IOp.HALT:
        this.status = 'returned';
        return;

      // ---- tables ----
      case Op.table_get: {
        const t = tables[code[base + 1]];
        const i = w[sp * 2 - 2] >>> 0;
        if (i >= t.size) throw new Trap(TrapMessage.tableOutOfBounds);
        w[sp * 2 - 2] = t.elems[i];
        w[sp * 2 - 1] = 0;
        break;
      }
      case Op.table_set: {
        const t = tables[code[base + 1]];
        sp -= 2;
        this.sp = sp; // a trap leaves the operands popped
        const i = w[sp * 2] >>> 0;
        if (i >= t.size) throw new Trap(TrapMessage.tableOutOfBounds);
        t.elems[i] = w[sp * 2 + 2];
        break;
      }
      case P + 0x10: // table.size
        w[sp * 2] = tables[code[base + 1]].size;
        w[sp * 2 + 1] = 0;
        sp++;
        break;
      case P + 0x0f: { // table.grow  init n: with init != null and n > 0, n micro-steps (r0 = entries done)
        const t = tables[code[base + 1]];
        const j = (sp - 2) * 2;
        const ref = w[j];
        const n = w[j + 2] >>> 0;
        const regs = this.regs;
        const done = regs[0];
        if (done === 0) {
          // The first micro-step decides the outcome and sets the final size; the new
          // entries are null until their micro-step writes them.
          const old = t.grow(n, NULL_REF);
          if (old === -1 || ref === NULL_REF || n === 0) { // one step: nothing (else) to write
            w[j] = old;
            w[j + 1] = 0;
            sp--;
            break;
          }
        }
        const first = t.size - n; // the old size
        if (n - done - 1 <= budget) {
          t.elems.fill(ref, first + done, first + n);
          this.steps += n - done - 1;
          regs[0] = 0;
          w[j] = first;
          w[j + 1] = 0;
          sp--;
          break;
        }
        t.elems[first + done] = ref;
        regs[0] = done + 1;
        return; // pc stays: the next micro-step writes the next entry
      }
      case P + 0x11: { // table.fill  i ref n
        const t = tables[code[base + 1]];
        const j = (sp - 3) * 2;
        const i = w[j] >>> 0;
        const ref = w[j + 2];
        const n = w[j + 4] >>> 0;
        if (i + n > t.size) throw new Trap(TrapMessage.tableOutOfBounds);
        if (n === 0) { sp -= 3; break; }
        if (n - 1 <= budget) {
          t.elems.fill(ref, i, i + n);
          this.steps += n - 1;
          lastMicroStepOperands(w, j, i + n - 1, ref, 1);
          sp -= 3;
          break;
        }
        t.elems[i] = ref;
        w[j] = i + 1;
        w[j + 4] = n - 1;
        return; // pc stays: the next micro-step is the same instruction
      }
      case P + 0x0e: { // table.copy dst src  d s n
        const td = tables[code[base + 1]];
        const ts = tables[code[base + 2]];
        const j = (sp - 3) * 2;
        const d = w[j] >>> 0;
        const s = w[j + 2] >>> 0;
        const n = w[j + 4] >>> 0;
        if (s + n > ts.size || d + n > td.size) throw new Trap(TrapMessage.tableOutOfBounds);
        if (n === 0) { sp -= 3; break; }
        if (n - 1 <= budget) {
          if (td === ts) td.elems.copyWithin(d, s, s + n);
          else td.elems.set(ts.elems.subarray(s, s + n), d);
          this.steps += n - 1;
          if (d <= s) lastMicroStepOperands(w, j, d + n - 1, s + n - 1, 1);
          else lastMicroStepOperands(w, j, d, s, 1);
          sp -= 3;
          break;
        }
        if (d <= s) {
          td.elems[d] = ts.elems[s];
          w[j] = d + 1;
          w[j + 2] = s + 1;
        } else {
          td.elems[d + n - 1] = ts.elems[s + n - 1];
        }
        w[j + 4] = n - 1;
        return;
      }
      case P + 0x0c: { // table.init elem table  d s n
        const seg = this.store.elems[code[base + 1]];
        const t = tables[code[base + 2]];
        const j = (sp - 3) * 2;
        const d = w[j] >>> 0;
        const s = w[j + 2] >>> 0;
        const n = w[j + 4] >>> 0;
        if (s + n > seg.length || d + n > t.size) throw new Trap(TrapMessage.tableOutOfBounds);
        if (n === 0) { sp -= 3; break; }
        if (n - 1 <= budget) {
          t.elems.set(seg.subarray(s, s + n), d);
          this.steps += n - 1;
          lastMicroStepOperands(w, j, d + n - 1, s + n - 1, 1);
          sp -= 3;
          break;
        }
        t.elems[d] = seg[s];
        w[j] = d + 1;
        w[j + 2] = s + 1;
        w[j + 4] = n - 1;
        return;
      }
      case P + 0x0d: // elem.drop
        this.store.elems[code[base + 1]] = new Int32Array(0);
        break;

      // ---- memory size and bulk memory ----
      case Op.memory_size:
        w[sp * 2] = mem.pages;
        w[sp * 2 + 1] = 0;
        sp++;
        break;
      case Op.memory_grow:
        w[sp * 2 - 2] = mem.grow(w[sp * 2 - 2] >>> 0);
        break;
      case P + 0x0b: { // memory.fill  d v n
        const j = (sp - 3) * 2;
        const d = w[j] >>> 0;
        const v = w[j + 2] & 0xff;
        const n = w[j + 4] >>> 0;
        if (d + n > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
        if (n === 0) { sp -= 3; break; }
        const total = leavesTouched(d, n);
        if (total - 1 <= budget) {
          bytes.fill(v, d, d + n);
          this.steps += total - 1;
          const last = lastLeafStart(d, n);
          lastMicroStepOperands(w, j, last, w[j + 2], d + n - last); // the fill value stays unmasked
          sp -= 3;
          break;
        }
        const len = Math.min(n, LEAF_SIZE - (d % LEAF_SIZE));
        bytes.fill(v, d, d + len);
        w[j] = d + len;
        w[j + 4] = n - len;
        return;
      }
      case P + 0x0a: { // memory.copy  d s n
        const j = (sp - 3) * 2;
        const d = w[j] >>> 0;
        const s = w[j + 2] >>> 0;
        const n = w[j + 4] >>> 0;
        if (s + n > memSize || d + n > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
        if (n === 0) { sp -= 3; break; }
        const total = leavesTouched(d, n);
        if (total - 1 <= budget) {
          bytes.copyWithin(d, s, s + n);
          this.steps += total - 1;
          if (d <= s) {
            const last = lastLeafStart(d, n);
            lastMicroStepOperands(w, j, last, s + (last - d), d + n - last);
          } else {
            lastMicroStepOperands(w, j, d, s, Math.min(n, LEAF_SIZE - (d % LEAF_SIZE)));
          }
          sp -= 3;
          break;
        }
        if (d <= s) {
          const len = Math.min(n, LEAF_SIZE - (d % LEAF_SIZE));
          bytes.copyWithin(d, s, s + len);
          w[j] = d + len;
          w[j + 2] = s + len;
          w[j + 4] = n - len;
        } else {
          const len = Math.min(n, ((d + n - 1) % LEAF_SIZE) + 1);
          bytes.copyWithin(d + n - len, s + n - len, s + n);
          w[j + 4] = n - len;
        }
        return;
      }
      case P + 0x08: { // memory.init seg  d s n
        const seg = this.store.datas[code[base + 1]];
        const j = (sp - 3) * 2;
        const d = w[j] >>> 0;
        const s = w[j + 2] >>> 0;
        const n = w[j + 4] >>> 0;
        if (s + n > seg.length || d + n > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
        if (n === 0) { sp -= 3; break; }
        const total = leavesTouched(d, n);
        if (total - 1 <= budget) {
          bytes.set(seg.subarray(s, s + n), d);
          this.steps += total - 1;
          const last = lastLeafStart(d, n);
          lastMicroStepOperands(w, j, last, s + (last - d), d + n - last);
          sp -= 3;
          break;
        }
        const len = Math.min(n, LEAF_SIZE - (d % LEAF_SIZE));
        bytes.set(seg.subarray(s, s + len), d);
        w[j] = d + len;
        w[j + 2] = s + len;
        w[j + 4] = n - len;
        return;
      }
      case P + 0x09: // data.drop
        this.store.datas[code[base + 1]] = new Uint8Array(0);
        break;

      // ---- references ----
      case Op.ref_null:
        w[sp * 2] = NULL_REF;
        w[sp * 2 + 1] = 0;
        sp++;
        break;
      case Op.ref_func:
        w[sp * 2] = code[base + 1];
        w[sp * 2 + 1] = 0;
        sp++;
        break;

      default:
        throw new Error(`internal: no machine instruction 0x${op.toString(16)} at pc ${this.pc}`);
    }
    this.sp = sp;
    this.pc++;
  }

  /**
   * The call row at this.pc calls host function `addr`: runs it (see callHost) and
   * moves past the row unless the machine stopped or paused mid-call.
   */
  private hostCall(addr: number): void {
    const pc = this.pc;
    this.sp = this.callHost(addr, this.sp);
    if (this.status !== 'running') this.pc = pc; // proc_exit
    else if (this.pc !== -1) this.pc = pc; // paused mid-call at the step budget: pc stays
    else this.pc = pc + 1;
  }

  /**
   * Calls host function `addr` with its arguments on top of the stack (the current row
   * is the call). WASI calls run micro-step by micro-step until done or until the step
   * budget; on completion `this.pc` is set to -1 and the errno replaces the arguments.
   * Returns the new sp.
   */
  private callHost(addr: number, sp: number): number {
    const f = this.store.funcs[addr];
    const nargs = f.type.params.length;
    if (f.kind === 'host') {
      const args: bigint[] = [];
      for (let i = 0; i < nargs; i++) {
        const j = (sp - nargs + i) * 2;
        args.push((BigInt(this.stack[j + 1] >>> 0) << 32n) | BigInt(this.stack[j] >>> 0));
      }
      const results = f.callback(args);
      sp -= nargs;
      for (const r of results) {
        this.stack[sp * 2] = Number(r & 0xffffffffn) | 0;
        this.stack[sp * 2 + 1] = Number((r >> 32n) & 0xffffffffn) | 0;
        sp++;
      }
      this.pc = -1;
      return sp;
    }
    if (f.kind !== 'wasi' || this.host === null) throw new Error('internal: no host for this call');
    const first = this.steps - 1; // steps executed before this call's first micro-step
    const argBase = (sp - nargs) * 2;
    for (;;) {
      const outcome = wasiStep(f.wasiId, this.stack, argBase, this.mem.bytes, this.host, first);
      if (outcome === HostOutcome.Return) {
        sp -= nargs;
        this.stack[sp * 2] = this.host.result;
        this.stack[sp * 2 + 1] = 0;
        this.pc = -1;
        return sp + 1;
      }
      if (outcome === HostOutcome.Exit) {
        this.status = 'exited';
        this.exitCode = this.host.result;
        return sp;
      }
      if (outcome === HostOutcome.Trap) throw new Trap(this.host.trapMessage);
      // Chunk units of the current iovec in one go when the budget allows (same state, same count).
      this.steps += fastForwardChunks(f.wasiId, this.stack, argBase, this.mem.bytes, this.host, this.maxSteps - this.steps);
      if (this.steps >= this.maxSteps) return sp; // paused mid-call; pc stays on the call
      this.steps++;
    }
  }
}

/** Steps per call of runChunk: keeps the loop's counters small integers (V8 Smis). */
const CHUNK_STEPS = 1 << 16;

/**
 * Branch unwinding: the top `arity` values (ending at word `s`) move down to word `to`;
 * returns the new stack top in words.
 */
function unwind(w: Int32Array, s: number, to: number, arity: number): number {
  const from = s - arity * 2;
  if (to !== from) {
    if (arity === 1) {
      w[to] = w[from];
      w[to + 1] = w[from + 1];
    } else if (arity !== 0) w.copyWithin(to, from, s);
  }
  return to + arity * 2;
}

// i32.rotl is written out in the loop as (x << k) | (x >>> (32 - k)): JS masks shift
// counts by 31, so k = 0 gives (x << 0) | (x >>> 0) = x. (A helper was inlined by V8 at
// only some of its call sites.)

// Instructions outside runChunk's switch that only compute on the value stack.
export const UNARY = 1;
export const BINARY = 2;
/** UNARY / BINARY for the numeric instructions handled by unaryOp / binaryOp (exported for vm/proof). */
export const OP_KIND = new Uint8Array(256);
for (const op of [
  Op.i32_div_s, Op.i32_div_u, Op.i32_rem_s, Op.i32_rem_u, Op.i32_rotr,
  Op.i64_lt_s, Op.i64_lt_u, Op.i64_gt_s, Op.i64_gt_u, Op.i64_le_s, Op.i64_le_u, Op.i64_ge_s, Op.i64_ge_u,
  Op.f32_eq, Op.f32_ne, Op.f32_lt, Op.f32_gt, Op.f32_le, Op.f32_ge,
  Op.f64_eq, Op.f64_ne, Op.f64_lt, Op.f64_gt, Op.f64_le, Op.f64_ge,
  Op.i64_mul, Op.i64_div_s, Op.i64_div_u, Op.i64_rem_s, Op.i64_rem_u,
  Op.i64_shl, Op.i64_shr_s, Op.i64_shr_u, Op.i64_rotl, Op.i64_rotr,
  Op.f32_add, Op.f32_sub, Op.f32_mul, Op.f32_div, Op.f32_min, Op.f32_max, Op.f32_copysign,
  Op.f64_div, Op.f64_min, Op.f64_max, Op.f64_copysign,
]) OP_KIND[op] = BINARY;
for (const op of [
  Op.i32_clz, Op.i32_ctz, Op.i32_popcnt, Op.i64_clz, Op.i64_ctz, Op.i64_popcnt,
  Op.f32_abs, Op.f32_neg, Op.f32_ceil, Op.f32_floor, Op.f32_trunc, Op.f32_nearest, Op.f32_sqrt,
  Op.f64_abs, Op.f64_neg, Op.f64_ceil, Op.f64_floor, Op.f64_trunc, Op.f64_nearest, Op.f64_sqrt,
  Op.i32_trunc_f32_s, Op.i32_trunc_f32_u, Op.i32_trunc_f64_s, Op.i32_trunc_f64_u,
  Op.i64_trunc_f32_s, Op.i64_trunc_f32_u, Op.i64_trunc_f64_s, Op.i64_trunc_f64_u,
  Op.f32_convert_i32_s, Op.f32_convert_i32_u, Op.f32_convert_i64_s, Op.f32_convert_i64_u,
  Op.f32_demote_f64, Op.f64_convert_i32_s, Op.f64_convert_i32_u, Op.f64_convert_i64_s,
  Op.f64_convert_i64_u, Op.f64_promote_f32,
  Op.i32_extend8_s, Op.i32_extend16_s, Op.i64_extend8_s, Op.i64_extend16_s, Op.i64_extend32_s,
  P + 0x00, P + 0x01, P + 0x02, P + 0x03, P + 0x04, P + 0x05, P + 0x06, P + 0x07,
  Op.ref_is_null,
]) OP_KIND[op] = UNARY;

/**
 * A binary numeric instruction: operands at words i (a) and i + 2 (b), the result at
 * word i (f64 views: slot i >> 1). Throws Trap for division traps.
 */
export function binaryOp(op: number, w: Int32Array, f32: Float32Array, f64: Float64Array, i: number): void {
  const j = i >> 1; // slot of a, for the f64 view
  switch (op) {
    case Op.i32_div_s: w[i] = I64.i32_div_s(w[i], w[i + 2]); break;
    case Op.i32_div_u: w[i] = I64.i32_div_u(w[i], w[i + 2]); break;
    case Op.i32_rem_s: w[i] = I64.i32_rem_s(w[i], w[i + 2]); break;
    case Op.i32_rem_u: w[i] = I64.i32_rem_u(w[i], w[i + 2]); break;
    case Op.i32_rotr: w[i] = I64.i32_rotr(w[i], w[i + 2]); break;
    case Op.i64_lt_s: I64.i64_lt_s(w, i); break;
    case Op.i64_lt_u: I64.i64_lt_u(w, i); break;
    case Op.i64_gt_s: I64.i64_gt_s(w, i); break;
    case Op.i64_gt_u: I64.i64_gt_u(w, i); break;
    case Op.i64_le_s: I64.i64_le_s(w, i); break;
    case Op.i64_le_u: I64.i64_le_u(w, i); break;
    case Op.i64_ge_s: I64.i64_ge_s(w, i); break;
    case Op.i64_ge_u: I64.i64_ge_u(w, i); break;
    case Op.f32_eq: w[i] = f32[i] === f32[i + 2] ? 1 : 0; break;
    case Op.f32_ne: w[i] = f32[i] !== f32[i + 2] ? 1 : 0; break;
    case Op.f32_lt: w[i] = f32[i] < f32[i + 2] ? 1 : 0; break;
    case Op.f32_gt: w[i] = f32[i] > f32[i + 2] ? 1 : 0; break;
    case Op.f32_le: w[i] = f32[i] <= f32[i + 2] ? 1 : 0; break;
    case Op.f32_ge: w[i] = f32[i] >= f32[i + 2] ? 1 : 0; break;
    case Op.f64_eq: w[i] = f64[j] === f64[j + 1] ? 1 : 0; w[i + 1] = 0; break;
    case Op.f64_ne: w[i] = f64[j] !== f64[j + 1] ? 1 : 0; w[i + 1] = 0; break;
    case Op.f64_lt: w[i] = f64[j] < f64[j + 1] ? 1 : 0; w[i + 1] = 0; break;
    case Op.f64_gt: w[i] = f64[j] > f64[j + 1] ? 1 : 0; w[i + 1] = 0; break;
    case Op.f64_le: w[i] = f64[j] <= f64[j + 1] ? 1 : 0; w[i + 1] = 0; break;
    case Op.f64_ge: w[i] = f64[j] >= f64[j + 1] ? 1 : 0; w[i + 1] = 0; break;
    case Op.i64_mul: I64.i64_mul(w, i); break;
    case Op.i64_div_s: I64.i64_div_s(w, i); break;
    case Op.i64_div_u: I64.i64_div_u(w, i); break;
    case Op.i64_rem_s: I64.i64_rem_s(w, i); break;
    case Op.i64_rem_u: I64.i64_rem_u(w, i); break;
    case Op.i64_shl: I64.i64_shl(w, i); break;
    case Op.i64_shr_s: I64.i64_shr_s(w, i); break;
    case Op.i64_shr_u: I64.i64_shr_u(w, i); break;
    case Op.i64_rotl: I64.i64_rotl(w, i); break;
    case Op.i64_rotr: I64.i64_rotr(w, i); break;
    case Op.f32_add: Fl.writeF32(w, f32, i, f32[i] + f32[i + 2]); break;
    case Op.f32_sub: Fl.writeF32(w, f32, i, f32[i] - f32[i + 2]); break;
    case Op.f32_mul: Fl.writeF32(w, f32, i, f32[i] * f32[i + 2]); break;
    case Op.f32_div: Fl.writeF32(w, f32, i, f32[i] / f32[i + 2]); break;
    case Op.f32_min: Fl.writeF32(w, f32, i, Fl.f32_min(f32[i], f32[i + 2])); break;
    case Op.f32_max: Fl.writeF32(w, f32, i, Fl.f32_max(f32[i], f32[i + 2])); break;
    case Op.f32_copysign: w[i] = (w[i] & 0x7fffffff) | (w[i + 2] & 0x80000000); break;
    case Op.f64_div: Fl.writeF64(w, f64, j, f64[j] / f64[j + 1]); break;
    case Op.f64_min: Fl.writeF64(w, f64, j, Fl.f64_min(f64[j], f64[j + 1])); break;
    case Op.f64_max: Fl.writeF64(w, f64, j, Fl.f64_max(f64[j], f64[j + 1])); break;
    case Op.f64_copysign: w[i + 1] = (w[i + 1] & 0x7fffffff) | (w[i + 3] & 0x80000000); break;
    default:
      throw new Error(`internal: 0x${op.toString(16)} is not a binary instruction`);
  }
}

/** A unary instruction on the slot at word i, in place. Throws Trap for invalid truncations. */
export function unaryOp(op: number, w: Int32Array, f32: Float32Array, f64: Float64Array, i: number): void {
  const j = i >> 1; // slot, for the f64 view
  switch (op) {
    case Op.i32_clz: w[i] = Math.clz32(w[i]); break;
    case Op.i32_ctz: w[i] = I64.i32_ctz(w[i]); break;
    case Op.i32_popcnt: w[i] = I64.i32_popcnt(w[i]); break;
    case Op.i64_clz: I64.i64_clz(w, i); break;
    case Op.i64_ctz: I64.i64_ctz(w, i); break;
    case Op.i64_popcnt: I64.i64_popcnt(w, i); break;
    case Op.f32_abs: w[i] &= 0x7fffffff; break;
    case Op.f32_neg: w[i] ^= 0x80000000; break;
    case Op.f32_ceil: Fl.writeF32(w, f32, i, Math.ceil(f32[i])); break;
    case Op.f32_floor: Fl.writeF32(w, f32, i, Math.floor(f32[i])); break;
    case Op.f32_trunc: Fl.writeF32(w, f32, i, Math.trunc(f32[i])); break;
    case Op.f32_nearest: Fl.writeF32(w, f32, i, Fl.f32_nearest(f32[i])); break;
    case Op.f32_sqrt: Fl.writeF32(w, f32, i, Math.sqrt(f32[i])); break;
    case Op.f64_abs: w[i + 1] &= 0x7fffffff; break;
    case Op.f64_neg: w[i + 1] ^= 0x80000000; break;
    case Op.f64_ceil: Fl.writeF64(w, f64, j, Math.ceil(f64[j])); break;
    case Op.f64_floor: Fl.writeF64(w, f64, j, Math.floor(f64[j])); break;
    case Op.f64_trunc: Fl.writeF64(w, f64, j, Math.trunc(f64[j])); break;
    case Op.f64_nearest: Fl.writeF64(w, f64, j, Fl.f64_nearest(f64[j])); break;
    case Op.f64_sqrt: Fl.writeF64(w, f64, j, Math.sqrt(f64[j])); break;
    case Op.i32_trunc_f32_s: w[i] = Cv.i32_trunc_f32_s(f32[i]); break;
    case Op.i32_trunc_f32_u: w[i] = Cv.i32_trunc_f32_u(f32[i]); break;
    case Op.i32_trunc_f64_s: w[i] = Cv.i32_trunc_f64_s(f64[j]); w[i + 1] = 0; break;
    case Op.i32_trunc_f64_u: w[i] = Cv.i32_trunc_f64_u(f64[j]); w[i + 1] = 0; break;
    case Op.i64_trunc_f32_s: Cv.i64_trunc_f32_s(w, i, f32[i]); break;
    case Op.i64_trunc_f32_u: Cv.i64_trunc_f32_u(w, i, f32[i]); break;
    case Op.i64_trunc_f64_s: Cv.i64_trunc_f64_s(w, i, f64[j]); break;
    case Op.i64_trunc_f64_u: Cv.i64_trunc_f64_u(w, i, f64[j]); break;
    case Op.f32_convert_i32_s: f32[i] = w[i]; break;
    case Op.f32_convert_i32_u: f32[i] = w[i] >>> 0; break;
    case Op.f32_convert_i64_s: f32[i] = Cv.f32_convert_i64_s(w[i], w[i + 1]); w[i + 1] = 0; break;
    case Op.f32_convert_i64_u: f32[i] = Cv.f32_convert_i64_u(w[i], w[i + 1]); w[i + 1] = 0; break;
    case Op.f32_demote_f64: {
      const x = f64[j];
      w[i + 1] = 0;
      Fl.writeF32(w, f32, i, x);
      break;
    }
    case Op.f64_convert_i32_s: f64[j] = w[i]; break;
    case Op.f64_convert_i32_u: f64[j] = w[i] >>> 0; break;
    case Op.f64_convert_i64_s: f64[j] = Cv.f64_convert_i64_s(w[i], w[i + 1]); break;
    case Op.f64_convert_i64_u: f64[j] = Cv.f64_convert_i64_u(w[i], w[i + 1]); break;
    case Op.f64_promote_f32: Fl.writeF64(w, f64, j, f32[i]); break;
    case Op.i32_extend8_s: w[i] = (w[i] << 24) >> 24; break;
    case Op.i32_extend16_s: w[i] = (w[i] << 16) >> 16; break;
    case Op.i64_extend8_s: I64.i64_extend8_s(w, i); break;
    case Op.i64_extend16_s: I64.i64_extend16_s(w, i); break;
    case Op.i64_extend32_s: I64.i64_extend32_s(w, i); break;
    case P + 0x00: w[i] = Cv.i32_trunc_sat_f32_s(f32[i]); break;
    case P + 0x01: w[i] = Cv.i32_trunc_sat_f32_u(f32[i]); break;
    case P + 0x02: w[i] = Cv.i32_trunc_sat_f64_s(f64[j]); w[i + 1] = 0; break;
    case P + 0x03: w[i] = Cv.i32_trunc_sat_f64_u(f64[j]); w[i + 1] = 0; break;
    case P + 0x04: Cv.i64_trunc_sat_f32_s(w, i, f32[i]); break;
    case P + 0x05: Cv.i64_trunc_sat_f32_u(w, i, f32[i]); break;
    case P + 0x06: Cv.i64_trunc_sat_f64_s(w, i, f64[j]); break;
    case P + 0x07: Cv.i64_trunc_sat_f64_u(w, i, f64[j]); break;
    case Op.ref_is_null: w[i] = w[i] === NULL_REF ? 1 : 0; break;
    default:
      throw new Error(`internal: 0x${op.toString(16)} is not a unary instruction`);
  }
}
