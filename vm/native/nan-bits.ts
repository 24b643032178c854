// Where the native engine must canonicalise NaNs (docs/machine.md#the-nan-rule).
//
// The machine canonicalises every NaN that float arithmetic produces; V8 leaves whatever
// the hardware made (x86-64: the negative "default NaN"). Canonicalising after every float
// operation is exact but costs six instructions and two branches each. It is needed only
// where a NaN's bits can be observed: a store, reinterpret, select, abs/neg/copysign, a
// global, a call, a branch or block result. Consumers that treat every NaN alike
// (arithmetic under the rule, which yields a NaN it canonicalises itself; comparisons;
// float-to-int truncations; drop) make it unnecessary.
//
// Two analyses decide it:
//  - the consumer of a pushed value, found by walking forward over straight-line numeric
//    code (`consumerOf`);
//  - for a result kept in a local: whether any read of that local reachable from the
//    write, before the local is written again, hands the value to a consumer that sees
//    bits. That is a backward liveness analysis of "seen" reads over the body's control
//    flow (`seenReadsLive`). It matters in loops, where compilers keep intermediate
//    values (nbody's dx, d², magnitude) in locals read only by arithmetic.

import { Op } from '../syntax/opcodes.js';
import type { Instr } from '../syntax/types.js';

/** Float arithmetic whose NaN results the NaN rule canonicalises, by result type. */
export const ARITH_F32 = new Set<number>([
  Op.f32_add, Op.f32_sub, Op.f32_mul, Op.f32_div, Op.f32_sqrt, Op.f32_min, Op.f32_max,
  Op.f32_ceil, Op.f32_floor, Op.f32_trunc, Op.f32_nearest, Op.f32_demote_f64,
]);
export const ARITH_F64 = new Set<number>([
  Op.f64_add, Op.f64_sub, Op.f64_mul, Op.f64_div, Op.f64_sqrt, Op.f64_min, Op.f64_max,
  Op.f64_ceil, Op.f64_floor, Op.f64_trunc, Op.f64_nearest, Op.f64_promote_f32,
]);

/** Consumers that cannot tell one NaN from another. */
const NAN_BLIND = new Set<number>([
  ...ARITH_F32, ...ARITH_F64,
  Op.f32_eq, Op.f32_ne, Op.f32_lt, Op.f32_gt, Op.f32_le, Op.f32_ge,
  Op.f64_eq, Op.f64_ne, Op.f64_lt, Op.f64_gt, Op.f64_le, Op.f64_ge,
  Op.i32_trunc_f32_s, Op.i32_trunc_f32_u, Op.i32_trunc_f64_s, Op.i32_trunc_f64_u,
  Op.i64_trunc_f32_s, Op.i64_trunc_f32_u, Op.i64_trunc_f64_s, Op.i64_trunc_f64_u,
  Op.i32_trunc_sat_f32_s, Op.i32_trunc_sat_f32_u, Op.i32_trunc_sat_f64_s, Op.i32_trunc_sat_f64_u,
  Op.i64_trunc_sat_f32_s, Op.i64_trunc_sat_f32_u, Op.i64_trunc_sat_f64_s, Op.i64_trunc_sat_f64_u,
  Op.drop,
]);

/** The largest body whose locals get the liveness analysis (observedNaNResults). */
const LIVENESS_MAX_BODY = 2000;

/** How far the walk looks for a consumer before assuming the bits escape. */
const CONSUMER_WINDOW = 16;

/** [pops, pushes] of a straight-line instruction, or null for anything else (control, calls, ...). */
function stackEffect(op: number): [number, number] | null {
  if (op === Op.local_get || op === Op.global_get || op === Op.memory_size) return [0, 1];
  if (op >= Op.i32_const && op <= Op.f64_const) return [0, 1];
  if (op === Op.local_set || op === Op.global_set || op === Op.drop) return [1, 0];
  if (op === Op.local_tee || op === Op.memory_grow) return [1, 1];
  if (op >= Op.i32_load && op <= Op.i64_load32_u) return [1, 1];
  if (op >= Op.i32_store && op <= Op.i64_store32) return [2, 0];
  if (op === Op.i32_eqz || op === Op.i64_eqz) return [1, 1];
  if ((op >= Op.i32_eq && op <= Op.i32_ge_u) || (op >= Op.i64_eq && op <= Op.f64_ge)) return [2, 1];
  if ((op >= Op.i32_clz && op <= Op.i32_popcnt) || (op >= Op.i64_clz && op <= Op.i64_popcnt)) return [1, 1];
  if ((op >= Op.i32_add && op <= Op.i32_rotr) || (op >= Op.i64_add && op <= Op.i64_rotr)) return [2, 1];
  if ((op >= Op.f32_abs && op <= Op.f32_sqrt) || (op >= Op.f64_abs && op <= Op.f64_sqrt)) return [1, 1];
  if ((op >= Op.f32_add && op <= Op.f32_copysign) || (op >= Op.f64_add && op <= Op.f64_copysign)) return [2, 1];
  if (op >= Op.i32_wrap_i64 && op <= Op.i64_extend32_s) return [1, 1];
  if (op >= Op.i32_trunc_sat_f32_s && op <= Op.i64_trunc_sat_f64_u) return [1, 1];
  return null;
}

/**
 * The index of the instruction that pops the value body[k] pushes, when straight-line
 * code within CONSUMER_WINDOW reaches it; -1 otherwise (the value may escape).
 */
function consumerOf(body: readonly Instr[], k: number): number {
  let above = 0; // values pushed on top of ours since
  for (let j = k + 1; j < body.length && j <= k + CONSUMER_WINDOW; j++) {
    const effect = stackEffect(body[j].op);
    if (effect === null) return -1;
    const [pops, pushes] = effect;
    if (pops > above) return j;
    above += pushes - pops;
  }
  return -1;
}

function blindConsumer(body: readonly Instr[], k: number): boolean {
  const c = consumerOf(body, k);
  return c >= 0 && NAN_BLIND.has(body[c].op);
}

/** Whether the value body[k] pushes is consumed, within straight-line code, by a NaN-blind instruction. */
export function nanBitsUnobservable(body: readonly Instr[], k: number): boolean {
  return blindConsumer(body, k);
}

// ---- Control flow ---------------------------------------------------------------

/** Successors of each instruction; `null` means just the next one. Exits have none. */
function successors(body: readonly Instr[]): (number[] | null)[] {
  const n = body.length;
  const endOf = new Int32Array(n).fill(-1);
  const elseOf = new Int32Array(n).fill(-1);
  const open: number[] = [];
  body.forEach((ins, j) => {
    if (ins.op === Op.block || ins.op === Op.loop || ins.op === Op.if) open.push(j);
    else if (ins.op === Op.else && open.length > 0) elseOf[open[open.length - 1]] = j;
    else if (ins.op === Op.end && open.length > 0) endOf[open.pop() as number] = j;
  });

  const succ: (number[] | null)[] = new Array(n).fill(null);
  const stack: number[] = []; // open constructs
  /** Where a branch to label `depth` continues: a loop's start or a block's end; -1 = return. */
  const target = (depth: number): number => {
    const s = stack[stack.length - 1 - depth];
    if (s === undefined) return -1;
    return body[s].op === Op.loop ? s + 1 : endOf[s];
  };
  const only = (...js: number[]): number[] => js.filter((j) => j >= 0 && j < n);
  body.forEach((ins, j) => {
    switch (ins.op) {
      case Op.block: case Op.loop:
        stack.push(j);
        break;
      case Op.if:
        stack.push(j);
        succ[j] = only(j + 1, elseOf[j] >= 0 ? elseOf[j] + 1 : endOf[j]);
        break;
      case Op.else: // reached by falling off the then-arm
        succ[j] = only(endOf[stack[stack.length - 1]]);
        break;
      case Op.end:
        if (stack.length === 0) succ[j] = []; // the function's own end
        else stack.pop();
        break;
      case Op.br:
        succ[j] = only(target(ins.a ?? 0));
        break;
      case Op.br_if:
        succ[j] = only(j + 1, target(ins.a ?? 0));
        break;
      case Op.br_table:
        succ[j] = only(...(ins.labels ?? []).map(target), target(ins.a ?? 0));
        break;
      case Op.return: case Op.unreachable:
        succ[j] = [];
        break;
    }
  });
  return succ;
}

// ---- Liveness of seen reads -----------------------------------------------------

/**
 * For each instruction j: the set (a bitset over `slot`, `words` words at j * words) of
 * locals that, just after j, may still be read by a `local.get` whose consumer can see NaN
 * bits before they are written again. Flat arrays and no allocation per instruction: this
 * runs on every function of a job before its first native run.
 */
function seenReadsLive(body: readonly Instr[], slot: Map<number, number>, words: number): Uint32Array {
  const n = body.length;
  const succ = successors(body);
  const liveIn = new Uint32Array(n * words);
  const liveOut = new Uint32Array(n * words);
  const gen = new Int32Array(n).fill(-1);
  const kill = new Int32Array(n).fill(-1);
  body.forEach((ins, j) => {
    const s = slot.get(ins.a ?? -1);
    if (s === undefined) return;
    if (ins.op === Op.local_get && !blindConsumer(body, j)) gen[j] = s;
    else if (ins.op === Op.local_set || ins.op === Op.local_tee) kill[j] = s;
  });
  for (let changed = true; changed;) {
    changed = false;
    for (let j = n - 1; j >= 0; j--) {
      const o = j * words;
      const next = succ[j];
      if (next === null) {
        if (j + 1 < n) for (let w = 0; w < words; w++) liveOut[o + w] |= liveIn[o + words + w];
      } else {
        for (const t of next) for (let w = 0; w < words; w++) liveOut[o + w] |= liveIn[t * words + w];
      }
      for (let w = 0; w < words; w++) {
        let v = liveOut[o + w];
        if (kill[j] >= 0 && kill[j] >>> 5 === w) v &= ~(1 << (kill[j] & 31));
        if (gen[j] >= 0 && gen[j] >>> 5 === w) v |= 1 << (gen[j] & 31);
        if (v !== liveIn[o + w]) {
          liveIn[o + w] = v;
          changed = true;
        }
      }
    }
  }
  return liveOut;
}

/**
 * For each instruction of `body`: true where it is float arithmetic whose result's NaN
 * bits may be observed, so the native engine must canonicalise it.
 */
export function observedNaNResults(body: readonly Instr[]): boolean[] {
  const slot = new Map<number, number>(); // local index -> bit, for locals written from arithmetic
  body.forEach((ins, k) => {
    if (!ARITH_F32.has(ins.op) && !ARITH_F64.has(ins.op)) return;
    const c = consumerOf(body, k);
    if (c < 0) return;
    const op = body[c].op;
    if ((op === Op.local_set || op === Op.local_tee) && !slot.has(body[c].a ?? 0)) slot.set(body[c].a ?? 0, slot.size);
  });
  // Past LIVENESS_MAX_BODY instructions, every local written from arithmetic counts as
  // seen (canonicalised, exact as ever): the analysis would cost more, before the job's
  // first native run, than it could save (musl's printf_core: 4,482 instructions, 5-9 ms).
  if (body.length > LIVENESS_MAX_BODY) slot.clear();
  const words = Math.ceil(slot.size / 32);
  const live = slot.size > 0 ? seenReadsLive(body, slot, words) : new Uint32Array(0);
  const isLive = (j: number, local: number): boolean => {
    const s = slot.get(local);
    return s === undefined || (live[j * words + (s >>> 5)] & (1 << (s & 31))) !== 0;
  };
  /** Whether the bits of the value body[k] pushes can be observed. */
  const seen = (k: number): boolean => {
    const c = consumerOf(body, k);
    if (c < 0) return true;
    const ins = body[c];
    if (NAN_BLIND.has(ins.op)) return false;
    if (ins.op === Op.local_set) return isLive(c, ins.a ?? 0);
    if (ins.op === Op.local_tee) return isLive(c, ins.a ?? 0) || seen(c);
    return true;
  };
  return body.map((ins, k) => (ARITH_F32.has(ins.op) || ARITH_F64.has(ins.op)) && seen(k));
}
