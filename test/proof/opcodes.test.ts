// Every opcode and every trap, proven: hand-built jobs (test/proof/opcode-jobs.ts) whose
// runs execute each row opcode of every group (numeric ops on ordinary and edge operands:
// NaNs, -0, extremes), each trap, halting by exit / proc_exit / out-of-steps; every step
// of every run is proven, verified and compared with the interpreter single-stepped.

import { describe, expect, it } from 'vitest';
import type { MachineLimits } from '../../vm/exec/limits.js';
import { loadJob } from '../../vm/job.js';
import { CONTROL_OPS } from '../../vm/proof/ops/control.js';
import { MEMORY_OPS } from '../../vm/proof/ops/memory.js';
import { NUMERIC_OPS } from '../../vm/proof/ops/numeric.js';
import { TABLE_OPS } from '../../vm/proof/ops/table.js';
import { VARIABLE_OPS } from '../../vm/proof/ops/variables.js';
import { WASI_OPS } from '../../vm/proof/ops/wasi.js';
import { StepKind } from '../../vm/proof/step.js';
import { proofJobBytes, type ProofJobSpec } from './modules.js';
import { INPUT, OPCODE_JOBS } from './opcode-jobs.js';
import { proveRun, provenOpcodes, provenStatuses, provenTraps } from './prove-run.js';
import { LIMITS } from './support.js';

function proveJob(spec: ProofJobSpec, limits: MachineLimits = LIMITS): void {
  const job = loadJob(proofJobBytes(spec));
  const steps = proveRun(job, INPUT, 0, 1_000_000, true, limits);
  expect(steps).toBeGreaterThan(1);
}

describe('every opcode, proven step by step', () => {
  for (const { name, spec, limits } of OPCODE_JOBS) {
    it(name, () => proveJob(spec, { ...LIMITS, ...limits }));
  }

  it('covered every row opcode of every group and every trap code', () => {
    const all = [...CONTROL_OPS, ...VARIABLE_OPS, ...MEMORY_OPS, ...NUMERIC_OPS, ...TABLE_OPS, ...WASI_OPS];
    const missing = all.filter((op) => !provenOpcodes.has(op)).map((op) => op.toString(16));
    expect(missing).toEqual([]);
    expect(provenOpcodes.has(StepKind.halted)).toBe(true);
    expect([...provenStatuses].sort()).toEqual(['exited', 'out-of-steps', 'running', 'trapped']);
    expect([...provenTraps].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});

