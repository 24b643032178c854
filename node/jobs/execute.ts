// Running a network job the way both nodes do: the native engine gives the result (fast,
// step count exact); one interpreter pass records the trace whose final header is the
// claim and whose checkpoints answer the dissection game. The two must agree on every
// observable; if they do not, that is a determinism bug in the VM, never papered over.
import type { RunResult } from '../../vm/job.js';
import { runLoaded } from '../../vm/run.js';
import { readClaim } from '../../vm/state/commit.js';
import { outputDigest } from '../../vm/state/stream.js';
import { Trace } from '../../vm/state/trace.js';
import { TraceOracle } from '../game/oracle.js';
import type { PreparedJob } from './material.js';

export interface Execution {
  result: RunResult;
  oracle: TraceOracle;
  /** The claim an honest executor posts. */
  finalStateHash: string;
  traceLength: number;
  /** Milliseconds spent in the native run and in the recording pass. */
  nativeMs: number;
  traceMs: number;
}

export class DeterminismError extends Error {
  constructor(message: string) {
    super(`DETERMINISM BUG: ${message}`);
    this.name = 'DeterminismError';
  }
}

/** The result of the native engine alone: what a watcher checks a claim against first. */
export async function runNativeOnly(job: PreparedJob): Promise<{ result: RunResult; ms: number }> {
  const started = performance.now();
  const result = await runLoaded(job.loaded, job.input, { engine: 'native', limits: job.limits });
  return { result, ms: performance.now() - started };
}

/** Records the interpreter trace of a job; cross-checks it against a native result. */
export async function recordExecution(
  job: PreparedJob, native: { result: RunResult; ms: number }, onProgress?: (steps: number) => void,
): Promise<Execution> {
  const started = performance.now();
  const trace = await Trace.record(job.loaded, job.input, job.limits, onProgress ? { onProgress } : {});
  const traceMs = performance.now() - started;
  const r = native.result;
  if (trace.steps !== r.steps) {
    throw new DeterminismError(`native engine ran ${r.steps} steps, the interpreter ${trace.steps}`);
  }
  const oracle = new TraceOracle(trace, r.stdout);
  const claim = readClaim(oracle.finalHeader);
  if (claim.status !== r.status || claim.exitCode !== r.exitCode || claim.outputDigest !== outputDigest(r.stdout)) {
    throw new DeterminismError(
      `native engine says ${r.status}/${r.exitCode}/${outputDigest(r.stdout)}, ` +
        `the interpreter's final state ${claim.status}/${claim.exitCode}/${claim.outputDigest}`,
    );
  }
  const finalStateHash = oracle.hashesAt([trace.length])[0];
  return { result: r, oracle, finalStateHash, traceLength: trace.length, nativeMs: native.ms, traceMs };
}

/** Native run, then the recording pass. */
export async function executeJob(job: PreparedJob, onProgress?: (steps: number) => void): Promise<Execution> {
  return recordExecution(job, await runNativeOnly(job), onProgress);
}
