// The step function against the interpreter: a job machine driven by the step function
// (through the direct machine accessor) stays in exactly the state of the interpreter
// single-stepped, on every step of the fixtures' first steps and of windows around their
// WASI calls, bulk operations, traps and exits.

import { describe, expect, it } from 'vitest';
import { commitProgram } from '../../vm/state/image.js';
import { MachineStepper } from '../../vm/proof/machine-access.js';
import { loadFixture, TRAP_KINDS } from '../support/fixtures.js';
import { expectSameState, interpretOne, interpretTo, jobMachine, LIMITS, loadJob } from './support.js';
import type { JobInput, LoadedJob } from '../../vm/job.js';

/** Single-steps both engines from step `from` for `count` steps, comparing every state. */
function lockstep(job: LoadedJob, input: JobInput, from: number, count: number): { steps: number; status: string } {
  const ref = jobMachine(job, input);
  const sub = jobMachine(job, input);
  const stepper = new MachineStepper(sub, commitProgram(sub, LIMITS));
  interpretTo(ref, from);
  interpretTo(sub, from);
  expectSameState(sub, ref, `start ${from}`, true);
  for (let k = 0; k < count && ref.status === 'running'; k++) {
    interpretOne(ref);
    stepper.step();
    expectSameState(sub, ref, `step ${ref.steps}`, k % 2000 === 1999);
  }
  expectSameState(sub, ref, `end`, true);
  return { steps: ref.steps, status: ref.status };
}

function totalSteps(job: LoadedJob, input: JobInput): number {
  const m = jobMachine(job, input);
  m.run();
  return m.steps;
}

const FIXTURES = ['cat_iov', 'exit_code', 'floats32', 'loop', 'memops', 'nbody', 'nn_int8', 'sha256', 'sort', 'trap'];

describe('step function = interpreter single-stepped', () => {
  for (const name of FIXTURES) {
    it(`${name}: first 20k steps and the last 3k`, () => {
      const fx = loadFixture(name);
      const job = loadJob(fx.wasm);
      // loop's argument is its iteration count: a smaller one keeps the full run short.
      const input = { input: fx.input, args: name === 'loop' ? ['loop', '3000'] : fx.args };
      lockstep(job, input, 0, 20_000);
      const total = totalSteps(job, input);
      const end = lockstep(job, input, Math.max(0, total - 3000), 4000);
      expect(end.steps).toBe(total);
      expect(end.status).toBe(fx.expected.trapped ? 'trapped' : 'exited');
      expect(end.steps).toBeGreaterThan(0);
    });
  }

  for (const kind of Object.keys(TRAP_KINDS)) {
    it(`trap fixture, ${kind}: the trapping step and the steps before it`, () => {
      const fx = loadFixture('trap');
      const job = loadJob(fx.wasm);
      const input = { input: fx.input, args: ['trap', kind] };
      const total = totalSteps(job, input);
      const end = lockstep(job, input, Math.max(0, total - 1500), 2000);
      expect(end.status).toBe('trapped');
    });
  }

  it('random windows of the longer fixtures', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const name of ['sha256', 'sort', 'nbody', 'memops', 'nn_int8']) {
      const fx = loadFixture(name);
      const job = loadJob(fx.wasm);
      const input = { input: fx.input, args: fx.args };
      const total = totalSteps(job, input);
      for (let k = 0; k < 3; k++) lockstep(job, input, rand(total), 500);
    }
  });
});
