// The job ABI (docs/machine.md#jobs): a WASI preview1 command module, an input, argv and
// limits. Loading checks the module once; both engines run what loading accepted.

import { decodeModule } from './binary/decode.js';
import { validateModule, type ModuleInfo } from './valid/validate.js';
import type { FuncType, Module } from './syntax/types.js';
import { WasmError } from './syntax/types.js';
import { findWasiFunction, HostState, WASI_MODULE, type JobIO } from './host/wasi.js';
import { IOp } from './exec/code.js';
import { Machine } from './exec/interpret.js';
import { instantiate, sameFuncType, Store, type ExternVal } from './exec/store.js';
import { DEFAULT_LIMITS, type MachineLimits } from './exec/limits.js';
import { Trap } from './exec/trap.js';
import { Op } from './syntax/opcodes.js';

export type RunStatus = 'exited' | 'trapped' | 'out-of-steps';

export interface RunResult {
  status: RunStatus;
  exitCode: number | null;
  trap: string | null;
  steps: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/** A module that passed decoding, validation and the job-ABI checks. */
export interface LoadedJob {
  wasm: Uint8Array;
  module: Module;
  info: ModuleInfo;
}

/** Bad job input (not a wasm problem): one line, names the problem. */
export class JobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobError';
  }
}

/** Decodes, validates and checks the job ABI. Throws WasmError or JobError. */
export function loadJob(wasm: Uint8Array): LoadedJob {
  const module = decodeModule(wasm);
  const info = validateModule(module);
  for (const imp of module.imports) {
    const name = `${imp.module}.${imp.name}`;
    if (imp.desc.kind !== 'func') {
      throw new JobError(`unsupported import ${name}: a job may import only WASI functions, not a ${imp.desc.kind}`);
    }
    const wasi = imp.module === WASI_MODULE ? findWasiFunction(imp.name) : undefined;
    if (!wasi) throw new JobError(`unsupported import ${name}: not in Verity's deterministic WASI subset`);
    if (!sameFuncType(module.types[imp.desc.typeIdx], wasi)) {
      throw new JobError(`import ${name} has the wrong signature`);
    }
  }
  const start = module.exports.find((e) => e.name === '_start');
  if (!start || start.kind !== 'func') throw new JobError('not a WASI command: no exported function _start');
  const startType = funcType(module, start.index);
  if (startType.params.length !== 0 || startType.results.length !== 0) {
    throw new JobError('_start must take no parameters and return nothing');
  }
  return { wasm, module, info };
}

/** The type of function `index` of the module's function index space. */
export function funcType(m: Module, index: number): FuncType {
  const imported = m.imports.filter((i) => i.desc.kind === 'func');
  if (index < imported.length) {
    const d = imported[index].desc;
    return m.types[d.kind === 'func' ? d.typeIdx : 0];
  }
  return m.types[m.funcs[index - imported.length].typeIdx];
}

export interface JobInput {
  input: Uint8Array;
  /** argv, argv[0] included. */
  args: string[];
}

export function jobIO(input: JobInput, limits: MachineLimits): JobIO {
  const encoder = new TextEncoder();
  return {
    input: input.input,
    args: input.args.map((a) => encoder.encode(a)),
    maxOutputBytes: limits.maxOutputBytes,
    maxLogBytes: limits.maxLogBytes,
  };
}

/**
 * Builds the initial machine of a job: one instance whose imports are the WASI host,
 * active segments applied, and the bootstrap rows `call $start?; call $_start; exit 0`
 * where execution begins (docs/machine.md#steps).
 */
export function createJobMachine(job: LoadedJob, input: JobInput, limits: MachineLimits = DEFAULT_LIMITS): Machine {
  const store = new Store(limits.maxMemoryPages);
  const resolve = (module: string, name: string): ExternVal | undefined => {
    const wasi = module === WASI_MODULE ? findWasiFunction(name) : undefined;
    if (!wasi) return undefined;
    return { kind: 'func', addr: store.allocWasiFunc({ params: [...wasi.params], results: [...wasi.results] }, wasi.id) };
  };
  let instance;
  try {
    instance = instantiate(store, job.module, job.info, resolve);
  } catch (e) {
    if (e instanceof Trap) throw new WasmError('uninstantiable', `${e.message} while applying an active segment`);
    throw e;
  }
  const host = new HostState(jobIO(input, limits));
  const machine = new Machine(store, host, limits.maxSteps, limits.maxStackUnits);
  const code = store.code;
  const callRow = (addr: number): number =>
    code.emit(store.funcs[addr].kind === 'wasm' ? Op.call : IOp.HOST_CALL, addr);
  const entry = code.length;
  if (job.module.start !== null) callRow(instance.funcAddrs[job.module.start]);
  callRow(instance.exports.get('_start')!.addr);
  code.emit(IOp.BOOT_EXIT);
  machine.pc = entry;
  return machine;
}

/** Runs a job to completion on the interpreter. */
export function runInterpreted(job: LoadedJob, input: JobInput, limits: MachineLimits = DEFAULT_LIMITS): RunResult {
  const machine = createJobMachine(job, input, limits);
  machine.run();
  const result = resultOf(machine);
  machine.release(); // its buffers go to the next run's machine
  return result;
}

export function resultOf(machine: Machine): RunResult {
  const host = machine.host!;
  const status = machine.status;
  if (status !== 'exited' && status !== 'trapped' && status !== 'out-of-steps') {
    throw new Error(`internal: job machine stopped while ${status}`);
  }
  return {
    status,
    exitCode: status === 'exited' ? machine.exitCode : null,
    trap: status === 'trapped' ? machine.trapMessage : null,
    steps: machine.steps,
    stdout: host.stdout.bytes().slice(),
    stderr: host.stderr.bytes().slice(),
  };
}
