// The store and module instantiation (spec 4.2 "Runtime structure", 4.5 "Modules").
//
// All instances share one store: functions, tables, memories, globals and segments
// get store addresses, and lowering bakes those addresses into the machine code.
// A job machine holds one instance whose imports are all WASI functions, so its
// function addresses equal its module function indices (docs/machine.md#values).

import type {
  ConstExpr, ExternKind, FuncType, GlobalType, Limits, Module, RefType, ValType,
} from '../syntax/types.js';
import { FUNCREF, F32, F64, I32, I64, WasmError } from '../syntax/types.js';
import { Op } from '../syntax/opcodes.js';
import type { ModuleInfo } from '../valid/validate.js';
import { CODE_WIDTH, CodeBuffer, lowerFunction, type Resolution } from './code.js';
import { frameUnits, PAGE_SIZE } from './limits.js';
import { Memory } from './memory.js';
import { funcRef, NULL_REF, Table } from './table.js';
import { Trap, TrapMessage } from './trap.js';

/** A host function that runs in one step and returns its results (spec-test imports). */
export type HostCallback = (args: bigint[]) => bigint[];

export type FuncInst =
  | { kind: 'wasm'; type: FuncType; typeId: number; entryPc: number; params: number; locals: number;
      results: number; units: number; instance: Instance }
  | { kind: 'wasi'; type: FuncType; typeId: number; wasiId: number }
  | { kind: 'host'; type: FuncType; typeId: number; callback: HostCallback };

export interface ExternVal {
  kind: ExternKind;
  addr: number;
}

export interface Instance {
  module: Module;
  funcAddrs: number[];
  tableAddrs: number[];
  memAddr: number; // -1 when the module has no memory
  globalAddrs: number[];
  elemAddrs: number[];
  dataAddrs: number[];
  exports: Map<string, ExternVal>;
}

export interface GlobalInst {
  type: GlobalType;
}

/** Resolves an import to an extern value of the store, or undefined when unknown. */
export type ImportResolver = (module: string, name: string) => ExternVal | undefined;

export class Store {
  readonly code = new CodeBuffer();
  readonly funcs: FuncInst[] = [];
  readonly tables: Table[] = [];
  readonly mems: Memory[] = [];
  readonly globalTypes: GlobalInst[] = [];
  /** Global values, 2 words (one slot) per global address. */
  globals = new Int32Array(64);
  readonly elems: Int32Array[] = [];
  readonly datas: Uint8Array[] = [];
  private readonly typeIds = new Map<string, number>();
  readonly types: FuncType[] = [];

  constructor(
    readonly maxMemoryPages: number,
  ) {}

  typeId(t: FuncType): number {
    const key = t.params.join(',') + '->' + t.results.join(',');
    let id = this.typeIds.get(key);
    if (id === undefined) {
      id = this.types.length;
      this.types.push(t);
      this.typeIds.set(key, id);
    }
    return id;
  }

  allocGlobal(type: GlobalType, lo: number, hi: number): number {
    const addr = this.globalTypes.length;
    this.globalTypes.push({ type });
    if (addr * 2 + 2 > this.globals.length) {
      const next = new Int32Array(this.globals.length * 2);
      next.set(this.globals);
      this.globals = next;
    }
    this.globals[addr * 2] = lo;
    this.globals[addr * 2 + 1] = hi;
    return addr;
  }

  allocHostFunc(type: FuncType, callback: HostCallback): number {
    this.funcs.push({ kind: 'host', type, typeId: this.typeId(type), callback });
    return this.funcs.length - 1;
  }

  allocWasiFunc(type: FuncType, wasiId: number): number {
    this.funcs.push({ kind: 'wasi', type, typeId: this.typeId(type), wasiId });
    return this.funcs.length - 1;
  }

  allocTable(elemType: RefType, limits: Limits): number {
    this.tables.push(new Table(elemType, limits.min, limits.max));
    return this.tables.length - 1;
  }

  allocMemory(limits: Limits): number {
    const max = Math.min(limits.max ?? this.maxMemoryPages, this.maxMemoryPages);
    if (limits.min > max) {
      throw new WasmError('uninstantiable', `memory of ${limits.min} pages exceeds the limit of ${max} pages`);
    }
    this.mems.push(new Memory(limits.min, max));
    return this.mems.length - 1;
  }
}

function limitsMatch(actualMin: number, actualMax: number | null, expected: Limits): boolean {
  if (actualMin < expected.min) return false;
  if (expected.max === null) return true;
  return actualMax !== null && actualMax <= expected.max;
}

/** Structural equality of function types (imports must match exactly). */
export function sameFuncType(a: Readonly<FuncType>, b: { params: readonly ValType[]; results: readonly ValType[] }): boolean {
  return a.params.length === b.params.length && a.results.length === b.results.length &&
    a.params.every((t, i) => t === b.params[i]) && a.results.every((t, i) => t === b.results[i]);
}

/** Evaluates a constant expression to a slot (lo, hi). */
function evalConst(store: Store, inst: Instance, expr: ConstExpr): [number, number] {
  const ins = expr[0];
  switch (ins.op) {
    case Op.i32_const: return [ins.a! | 0, 0];
    case Op.f32_const: return [ins.a! | 0, 0];
    case Op.i64_const:
    case Op.f64_const: return [Number(ins.c! & 0xffffffffn) | 0, Number(ins.c! >> 32n) | 0];
    case Op.ref_null: return [NULL_REF, 0];
    case Op.ref_func: return [funcRef(inst.funcAddrs[ins.a!]), 0];
    case Op.global_get: {
      const g = inst.globalAddrs[ins.a!];
      return [store.globals[g * 2], store.globals[g * 2 + 1]];
    }
    default:
      throw new WasmError('invalid', `constant expression required`);
  }
}

/**
 * The lowered code of a module and where it went: instantiating the same module again
 * with the same resolution at the same code position yields the same rows, so they are
 * copied instead of lowered again (a job's module is instantiated into a fresh store on
 * every run: about a third of the cost of creating its machine).
 */
interface LoweredCode {
  key: string;
  rows: Int32Array;
  entryPcs: number[];
}
const loweredCode = new WeakMap<Module, LoweredCode>();

function lowerModule(store: Store, m: Module, info: ModuleInfo, res: Resolution, firstDefined: number): void {
  const code = store.code;
  const hostFlags = res.funcAddrs.map((a) => (res.isHostFunc(a) ? 1 : 0)).join('');
  const key = [code.length, res.funcAddrs, res.tableAddrs, res.globalAddrs, res.elemAddrs, res.dataAddrs, res.typeIds, hostFlags].join('|');
  const cached = loweredCode.get(m);
  if (cached !== undefined && cached.key === key) {
    code.append(cached.rows);
    cached.entryPcs.forEach((pc, i) => {
      const fi = store.funcs[firstDefined + i];
      if (fi.kind === 'wasm') fi.entryPc = pc;
    });
    return;
  }
  const start = code.length;
  const entryPcs = m.funcs.map((f, i) => {
    const fi = store.funcs[firstDefined + i];
    if (fi.kind === 'wasm') fi.entryPc = lowerFunction(code, m, f, info.funcs[i], res);
    return fi.kind === 'wasm' ? fi.entryPc : -1;
  });
  loweredCode.set(m, { key, rows: code.words.slice(start * CODE_WIDTH, code.length * CODE_WIDTH), entryPcs });
}

/**
 * Instantiates a validated module: resolves imports, allocates everything, lowers code,
 * applies active segments in order and returns the instance. The start function is NOT
 * run here: callers decide how (the job bootstrap counts it as steps; the spec runner
 * invokes it). Throws WasmError 'unlinkable' for import problems and Trap when an active
 * segment is out of bounds (state changes made before the trap persist, as in the spec).
 */
export function instantiate(store: Store, m: Module, info: ModuleInfo, resolve: ImportResolver): Instance {
  const inst: Instance = {
    module: m, funcAddrs: [], tableAddrs: [], memAddr: -1, globalAddrs: [],
    elemAddrs: [], dataAddrs: [], exports: new Map(),
  };

  for (const imp of m.imports) {
    const ext = resolve(imp.module, imp.name);
    const what = `${imp.module}.${imp.name}`;
    if (!ext) throw new WasmError('unlinkable', `unknown import ${what}`);
    if (ext.kind !== imp.desc.kind) throw new WasmError('unlinkable', `incompatible import type for ${what}`);
    switch (imp.desc.kind) {
      case 'func': {
        if (!sameFuncType(store.funcs[ext.addr].type, m.types[imp.desc.typeIdx])) {
          throw new WasmError('unlinkable', `incompatible import type for ${what}`);
        }
        inst.funcAddrs.push(ext.addr);
        break;
      }
      case 'table': {
        const t = store.tables[ext.addr];
        const max = t.declaredMax;
        if (t.elemType !== imp.desc.type.elemType || !limitsMatch(t.size, max, imp.desc.type.limits)) {
          throw new WasmError('unlinkable', `incompatible import type for ${what}`);
        }
        inst.tableAddrs.push(ext.addr);
        break;
      }
      case 'memory': {
        const mem = store.mems[ext.addr];
        const max = mem.maxPages === store.maxMemoryPages ? null : mem.maxPages;
        if (!limitsMatch(mem.pages, max, imp.desc.type.limits)) {
          throw new WasmError('unlinkable', `incompatible import type for ${what}`);
        }
        inst.memAddr = ext.addr;
        break;
      }
      case 'global': {
        const g = store.globalTypes[ext.addr].type;
        if (g.valType !== imp.desc.type.valType || g.mutable !== imp.desc.type.mutable) {
          throw new WasmError('unlinkable', `incompatible import type for ${what}`);
        }
        inst.globalAddrs.push(ext.addr);
        break;
      }
    }
  }

  // Functions first get addresses (bodies may call each other), then code.
  const firstDefined = store.funcs.length;
  m.funcs.forEach((f, i) => {
    const type = m.types[f.typeIdx];
    const maxHeight = info.funcs[i].maxHeight;
    store.funcs.push({
      kind: 'wasm', type, typeId: store.typeId(type), entryPc: -1,
      params: type.params.length, locals: f.locals.length, results: type.results.length,
      units: frameUnits(type.params.length, f.locals.length, maxHeight), instance: inst,
    });
    inst.funcAddrs.push(firstDefined + i);
  });
  for (const t of m.tables) inst.tableAddrs.push(store.allocTable(t.elemType, t.limits));
  for (const mem of m.mems) inst.memAddr = store.allocMemory(mem.limits);
  for (const g of m.globals) {
    const [lo, hi] = evalConst(store, inst, g.init);
    inst.globalAddrs.push(store.allocGlobal(g.type, lo, hi));
  }
  for (const e of m.elems) {
    const refs = new Int32Array(e.init.length);
    e.init.forEach((expr, i) => { refs[i] = evalConst(store, inst, expr)[0]; });
    store.elems.push(refs);
    inst.elemAddrs.push(store.elems.length - 1);
  }
  for (const d of m.datas) {
    store.datas.push(d.init);
    inst.dataAddrs.push(store.datas.length - 1);
  }

  const res: Resolution = {
    funcAddrs: inst.funcAddrs, tableAddrs: inst.tableAddrs, globalAddrs: inst.globalAddrs,
    elemAddrs: inst.elemAddrs, dataAddrs: inst.dataAddrs,
    typeIds: m.types.map((t) => store.typeId(t)),
    isHostFunc: (addr) => store.funcs[addr].kind !== 'wasm',
  };
  lowerModule(store, m, info, res, firstDefined);

  for (const ex of m.exports) {
    const addrs: Record<ExternKind, () => number> = {
      func: () => inst.funcAddrs[ex.index],
      table: () => inst.tableAddrs[ex.index],
      memory: () => inst.memAddr,
      global: () => inst.globalAddrs[ex.index],
    };
    inst.exports.set(ex.name, { kind: ex.kind, addr: addrs[ex.kind]() });
  }

  // Active and declarative segments (spec 4.5.4, steps 14-15): in order, then dropped.
  m.elems.forEach((e, i) => {
    const addr = inst.elemAddrs[i];
    if (e.mode.kind === 'active') {
      const table = store.tables[inst.tableAddrs[e.mode.table]];
      const offset = evalConst(store, inst, e.mode.offset)[0] >>> 0;
      const refs = store.elems[addr];
      if (offset + refs.length > table.size) throw new Trap(TrapMessage.tableOutOfBounds);
      table.elems.set(refs, offset);
    }
    if (e.mode.kind !== 'passive') store.elems[addr] = new Int32Array(0);
  });
  m.datas.forEach((d, i) => {
    const addr = inst.dataAddrs[i];
    if (d.mode.kind === 'active') {
      const mem = store.mems[inst.memAddr];
      const offset = evalConst(store, inst, d.mode.offset)[0] >>> 0;
      if (offset + d.init.length > mem.size) throw new Trap(TrapMessage.memoryOutOfBounds);
      mem.bytes.set(d.init, offset);
      store.datas[addr] = new Uint8Array(0);
    }
  });
  return inst;
}

/** Encodes a value for a global/argument slot: [lo, hi] words from a 64-bit pattern. */
export function bitsToWords(bits: bigint): [number, number] {
  return [Number(bits & 0xffffffffn) | 0, Number((bits >> 32n) & 0xffffffffn) | 0];
}

/**
 * References at the API boundary (invoke, globals read by a host) keep the spec runner's
 * convention: null is 0xFFFFFFFF, otherwise the function address or host value. In the
 * machine null is 0 and a reference is that value + 1 (docs/machine.md#values).
 */
export const API_NULL_REF = 0xffffffffn;

export function refToMachine(bits: bigint): number {
  return bits === API_NULL_REF ? NULL_REF : (Number(bits) + 1) | 0;
}

export function refFromMachine(word: number): bigint {
  return word === NULL_REF ? API_NULL_REF : BigInt((word >>> 0) - 1);
}

export function wordsToBits(lo: number, hi: number, type: ValType): bigint {
  if (type === I32 || type === F32) return BigInt(lo >>> 0);
  if (type === I64 || type === F64) return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return refFromMachine(lo);
}

export { PAGE_SIZE, FUNCREF };
