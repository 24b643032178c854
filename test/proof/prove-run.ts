// Proving runs step by step, checked against the interpreter single-stepped.

import { expect } from 'vitest';
import type { MachineLimits } from '../../vm/exec/limits.js';
import type { JobInput, LoadedJob } from '../../vm/job.js';
import { StateCommitter, TRAP_CODES } from '../../vm/state/commit.js';
import { proveStep } from '../../vm/proof/prove.js';
import { verifyStep } from '../../vm/proof/verify.js';
import { recordSize } from './sizes.js';
import { expectSameState, interpretOne, interpretTo, jobMachine, LIMITS } from './support.js';

/** Row opcodes proven so far, and trap codes reached (for the coverage test). */
export const provenOpcodes = new Set<number>();
export const provenTraps = new Set<number>();
export const provenStatuses = new Set<string>();

/**
 * Proves and verifies `count` consecutive steps from step `from` (stopping after the
 * first proof of a halted state); returns the number of steps proven. With `check`, the
 * interpreter single-steps a second machine alongside: same state, and its state hash
 * equals the verifier's post-state hash.
 */
export function proveRun(
  job: LoadedJob, input: JobInput, from: number, count: number, check = true, limits: MachineLimits = LIMITS,
): number {
  const m = jobMachine(job, input, limits);
  const committer = new StateCommitter(m, limits);
  const ref = jobMachine(job, input, limits);
  const refCommitter = check ? new StateCommitter(ref, limits) : null;
  interpretTo(m, from, limits);
  interpretTo(ref, from, limits);
  let proven = 0;
  for (let k = 0; k < count; k++) {
    const halted = m.status !== 'running';
    const { proof, opcode, preStateHash, postStateHash } = proveStep(m, committer);
    expect(verifyStep(preStateHash, proof), `step ${m.steps} (op 0x${opcode.toString(16)})`).toBe(postStateHash);
    recordSize(opcode, proof.length);
    provenOpcodes.add(opcode);
    provenStatuses.add(m.status);
    if (m.status === 'trapped') provenTraps.add(TRAP_CODES[m.trapMessage!]);
    proven++;
    if (check) {
      interpretOne(ref, limits);
      expectSameState(m, ref, `step ${m.steps}`, k % 500 === 0);
      // hash(interpreter step) = what the verifier computed.
      expect(refCommitter!.stateHash(), `step ${m.steps}: hash of the interpreter's state`).toBe(postStateHash);
    }
    if (halted) break;
  }
  if (check) expectSameState(m, ref, 'end', true);
  return proven;
}
