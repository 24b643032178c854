// Instrumentation for the native fast path: rewrites a copy of a job's module so that
// V8 running it reproduces the machine of docs/machine.md, or stops where it cannot.
//
//  - Steps: every body is split into straight-line segments; at each segment's first
//    instruction (a "leader") one add puts the segment's length into the exported i64
//    global `__verity_steps`. Counting a segment up front is exact for every run that
//    leaves the segment normally; a run that traps inside it falls back anyway.
//  - Budget: at function entry and at the head of every loop that a branch can re-enter,
//    `steps > maxSteps` executes `unreachable`. Every infinite run passes one of those.
//  - Stack units: `__verity_units` (i32) gains F(f) at entry of f, exhaustion executes
//    `unreachable`, and every call site restores the caller's value after the call.
//  - NaN rule: every float arithmetic result is canonicalised, except where its consumer
//    cannot tell NaNs apart (see nan-bits.ts).
//  - Bulk operations call helpers that add their extra micro-steps; memory.grow and
//    table.grow call helpers that refuse (via `unreachable`) when V8 fails a grow the
//    machine would allow.
//  - The memory's maximum is clamped to the job limit, and the memory is shared (its
//    growth must not detach buffers; see instrumentJob). The memory and the start function
//    are exported under private names; the start function is called by the engine after
//    instantiation rather than by it, so that its WASI calls can reach the memory.
//
// Guards stop with `unreachable` rather than calling an import: every stop means "fall
// back to the interpreter", and the reason can be read from the globals afterwards.
// Adding no import keeps the function index space unchanged.

import { Op } from '../syntax/opcodes.js';
import {
  F32, F64, I32, I64,
  type BlockType, type Export, type Func, type FuncType, type Global, type Instr, type Module,
  type RefType, type ValType,
} from '../syntax/types.js';
import { frameUnits, prologueSteps, type MachineLimits } from '../exec/limits.js';
import { MAX_TABLE_SIZE } from '../exec/table.js';
import type { FuncInfo, ModuleInfo } from '../valid/validate.js';
import { ARITH_F32, ARITH_F64, observedNaNResults } from './nan-bits.js';

export const STEPS_EXPORT = '__verity_steps';
export const UNITS_EXPORT = '__verity_units';
export const START_EXPORT = '__verity_start';
/** `(i32 k)`: adds k (signed) to the step counter, for the host without an i64 (BigInt) round trip. */
export const ADD_STEPS_EXPORT = '__verity_add_steps';
/** The host reaches memory 0 through this export: the job's own `memory` export is not checked. */
export const MEMORY_EXPORT = '__verity_memory';

/** Canonical quiet NaNs of the NaN rule, as bit patterns. */
const CANONICAL_NAN_F32 = 0x7fc00000;
const CANONICAL_NAN_F64 = 0x7ff8000000000000n;

export interface InstrumentedJob {
  /** The rewritten module (encode it with encodeModule). */
  module: Module;
  /** Export name of the original start function, or null when the module has none. */
  startExport: string | null;
  /** Number of helper functions appended after the module's own functions. */
  helperCount: number;
}

const BULK_MEMORY = new Set<number>([Op.memory_fill, Op.memory_copy, Op.memory_init]);
const BULK_TABLE = new Set<number>([Op.table_fill, Op.table_copy, Op.table_init]);

/** Instructions after which control never falls through. */
const TERMINATORS = new Set<number>([Op.br, Op.br_table, Op.return, Op.unreachable]);

// ---- Segments -------------------------------------------------------------------

/**
 * Which instructions of `body` start a segment: the entry, and every point that control
 * can reach other than by falling through from the previous instruction, or where the
 * count must be exact because control may leave for good (calls: proc_exit).
 * That is the instruction after: `if`, `else`, `br_if`, `call`, `call_indirect`, the
 * `end` of an `if`, of a `block` that some branch targets, and a `loop` that some branch
 * targets. (The `end` of an untargeted block or loop is only reached by falling through,
 * so it needs no leader of its own: the count is the same, with fewer adds.)
 */
export function segmentLeaders(body: readonly Instr[]): boolean[] {
  const targeted = new Set<number>(); // indices of block/loop/if that some branch targets
  const opener = new Int32Array(body.length).fill(-1); // end index -> its block/loop/if index
  const stack: number[] = [-1]; // open constructs; -1 is the function's own label
  const mark = (depth: number): void => {
    const s = stack[stack.length - 1 - depth];
    if (s !== undefined && s >= 0) targeted.add(s);
  };
  body.forEach((ins, i) => {
    switch (ins.op) {
      case Op.block: case Op.loop: case Op.if:
        stack.push(i);
        break;
      case Op.end:
        opener[i] = stack.pop() ?? -1;
        break;
      case Op.br: case Op.br_if:
        mark(ins.a ?? 0);
        break;
      case Op.br_table:
        for (const l of ins.labels ?? []) mark(l);
        mark(ins.a ?? 0);
        break;
    }
  });

  const leaders = new Array<boolean>(body.length).fill(false);
  if (body.length > 0) leaders[0] = true;
  for (let i = 0; i + 1 < body.length; i++) {
    const op = body[i].op;
    let lead = false;
    switch (op) {
      case Op.if: case Op.else: case Op.br_if: case Op.call: case Op.call_indirect:
        lead = true;
        break;
      case Op.loop:
        lead = targeted.has(i);
        break;
      case Op.end: {
        const s = opener[i];
        lead = s >= 0 && (body[s].op === Op.if || (body[s].op === Op.block && targeted.has(s)));
        break;
      }
    }
    if (lead) leaders[i + 1] = true;
  }
  return leaders;
}

/**
 * Instructions counted by the segment that starts at `leader`: up to the next leader,
 * or through the first terminator (what follows a terminator before the next leader is dead).
 */
function segmentLength(body: readonly Instr[], leaders: readonly boolean[], leader: number): number {
  let n = 0;
  for (let j = leader; j < body.length; j++) {
    n++;
    if (TERMINATORS.has(body[j].op)) break;
    if (j + 1 < body.length && leaders[j + 1]) break;
  }
  return n;
}

// ---- Module-level rewriting -----------------------------------------------------

interface Rewriter {
  m: Module;
  limits: MachineLimits;
  importedFuncs: number;
  stepsGlobal: number;
  unitsGlobal: number;
  /** Index of the first helper function in the function index space. */
  helperBase: number;
  helpers: Func[];
  helperIndex: Map<string, number>;
}

function i(op: number, offset: number, fields: Partial<Instr> = {}): Instr {
  return { op, offset, ...fields };
}

const EMPTY: BlockType = { kind: 'empty' };

/**
 * Rewrites a validated job module (`info` from validateModule(m)) for native execution
 * under `limits`. `m` is not modified.
 */
export function instrumentJob(
  m: Module,
  info: ModuleInfo,
  limits: MachineLimits,
  options: { sharedMemory?: boolean } = {},
): InstrumentedJob {
  if (info.funcs.length !== m.funcs.length) {
    throw new Error(`instrumentJob: ${info.funcs.length} function infos for ${m.funcs.length} functions`);
  }
  const out: Module = {
    ...m,
    types: m.types.map((t) => ({ params: [...t.params], results: [...t.results] })),
    globals: [...m.globals],
    exports: [...m.exports],
    // Shared, so that memory.grow never detaches an ArrayBuffer: the first detach in a
    // process makes V8 check for detached buffers at typed-array and DataView accesses in
    // all optimized code from then on, which slows the interpreter (same process: fallback,
    // proofs) by 12-20% for good. One thread runs the job, so sharing changes nothing else.
    // (`sharedMemory: false` for modules that link to each other's memory, as the spec
    // suite's do: an import must match the exported memory's sharedness.)
    mems: m.mems.map((mem) => ({
      limits: { min: mem.limits.min, max: clampedMemoryMax(mem.limits.max, limits) },
      shared: options.sharedMemory ?? true,
    })),
    funcs: [],
  };
  const importedFuncs = m.imports.filter((im) => im.desc.kind === 'func').length;
  const importedGlobals = m.imports.filter((im) => im.desc.kind === 'global').length;
  const rw: Rewriter = {
    m: out,
    limits,
    importedFuncs,
    stepsGlobal: importedGlobals + out.globals.length,
    unitsGlobal: importedGlobals + out.globals.length + 1,
    helperBase: importedFuncs + m.funcs.length,
    helpers: [],
    helperIndex: new Map(),
  };
  out.globals.push(mutableGlobal(I64), mutableGlobal(I32));
  out.exports.push(
    { name: STEPS_EXPORT, kind: 'global', index: rw.stepsGlobal },
    { name: UNITS_EXPORT, kind: 'global', index: rw.unitsGlobal },
  );
  const hasMemory = m.mems.length > 0 || m.imports.some((im) => im.desc.kind === 'memory');
  if (hasMemory) out.exports.push({ name: MEMORY_EXPORT, kind: 'memory', index: 0 });
  let startExport: string | null = null;
  if (m.start !== null) {
    out.exports.push({ name: START_EXPORT, kind: 'func', index: m.start } satisfies Export);
    out.start = null;
    startExport = START_EXPORT;
  }
  out.funcs = m.funcs.map((f, k) => instrumentFunc(rw, f, info.funcs[k]));
  out.exports.push({ name: ADD_STEPS_EXPORT, kind: 'func', index: addStepsHelper(rw) });
  out.funcs.push(...rw.helpers);
  return { module: out, startExport, helperCount: rw.helpers.length };
}

/** docs/machine.md#limits: the job memory may grow to the smaller of its own maximum and the limit. */
export function clampedMemoryMax(declared: number | null, limits: MachineLimits): number {
  return Math.min(declared ?? limits.maxMemoryPages, limits.maxMemoryPages);
}

function mutableGlobal(t: typeof I32 | typeof I64): Global {
  const init = t === I64 ? i(Op.i64_const, 0, { c: 0n }) : i(Op.i32_const, 0, { a: 0 });
  return { type: { valType: t, mutable: true }, init: [init] };
}

function typeIndex(rw: Rewriter, params: ValType[], results: ValType[]): number {
  const same = (a: ValType[], b: ValType[]): boolean => a.length === b.length && a.every((t, k) => t === b[k]);
  const found = rw.m.types.findIndex((t) => same(t.params, params) && same(t.results, results));
  if (found >= 0) return found;
  rw.m.types.push({ params, results } satisfies FuncType);
  return rw.m.types.length - 1;
}

/** The helper for `key`, built on first use; returns its function index. */
function helper(rw: Rewriter, key: string, build: () => Func): number {
  let idx = rw.helperIndex.get(key);
  if (idx === undefined) {
    idx = rw.helperBase + rw.helpers.length;
    rw.helpers.push(build());
    rw.helperIndex.set(key, idx);
  }
  return idx;
}

// ---- Function bodies --------------------------------------------------------------

/** Emits instrumented code for one function, allocating its scratch locals on demand. */
class BodyWriter {
  readonly code: Instr[] = [];
  private readonly locals: ValType[];
  private readonly scratch = new Map<ValType, number>();

  constructor(private readonly paramCount: number, declared: ValType[]) {
    this.locals = [...declared];
  }

  emit(ins: Instr): void {
    this.code.push(ins);
  }

  /**
   * An extra local of type `t`, one per type per function: an f32/f64 one lives for one
   * canonicalisation, the i32 one across one call (calls never nest within a function).
   */
  scratchLocal(t: ValType): number {
    let idx = this.scratch.get(t);
    if (idx === undefined) {
      idx = this.paramCount + this.locals.length;
      this.locals.push(t);
      this.scratch.set(t, idx);
    }
    return idx;
  }

  allLocals(): ValType[] {
    return this.locals;
  }
}

function instrumentFunc(rw: Rewriter, f: Func, info: FuncInfo): Func {
  const type = rw.m.types[f.typeIdx];
  const params = type.params.length;
  const w = new BodyWriter(params, f.locals);
  const body = f.body;
  const leaders = segmentLeaders(body);
  const observed = observedNaNResults(body);
  const units = frameUnits(params, f.locals.length, info.maxHeight);

  for (let k = 0; k < body.length; k++) {
    const ins = body[k];
    if (k === 0) unitsPrologue(rw, w, units, ins.offset);
    if (leaders[k]) {
      // The entry segment also counts the LOCALS prologue row's micro-steps (docs/machine.md).
      const prologue = k === 0 ? prologueSteps(f.locals.length) : 0;
      countSteps(rw, w, segmentLength(body, leaders, k) + prologue, ins.offset);
      if (k === 0 || body[k - 1].op === Op.loop) budgetCheck(rw, w, ins.offset);
    }
    rewriteInstr(rw, w, body, k, observed[k]);
  }
  return { typeIdx: f.typeIdx, locals: w.allLocals(), body: w.code, offset: f.offset };
}

function countSteps(rw: Rewriter, w: BodyWriter, n: number, at: number): void {
  w.emit(i(Op.global_get, at, { a: rw.stepsGlobal }));
  w.emit(i(Op.i64_const, at, { c: BigInt(n) }));
  w.emit(i(Op.i64_add, at));
  w.emit(i(Op.global_set, at, { a: rw.stepsGlobal }));
}

function budgetCheck(rw: Rewriter, w: BodyWriter, at: number): void {
  w.emit(i(Op.global_get, at, { a: rw.stepsGlobal }));
  w.emit(i(Op.i64_const, at, { c: BigInt(rw.limits.maxSteps) }));
  w.emit(i(Op.i64_gt_u, at));
  stopIf(w, at);
}

function unitsPrologue(rw: Rewriter, w: BodyWriter, units: number, at: number): void {
  const max = Math.min(rw.limits.maxStackUnits, 0xffff_ffff);
  w.emit(i(Op.global_get, at, { a: rw.unitsGlobal }));
  w.emit(i(Op.i32_const, at, { a: units | 0 }));
  w.emit(i(Op.i32_add, at));
  w.emit(i(Op.global_set, at, { a: rw.unitsGlobal }));
  w.emit(i(Op.global_get, at, { a: rw.unitsGlobal }));
  w.emit(i(Op.i32_const, at, { a: max | 0 }));
  w.emit(i(Op.i32_gt_u, at));
  stopIf(w, at);
}

/** `if unreachable end`: stop (fall back) when the i32 on the stack is non-zero. */
function stopIf(w: BodyWriter, at: number): void {
  w.emit(i(Op.if, at, { bt: EMPTY }));
  w.emit(i(Op.unreachable, at));
  w.emit(i(Op.end, at));
}

function rewriteInstr(rw: Rewriter, w: BodyWriter, body: readonly Instr[], k: number, nanObserved: boolean): void {
  const ins = body[k];
  const op = ins.op;
  const at = ins.offset;
  if (op === Op.call && (ins.a ?? 0) < rw.importedFuncs) {
    w.emit(ins); // a WASI call: the host never touches the units
  } else if (op === Op.call || op === Op.call_indirect) {
    const save = w.scratchLocal(I32);
    w.emit(i(Op.global_get, at, { a: rw.unitsGlobal }));
    w.emit(i(Op.local_set, at, { a: save }));
    w.emit(ins);
    w.emit(i(Op.local_get, at, { a: save }));
    w.emit(i(Op.global_set, at, { a: rw.unitsGlobal }));
  } else if (ARITH_F32.has(op) || ARITH_F64.has(op)) {
    w.emit(ins);
    if (nanObserved) canonicalize(w, ARITH_F32.has(op) ? F32 : F64, at);
  } else if (BULK_MEMORY.has(op) || BULK_TABLE.has(op)) {
    w.emit(i(Op.call, at, { a: bulkHelper(rw, ins) }));
  } else if (op === Op.memory_grow) {
    w.emit(i(Op.call, at, { a: memoryGrowHelper(rw) }));
  } else if (op === Op.table_grow) {
    w.emit(i(Op.call, at, { a: tableGrowHelper(rw, ins.a ?? 0) }));
  } else {
    w.emit(ins);
  }
}

// ---- The NaN rule (where: nan-bits.ts) ---------------------------------------

/** x -> (x == x ? x : canonical NaN), i.e. `select(x, NaN, x == x)`. */
function canonicalize(w: BodyWriter, t: typeof F32 | typeof F64, at: number): void {
  const tmp = w.scratchLocal(t);
  w.emit(i(Op.local_tee, at, { a: tmp }));
  if (t === F32) w.emit(i(Op.f32_const, at, { a: CANONICAL_NAN_F32 }));
  else w.emit(i(Op.f64_const, at, { c: CANONICAL_NAN_F64 }));
  w.emit(i(Op.local_get, at, { a: tmp }));
  w.emit(i(Op.local_get, at, { a: tmp }));
  w.emit(i(t === F32 ? Op.f32_eq : Op.f64_eq, at));
  w.emit(i(Op.select, at));
}

// ---- Helpers ------------------------------------------------------------------------
// Helpers are not instrumented: the instruction they replace is already counted in its
// segment, and they hold no frame of the machine (no stack units).

function tableElemType(m: Module, table: number): RefType {
  const imported = m.imports.flatMap((im) => (im.desc.kind === 'table' ? [im.desc.type] : []));
  const t = [...imported, ...m.tables][table];
  if (t === undefined) throw new Error(`instrumentJob: no table ${table}`);
  return t.elemType;
}

function tableMax(m: Module, table: number): number {
  const imported = m.imports.flatMap((im) => (im.desc.kind === 'table' ? [im.desc.type] : []));
  const t = [...imported, ...m.tables][table];
  if (t === undefined) throw new Error(`instrumentJob: no table ${table}`);
  return t.limits.max ?? MAX_TABLE_SIZE;
}

/**
 * A bulk operation `op` with its immediates, as a function of its three operands
 * (d, s|v, n) that first adds its micro-steps beyond the first to `steps`:
 * memory: n = 0 -> 0, else leaves(d, n) - 1 = ((d + n - 1) >> 5) - (d >> 5);
 * table: n = 0 -> 0, else n - 1. All in i64 on the u32 operands.
 */
function bulkHelper(rw: Rewriter, ins: Instr): number {
  const op = ins.op;
  return helper(rw, `${op}:${ins.a ?? ''}:${ins.b ?? ''}`, () => {
    const middle: ValType = op === Op.table_fill ? tableElemType(rw.m, ins.a ?? 0) : I32;
    const typeIdx = typeIndex(rw, [I32, middle, I32], []);
    const d = 0, n = 2;
    const at = ins.offset;
    const u64 = (local: number): Instr[] => [i(Op.local_get, at, { a: local }), i(Op.i64_extend_i32_u, at)];
    const extra: Instr[] = BULK_MEMORY.has(op)
      ? [
        ...u64(d), ...u64(n), i(Op.i64_add, at), i(Op.i64_const, at, { c: 1n }), i(Op.i64_sub, at),
        i(Op.i64_const, at, { c: 5n }), i(Op.i64_shr_u, at),
        ...u64(d), i(Op.i64_const, at, { c: 5n }), i(Op.i64_shr_u, at),
        i(Op.i64_sub, at),
      ]
      : [...u64(n), i(Op.i64_const, at, { c: 1n }), i(Op.i64_sub, at)];
    const body: Instr[] = [
      i(Op.global_get, at, { a: rw.stepsGlobal }),
      ...extra,
      i(Op.i64_const, at, { c: 0n }),
      i(Op.local_get, at, { a: n }),
      i(Op.select, at), // n != 0 ? extra : 0
      i(Op.i64_add, at),
      i(Op.global_set, at, { a: rw.stepsGlobal }),
      i(Op.local_get, at, { a: 0 }),
      i(Op.local_get, at, { a: 1 }),
      i(Op.local_get, at, { a: 2 }),
      { ...ins },
      i(Op.end, at),
    ];
    return { typeIdx, locals: [], body, offset: 0 };
  });
}

/**
 * `memory.grow` that stops when V8 refuses a growth the machine allows (size + n within
 * the clamped maximum): V8 may fail to allocate, the interpreter would not.
 */
function memoryGrowHelper(rw: Rewriter): number {
  return helper(rw, 'memory.grow', () => {
    const mem = rw.m.mems[0];
    const max = mem === undefined ? 0 : (mem.limits.max ?? rw.limits.maxMemoryPages);
    return growHelper(rw, [I32], i(Op.memory_size, 0), i(Op.memory_grow, 0), max);
  });
}

/** The exported `__verity_add_steps`: steps += i64(k). */
function addStepsHelper(rw: Rewriter): number {
  return helper(rw, 'add-steps', () => ({
    typeIdx: typeIndex(rw, [I32], []),
    locals: [],
    body: [
      i(Op.global_get, 0, { a: rw.stepsGlobal }),
      i(Op.local_get, 0, { a: 0 }),
      i(Op.i64_extend_i32_s, 0),
      i(Op.i64_add, 0),
      i(Op.global_set, 0, { a: rw.stepsGlobal }),
      i(Op.end, 0),
    ],
    offset: 0,
  }));
}

/**
 * `table.grow x` that stops when V8 (its own 10M-entry cap) refuses a growth the machine
 * allows, and adds the micro-steps beyond the first: a successful grow with a non-null
 * init and n > 0 writes one entry per micro-step (n steps, docs/machine.md).
 */
function tableGrowHelper(rw: Rewriter, table: number): number {
  return helper(rw, `table.grow:${table}`, () => {
    const init = 0, n = 1, result = 2;
    const extraSteps: Instr[] = [
      i(Op.global_get, 0, { a: rw.stepsGlobal }),
      i(Op.local_get, 0, { a: n }),
      i(Op.i64_extend_i32_u, 0),
      i(Op.i64_const, 0, { c: 1n }),
      i(Op.i64_sub, 0),
      i(Op.i64_const, 0, { c: 0n }),
      // result != -1 && n != 0 && init != null
      i(Op.local_get, 0, { a: result }),
      i(Op.i32_const, 0, { a: -1 }),
      i(Op.i32_ne, 0),
      i(Op.local_get, 0, { a: n }),
      i(Op.i32_const, 0, { a: 0 }),
      i(Op.i32_ne, 0),
      i(Op.i32_and, 0),
      i(Op.local_get, 0, { a: init }),
      i(Op.ref_is_null, 0),
      i(Op.i32_eqz, 0),
      i(Op.i32_and, 0),
      i(Op.select, 0), // that ? n - 1 : 0
      i(Op.i64_add, 0),
      i(Op.global_set, 0, { a: rw.stepsGlobal }),
    ];
    return growHelper(
      rw,
      [tableElemType(rw.m, table), I32],
      i(Op.table_size, 0, { a: table }),
      i(Op.table_grow, 0, { a: table }),
      tableMax(rw.m, table),
      extraSteps,
    );
  });
}

/**
 * params..., n -> grow(params..., n); if it returned -1 although size + n <= max:
 * unreachable. `after` runs last, with the result in the local after the params.
 */
function growHelper(rw: Rewriter, params: ValType[], size: Instr, grow: Instr, max: number, after: Instr[] = []): Func {
  const typeIdx = typeIndex(rw, params, [I32]);
  const n = params.length - 1;
  const result = params.length; // the one declared local
  const body: Instr[] = [
    ...params.map((_, k) => i(Op.local_get, 0, { a: k })),
    grow,
    i(Op.local_tee, 0, { a: result }),
    i(Op.i32_const, 0, { a: -1 }),
    i(Op.i32_eq, 0),
    i(Op.if, 0, { bt: EMPTY }),
    size,
    i(Op.i64_extend_i32_u, 0),
    i(Op.local_get, 0, { a: n }),
    i(Op.i64_extend_i32_u, 0),
    i(Op.i64_add, 0),
    i(Op.i64_const, 0, { c: BigInt(max) }),
    i(Op.i64_le_u, 0),
    i(Op.if, 0, { bt: EMPTY }),
    i(Op.unreachable, 0),
    i(Op.end, 0),
    i(Op.end, 0),
    ...after,
    i(Op.local_get, 0, { a: result }),
    i(Op.end, 0),
  ];
  return { typeIdx, locals: [I32], body, offset: 0 };
}
