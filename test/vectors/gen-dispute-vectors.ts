// Writes contracts/test/vectors/dispute-e2e.json, the end-to-end dispute vectors of
// contracts/test/market/RealVerifierDispute.t.sol: a real job (fixtures/exit_code) played
// through the k-way dissection game down to a step the real OneStepVerifier decides:
//
//   npm run build --silent && node dist/test/vectors/gen-dispute-vectors.js
//
// test/vectors/dispute-vectors.test.ts regenerates it and fails if the committed file differs.
// Only the true hashes a game can ask for are written (not all N + 1): the boundaries of
// every dissection on the way to each target step, with the proofs of the target steps.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, type MachineLimits } from '../../vm/exec/limits.js';
import { loadJob } from '../../vm/job.js';
import { decodeHeader, encodeHeader, StateCommitter } from '../../vm/state/commit.js';
import { toHex } from '../../vm/state/stream.js';
import { Trace } from '../../vm/state/trace.js';
import { keccak256 } from '../../vm/state/keccak.js';
import { loadFixture } from '../support/fixtures.js';
import { repositoryRoot } from './gen-numeric-vectors.js';

export const DISPUTE_VECTORS_FILE = 'contracts/test/vectors/dispute-e2e.json';
/** The market's dissection degree the vectors are cut for. */
export const DEGREE = 16;
const FIXTURE = 'exit_code';
const LIMITS: MachineLimits = { ...DEFAULT_LIMITS, maxSteps: 100_000 };
/** The exit code of the lying executor's final header (the true one is 3). */
const LIE_EXIT_CODE = 99;

export interface DisputeVectors {
  degree: number;
  fixture: string;
  maxSteps: number;
  initialStateHash: string;
  traceLength: number;
  honestHeader: string;
  honestFinal: string;
  /** The honest header with another exit code: a final-state claim the trace does not reach. */
  lieHeader: string;
  lieFinal: string;
  /** Where a mid-trace liar starts making hashes up (its first wrong index). */
  lieFrom: number;
  /** Ascending trace indices and their true state hashes. */
  indices: number[];
  hashes: string[];
  /** Steps [t, t + 1] the games of the forge test end at, with their one-step proofs. */
  steps: number[];
  proofs: string[];
}

/** Boundaries of the dissection of [start, start + length] into min(length, k) segments (Dissection.sol). */
function boundaries(start: number, length: number, k: number): number[] {
  const segments = Math.min(length, k);
  const out: number[] = [];
  for (let j = 0; j <= segments; j++) out.push(start + Math.floor((length * j) / segments));
  return out;
}

/** Every boundary of every dissection on the way from [0, n] down to the step [t, t + 1]. */
export function pathIndices(n: number, k: number, t: number): number[] {
  if (!(t >= 0 && t < n)) throw new RangeError(`step ${t} is not in a trace of length ${n}`);
  const out: number[] = [];
  let start = 0;
  let length = n;
  while (length > 1) {
    const b = boundaries(start, length, k);
    out.push(...b);
    const j = b.findIndex((_, i) => b[i] <= t && t < b[i + 1]);
    start = b[j];
    length = b[j + 1] - b[j];
  }
  return out;
}

export async function generateDisputeVectors(): Promise<DisputeVectors> {
  const fx = loadFixture(FIXTURE);
  const trace = await Trace.record(loadJob(fx.wasm), { input: fx.input, args: fx.args }, LIMITS);
  const n = trace.length;
  const final = trace.stateAt(n);
  if (final.status !== 'exited') throw new Error(`${FIXTURE} did not exit (status ${final.status})`);
  const honestHeader = new StateCommitter(final, LIMITS).header();
  const honestFinal = toHex(keccak256(honestHeader));
  if (honestFinal !== trace.hashAt(n)) throw new Error('internal: the final header does not hash to the final state');
  const lie = decodeHeader(honestHeader);
  if (lie.exitCode === LIE_EXIT_CODE) throw new Error(`${FIXTURE} already exits with ${LIE_EXIT_CODE}`);
  const lieHeader = encodeHeader({ ...lie, exitCode: LIE_EXIT_CODE });
  const lieFrom = Math.floor(n / 3);
  // the last step (a liar on the final header), the first (a challenger that picks the
  // first segment) and the step into lieFrom (a liar from the middle of the trace)
  const steps = [...new Set([0, lieFrom - 1, n - 1])].sort((a, b) => a - b);
  const wanted = new Set<number>();
  for (const t of steps) for (const i of pathIndices(n, DEGREE, t)) wanted.add(i);
  const indices = [...wanted].sort((a, b) => a - b);
  const hashes = trace.hashesAt(indices);
  const proofs = steps.map((t) => {
    const p = trace.proofAt(t);
    if (p.preStateHash !== hashes[indices.indexOf(t)] || p.postStateHash !== trace.hashAt(t + 1)) {
      throw new Error(`internal: the proof of step ${t} does not join the trace`);
    }
    return toHex(p.proof);
  });
  return {
    degree: DEGREE, fixture: FIXTURE, maxSteps: LIMITS.maxSteps, initialStateHash: trace.hashAt(0), traceLength: n,
    honestHeader: toHex(honestHeader), honestFinal, lieHeader: toHex(lieHeader), lieFinal: toHex(keccak256(lieHeader)),
    lieFrom, indices, hashes, steps, proofs,
  };
}

export function serializeDisputeVectors(v: DisputeVectors): string {
  return `${JSON.stringify(v, null, 1)}\n`;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const text = serializeDisputeVectors(await generateDisputeVectors());
  const path = join(repositoryRoot(), DISPUTE_VECTORS_FILE);
  writeFileSync(path, text);
  process.stdout.write(`${path}: ${text.length} bytes\n`);
}
