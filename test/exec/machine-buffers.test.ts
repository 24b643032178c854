// A job's machine is built for every run; Machine.release() hands its stack and frame
// buffers, zeroed where it wrote them, to the next machine of the same size
// (vm/exec/interpret.ts). A reused buffer must be indistinguishable from a fresh one.
// The stack shares its buffer with the machine's copy of the dispatch table, and moves to
// a larger one when the store's code outgrows that copy's space: nothing may change then.
import { describe, expect, it } from 'vitest';
import { Op } from '../../vm/syntax/opcodes.js';
import { DEFAULT_LIMITS } from '../../vm/exec/limits.js';
import { createJobMachine, loadJob, resultOf, runInterpreted } from '../../vm/job.js';
import { StateCommitter } from '../../vm/state/commit.js';
import { loadFixture } from '../support/fixtures.js';

describe('machine buffers', () => {
  const fx = loadFixture('sort');
  const job = loadJob(fx.wasm);
  const input = { input: fx.input, args: fx.args };

  it('a released machine\'s buffers go to the next one, all zero', () => {
    const first = createJobMachine(job, input, DEFAULT_LIMITS);
    first.run();
    const expected = resultOf(first);
    expect(first.stack.some((word) => word !== 0)).toBe(true);
    first.release();
    const next = createJobMachine(job, input, DEFAULT_LIMITS);
    expect(next.stack.buffer).toBe(first.stack.buffer);
    expect(next.frames).toBe(first.frames);
    expect(next.stack.every((word) => word === 0)).toBe(true);
    expect(next.frames.every((word) => word === 0)).toBe(true);
    next.run();
    expect(resultOf(next)).toEqual(expected);
  });

  it('the same state hashes on a reused buffer as on a fresh one, step for step', () => {
    const hashesAt = (machine: ReturnType<typeof createJobMachine>): string[] => {
      const committer = new StateCommitter(machine, DEFAULT_LIMITS);
      const hashes: string[] = [];
      for (const steps of [1, 50, 1_000, 20_000, 200_000]) {
        machine.maxSteps = steps;
        machine.run();
        if (machine.status === 'out-of-steps') machine.status = 'running';
        hashes.push(committer.stateHash());
      }
      return hashes;
    };
    const dirty = createJobMachine(job, input, DEFAULT_LIMITS);
    dirty.run();
    dirty.release();
    const reused = createJobMachine(job, input, DEFAULT_LIMITS);
    expect(reused.stack.buffer).toBe(dirty.stack.buffer);
    // Machines that are not released keep theirs, so the pool runs dry: the next is new.
    const held = [createJobMachine(job, input, DEFAULT_LIMITS), createJobMachine(job, input, DEFAULT_LIMITS)];
    const fresh = createJobMachine(job, input, DEFAULT_LIMITS);
    expect([dirty, ...held].map((m) => m.stack.buffer)).not.toContain(fresh.stack.buffer);
    expect(hashesAt(reused)).toEqual(hashesAt(fresh));
  });

  it('a released machine runs no further', () => {
    const machine = createJobMachine(job, input, DEFAULT_LIMITS);
    machine.maxSteps = 100;
    machine.run();
    const steps = machine.steps;
    machine.release();
    machine.run();
    expect(machine.steps).toBe(steps);
    expect(runInterpreted(job, input)).toEqual(runInterpreted(job, input));
  });

  it('code appended while a run is paused moves the stack to a larger buffer, and the run goes on unchanged', () => {
    const pausedAt = 300_000;
    const reference = createJobMachine(job, input, DEFAULT_LIMITS);
    reference.maxSteps = pausedAt;
    reference.run();
    const pausedStack = reference.stack.slice();
    reference.maxSteps = DEFAULT_LIMITS.maxSteps;
    reference.status = 'running';
    reference.run();

    const machine = createJobMachine(job, input, DEFAULT_LIMITS);
    machine.maxSteps = pausedAt;
    machine.run();
    const before = machine.stack;
    expect(before).toEqual(pausedStack);
    expect(before.some((word) => word !== 0)).toBe(true);
    // Rows no function reaches (as a later instance's would be), past the table space.
    const code = machine.store.code;
    const rowsNeeded = before.byteOffset / 4 / 4 + 1 - code.length;
    for (let i = 0; i < rowsNeeded; i++) code.emit(Op.nop);
    machine.maxSteps = pausedAt + 1; // one step: the stack moves before it
    machine.status = 'running';
    machine.run();
    expect(machine.stack).not.toBe(before);
    expect(machine.stack.byteOffset).toBeGreaterThan(before.byteOffset);
    machine.maxSteps = DEFAULT_LIMITS.maxSteps;
    machine.status = 'running';
    machine.run();
    expect(resultOf(machine)).toEqual(resultOf(reference));
    expect(machine.steps).toBe(reference.steps);
    expect(machine.stack).toEqual(reference.stack);
    expect(machine.frames).toEqual(reference.frames);
  });
});
