// The native fast path: runs a job on V8's own WebAssembly, instrumented (instrument.ts)
// to count steps and stack units and to follow the NaN rule, with the shared WASI host
// (vm/host/wasi.ts). A run that completes cleanly is reported as is; anything else
// (a wasm trap, V8's own stack overflow, the step budget, stack-unit exhaustion, a grow
// V8 refuses, a module V8 rejects) is handed to the interpreter, which reruns the job
// from scratch and is the reference. So native never decides a trap position it could
// only approximate; it reports only results whose step count it knows exactly.

import { createHash } from 'node:crypto';
import { encodeModule } from '../binary/encode.js';
import type { MachineLimits } from '../exec/limits.js';
import {
  HostOutcome, HostState, WASI_MODULE, findWasiFunction, runWasiCall, usesStepCount, type JobIO,
} from '../host/wasi.js';
import type { LoadedJob, RunResult } from '../job.js';
import { I64, type Module } from '../syntax/types.js';
import { ADD_STEPS_EXPORT, MEMORY_EXPORT, START_EXPORT, STEPS_EXPORT, UNITS_EXPORT, instrumentJob } from './instrument.js';

/** Why the native engine handed a run to the interpreter. */
export type FallbackReason =
  | 'rejected' //       V8 refused the instrumented module (compile or link)
  | 'out-of-steps' //   the step budget was passed (checked in the run, or at its end)
  | 'stack-units' //    the machine's stack-unit budget was passed
  | 'trap' //           a wasm trap (or a grow V8 refused): the interpreter finds the exact step
  | 'engine-stack' //   V8's own call stack overflowed first
  | 'error'; //         anything else thrown during the run

export type NativeAttempt =
  | { ok: true; result: RunResult }
  | { ok: false; reason: FallbackReason; detail: string };

/**
 * Runs `job` natively; when the native run cannot give the exact result, returns
 * `fallback()` instead (the interpreter's run of the same job).
 */
export async function runNative(
  job: LoadedJob,
  io: JobIO,
  limits: MachineLimits,
  fallback: () => RunResult,
): Promise<RunResult> {
  const attempt = await attemptNative(job, io, limits);
  return attempt.ok ? attempt.result : fallback();
}

/** One native run, reporting why it could not finish instead of falling back (tests, metrics). */
export async function attemptNative(job: LoadedJob, io: JobIO, limits: MachineLimits): Promise<NativeAttempt> {
  let compiled: CompiledJob;
  try {
    compiled = await compileJob(job, limits);
  } catch (e) {
    return { ok: false, reason: 'rejected', detail: describe(e) };
  }
  return runCompiled(compiled, job.module, io, limits);
}

// ---- Compilation cache ------------------------------------------------------------

interface CompiledJob {
  wasm: WebAssembly.Module;
  startExport: string | null;
}

const CACHE_SIZE = 16;
/** Most recently used last (a Map iterates in insertion order). */
const cache = new Map<string, Promise<CompiledJob>>();

/** The module bytes' hash per loaded job: hashing them again for every run cost 1.5% of sort's. */
const jobHashes = new WeakMap<LoadedJob, string>();

/** The instrumented module depends on the bytes and on the limits baked into it. */
function cacheKey(job: LoadedJob, limits: MachineLimits): string {
  let sha = jobHashes.get(job);
  if (sha === undefined) {
    sha = createHash('sha256').update(job.wasm).digest('hex');
    jobHashes.set(job, sha);
  }
  return `${sha}:${limits.maxSteps}:${limits.maxMemoryPages}:${limits.maxStackUnits}`;
}

function compileJob(job: LoadedJob, limits: MachineLimits): Promise<CompiledJob> {
  const key = cacheKey(job, limits);
  let entry = cache.get(key);
  if (entry !== undefined) {
    cache.delete(key);
  } else {
    const compiling = compileUncached(job, limits);
    // A failed compilation is not kept: the next attempt reports it again.
    compiling.catch(() => {
      if (cache.get(key) === compiling) cache.delete(key);
    });
    entry = compiling;
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, entry);
  return entry;
}

async function compileUncached(job: LoadedJob, limits: MachineLimits): Promise<CompiledJob> {
  const instrumented = instrumentJob(job.module, job.info, limits);
  const wasm = await WebAssembly.compile(encodeModule(instrumented.module));
  return { wasm, startExport: instrumented.startExport };
}

/** Empties the compilation cache (tests). */
export function clearNativeCache(): void {
  cache.clear();
}

// ---- Running ------------------------------------------------------------------------

/** proc_exit, or a host trap, unwinding V8's stack with the exact step count. */
class HostStop extends Error {
  constructor(
    readonly outcome: HostOutcome.Exit | HostOutcome.Trap,
    readonly steps: number,
  ) {
    super('host stop');
  }
}

interface Counters {
  steps: WebAssembly.Global;
  units: WebAssembly.Global;
}

async function runCompiled(
  compiled: CompiledJob,
  original: Module,
  io: JobIO,
  limits: MachineLimits,
): Promise<NativeAttempt> {
  const host = new HostState(io);
  let counters: Counters | null = null;
  let addSteps: ((k: number) => void) | null = null;
  let memory: WebAssembly.Memory | null = null;
  let view = new Uint8Array(0);
  const mem = (): Uint8Array => {
    // memory.grow detaches the old buffer: re-wrap only when it changed.
    if (memory !== null && view.buffer !== memory.buffer) view = new Uint8Array(memory.buffer);
    return view;
  };
  const stepsNow = (): number => Number((counters as Counters).steps.value as bigint);

  // A WASI import: its arguments go to one Int32Array per import (a call never re-enters
  // the job, so one suffices). The call instruction is already counted in its segment as
  // the first micro-step. Reading the i64 counter means a BigInt, so it is read only when
  // the count matters (clock_time_get's answer, a stop); the further micro-steps are added
  // by the module's own __verity_add_steps (sort's whole native run: 0.76 -> 0.69 ms with
  // the reused arguments).
  const wasiCall = (id: number, paramTypes: readonly number[]) => {
    const args = new Int32Array(2 * paramTypes.length);
    const arity = paramTypes.length;
    const wide = paramTypes.map((t) => t === I64);
    if (arity > 4) throw new Error(`internal: WASI import with ${arity} parameters`);
    const clock = usesStepCount(id);
    return (a?: number | bigint, b?: number | bigint, c?: number | bigint, d?: number | bigint): number => {
      packArg(args, 0, arity, wide, a);
      packArg(args, 1, arity, wide, b);
      packArg(args, 2, arity, wide, c);
      packArg(args, 3, arity, wide, d);
      const before = clock ? stepsNow() - 1 : 0;
      const { outcome, microSteps } = runWasiCall(id, args, 0, mem, host, before);
      if (outcome === HostOutcome.Return) {
        if (microSteps === 1) return host.result;
        if (microSteps - 1 <= 0x7fffffff) (addSteps as (k: number) => void)(microSteps - 1);
        else counters!.steps.value = (counters!.steps.value as bigint) + BigInt(microSteps - 1);
        return host.result;
      }
      const steps = stepsNow() - 1 + microSteps;
      throw new HostStop(outcome === HostOutcome.Exit ? HostOutcome.Exit : HostOutcome.Trap, steps);
    };
  };

  const wasiImports: Record<string, (...params: (number | bigint | undefined)[]) => number> = {};
  for (const im of original.imports) {
    if (im.desc.kind !== 'func' || im.module !== WASI_MODULE) continue;
    const f = findWasiFunction(im.name);
    if (f === undefined) return { ok: false, reason: 'rejected', detail: `unknown WASI import ${im.name}` };
    wasiImports[im.name] = wasiCall(f.id, f.params);
  }

  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(compiled.wasm, { [WASI_MODULE]: wasiImports });
  } catch (e) {
    return { ok: false, reason: 'rejected', detail: describe(e) };
  }
  const exports = instance.exports;
  counters = { steps: exports[STEPS_EXPORT] as WebAssembly.Global, units: exports[UNITS_EXPORT] as WebAssembly.Global };
  addSteps = exports[ADD_STEPS_EXPORT] as (k: number) => void;
  const exported = exports[MEMORY_EXPORT];
  memory = exported instanceof WebAssembly.Memory ? exported : null;
  const start = compiled.startExport === null ? null : (exports[START_EXPORT] as () => void);
  const main = exports._start;
  if (typeof main !== 'function') return { ok: false, reason: 'rejected', detail: 'no _start function' };

  const c: Counters = counters;
  const finish = (status: RunResult['status'], exitCode: number | null, trap: string | null, steps: number): NativeAttempt => {
    // Past the budget the machine would have stopped earlier, with other output.
    if (steps > limits.maxSteps) return { ok: false, reason: 'out-of-steps', detail: `ran ${steps} steps` };
    const result: RunResult = {
      status, exitCode, trap, steps,
      stdout: host.stdout.bytes().slice(),
      stderr: host.stderr.bytes().slice(),
    };
    return { ok: true, result };
  };

  try {
    // Bootstrap (docs/machine.md#steps): `call $start`, `call $_start`, `exit 0`.
    if (start !== null) {
      c.steps.value = (c.steps.value as bigint) + 1n;
      start();
      c.units.value = 0; // the start frame has returned
    }
    c.steps.value = (c.steps.value as bigint) + 1n;
    (main as () => void)();
    return finish('exited', 0, null, stepsNow() + 1);
  } catch (e) {
    if (e instanceof HostStop) {
      return e.outcome === HostOutcome.Exit
        ? finish('exited', host.result, null, e.steps)
        : finish('trapped', null, host.trapMessage, e.steps);
    }
    return { ok: false, reason: classify(e, c, limits), detail: describe(e) };
  }
}

/** Why a run threw: the counters say whether a budget guard fired. */
function classify(e: unknown, c: Counters, limits: MachineLimits): FallbackReason {
  if (e instanceof WebAssembly.RuntimeError) {
    if ((c.steps.value as bigint) > BigInt(limits.maxSteps)) return 'out-of-steps';
    if ((c.units.value as number) >>> 0 > limits.maxStackUnits) return 'stack-units';
    return 'trap';
  }
  if (e instanceof RangeError) return 'engine-stack';
  return 'error';
}

/** WASI argument j as the host wants it: words 2j (low) and 2j+1 (high); nothing past the arity. */
function packArg(args: Int32Array, j: number, arity: number, wide: readonly boolean[], v: number | bigint | undefined): void {
  if (j >= arity) return;
  if (wide[j]) {
    const big = BigInt.asUintN(64, v as bigint);
    args[2 * j] = Number(big & 0xffff_ffffn) | 0;
    args[2 * j + 1] = Number(big >> 32n) | 0;
  } else {
    args[2 * j] = (v as number) | 0;
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
