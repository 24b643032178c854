// The WebAssembly spec-suite script runner, after the reference interpreter's
// interpreter/script/run.ml, over wast2json's output (json/NAME.json + NAME.N.wasm).
//
// The runner decodes and validates every module itself (that is what assert_malformed
// and assert_invalid test); everything that executes goes through a SpecEngine, so a
// second engine (the native fast path) can be run on the same scripts.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModule } from '../../vm/binary/decode.js';
import { DEFAULT_LIMITS } from '../../vm/exec/limits.js';
import { Machine } from '../../vm/exec/interpret.js';
import { invoke } from '../../vm/exec/invoke.js';
import {
  bitsToWords, instantiate, Store, wordsToBits, type ExternVal, type Instance,
} from '../../vm/exec/store.js';
import { Trap, TrapMessage } from '../../vm/exec/trap.js';
import {
  EXTERNREF, F32, F64, FUNCREF, I32, I64, WasmError, valTypeName,
  type FuncType, type Module, type ValType, type WasmErrorKind,
} from '../../vm/syntax/types.js';
import { validateModule, type ModuleInfo } from '../../vm/valid/validate.js';

// ---------------------------------------------------------------------------------------
// Values

/** A typed value as a 64-bit pattern; references are 32-bit (null = NULL_BITS). */
export interface Value {
  type: ValType;
  bits: bigint;
}

/** The null reference of either type (docs/machine.md#values). */
export const NULL_BITS = 0xffffffffn;

// ---------------------------------------------------------------------------------------
// Engines

/**
 * One script's world: a store with the `spectest` module, the registered modules and
 * the instances of the script. `I` is the engine's instance handle.
 */
export interface SpecSession<I> {
  /**
   * Instantiates a decoded and validated module (`bytes` is its binary) against the
   * registered modules and runs its start function. Throws WasmError 'unlinkable' for
   * import problems and Trap when a segment or the start function traps.
   */
  instantiate(bytes: Uint8Array, module: Module, info: ModuleInfo): I;
  /** Makes `instance`'s exports importable under module name `name`. */
  register(name: string, instance: I): void;
  /** Calls exported function `field`; throws Trap. */
  invoke(instance: I, field: string, args: Value[]): Value[];
  /** Reads exported global `field`. */
  getGlobal(instance: I, field: string): Value;
}

export interface SpecEngine<I> {
  readonly name: string;
  /**
   * The assert_* commands the engine is scored on; the others are skipped (and counted).
   * Absent: all of them.
   */
  readonly assertions?: ReadonlySet<string>;
  /** A fresh world (new store, `spectest` registered), one per script. */
  newSession(): SpecSession<I>;
}

/**
 * A trap whose kind the engine could not pin down (V8 words some traps the same for
 * several of ours): it matches an expected trap that starts like one of `candidates`.
 */
export class LooseTrap extends Trap {
  constructor(
    readonly candidates: readonly string[],
    readonly engineMessage: string,
  ) {
    super(`one of "${candidates.join('", "')}" (engine: "${engineMessage}")`);
  }
}

/** The TypeScript interpreter (vm/exec): one Store and one Machine per script. */
export const interpreterEngine: SpecEngine<Instance> = {
  name: 'interpreter',
  newSession: () => new InterpreterSession(),
};

class InterpreterSession implements SpecSession<Instance> {
  private readonly store = new Store(DEFAULT_LIMITS.maxMemoryPages);
  // No step limit: a spec script must terminate; the stack-unit budget is the machine's.
  private readonly machine = new Machine(this.store, null, Infinity, DEFAULT_LIMITS.maxStackUnits);
  private readonly registry = new Map<string, Map<string, ExternVal>>();

  constructor() {
    this.registry.set('spectest', spectestExports(this.store));
  }

  instantiate(_bytes: Uint8Array, module: Module, info: ModuleInfo): Instance {
    const inst = instantiate(this.store, module, info, (m, name) => this.registry.get(m)?.get(name));
    if (module.start !== null) invoke(this.machine, inst.funcAddrs[module.start], []);
    return inst;
  }

  register(name: string, instance: Instance): void {
    this.registry.set(name, instance.exports);
  }

  invoke(instance: Instance, field: string, args: Value[]): Value[] {
    const addr = exportAddr(instance, field, 'func');
    const type = this.store.funcs[addr].type;
    checkArgs(type, args);
    const results = invoke(this.machine, addr, args.map((a) => a.bits));
    return results.map((bits, i) => ({ type: type.results[i], bits }));
  }

  getGlobal(instance: Instance, field: string): Value {
    const addr = exportAddr(instance, field, 'global');
    const type = this.store.globalTypes[addr].type.valType;
    const g = this.store.globals;
    return { type, bits: wordsToBits(g[addr * 2], g[addr * 2 + 1], type) };
  }
}

function exportAddr(instance: Instance, field: string, kind: ExternVal['kind']): number {
  const ext = instance.exports.get(field);
  if (!ext) throw new ScriptError(`unknown export "${field}"`);
  if (ext.kind !== kind) throw new ScriptError(`export "${field}" is a ${ext.kind}, not a ${kind}`);
  return ext.addr;
}

/** Like run.ml's invoke: the arguments must match the function's parameter types. */
export function checkArgs(type: FuncType, args: Value[]): void {
  if (args.length !== type.params.length || args.some((a, i) => a.type !== type.params[i])) {
    const want = type.params.map(valTypeName).join(' ');
    const got = args.map((a) => valTypeName(a.type)).join(' ');
    throw new ScriptError(`wrong number or types of arguments: (${got}) for (${want})`);
  }
}

/** The spec tests' `spectest` module (spec interpreter/host/spectest.ml). */
function spectestExports(store: Store): Map<string, ExternVal> {
  const exports = new Map<string, ExternVal>();
  const print = (params: ValType[]): ExternVal =>
    ({ kind: 'func', addr: store.allocHostFunc({ params, results: [] }, () => []) });
  exports.set('print', print([]));
  exports.set('print_i32', print([I32]));
  exports.set('print_i64', print([I64]));
  exports.set('print_f32', print([F32]));
  exports.set('print_f64', print([F64]));
  exports.set('print_i32_f32', print([I32, F32]));
  exports.set('print_f64_f64', print([F64, F64]));
  const global = (valType: ValType, bits: bigint): ExternVal =>
    ({ kind: 'global', addr: store.allocGlobal({ valType, mutable: false }, ...bitsToWords(bits)) });
  exports.set('global_i32', global(I32, 666n));
  exports.set('global_i64', global(I64, 666n));
  exports.set('global_f32', global(F32, f32Bits(666.6)));
  exports.set('global_f64', global(F64, f64Bits(666.6)));
  exports.set('table', { kind: 'table', addr: store.allocTable(FUNCREF, { min: 10, max: 20 }) });
  exports.set('memory', { kind: 'memory', addr: store.allocMemory({ min: 1, max: 2 }) });
  return exports;
}

function f32Bits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x, true);
  return BigInt(view.getUint32(0, true));
}

function f64Bits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, true);
  return view.getBigUint64(0, true);
}

// ---------------------------------------------------------------------------------------
// Scripts (wast2json's JSON)

export interface JsonValue {
  type: string;
  /** Absent for `(ref.extern)` / `(ref.func)` results: any non-null reference. */
  value?: string;
}

export interface JsonAction {
  type: 'invoke' | 'get';
  module?: string;
  field: string;
  args?: JsonValue[];
}

/** One command of wast2json's output. */
export interface ScriptCommand {
  type: string;
  line: number;
  filename?: string;
  name?: string;
  as?: string;
  text?: string;
  module_type?: 'binary' | 'text';
  action?: JsonAction;
  expected?: JsonValue[];
}

/** A problem with the script or its use of the engine (not a wasm error or trap). */
export class ScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptError';
  }
}

export interface Failure {
  line: number;
  command: string;
  reason: string;
}

/** An error the implementation reported with other words than the reference interpreter. */
export interface WordingMismatch {
  kind: WasmErrorKind | 'trap';
  expected: string;
  actual: string;
}

export interface ScriptResult {
  /** The script's name (NAME of json/NAME.json). */
  name: string;
  /** Assertions that held (every assert_* command that applies to a binary decoder). */
  passed: number;
  /** Failed assertions, plus module / register / action commands that failed. */
  failed: number;
  /** Text-format assertions (assert_malformed on .wat), not applicable. */
  skippedText: number;
  /** Assertions of kinds the engine is not scored on (SpecEngine.assertions). */
  skippedEngine: number;
  /** assert_trap / assert_uninstantiable that passed on a LooseTrap. */
  looseTraps: number;
  failures: Failure[];
  wording: WordingMismatch[];
}

const VALUE_TYPES: Record<string, ValType> = {
  i32: I32, i64: I64, f32: F32, f64: F64, funcref: FUNCREF, externref: EXTERNREF,
};

function valueType(name: string): ValType {
  const t = VALUE_TYPES[name];
  if (t === undefined) throw new ScriptError(`unknown value type "${name}"`);
  return t;
}

/** An argument: `value` is the unsigned decimal of the bits, or "null" for a reference. */
function argValue(v: JsonValue): Value {
  const type = valueType(v.type);
  if (v.value === undefined) throw new ScriptError(`argument of type ${v.type} without a value`);
  // `ref.extern N` is the host value N; a funcref argument can only be null in a script.
  return { type, bits: v.value === 'null' ? NULL_BITS : BigInt(v.value) };
}

const F32_CANONICAL = 0x7fc00000n;
const F64_CANONICAL = 0x7ff8000000000000n;

/** Whether `actual` is what the script expects (run.ml's match_result). */
function matches(expected: JsonValue, actual: Value): boolean {
  const type = valueType(expected.type);
  if (actual.type !== type) return false;
  const bits = actual.bits;
  switch (expected.value) {
    case 'nan:canonical':
      return type === F32 ? (bits & 0x7fffffffn) === F32_CANONICAL : (bits & 0x7fffffffffffffffn) === F64_CANONICAL;
    case 'nan:arithmetic': // the quiet bit set, any sign and payload
      return type === F32 ? (bits & F32_CANONICAL) === F32_CANONICAL : (bits & F64_CANONICAL) === F64_CANONICAL;
    case undefined: // (ref.extern) / (ref.func): any non-null reference
      return bits !== NULL_BITS;
    case 'null':
      return bits === NULL_BITS;
    default:
      return bits === BigInt(expected.value);
  }
}

function showValue(v: Value): string {
  if (v.type === FUNCREF || v.type === EXTERNREF) {
    return `${valTypeName(v.type)}:${v.bits === NULL_BITS ? 'null' : v.bits.toString()}`;
  }
  const digits = v.type === I32 || v.type === F32 ? 8 : 16;
  return `${valTypeName(v.type)}:0x${v.bits.toString(16).padStart(digits, '0')}`;
}

function showExpected(v: JsonValue): string {
  return `${v.type}:${v.value ?? '<any non-null>'}`;
}

function describeError(e: unknown): string {
  if (e instanceof Trap) return `trap "${e.message}"`;
  if (e instanceof WasmError || e instanceof ScriptError) return e.message;
  if (e instanceof Error) return `internal error: ${e.name}: ${e.message}`;
  return `internal error: ${String(e)}`;
}

/** What running a module definition or action produced. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function attempt<T>(f: () => T): Outcome<T> {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}

class ScriptRunner<I> {
  private readonly session: SpecSession<I>;
  private readonly named = new Map<string, I>();
  private current: I | null = null;
  private readonly result: ScriptResult;
  private readonly assertions: ReadonlySet<string> | null;

  constructor(engine: SpecEngine<I>, private readonly dir: string, name: string) {
    this.session = engine.newSession();
    this.assertions = engine.assertions ?? null;
    this.result = {
      name, passed: 0, failed: 0, skippedText: 0, skippedEngine: 0, looseTraps: 0, failures: [], wording: [],
    };
  }

  run(commands: ScriptCommand[]): ScriptResult {
    for (const cmd of commands) {
      let reason: string | null | typeof SKIPPED;
      try {
        reason = this.command(cmd);
      } catch (e) {
        reason = describeError(e);
      }
      if (reason === SKIPPED) continue;
      if (reason !== null) {
        this.result.failed++;
        this.result.failures.push({ line: cmd.line, command: cmd.type, reason });
      } else if (cmd.type.startsWith('assert_')) {
        this.result.passed++;
      }
    }
    return this.result;
  }

  /** Runs one command: null when it went as the script says, else why not. */
  private command(cmd: ScriptCommand): string | null | typeof SKIPPED {
    if (cmd.type.startsWith('assert_') && cmd.module_type === 'text') {
      this.result.skippedText++;
      return SKIPPED;
    }
    if (cmd.type.startsWith('assert_') && this.assertions !== null && !this.assertions.has(cmd.type)) {
      this.result.skippedEngine++;
      return SKIPPED;
    }
    switch (cmd.type) {
      case 'module': return this.module(cmd);
      case 'register': {
        this.session.register(need(cmd.as, 'as'), this.instance(cmd.name));
        return null;
      }
      case 'action': {
        const out = attempt(() => this.action(need(cmd.action, 'action')));
        return out.ok ? null : describeError(out.error);
      }
      case 'assert_return': return this.assertReturn(cmd);
      case 'assert_trap':
      case 'assert_exhaustion': {
        const out = attempt(() => this.action(need(cmd.action, 'action')));
        return this.expectTrap(out, need(cmd.text, 'text'));
      }
      case 'assert_malformed': return this.assertRejected(cmd, 'malformed');
      case 'assert_invalid': return this.assertRejected(cmd, 'invalid');
      case 'assert_unlinkable': return this.assertRejected(cmd, 'unlinkable');
      case 'assert_uninstantiable': {
        const out = attempt(() => this.instantiateFile(need(cmd.filename, 'filename')));
        return this.expectTrap(out, need(cmd.text, 'text'));
      }
      default:
        throw new ScriptError(`unknown command "${cmd.type}"`);
    }
  }

  private module(cmd: ScriptCommand): string | null {
    // A module that fails leaves no current module: later commands on it fail too.
    this.current = null;
    const inst = this.instantiateFile(need(cmd.filename, 'filename'));
    this.current = inst;
    if (cmd.name !== undefined) this.named.set(cmd.name, inst);
    return null;
  }

  private assertReturn(cmd: ScriptCommand): string | null {
    const out = attempt(() => this.action(need(cmd.action, 'action')));
    if (!out.ok) return describeError(out.error);
    const expected = need(cmd.expected, 'expected');
    const actual = out.value;
    if (actual.length === expected.length && expected.every((e, i) => matches(e, actual[i]))) return null;
    return `result (${actual.map(showValue).join(' ')}), expected (${expected.map(showExpected).join(' ')})`;
  }

  /**
   * assert_malformed: decoding fails; assert_invalid: decoding succeeds, validation
   * fails; assert_unlinkable: instantiation fails to link. Only the kind of error is
   * checked: the wording is each implementation's own (mismatches are collected).
   */
  private assertRejected(cmd: ScriptCommand, kind: WasmErrorKind): string | null {
    const file = need(cmd.filename, 'filename');
    const out = attempt(() => {
      const bytes = this.readModule(file);
      const m = decodeModule(bytes);
      if (kind === 'malformed') return;
      const info = validateModule(m);
      if (kind === 'invalid') return;
      this.session.instantiate(bytes, m, info);
    });
    if (out.ok) return `module was accepted, expected ${kind} "${cmd.text}"`;
    const e = out.error;
    if (!(e instanceof WasmError) || e.kind !== kind) {
      return `${describeError(e)}, expected ${kind} "${cmd.text}"`;
    }
    const text = need(cmd.text, 'text');
    if (!e.reason.startsWith(text)) this.result.wording.push({ kind, expected: text, actual: e.reason });
    return null;
  }

  /** Run.ml's rule: the trap message must start with the script's text. */
  private expectTrap(out: Outcome<unknown>, text: string): string | null {
    if (out.ok) return `no trap, expected trap "${text}"`;
    const e = out.error;
    if (!(e instanceof Trap)) return `${describeError(e)}, expected trap "${text}"`;
    if (e instanceof LooseTrap) {
      if (!e.candidates.some((c) => c.startsWith(withoutOperand(text)))) return `${describeError(e)}, expected trap "${text}"`;
      this.result.looseTraps++;
      return null;
    }
    if (e.message.startsWith(text)) return null;
    if (e.message.startsWith(withoutOperand(text))) {
      this.result.wording.push({ kind: 'trap', expected: text, actual: e.message });
      return null;
    }
    return `trap "${e.message}", expected trap "${text}"`;
  }

  private readModule(file: string): Uint8Array {
    return readFileSync(join(this.dir, file));
  }

  private instantiateFile(file: string): I {
    const bytes = this.readModule(file);
    const m = decodeModule(bytes);
    const info = validateModule(m);
    return this.session.instantiate(bytes, m, info);
  }

  private instance(name: string | undefined): I {
    if (name === undefined) {
      if (this.current === null) throw new ScriptError('no current module');
      return this.current;
    }
    const inst = this.named.get(name);
    if (inst === undefined) throw new ScriptError(`unknown module ${name}`);
    return inst;
  }

  private action(a: JsonAction): Value[] {
    const inst = this.instance(a.module);
    if (a.type === 'get') return [this.session.getGlobal(inst, a.field)];
    return this.session.invoke(inst, a.field, (a.args ?? []).map(argValue));
  }
}

const SKIPPED = Symbol('skipped');

function need<T>(v: T | undefined, field: string): T {
  if (v === undefined) throw new ScriptError(`command without "${field}"`);
  return v;
}

/**
 * The reference interpreter names the table index in two of its trap messages
 * ("uninitialized element 2", eval.ml's func_ref); ours are fixed strings (a job's trap
 * must not depend on how an engine words operands), so that index is not compared.
 */
const TRAPS_WITH_OPERAND: readonly string[] = [TrapMessage.uninitializedElement, TrapMessage.undefinedElement];

function withoutOperand(text: string): string {
  const m = /^(.*) \d+$/.exec(text);
  return m !== null && TRAPS_WITH_OPERAND.includes(m[1]) ? m[1] : text;
}

/** Runs one script, json/NAME.json, on `engine`. */
export function runScript<I>(engine: SpecEngine<I>, jsonPath: string): ScriptResult {
  const script = JSON.parse(readFileSync(jsonPath, 'utf8')) as { commands: ScriptCommand[] };
  return runCommands(engine, dirname(jsonPath), basename(jsonPath, '.json'), script.commands);
}

/** Runs `commands` (their module files are in `dir`) as script `name`, in a fresh session. */
export function runCommands<I>(
  engine: SpecEngine<I>, dir: string, name: string, commands: ScriptCommand[],
): ScriptResult {
  return new ScriptRunner(engine, dir, name).run(commands);
}

// ---------------------------------------------------------------------------------------
// The suite

/** Where the suite lives: $VERITY_SPEC_DIR, else ../shared/wasm-spec/json beside the repository. */
export function defaultSpecDir(): string {
  const fromEnv = process.env.VERITY_SPEC_DIR;
  if (fromEnv) return resolve(fromEnv);
  // This file runs from test/spec (vitest) or dist/test/spec (npm run spec).
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('spec runner: repository root not found');
    dir = parent;
  }
  return resolve(dir, '..', 'shared', 'wasm-spec', 'json');
}

/** The scripts of `dir`, sorted; `filters` keep those whose name contains one of them. */
export function listScripts(dir: string, filters: string[] = []): string[] {
  if (!existsSync(dir)) throw new Error(`spec runner: no spec suite at ${dir}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .filter((n) => filters.length === 0 || filters.some((s) => n.includes(s)))
    .sort()
    .map((n) => join(dir, `${n}.json`));
}

export interface SuiteResult {
  scripts: ScriptResult[];
  passed: number;
  failed: number;
  skippedText: number;
  skippedEngine: number;
  looseTraps: number;
}

export function runSuite<I>(
  engine: SpecEngine<I>,
  scripts: string[],
  onScript: (r: ScriptResult) => void = () => {},
): SuiteResult {
  const suite: SuiteResult = {
    scripts: [], passed: 0, failed: 0, skippedText: 0, skippedEngine: 0, looseTraps: 0,
  };
  for (const path of scripts) {
    const r = runScript(engine, path);
    suite.scripts.push(r);
    suite.passed += r.passed;
    suite.failed += r.failed;
    suite.skippedText += r.skippedText;
    suite.skippedEngine += r.skippedEngine;
    suite.looseTraps += r.looseTraps;
    onScript(r);
  }
  return suite;
}

/** Counts of (kind, expected wording, our wording), most frequent first. */
export function wordingHistogram(scripts: ScriptResult[]): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const s of scripts) {
    for (const w of s.wording) {
      const key = `${w.kind}: "${w.expected}" <- "${w.actual}"`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}
