// Spec-test invocations, proven step by step: each invocation of an import-free spec
// module becomes a job (test/proof/spec-jobs.ts), and every step of its run is proven,
// verified (verifyStep(preStateHash, proof) = postStateHash) and compared with the
// interpreter single-stepped (same state; its state hash = the verifier's post hash).
//
// The suite holds ~22k such invocations; proving all of them takes minutes, so each
// script contributes a deterministic subset (selectSpecJobs) that still reaches every row
// opcode and every trap code the whole suite reaches (asserted at the end). Jobs run
// with small limits: long runs become out-of-steps and deep recursion exhausts the call
// stack quickly, both of which are transitions worth proving too.

import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type MachineLimits } from '../../vm/exec/limits.js';
import { createJobMachine, loadJob } from '../../vm/job.js';
import { CONTROL_OPS } from '../../vm/proof/ops/control.js';
import { MEMORY_OPS } from '../../vm/proof/ops/memory.js';
import { NUMERIC_OPS } from '../../vm/proof/ops/numeric.js';
import { TABLE_OPS } from '../../vm/proof/ops/table.js';
import { VARIABLE_OPS } from '../../vm/proof/ops/variables.js';
import { WASI_OPS } from '../../vm/proof/ops/wasi.js';
import { StepKind } from '../../vm/proof/step.js';
import { TRAP_CODES } from '../../vm/state/commit.js';
import { TrapMessage } from '../../vm/exec/trap.js';
import { defaultSpecDir, listScripts } from '../spec/harness.js';
import { proveRun, provenOpcodes, provenStatuses, provenTraps } from './prove-run.js';
import { selectSpecJobs, specJobBytes, specJobs, type SpecJob, type SpecJobCounts } from './spec-jobs.js';

const SPEC_DIR = defaultSpecDir();
const INPUT = { input: new Uint8Array(0), args: ['spec'] };
/** Jobs proven per script at most (see selectSpecJobs). */
const PER_SCRIPT = 80;
const MAX_STEPS = 2_000;

function limitsFor(job: SpecJob): MachineLimits {
  return {
    ...DEFAULT_LIMITS,
    maxSteps: MAX_STEPS,
    // Small enough that unbounded recursion exhausts it within MAX_STEPS.
    maxStackUnits: 1024,
    // Small memories keep the memory trees (and so the proofs) small.
    maxMemoryPages: Math.max(job.minMemoryPages, 2),
  };
}

/** The reference interpreter's trap texts name an operand the machine's do not (harness.ts). */
function sameTrap(actual: string, expected: string): boolean {
  return actual.startsWith(expected) || actual.startsWith(expected.replace(/ \d+$/, ''));
}

const totals: SpecJobCounts & { proven: number; steps: number } = {
  modules: 0, modulesWithImports: 0, jobs: 0, onSkippedModules: 0, referenceArgs: 0, gets: 0, proven: 0, steps: 0,
};
/** Jobs whose outcome differs from the script's expectation (state left by earlier invocations). */
const mismatches: string[] = [];
let checkedOutcomes = 0;

/** Proves every step of `job`'s run and checks its outcome against the script's expectation. */
function proveSpecJob(job: SpecJob): void {
  const loaded = loadJob(specJobBytes(job));
  const limits = limitsFor(job);
  totals.steps += proveRun(loaded, INPUT, 0, MAX_STEPS + 2, true, limits);
  totals.proven++;
  const m = createJobMachine(loaded, INPUT, limits);
  m.run();
  expect(['exited', 'trapped', 'out-of-steps'], job.name).toContain(m.status);
  if (job.expectedTrap !== null) {
    checkedOutcomes++;
    if (m.status !== 'trapped' || !sameTrap(m.trapMessage!, job.expectedTrap)) {
      mismatches.push(`${job.name}: expected trap "${job.expectedTrap}", got ${m.status} ${m.trapMessage ?? ''}`);
    }
  } else if (job.expectsExit) {
    checkedOutcomes++;
    // out-of-steps: a long run cut short by MAX_STEPS, not a contradiction.
    if (m.status === 'trapped') mismatches.push(`${job.name}: expected a return, got trap "${m.trapMessage}"`);
    else if (m.status === 'exited') expect(m.exitCode, job.name).toBe(0);
  }
}

describe('spec-test invocations as jobs, every step proven', () => {
  const scripts = listScripts(SPEC_DIR).map((p) => basename(p, '.json'));

  for (const script of scripts) {
    it(script, () => {
      const { jobs, counts } = specJobs(SPEC_DIR, script);
      for (const key of Object.keys(counts) as (keyof SpecJobCounts)[]) totals[key] += counts[key];
      for (const job of selectSpecJobs(jobs, PER_SCRIPT)) proveSpecJob(job);
    });
  }

  it('covered every row opcode and trap code that spec invocations reach', () => {
    console.log(
      `spec invocations: ${totals.modules} modules (${totals.modulesWithImports} with imports, skipped), ` +
      `${totals.jobs} invocations as jobs (skipped: ${totals.onSkippedModules} on skipped modules, ` +
      `${totals.referenceArgs} with host references, ${totals.gets} gets); proven ${totals.proven} jobs, ` +
      `${totals.steps} steps; ${mismatches.length} of ${checkedOutcomes} outcomes differ from the script ` +
      `(state left by earlier invocations)${mismatches.length ? ':\n  ' + mismatches.join('\n  ') : ''}`,
    );
    // Every row opcode of every group but the WASI host call (spec modules import nothing).
    const all = [...CONTROL_OPS, ...VARIABLE_OPS, ...MEMORY_OPS, ...NUMERIC_OPS, ...TABLE_OPS, ...WASI_OPS];
    const missing = all.filter((op) => !provenOpcodes.has(op)).map((op) => op.toString(16));
    expect(missing).toEqual(WASI_OPS.map((op) => op.toString(16)));
    expect(provenOpcodes.has(StepKind.halted)).toBe(true);
    expect(provenOpcodes.has(StepKind.outOfSteps)).toBe(true);
    expect([...provenStatuses].sort()).toEqual(['exited', 'out-of-steps', 'running', 'trapped']);
    // Every trap code but the output and log limits (no WASI, so no fd_write).
    const traps = Object.entries(TRAP_CODES)
      .filter(([message]) => message !== TrapMessage.outputLimit && message !== TrapMessage.logLimit)
      .map(([, code]) => code);
    expect([...provenTraps].sort((a, b) => a - b)).toEqual(traps.sort((a, b) => a - b));
    // The job building and the selection are fixed functions of the suite: these counts
    // change only with it.
    expect([totals.modules, totals.modulesWithImports, totals.jobs, totals.proven]).toEqual([1125, 130, 22406, 2286]);
    // Most assert_trap / assert_return outcomes must hold even from a fresh instance.
    expect(mismatches.length).toBeLessThan(checkedOutcomes / 20);
  });
});
