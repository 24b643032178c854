// Shared helpers of the proof tests: job machines, single-stepping the interpreter, and
// a comparison of two machines' complete states.

import { expect } from 'vitest';
import type { Machine } from '../../vm/exec/interpret.js';
import { DEFAULT_LIMITS, type MachineLimits } from '../../vm/exec/limits.js';
import { createJobMachine, loadJob, type JobInput, type LoadedJob } from '../../vm/job.js';

export const LIMITS: MachineLimits = { ...DEFAULT_LIMITS, maxStackUnits: 65_536 };

export function jobMachine(job: LoadedJob, input: JobInput, limits: MachineLimits = LIMITS): Machine {
  return createJobMachine(job, input, limits);
}

export { loadJob };

/**
 * One transition of the interpreter (docs/machine-state.md#transitions-and-halted-states):
 * halted: nothing; running at maxSteps: out-of-steps; else one step, after which the
 * machine is running unless the step halted it (the interpreter reports the budget pause
 * as out-of-steps, even at maxSteps).
 */
export function interpretOne(m: Machine, limits: MachineLimits = LIMITS): void {
  if (m.status !== 'running') return;
  if (m.steps >= limits.maxSteps) {
    m.status = 'out-of-steps';
    return;
  }
  m.maxSteps = m.steps + 1;
  m.run();
  if ((m.status as string) === 'out-of-steps') m.status = 'running';
  m.maxSteps = limits.maxSteps;
}

/** Runs the interpreter (batched) until `steps` steps or a halt. */
export function interpretTo(m: Machine, steps: number, limits: MachineLimits = LIMITS): void {
  if (m.status !== 'running' || m.steps >= steps) return;
  m.maxSteps = Math.min(steps, limits.maxSteps);
  m.run();
  if ((m.status as string) === 'out-of-steps' && m.steps < limits.maxSteps) m.status = 'running';
  m.maxSteps = limits.maxSteps;
}

function same(a: ArrayLike<number>, b: ArrayLike<number>, from: number, to: number): number {
  for (let i = from; i < to; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return i;
  return -1;
}

/**
 * Asserts that two job machines are in the same state. `deep` also compares all of
 * memory and the whole stack and frame arrays (slots above sp included: they are committed).
 */
export function expectSameState(a: Machine, b: Machine, where: string, deep: boolean): void {
  const regs = (m: Machine): unknown[] => [m.pc, m.sp, m.fp, m.fsp, m.fn, m.units, m.steps, m.status, m.exitCode, m.trapMessage];
  expect(regs(a), `${where}: registers`).toEqual(regs(b));
  const stackEnd = deep ? a.stack.length : 2 * a.sp + 8;
  expect(same(a.stack, b.stack, 0, stackEnd), `${where}: stack word`).toBe(-1);
  const framesEnd = deep ? a.frames.length : 4 * a.fsp + 4;
  expect(same(a.frames, b.frames, 0, framesEnd), `${where}: frame word`).toBe(-1);
  const sa = a.store;
  const sb = b.store;
  expect(same(sa.globals, sb.globals, 0, 2 * sa.globalTypes.length), `${where}: global word`).toBe(-1);
  sa.tables.forEach((t, i) => {
    expect(t.size, `${where}: table ${i} size`).toBe(sb.tables[i].size);
    expect(same(t.elems, sb.tables[i].elems, 0, t.size), `${where}: table ${i} entry`).toBe(-1);
  });
  expect(sa.datas.map((d) => d.length), `${where}: data lengths`).toEqual(sb.datas.map((d) => d.length));
  expect(sa.elems.map((d) => d.length), `${where}: elem lengths`).toEqual(sb.elems.map((d) => d.length));
  const ma = sa.mems[0];
  const mb = sb.mems[0];
  expect(ma?.size, `${where}: memory size`).toBe(mb?.size);
  if (deep && ma && mb) expect(Buffer.compare(ma.bytes, mb.bytes), `${where}: memory`).toBe(0);
  const ha = a.host!;
  const hb = b.host!;
  expect([ha.inputPos, ...ha.regs], `${where}: host registers`).toEqual([hb.inputPos, ...hb.regs]);
  expect(Buffer.compare(ha.stdout.bytes(), hb.stdout.bytes()), `${where}: stdout`).toBe(0);
  expect(Buffer.compare(ha.stderr.bytes(), hb.stderr.bytes()), `${where}: stderr`).toBe(0);
}
