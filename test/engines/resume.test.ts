// Pausing and resuming the machine: a run cut at any step budget and then continued
// must end in exactly the state of an uninterrupted run. Part 2 single-steps the machine
// this way, so a micro-stepped instruction (bulk memory, WASI calls, call_indirect into
// WASI) must leave a state from which its row re-executes correctly.

import { describe, expect, it } from 'vitest';
import { createJobMachine, loadJob, resultOf, type JobInput, type LoadedJob, type RunResult } from '../../vm/job.js';
import { DEFAULT_LIMITS } from '../../vm/exec/limits.js';
import { runLoaded } from '../../vm/run.js';
import { I32 } from '../../vm/syntax/types.js';
import { loadFixture } from '../support/fixtures.js';
import { jobBytes } from '../native/build.js';

/** Runs with a budget that grows by `stride` each time the machine pauses. */
function runInSlices(job: LoadedJob, input: JobInput, stride: (i: number) => number): RunResult {
  const machine = createJobMachine(job, input, DEFAULT_LIMITS);
  for (let i = 0; ; i++) {
    machine.maxSteps = Math.min(machine.steps + stride(i), DEFAULT_LIMITS.maxSteps);
    machine.run();
    if (machine.status !== 'out-of-steps') break;
    machine.status = 'running';
  }
  return resultOf(machine);
}

describe('resuming a paused machine', () => {
  for (const name of ['cat_iov', 'memops', 'exit_code']) {
    it(`${name}: slices of varying size (many pauses inside WASI calls and bulk ops) give the full run`, async () => {
      const fx = loadFixture(name);
      const job = loadJob(fx.wasm);
      const input = { input: fx.input, args: fx.args };
      const full = await runLoaded(job, input, { engine: 'interp' });
      // Strides 1..97 (single steps included) cover every micro-step position.
      const sliced = runInSlices(job, input, (i) => 1 + ((i * 37) % 97));
      expect(sliced).toEqual(full);
    });
  }

  it('call_indirect into a WASI function, single-stepped through its micro-steps', async () => {
    // iovec {ptr 64, len 70} at 0; 70 bytes span 3 leaves, so fd_write takes several micro-steps.
    const body = `
      i32.const 0
      i32.const 64
      i32.store 2 0
      i32.const 0
      i32.const 70
      i32.store 2 4
      i32.const 1
      i32.const 0
      i32.const 1
      i32.const 8
      i32.const 0
      call_indirect 0 0
      drop
      end`;
    const wasm = jobBytes({
      wasi: ['fd_write'],
      types: [{ params: [I32, I32, I32, I32], results: [I32] }],
      funcs: [{ type: { params: [], results: [] }, body }],
      table: { min: 1, max: 1, elems: [0] },
    });
    const job = loadJob(wasm);
    const input = { input: new Uint8Array(0), args: ['t'] };
    const full = await runLoaded(job, input, { engine: 'interp' });
    expect(full.status).toBe('exited');
    expect(full.stdout.length).toBe(70);
    expect(runInSlices(job, input, () => 1)).toEqual(full);
    expect(await runLoaded(job, input, { engine: 'native' })).toEqual(full);
  });
});

describe('table.grow with a non-null init, sliced through its micro-steps', () => {
  it('any slicing gives the full run, on both engines', async () => {
    // Grows by 50 entries of function 2, calls the last one, which exits with the table size.
    const wasm = jobBytes({
      wasi: ['proc_exit'],
      table: { min: 1, max: 100, elems: [2] },
      funcs: [
        { type: { params: [], results: [] }, body: 'ref.func 2\ni32.const 50\ntable.grow 0\ni32.const 49\ni32.add\ncall_indirect 1 0\nend' },
        { type: { params: [], results: [] }, body: 'table.size 0\ncall 0\nend' },
      ],
    });
    const job = loadJob(wasm);
    const input = { input: new Uint8Array(0), args: ['t'] };
    const full = await runLoaded(job, input, { engine: 'interp' });
    expect(full).toMatchObject({ status: 'exited', exitCode: 51 });
    expect(full.steps).toBeGreaterThan(50); // the grow alone is 50 steps
    for (const stride of [1, 2, 7, 49]) expect(runInSlices(job, input, () => stride), `stride ${stride}`).toEqual(full);
    expect(runInSlices(job, input, (i) => 1 + ((i * 37) % 13))).toEqual(full);
    expect(await runLoaded(job, input, { engine: 'native' })).toEqual(full);
  });
});

describe('a WASI call that traps part-way', () => {
  it('counts every micro-step up to the trapping one, the same on both engines', async () => {
    const fx = loadFixture('cat_iov');
    const job = loadJob(fx.wasm);
    const input = { input: new Uint8Array(5000).map((_, i) => 65 + (i % 26)), args: fx.args };
    for (const maxOutputBytes of [10, 100, 1000, 4999]) {
      const interp = await runLoaded(job, input, { engine: 'interp', limits: { maxOutputBytes } });
      const native = await runLoaded(job, input, { engine: 'native', limits: { maxOutputBytes } });
      expect(interp.status).toBe('trapped');
      expect(interp.trap).toBe('output limit exceeded');
      expect(native).toEqual(interp);
    }
  });
});
