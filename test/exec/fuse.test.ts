// Superinstructions (vm/exec/fuse.ts) must be invisible: a run that dispatches fused
// opcodes (any budget of 3 steps or more) and a run stepped one row at a time (where the
// interpreter never fuses) must reach the same state hash at every step count, and every
// fused opcode must actually be exercised by these tests.

import { describe, expect, it } from 'vitest';
import { CODE_WIDTH } from '../../vm/exec/code.js';
import { dispatchTable, fusedOpcodes } from '../../vm/exec/fuse.js';
import { DEFAULT_LIMITS } from '../../vm/exec/limits.js';
import type { Machine, Status } from '../../vm/exec/interpret.js';
import { createJobMachine, loadJob, type JobInput, type LoadedJob } from '../../vm/job.js';
import { StateCommitter } from '../../vm/state/commit.js';
import { F64, I32 } from '../../vm/syntax/types.js';
import { loadFixture } from '../support/fixtures.js';
import { jobBytes, VOID } from '../native/build.js';

const ARITH = ['i32.add', 'i32.sub', 'i32.mul', 'i32.and', 'i32.or', 'i32.xor', 'i32.shl', 'i32.shr_s', 'i32.shr_u', 'i32.rotl'];
const COMPARE = ['i32.eq', 'i32.ne', 'i32.lt_s', 'i32.lt_u', 'i32.gt_s', 'i32.gt_u', 'i32.le_s', 'i32.le_u', 'i32.ge_s', 'i32.ge_u'];

/**
 * One loop over every fused sequence, with operands that stress the edges: negative
 * numbers, 0x80000000, shift counts of 0, 31 and 33 (JS and wasm both mask by 31).
 * Locals: 0 = loop counter, 1 = x, 2 = y (shift count), 3 = scratch, 4 = f64 scratch.
 */
function everyFusedSequence(): string {
  const lines: string[] = ['i32.const 9', 'local.set 0', 'i32.const -7', 'local.set 1', 'i32.const 33', 'local.set 2', 'loop'];
  // Leave all-ones words in the slots above the top, so a fused opcode that skips writing
  // one of the words stepping writes (high words included) changes the state hash.
  lines.push('i64.const -1', 'i64.const -1', 'i64.const -1', 'i64.const -1', 'drop', 'drop', 'drop', 'drop');
  // Each sequence starts after a `nop` (never fused), so that no overlapping sequence
  // before it takes its rows: every fused opcode runs, not just appears in the table.
  for (const op of ARITH) {
    for (const second of ['i32.const 31', 'local.get 2']) { // local.get; i32.const|local.get; OP [; local.set|tee]
      lines.push('nop', 'local.get 1', second, op, 'local.set 3');
      lines.push('nop', 'local.get 1', second, op, 'local.tee 3', 'local.set 1');
      lines.push('nop', 'local.get 1', second, op, 'local.set 1'); // the local read is the one written
      lines.push('nop', 'local.get 3', second, op, 'drop');
    }
    lines.push('nop', 'local.get 3', 'i32.eqz', 'i32.const 5', op, 'local.set 3'); // i32.const; OP
  }
  for (const op of COMPARE) { // local.get; i32.const|local.get; CMP; br_if, taken and not
    for (const [a, b] of [['1', 'i32.const 5'], ['0', 'i32.const 5'], ['0', 'local.get 0'], ['1', 'local.get 0']]) {
      lines.push('block', 'nop', `local.get ${a}`, b, op, 'br_if 0', 'i32.const 1', 'local.get 3', 'i32.add', 'local.set 3', 'end');
    }
    for (const [a, c] of [['1', '5'], ['0', '5'], ['0', '-7']]) { // i32.const; CMP; br_if
      lines.push('block', `local.get ${a}`, 'nop', `i32.const ${c}`, op, 'br_if 0', 'i32.const 1', 'local.get 3', 'i32.add', 'local.set 3', 'end');
    }
  }
  for (const op of COMPARE) {
    // x against the counter, and the counter against itself (equal operands).
    for (const [a, b] of [['1', '0'], ['0', '0'], ['0', '1']]) {
      lines.push('block', `local.get ${a}`, `local.get ${b}`, 'nop', op, 'br_if 0', 'i32.const 1', 'local.get 3', 'i32.add', 'local.set 3', 'end');
    }
  }
  for (const mask of ['1', '0', '-1']) { // local.get; i32.const; i32.and; [i32.eqz;] br_if, taken and not
    for (const eqz of [[], ['i32.eqz']]) {
      lines.push('block', 'nop', 'local.get 0', `i32.const ${mask}`, 'i32.and', ...eqz, 'br_if 0', 'i32.const 1', 'local.get 3', 'i32.add', 'local.set 3', 'end');
      // the same, carrying a value out of the block
      lines.push('block i32', 'local.get 3', 'nop', 'local.get 0', `i32.const ${mask}`, 'i32.and', ...eqz, 'br_if 0', 'i32.const 1', 'i32.add', 'end', 'local.set 3');
    }
  }
  for (const op of ARITH) lines.push('nop', 'local.get 3', 'i32.eqz', 'local.get 1', op, 'local.set 3'); // local.get; OP
  for (const then of ['i32.xor', 'i32.add', 'i32.and', 'i32.or']) { // local.get; i32.const; OP; OP2
    for (const op of ARITH) lines.push('local.get 3', 'nop', 'local.get 1', 'i32.const 13', op, then, 'local.set 3');
  }
  lines.push('nop', 'local.get 1', 'local.set 3', 'local.get 2', 'local.set 2', 'local.get 3', 'local.set 1'); // two local.set; local.get
  for (const op of ['f64.add', 'f64.sub', 'f64.mul']) {
    // Edge operands: an f64 local holding -0 or a NaN with payload (canonicalized by the op).
    for (const x of ['0x3ff8000000000000', '0x7ff4000000000001', '0x8000000000000000']) {
      lines.push('nop', `f64.const ${x}`, 'local.set 4', `f64.const ${x}`, 'local.get 4', op, 'local.set 4');
      lines.push('nop', `f64.const ${x}`, 'local.set 4', 'local.get 4', 'local.get 4', op, 'local.set 4'); // local.get; local.get; f64 OP
    }
  }
  for (const x of ['0x3ff8000000000000', '0x7ff4000000000001']) { // local.get; f64.load; f64.add; f64.store (x[i] += v)
    lines.push('nop', 'local.get 0', `f64.const ${x}`, 'nop', 'local.get 0', 'f64.load 3 16', 'f64.add', 'f64.store 3 16');
  }
  for (const x of ['0x3ff8000000000000', '0x7ff4000000000001', '0x8000000000000000', '0x7fefffffffffffff']) { // a * b * c
    lines.push('nop', `f64.const ${x}`, 'local.set 4', 'local.get 4', 'local.get 4', 'f64.mul', 'local.get 4', 'f64.mul', 'local.set 4');
  }
  for (const load of ['i32.load', 'i32.load8_s', 'i32.load8_u', 'f64.load']) {
    lines.push('nop', 'local.get 0', 'i32.const 8', 'nop', 'i32.add', `${load} 0 3`, 'drop'); // i32.add; LOAD
    lines.push('nop', 'local.get 0', `${load} 0 5`, 'drop'); // local.get; LOAD
    lines.push('nop', 'local.get 0', 'i32.const 8', 'i32.add', `${load} 0 3`, 'drop'); // local.get; i32.const; i32.add; LOAD
    lines.push('nop', 'local.get 0', 'i32.eqz', 'i32.const 8', 'i32.add', `${load} 0 3`, 'drop'); // i32.const; i32.add; LOAD
    lines.push('nop', 'local.get 1', 'local.get 0', `${load} 0 5`, 'drop', 'local.set 3'); // local.get; local.get; LOAD
    lines.push('nop', 'i32.const 13', `${load} 0 5`, 'drop'); // i32.const; LOAD
  }
  // Memory bytes 0..127 hold i * 37: negative int8 values for the sign-extending loads.
  lines.push('nop', 'i32.const 0', 'i32.const 37', 'i32.const 128', 'memory.fill');
  for (const load of ['i32.load', 'i32.load8_s', 'i32.load8_u']) {
    for (const op of ['i32.mul', 'i32.add']) {
      lines.push('nop', 'local.get 1', 'local.get 0', 'nop', `${load} 0 7`, op, 'local.set 3'); // LOAD; OP
      // the four address + load sequences, then OP with the value below
      lines.push('nop', 'local.get 1', 'local.get 0', 'i32.const 4', 'nop', 'i32.add', `${load} 0 7`, op, 'local.set 3');
      lines.push('nop', 'local.get 1', 'nop', 'local.get 0', `${load} 0 7`, op, 'local.set 3');
      lines.push('nop', 'local.get 1', 'nop', 'local.get 0', 'i32.const 4', 'i32.add', `${load} 0 7`, op, 'local.set 3');
      lines.push('nop', 'local.get 1', 'local.get 0', 'nop', 'i32.const 4', 'i32.add', `${load} 0 7`, op, 'local.set 3');
    }
  }
  for (const op of ['f64.add', 'f64.sub', 'f64.mul']) {
    lines.push('nop', 'local.get 0', 'local.get 4', 'f64.const 0x7ff4000000000001', 'nop', op, 'f64.store 3 16'); // OP; f64.store
    lines.push('nop', 'local.get 0', 'f64.const 0x4002000000000000', 'local.get 4', 'nop', op, 'f64.store 3 24');
  }
  lines.push('nop', 'local.get 1', 'local.get 3', 'nop', 'i32.add', 'local.set 3'); // i32.add; local.set
  lines.push('nop', 'local.get 1', 'local.get 3', 'nop', 'i32.add', 'local.tee 1', 'drop'); // i32.add; local.tee
  lines.push('nop', 'nop', 'block', 'loop', 'end', 'end', 'nop'); // runs of nop-like rows
  lines.push('block', 'local.get 0', 'i32.const 3', 'i32.and', 'nop', 'i32.eqz', 'br_if 0', 'local.get 3', 'local.set 1', 'end');
  lines.push('nop', 'local.get 1', 'local.get 2', 'drop', 'drop'); // local.get; local.get
  lines.push('nop', 'local.get 2', 'i32.const 4', 'drop', 'drop'); // local.get; i32.const
  lines.push('nop', 'local.get 1', 'i32.const 0x7fffffff', 'i32.xor', 'local.set 1');
  lines.push('nop', 'local.get 2', 'local.tee 3', 'local.get 1', 'i32.add', 'local.set 2'); // local.tee; local.get
  lines.push('nop', 'local.get 2', 'local.set 3', 'local.get 3', 'local.set 2'); // local.set; local.get (same local)
  lines.push('local.get 0', 'i32.const 1', 'i32.sub', 'local.tee 0', 'br_if 0', 'end', 'end');
  // Before each sequence, all-ones words in the three slots above the top: a fused opcode
  // that skips a write stepping makes there (a high word of 0) changes the state hash.
  const dirty = ['f64.const 0xffffffffffffffff', 'f64.const 0xffffffffffffffff', 'f64.const 0xffffffffffffffff', 'drop', 'drop', 'drop'];
  return lines.flatMap((line) => (line === 'nop' ? [...dirty, line] : [line])).join('\n');
}

const INPUT: JobInput = { input: new Uint8Array(0), args: ['t'] };

function hashAt(job: LoadedJob, input: JobInput, steps: number, slice: (m: Machine) => number): string {
  const machine = createJobMachine(job, input, DEFAULT_LIMITS);
  const committer = new StateCommitter(machine, DEFAULT_LIMITS);
  while (machine.status === 'running' && machine.steps < steps) {
    machine.maxSteps = Math.min(steps, machine.steps + slice(machine));
    machine.run();
    if ((machine.status as Status) === 'out-of-steps') machine.status = 'running';
  }
  return committer.stateHash();
}

const straight = (): number => Number.MAX_SAFE_INTEGER;
const singleStep = (): number => 1;

describe('superinstructions', () => {
  const job = loadJob(jobBytes({ funcs: [{ type: VOID, locals: [I32, I32, I32, I32, F64], body: everyFusedSequence() }] }));

  it('the test job dispatches every fused opcode', () => {
    const machine = createJobMachine(job, INPUT, DEFAULT_LIMITS);
    const table = dispatchTable(machine.store.code);
    const used = new Set<number>();
    for (let pc = 0; pc < machine.store.code.length; pc++) used.add(table[pc * CODE_WIDTH]);
    expect(fusedOpcodes().filter(([, op]) => !used.has(op)).map(([name]) => name)).toEqual([]);
    // A row never changes: the table is a view, the code words stay the machine code.
    for (let pc = 0; pc < machine.store.code.length; pc++) expect(machine.store.code.words[pc * CODE_WIDTH]).toBeLessThan(0x100);
  });

  it('every step count: fused run = single-stepped run (state hash)', () => {
    const machine = createJobMachine(job, INPUT, DEFAULT_LIMITS);
    machine.run();
    expect(machine.status).toBe('exited');
    const total = machine.steps;
    expect(total).toBeGreaterThan(1500);
    // Stepping incrementally, hashing after every step, against straight runs cut at p.
    const stepped = createJobMachine(job, INPUT, DEFAULT_LIMITS);
    const committer = new StateCommitter(stepped, DEFAULT_LIMITS);
    for (let p = 1; p <= total; p++) {
      stepped.maxSteps = p;
      stepped.run();
      if ((stepped.status as Status) === 'out-of-steps') stepped.status = 'running';
      if (p % 7 === 0 || p > total - 5) expect(hashAt(job, INPUT, p, straight), `after ${p} steps`).toBe(committer.stateHash());
    }
  });

  for (const [kind, body] of [
    ['i32.add; i32.load', 'i32.const -8\ni32.const 4\nnop\ni32.add\ni32.load 2 0\ndrop\nend'],
    ['local.get; f64.load', 'i32.const 65532\nlocal.set 0\nnop\nlocal.get 0\nf64.load 3 0\ndrop\nend'],
    ['local.get; i32.const; i32.add; i32.load8_s', 'i32.const 65530\nlocal.set 0\nnop\nlocal.get 0\ni32.const 6\ni32.add\ni32.load8_s 0 0\ndrop\nend'],
    ['i32.const; i32.add; f64.load', 'i32.const 65530\nnop\ni32.const 6\ni32.add\nf64.load 3 0\ndrop\nend'],
    ['local.get; local.get; i32.load', 'i32.const 65534\nlocal.set 0\nnop\nlocal.get 0\nlocal.get 0\ni32.load 2 0\ndrop\ndrop\nend'],
    ['i32.const; i32.load8_u', 'nop\ni32.const 65536\ni32.load8_u 0 0\ndrop\nend'],
    ['i32.load8_u; i32.mul', 'i32.const 5\ni32.const -1\nnop\ni32.load8_u 0 0\ni32.mul\ndrop\nend'],
    ['local.get; i32.const; i32.add; i32.load8_s; i32.mul', 'i32.const 65530\nlocal.set 0\ni32.const 3\nnop\nlocal.get 0\ni32.const 6\ni32.add\ni32.load8_s 0 0\ni32.mul\ndrop\nend'],
    ['f64.mul; f64.store', 'i32.const 65530\nf64.const 0x4002000000000000\nf64.const 0x4002000000000000\nnop\nf64.mul\nf64.store 3 0\nend'],
    // local.get; f64.load; f64.add; f64.store: the load traps, then (loading in bounds) the store
    ['local.get; f64.load (trap); f64.add; f64.store', 'i32.const 65532\nlocal.set 0\ni32.const 0\nf64.const 0x4002000000000000\nnop\nlocal.get 0\nf64.load 3 0\nf64.add\nf64.store 3 0\nend'],
    ['local.get; f64.load; f64.add; f64.store (trap)', 'i32.const 65530\nf64.const 0x4002000000000000\nnop\nlocal.get 0\nf64.load 3 0\nf64.add\nf64.store 3 0\nend'],
  ]) {
    it(`a trap inside a fused ${kind}: the same trapped state as single-stepping`, () => {
      const trapping = loadJob(jobBytes({ funcs: [{ type: VOID, locals: [I32], body }] }));
      // Run with the whole budget: a budget of just the trap's steps would run these few
      // rows unfused (the last rows of a budget never dispatch a fused entry).
      const straightRun = createJobMachine(trapping, INPUT, DEFAULT_LIMITS);
      const committer = new StateCommitter(straightRun, DEFAULT_LIMITS);
      straightRun.run();
      expect(straightRun.status).toBe('trapped');
      expect(straightRun.trapMessage).toBe('out of bounds memory access');
      expect(committer.stateHash()).toBe(hashAt(trapping, INPUT, straightRun.steps, singleStep));
    });
  }

  for (const name of ['sha256', 'sort', 'nn_int8', 'floats32', 'nbody']) {
    it(`${name}: after 150k steps, straight and sliced runs = the single-stepped run`, () => {
      const fx = loadFixture(name);
      const fixtureJob = loadJob(fx.wasm);
      const input = { input: fx.input, args: fx.args };
      const reference = hashAt(fixtureJob, input, 150_000, singleStep);
      expect(hashAt(fixtureJob, input, 150_000, straight)).toBe(reference);
      let i = 0;
      expect(hashAt(fixtureJob, input, 150_000, () => 1 + ((i++ * 37) % 11))).toBe(reference);
    });
  }
});
