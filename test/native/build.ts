// Hand-built job modules for the native engine tests: function bodies written one
// instruction per line in text-format names (`i32.const 1`, `br_table 0 1 0`, `block (type 1)`),
// turned into the module AST and encoded with encodeModule.

import { encodeModule } from '../../vm/binary/encode.js';
import { findWasiFunction } from '../../vm/host/wasi.js';
import { assemble } from '../../vm/syntax/asm.js';
import { Op } from '../../vm/syntax/opcodes.js';
import { FUNCREF, I32, type ElemSegment, type FuncType, type Instr, type Module, type ValType } from '../../vm/syntax/types.js';

/** Parses one instruction per line; `;;` starts a comment (vm/syntax/asm.ts). */
export const code = assemble;

export interface FuncSpec {
  type: FuncType;
  locals?: ValType[];
  body: string;
  /** Export name. */
  export?: string;
}

export interface JobSpec {
  /** WASI imports by name, in order: they take function indices 0.. */
  wasi?: string[];
  funcs: FuncSpec[];
  /** Extra types (after the function types): for block types and call_indirect. */
  types?: FuncType[];
  memory?: { min: number; max: number | null };
  table?: { min: number; max: number | null; elems?: number[] };
  passiveElems?: number[][];
  datas?: Uint8Array[];
  /** Defined-function index (0 = first defined function) of the start function. */
  start?: number;
  /** Export the memory as `memory` (default true). */
  exportMemory?: boolean;
}


/** A job module: `_start` is the first function unless another is exported as `_start`. */
export function jobModule(spec: JobSpec): Module {
  const types: FuncType[] = [];
  const typeOf = (t: FuncType): number => {
    const same = (a: ValType[], b: ValType[]): boolean => a.length === b.length && a.every((x, k) => x === b[k]);
    const k = types.findIndex((u) => same(u.params, t.params) && same(u.results, t.results));
    if (k >= 0) return k;
    types.push(t);
    return types.length - 1;
  };
  for (const t of spec.types ?? []) types.push(t);
  const wasi = spec.wasi ?? [];
  const imports = wasi.map((name) => {
    const f = findWasiFunction(name);
    if (f === undefined) throw new Error(`build: no WASI function ${name}`);
    const t: FuncType = { params: f.params, results: f.results };
    return { module: 'wasi_snapshot_preview1', name, desc: { kind: 'func' as const, typeIdx: typeOf(t) } };
  });
  const funcs = spec.funcs.map((f) => ({ typeIdx: typeOf(f.type), locals: f.locals ?? [], body: code(f.body), offset: 0 }));
  const exports: Module['exports'] = [];
  spec.funcs.forEach((f, k) => {
    if (f.export !== undefined) exports.push({ name: f.export, kind: 'func', index: wasi.length + k });
  });
  if (!exports.some((e) => e.name === '_start')) exports.push({ name: '_start', kind: 'func', index: wasi.length });
  if (spec.exportMemory ?? true) exports.push({ name: 'memory', kind: 'memory', index: 0 });
  const refFunc = (k: number): Instr[] => [{ op: Op.ref_func, offset: 0, a: k }];
  const elems: ElemSegment[] = [];
  if (spec.table?.elems) {
    elems.push({
      type: FUNCREF,
      init: spec.table.elems.map(refFunc),
      mode: { kind: 'active', table: 0, offset: [{ op: Op.i32_const, offset: 0, a: 0 }] },
    });
  }
  for (const p of spec.passiveElems ?? []) elems.push({ type: FUNCREF, init: p.map(refFunc), mode: { kind: 'passive' } });
  const datas = (spec.datas ?? []).map((init) => ({ init, mode: { kind: 'passive' as const } }));
  return {
    types,
    imports,
    funcs,
    tables: spec.table ? [{ elemType: FUNCREF, limits: { min: spec.table.min, max: spec.table.max } }] : [],
    mems: [{ limits: spec.memory ?? { min: 1, max: null } }],
    globals: [],
    exports,
    start: spec.start === undefined ? null : wasi.length + spec.start,
    elems,
    datas,
    dataCount: datas.length > 0 ? datas.length : null,
    customs: [],
  };
}

export function jobBytes(spec: JobSpec): Uint8Array {
  return encodeModule(jobModule(spec));
}

export const VOID: FuncType = { params: [], results: [] };
