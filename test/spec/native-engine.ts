// The native fast path as a spec-suite engine: every module is instrumented like a job
// (vm/native/instrument.ts: the NaN rule, step and unit counters, bulk and grow helpers)
// and run on V8's own WebAssembly, linked through V8 objects.
//
// Only the job's budgets are lifted (no step budget, no stack-unit budget): a spec script
// may call across modules, which a job never does, and its call-stack tests
// (assert_exhaustion) are not run here. The memory limit stays the machine's, as in the
// interpreter's session. Floats cross the JS boundary only as bit patterns (small wrapper
// modules reinterpret inside wasm), since a JS number may not keep a NaN's payload.

import { encodeModule } from '../../vm/binary/encode.js';
import { DEFAULT_LIMITS, type MachineLimits } from '../../vm/exec/limits.js';
import { Trap, TrapMessage } from '../../vm/exec/trap.js';
import { START_EXPORT, instrumentJob } from '../../vm/native/instrument.js';
import { Op } from '../../vm/syntax/opcodes.js';
import {
  EXTERNREF, F32, F64, FUNCREF, I32, I64, WasmError,
  type FuncType, type GlobalType, type Instr, type Module, type ValType,
} from '../../vm/syntax/types.js';
import type { ModuleInfo } from '../../vm/valid/validate.js';
import {
  LooseTrap, NULL_BITS, ScriptError, checkArgs, type SpecEngine, type SpecSession, type Value,
} from './harness.js';

/** The job limits with the budgets a spec script must not meet (guards that never fire). */
const SPEC_LIMITS: MachineLimits = {
  ...DEFAULT_LIMITS,
  maxSteps: Number.MAX_SAFE_INTEGER,
  maxStackUnits: 0xffff_ffff,
};

/** A module instance on V8, with the export types of its (original) module. */
export interface NativeInstance {
  exports: WebAssembly.Exports;
  funcTypes: Map<string, FuncType>;
  globalTypes: Map<string, GlobalType>;
}

export const nativeEngine: SpecEngine<NativeInstance> = {
  name: 'native',
  // Only these run code on the engine and say something about it: assert_malformed and
  // assert_invalid never reach an engine, assert_exhaustion measures V8's own stack.
  assertions: new Set(['assert_return', 'assert_trap', 'assert_uninstantiable', 'assert_unlinkable']),
  newSession: () => new NativeSession(),
};

type JsValue = number | bigint | object | null;

/** `ref.extern N` of a script, as a JS object (one per N, so identity is the value). */
class HostRef {
  constructor(readonly n: bigint) {}
}

class NativeSession implements SpecSession<NativeInstance> {
  private readonly registry = new Map<string, Record<string, unknown>>([['spectest', spectest()]]);
  private readonly hostRefs = new Map<bigint, HostRef>();
  /** Funcref results become distinct non-null numbers. */
  private readonly funcIds = new WeakMap<object, bigint>();
  private nextFuncId = 0;
  private readonly wrappers = new WeakMap<object, Function>();

  instantiate(_bytes: Uint8Array, module: Module, info: ModuleInfo): NativeInstance {
    // Not shared: spec modules import each other's memories, declared unshared.
    const job = instrumentJob(module, info, SPEC_LIMITS, { sharedMemory: false });
    const compiled = new WebAssembly.Module(encodeModule(job.module));
    const imports: Record<string, Record<string, unknown>> = {};
    for (const im of module.imports) {
      const value = this.registry.get(im.module)?.[im.name];
      if (value === undefined) throw new WasmError('unlinkable', `unknown import "${im.module}" "${im.name}"`);
      (imports[im.module] ??= {})[im.name] = value;
    }
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(compiled, imports as WebAssembly.Imports);
    } catch (e) {
      if (e instanceof WebAssembly.LinkError) throw new WasmError('unlinkable', e.message);
      throw asTrap(e);
    }
    if (job.startExport !== null) {
      const start = instance.exports[START_EXPORT] as () => void;
      try {
        start();
      } catch (e) {
        throw asTrap(e);
      }
    }
    return { exports: instance.exports, funcTypes: exportedFuncTypes(module), globalTypes: exportedGlobalTypes(module) };
  }

  register(name: string, instance: NativeInstance): void {
    this.registry.set(name, instance.exports);
  }

  invoke(instance: NativeInstance, field: string, args: Value[]): Value[] {
    const type = instance.funcTypes.get(field);
    const f = instance.exports[field];
    if (type === undefined || typeof f !== 'function') throw new ScriptError(`unknown export "${field}"`);
    checkArgs(type, args);
    const wrapped = hasFloat(type) ? this.bitsWrapper(f, type) : f;
    const bitsType = { params: type.params.map(bitsTypeOf), results: type.results.map(bitsTypeOf) };
    let out: unknown;
    try {
      out = (wrapped as (...a: JsValue[]) => unknown)(...args.map((a, k) => this.toJs(bitsType.params[k], a.bits)));
    } catch (e) {
      throw asTrap(e);
    }
    const results = type.results.length === 1 ? [out] : type.results.length === 0 ? [] : (out as unknown[]);
    return results.map((v, k) => ({ type: type.results[k], bits: this.fromJs(bitsType.results[k], v) }));
  }

  getGlobal(instance: NativeInstance, field: string): Value {
    const type = instance.globalTypes.get(field);
    const g = instance.exports[field];
    if (type === undefined || !(g instanceof WebAssembly.Global)) throw new ScriptError(`unknown global "${field}"`);
    const t = type.valType;
    if (t !== F32 && t !== F64) return { type: t, bits: this.fromJs(t, g.value) };
    const read = new WebAssembly.Instance(globalReader(type), { m: { g } }).exports.get as () => unknown;
    return { type: t, bits: this.fromJs(bitsTypeOf(t), read()) };
  }

  /** `f` with its floats passed and returned as bit patterns (i32 / i64). */
  private bitsWrapper(f: Function, type: FuncType): Function {
    let w = this.wrappers.get(f);
    if (w === undefined) {
      w = new WebAssembly.Instance(callWrapper(type), { m: { f } }).exports.w as Function;
      this.wrappers.set(f, w);
    }
    return w;
  }

  private toJs(t: ValType, bits: bigint): JsValue {
    switch (t) {
      case I32: return Number(BigInt.asIntN(32, bits));
      case I64: return BigInt.asIntN(64, bits);
      case EXTERNREF: return bits === NULL_BITS ? null : this.hostRef(bits);
      case FUNCREF:
        if (bits !== NULL_BITS) throw new ScriptError('a funcref argument can only be null');
        return null;
      default: throw new ScriptError(`no JS form for value type ${t}`);
    }
  }

  private fromJs(t: ValType, v: unknown): bigint {
    if (t === I32 && typeof v === 'number') return BigInt(v >>> 0);
    if (t === I64 && typeof v === 'bigint') return BigInt.asUintN(64, v);
    if (t === FUNCREF || t === EXTERNREF) {
      if (v === null) return NULL_BITS;
      if (t === EXTERNREF && v instanceof HostRef) return v.n;
      if (t === FUNCREF && typeof v === 'function') return this.funcId(v);
    }
    throw new ScriptError(`unexpected ${typeof v} for value type ${t}`);
  }

  private hostRef(n: bigint): HostRef {
    let r = this.hostRefs.get(n);
    if (r === undefined) {
      r = new HostRef(n);
      this.hostRefs.set(n, r);
    }
    return r;
  }

  private funcId(f: object): bigint {
    let id = this.funcIds.get(f);
    if (id === undefined) {
      id = BigInt(this.nextFuncId++);
      this.funcIds.set(f, id);
    }
    return id;
  }
}

// ---- Export types ---------------------------------------------------------------------

function exportedFuncTypes(m: Module): Map<string, FuncType> {
  const funcTypes = [
    ...m.imports.flatMap((im) => (im.desc.kind === 'func' ? [im.desc.typeIdx] : [])),
    ...m.funcs.map((f) => f.typeIdx),
  ].map((t) => m.types[t]);
  return new Map(m.exports.filter((e) => e.kind === 'func').map((e) => [e.name, funcTypes[e.index]]));
}

function exportedGlobalTypes(m: Module): Map<string, GlobalType> {
  const globalTypes = [
    ...m.imports.flatMap((im) => (im.desc.kind === 'global' ? [im.desc.type] : [])),
    ...m.globals.map((g) => g.type),
  ];
  return new Map(m.exports.filter((e) => e.kind === 'global').map((e) => [e.name, globalTypes[e.index]]));
}

// ---- Float wrappers -------------------------------------------------------------------

function hasFloat(type: FuncType): boolean {
  return [...type.params, ...type.results].some((t) => t === F32 || t === F64);
}

/** The type a value crosses the JS boundary as: floats as their bit patterns. */
function bitsTypeOf(t: ValType): ValType {
  return t === F32 ? I32 : t === F64 ? I64 : t;
}

function ins(op: number, a?: number): Instr {
  return a === undefined ? { op, offset: 0 } : { op, offset: 0, a };
}

function fromBits(t: ValType): Instr[] {
  return t === F32 ? [ins(Op.f32_reinterpret_i32)] : t === F64 ? [ins(Op.f64_reinterpret_i64)] : [];
}

function toBits(t: ValType): Instr[] {
  return t === F32 ? [ins(Op.i32_reinterpret_f32)] : t === F64 ? [ins(Op.i64_reinterpret_f64)] : [];
}

function emptyModule(): Module {
  return {
    types: [], imports: [], funcs: [], tables: [], mems: [], globals: [], exports: [], start: null,
    elems: [], datas: [], dataCount: null, customs: [],
  };
}

const callWrappers = new Map<string, WebAssembly.Module>();

/** Imports m.f of `type`, exports `w`: the same function with floats as bit patterns. */
function callWrapper(type: FuncType): WebAssembly.Module {
  const key = `${type.params.join(',')}->${type.results.join(',')}`;
  let compiled = callWrappers.get(key);
  if (compiled !== undefined) return compiled;
  const params = type.params.length;
  const body: Instr[] = [
    ...type.params.flatMap((t, k) => [ins(Op.local_get, k), ...fromBits(t)]),
    ins(Op.call, 0),
    // The results are on the stack, last on top: park them, then push each as bits.
    ...type.results.map((_, k) => ins(Op.local_set, params + type.results.length - 1 - k)),
    ...type.results.flatMap((t, k) => [ins(Op.local_get, params + k), ...toBits(t)]),
    ins(Op.end),
  ];
  const m = emptyModule();
  m.types = [type, { params: type.params.map(bitsTypeOf), results: type.results.map(bitsTypeOf) }];
  m.imports = [{ module: 'm', name: 'f', desc: { kind: 'func', typeIdx: 0 } }];
  m.funcs = [{ typeIdx: 1, locals: [...type.results], body, offset: 0 }];
  m.exports = [{ name: 'w', kind: 'func', index: 1 }];
  compiled = new WebAssembly.Module(encodeModule(m));
  callWrappers.set(key, compiled);
  return compiled;
}

const globalReaders = new Map<string, WebAssembly.Module>();

/** Imports global m.g of `type` (a float), exports `get`: its bit pattern. */
function globalReader(type: GlobalType): WebAssembly.Module {
  const key = `${type.valType}:${type.mutable}`;
  let compiled = globalReaders.get(key);
  if (compiled !== undefined) return compiled;
  const m = emptyModule();
  m.types = [{ params: [], results: [bitsTypeOf(type.valType)] }];
  m.imports = [{ module: 'm', name: 'g', desc: { kind: 'global', type } }];
  m.funcs = [{ typeIdx: 0, locals: [], body: [ins(Op.global_get, 0), ...toBits(type.valType), ins(Op.end)], offset: 0 }];
  m.exports = [{ name: 'get', kind: 'func', index: 0 }];
  compiled = new WebAssembly.Module(encodeModule(m));
  globalReaders.set(key, compiled);
  return compiled;
}

// ---- spectest -------------------------------------------------------------------------

/** The spec tests' `spectest` module (spec interpreter/host/spectest.ml) as JS objects. */
function spectest(): Record<string, unknown> {
  const print = (): void => {};
  return {
    print, print_i32: print, print_i64: print, print_f32: print, print_f64: print,
    print_i32_f32: print, print_f64_f64: print,
    global_i32: new WebAssembly.Global({ value: 'i32', mutable: false }, 666),
    global_i64: new WebAssembly.Global({ value: 'i64', mutable: false }, 666n),
    global_f32: new WebAssembly.Global({ value: 'f32', mutable: false }, 666.6),
    global_f64: new WebAssembly.Global({ value: 'f64', mutable: false }, 666.6),
    table: new WebAssembly.Table({ element: 'anyfunc', initial: 10, maximum: 20 }),
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
  };
}

// ---- Traps ----------------------------------------------------------------------------

/**
 * V8's trap messages, as ours (vm/exec/trap.ts). Where V8 uses one message for several
 * of our traps, all of them are candidates (a LooseTrap).
 */
const V8_TRAPS: readonly [RegExp, readonly string[]][] = [
  [/^unreachable/, [TrapMessage.unreachable]],
  [/^(divide|remainder) by zero/, [TrapMessage.divideByZero]],
  [/^divide result unrepresentable/, [TrapMessage.integerOverflow]],
  // NaN and out-of-range operands alike.
  [/^float unrepresentable in integer range/, [TrapMessage.invalidConversion, TrapMessage.integerOverflow]],
  [/^memory access out of bounds/, [TrapMessage.memoryOutOfBounds]],
  [/^data segment .*out of bounds/, [TrapMessage.memoryOutOfBounds]],
  [/^(table index is out of bounds|table access out of bounds)/, [TrapMessage.tableOutOfBounds, TrapMessage.undefinedElement]],
  [/^(element segment|table initializer) .*out of bounds/, [TrapMessage.tableOutOfBounds]],
  [/^null function or function signature mismatch/, [TrapMessage.uninitializedElement, TrapMessage.indirectCallTypeMismatch]],
  [/^function signature mismatch/, [TrapMessage.indirectCallTypeMismatch]],
  [/^(null function|dereferencing a null)/, [TrapMessage.uninitializedElement]],
];

/** A V8 trap as our Trap; anything else is rethrown as it is (the harness reports it). */
function asTrap(e: unknown): unknown {
  if (!(e instanceof WebAssembly.RuntimeError)) return e;
  // Traps during instantiation name the API: "WebAssembly.Instance(): data segment ...".
  const message = e.message.replace(/^WebAssembly\.\w+\(\): /, '');
  for (const [pattern, ours] of V8_TRAPS) {
    if (pattern.test(message)) return ours.length === 1 ? new Trap(ours[0]) : new LooseTrap(ours, e.message);
  }
  return new LooseTrap([], e.message);
}
