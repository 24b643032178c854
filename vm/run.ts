// Running a job end to end: load once, pick an engine, report the result the same way
// whichever engine ran it. This is the API the CLI and the nodes use.

import { keccak_256 } from '@noble/hashes/sha3.js';
import { DEFAULT_LIMITS, type MachineLimits } from './exec/limits.js';
import { jobIO, loadJob, runInterpreted, type JobInput, type LoadedJob, type RunResult } from './job.js';
import { runNative } from './native/engine.js';

export type Engine = 'interp' | 'native';

export interface RunOptions {
  engine?: Engine;
  limits?: Partial<MachineLimits>;
}

export function withDefaults(limits: Partial<MachineLimits> = {}): MachineLimits {
  return { ...DEFAULT_LIMITS, ...limits };
}

/** Runs an already loaded job. The native engine falls back to the interpreter by itself. */
export async function runLoaded(job: LoadedJob, input: JobInput, options: RunOptions = {}): Promise<RunResult> {
  const limits = withDefaults(options.limits);
  if ((options.engine ?? 'native') === 'interp') return runInterpreted(job, input, limits);
  return runNative(job, jobIO(input, limits), limits, () => runInterpreted(job, input, limits));
}

/** Loads (decode, validate, ABI check) and runs a job. Throws WasmError / JobError for bad modules. */
export async function runJob(wasm: Uint8Array, input: JobInput, options: RunOptions = {}): Promise<RunResult> {
  return runLoaded(loadJob(wasm), input, options);
}

/** keccak-256 of the job's stdout, 0x-prefixed: the output hash a result commits to. */
export function outputHash(stdout: Uint8Array): string {
  return '0x' + Buffer.from(keccak_256(stdout)).toString('hex');
}

/** The `--json` shape of `verity run`. */
export interface RunReport {
  status: RunResult['status'];
  exitCode: number | null;
  trap: string | null;
  steps: number;
  stdout: string;
  stderr: string;
  outputHash: string;
}

export function runReport(r: RunResult): RunReport {
  return {
    status: r.status,
    exitCode: r.exitCode,
    trap: r.trap,
    steps: r.steps,
    stdout: Buffer.from(r.stdout).toString('base64'),
    stderr: Buffer.from(r.stderr).toString('base64'),
    outputHash: outputHash(r.stdout),
  };
}
