// Spec-test invocations as jobs. The state commitment is defined for job machines (one
// instance, WASI imports only), so each invocation of an import-free spec module becomes
// its own job: the module plus an appended `$__spec_start` that pushes the arguments as
// constants, calls the export and drops its results, exported as `_start`. The module's
// own start function still runs first (the bootstrap calls it before `_start`).
//
// Each job starts from the module's initial state: invocations of one script that
// depend on state left by earlier ones (globals, memory) may behave differently here.
// That is fine for proving every step that runs; the expectations are only hints.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModule } from '../../vm/binary/decode.js';
import { encodeModule } from '../../vm/binary/encode.js';
import { funcType } from '../../vm/job.js';
import { Op } from '../../vm/syntax/opcodes.js';
import {
  EXTERNREF, F32, F64, FUNCREF, I32, I64, type Instr, type Module, type ValType,
} from '../../vm/syntax/types.js';
import type { JsonValue, ScriptCommand } from '../spec/harness.js';

/** One invocation of a spec script, to be run as a job (specJobBytes). */
export interface SpecJob {
  /** "script:line field". */
  name: string;
  script: string;
  command: 'assert_return' | 'assert_trap' | 'assert_exhaustion' | 'action';
  /** Ordinal of the invoked module among the script's `module` commands. */
  moduleOrdinal: number;
  module: Module;
  /** The invoked function's index in the module's function index space. */
  funcIdx: number;
  /** The instructions that push the arguments. */
  args: Instr[];
  /** Trap text the script expects, for assert_trap / assert_exhaustion. */
  expectedTrap: string | null;
  /**
   * assert_return whose expectation does not hinge on a NaN's bits: the job should exit
   * (unless it depended on state left by an earlier invocation).
   */
  expectsExit: boolean;
  /** Pages the module declares it starts with (a job's maxMemoryPages must allow them). */
  minMemoryPages: number;
}

/** Why commands were not turned into jobs, counted per script. */
export interface SpecJobCounts {
  modules: number;
  /** Modules with imports (a job may import only WASI): their invocations are skipped. */
  modulesWithImports: number;
  /** Invocations turned into jobs. */
  jobs: number;
  /** Invocations of skipped modules. */
  onSkippedModules: number;
  /** Invocations with a non-null reference argument (a host value: no constant for it). */
  referenceArgs: number;
  /** `get` actions (globals): nothing to run. */
  gets: number;
}

const VALUE_TYPES: Record<string, ValType> = {
  i32: I32, i64: I64, f32: F32, f64: F64, funcref: FUNCREF, externref: EXTERNREF,
};

const INVOKING = new Set(['assert_return', 'assert_trap', 'assert_exhaustion', 'action']);

/** The instruction that pushes argument `v`, or null for a non-null reference. */
function pushArg(v: JsonValue): Instr | null {
  const type = VALUE_TYPES[v.type];
  if (type === undefined || v.value === undefined) throw new Error(`spec argument of unknown form: ${JSON.stringify(v)}`);
  if (type === FUNCREF || type === EXTERNREF) return v.value === 'null' ? { op: Op.ref_null, offset: 0, a: type } : null;
  const bits = BigInt(v.value);
  switch (type) {
    case I32: return { op: Op.i32_const, offset: 0, a: Number(BigInt.asIntN(32, bits)) };
    case F32: return { op: Op.f32_const, offset: 0, a: Number(BigInt.asIntN(32, bits)) };
    case I64: return { op: Op.i64_const, offset: 0, c: BigInt.asUintN(64, bits) };
    default: return { op: Op.f64_const, offset: 0, c: BigInt.asUintN(64, bits) };
  }
}

/** A name no export of `m` has, for an existing `_start` export. */
function freeExportName(m: Module, base: string): string {
  let name = base;
  for (let k = 1; m.exports.some((e) => e.name === name); k++) name = `${base}${k}`;
  return name;
}

/**
 * The job of calling function `funcIdx` of `m` with `args`: `m` with an appended
 * `$__spec_start` that pushes `args`, calls it and drops its results, exported as
 * `_start`. `m` itself is not changed.
 */
export function invocationJob(m: Module, funcIdx: number, args: Instr[]): Uint8Array {
  let voidType = m.types.findIndex((t) => t.params.length === 0 && t.results.length === 0);
  const types = voidType >= 0 ? m.types : [...m.types, { params: [], results: [] }];
  if (voidType < 0) voidType = types.length - 1;
  const imported = m.imports.filter((i) => i.desc.kind === 'func').length;
  const drops = funcType(m, funcIdx).results.map((): Instr => ({ op: Op.drop, offset: 0 }));
  const body: Instr[] = [...args, { op: Op.call, offset: 0, a: funcIdx }, ...drops, { op: Op.end, offset: 0 }];
  const startName = freeExportName(m, '_start$spec');
  const exports = m.exports.map((e) => (e.name === '_start' ? { ...e, name: startName } : e));
  exports.push({ name: '_start', kind: 'func', index: imported + m.funcs.length });
  return encodeModule({
    ...m,
    types,
    funcs: [...m.funcs, { typeIdx: voidType, locals: [], body, offset: 0 }],
    exports,
  });
}

/** The binary of `job` (see invocationJob). */
export function specJobBytes(job: SpecJob): Uint8Array {
  return invocationJob(job.module, job.funcIdx, job.args);
}

const NAN_VALUES = new Set(['nan:canonical', 'nan:arithmetic']);

/**
 * Every invocation of an import-free module of script `dir/NAME.json` as a job, in
 * script order, with counts of what was skipped. Modules are tracked as the spec runner
 * does: `module` sets the current module (and names it), actions name one or use it.
 */
export function specJobs(dir: string, script: string): { jobs: SpecJob[]; counts: SpecJobCounts } {
  const { commands } = JSON.parse(readFileSync(join(dir, `${script}.json`), 'utf8')) as { commands: ScriptCommand[] };
  const counts: SpecJobCounts = { modules: 0, modulesWithImports: 0, jobs: 0, onSkippedModules: 0, referenceArgs: 0, gets: 0 };
  const jobs: SpecJob[] = [];
  // null: a module that is skipped (it has imports).
  const named = new Map<string, Module | null>();
  let current: Module | null = null;
  const ordinal = new Map<Module, number>();
  for (const cmd of commands) {
    if (cmd.type === 'module') {
      counts.modules++;
      current = decodeModule(readFileSync(join(dir, cmd.filename!)));
      ordinal.set(current, counts.modules - 1);
      if (current.imports.length > 0) {
        counts.modulesWithImports++;
        current = null;
      }
      if (cmd.name !== undefined) named.set(cmd.name, current);
      continue;
    }
    if (!INVOKING.has(cmd.type) || cmd.action === undefined) continue;
    const action = cmd.action;
    if (action.type === 'get') {
      counts.gets++;
      continue;
    }
    const m = action.module !== undefined ? named.get(action.module) ?? null : current;
    if (m === null) {
      counts.onSkippedModules++;
      continue;
    }
    const args = (action.args ?? []).map(pushArg);
    if (args.some((a) => a === null)) {
      counts.referenceArgs++;
      continue;
    }
    const exp = m.exports.find((e) => e.name === action.field && e.kind === 'func');
    if (exp === undefined) throw new Error(`${script}:${cmd.line}: no exported function "${action.field}"`);
    const expected = cmd.expected ?? [];
    counts.jobs++;
    jobs.push({
      name: `${script}:${cmd.line} ${action.field}`,
      script,
      command: cmd.type as SpecJob['command'],
      moduleOrdinal: ordinal.get(m)!,
      module: m,
      funcIdx: exp.index,
      args: args as Instr[],
      expectedTrap: cmd.type === 'assert_trap' || cmd.type === 'assert_exhaustion' ? cmd.text ?? '' : null,
      expectsExit: cmd.type === 'assert_return' && !expected.some((e) => e.value !== undefined && NAN_VALUES.has(e.value)),
      minMemoryPages: m.mems[0]?.limits.min ?? 0,
    });
  }
  return { jobs, counts };
}

/**
 * A deterministic subset of a script's jobs, in script order: the first invocation of
 * each (module, command, export, expected trap), at most `perScript` of them. Arguments
 * vary within a key (the numeric scripts call one export hundreds of times); code paths
 * mostly vary across keys.
 */
export function selectSpecJobs(jobs: SpecJob[], perScript: number): SpecJob[] {
  const seen = new Set<string>();
  const selected: SpecJob[] = [];
  for (const job of jobs) {
    if (selected.length >= perScript) break;
    const field = job.name.slice(job.name.indexOf(' ') + 1);
    const key = `${job.moduleOrdinal}\u0000${job.command}\u0000${field}\u0000${job.expectedTrap ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    selected.push(job);
  }
  return selected;
}
