// Pausing must not change the state: bisection compares hashes of the state after k
// steps computed by parties that paused wherever they liked, and the one-step verifier
// executes every micro-step one at a time. Each job below is run straight to its end
// and, for every p, paused after p steps and resumed; the final state hashes must match.
import { describe, expect, it } from 'vitest';
import { createJobMachine, loadJob, type LoadedJob } from '../../vm/job.js';
import { DEFAULT_LIMITS } from '../../vm/exec/limits.js';
import { I32 } from '../../vm/syntax/types.js';
import { decodeHeader, StateCommitter, type StateHeader } from '../../vm/state/commit.js';
import { jobBytes, VOID, type JobSpec } from '../native/build.js';

const INPUT = { input: new Uint8Array(0), args: ['t'] };

/** Final state header of a run paused after `pause` steps (none: straight through). */
function finalHeader(job: LoadedJob, pause?: number): StateHeader {
  const machine = createJobMachine(job, INPUT, DEFAULT_LIMITS);
  const committer = new StateCommitter(machine, DEFAULT_LIMITS);
  if (pause !== undefined) {
    machine.maxSteps = pause;
    machine.run();
    committer.header(); // hashing a paused machine must not disturb it either
    machine.status = 'running';
    machine.maxSteps = DEFAULT_LIMITS.maxSteps;
  }
  machine.run();
  expect(machine.status).toBe('exited');
  return decodeHeader(committer.header());
}

/** The header fields in which a run paused after p steps ends differently, over all p. */
function pauseDifferences(spec: JobSpec): string[] {
  const job = loadJob(jobBytes(spec));
  const straight = finalHeader(job);
  const differ = new Set<string>();
  for (let p = 1; p < Number(straight.steps); p++) {
    const paused = finalHeader(job, p);
    expect(paused.steps).toBe(straight.steps);
    for (const key of Object.keys(straight) as Array<keyof StateHeader>) {
      if (JSON.stringify(paused[key], bigintJson) !== JSON.stringify(straight[key], bigintJson)) differ.add(key);
    }
  }
  return [...differ];
}

const bigintJson = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

// The operands of a bulk instruction stay in their (popped) slots after it completes.
// Only `nop`s follow it, so those stale slots are part of the final state.
const bulk = (setup: string, op: string): string => `${setup}\n${op}\nnop\nnop\nend`;
const DATA = [new Uint8Array(100).map((_, i) => i + 1)];
const TABLE = { min: 10, max: 10, elems: [0, 0, 0, 0, 0, 0, 0, 0] };

describe('pausing leaves the state unchanged', () => {
  it('a LOCALS prologue (micro-stepped zeroing of declared locals)', () => {
    expect(pauseDifferences({
      funcs: [
        { type: VOID, body: 'i32.const 5\ni32.const 6\ni32.const 7\ndrop\ndrop\ndrop\ncall 1\nend' },
        { type: VOID, locals: new Array(13).fill(I32), body: 'i32.const 9\nlocal.set 12\nend' },
      ],
    })).toEqual([]);
  });

  it('a WASI fd_write over several leaves', () => {
    const body = `
      i32.const 0
      i32.const 40
      i32.store 2 0
      i32.const 0
      i32.const 70
      i32.store 2 4
      i32.const 1
      i32.const 0
      i32.const 1
      i32.const 8
      call 0
      drop
      end`;
    expect(pauseDifferences({ wasi: ['fd_write'], funcs: [{ type: VOID, body }] })).toEqual([]);
  });
});

// A bulk memory or table instruction that completes its remaining micro-steps in one go
// must leave the operands of its LAST micro-step in the popped stack slots, exactly as
// stepping does (the STACK region commits slots above sp). This was a real bug: a run
// paused inside the instruction hashed differently from one that was not.
describe('bulk instructions: the state does not depend on where the run paused', () => {
  const cases: Array<[string, JobSpec]> = [
    ['memory.fill', { funcs: [{ type: VOID, body: bulk('i32.const 3\ni32.const 7\ni32.const 100', 'memory.fill') }] }],
    // The fill value keeps its high bits in the operand slot (only its low byte is stored).
    ['memory.fill, value above 0xff', { funcs: [{ type: VOID, body: bulk('i32.const 3\ni32.const 0x1234\ni32.const 100', 'memory.fill') }] }],
    ['memory.copy forward', { funcs: [{ type: VOID, body: bulk('i32.const 3\ni32.const 40\ni32.const 100', 'memory.copy') }] }],
    ['memory.copy backward', { funcs: [{ type: VOID, body: bulk('i32.const 40\ni32.const 3\ni32.const 100', 'memory.copy') }] }],
    ['memory.init', { datas: DATA, funcs: [{ type: VOID, body: bulk('i32.const 3\ni32.const 0\ni32.const 100', 'memory.init 0') }] }],
    ['table.fill', { table: TABLE, funcs: [{ type: VOID, body: bulk('i32.const 1\nref.func 0\ni32.const 6', 'table.fill 0') }] }],
    ['table.copy', { table: TABLE, funcs: [{ type: VOID, body: bulk('i32.const 0\ni32.const 2\ni32.const 6', 'table.copy 0 0') }] }],
    ['table.copy backward', { table: TABLE, funcs: [{ type: VOID, body: bulk('i32.const 2\ni32.const 0\ni32.const 6', 'table.copy 0 0') }] }],
    // Element segment 0 is the table's active one (dropped at instantiation); 1 is passive.
    ['table.init', { table: TABLE, passiveElems: [[0, 0, 0, 0, 0]], funcs: [{ type: VOID, body: bulk('i32.const 1\ni32.const 0\ni32.const 5', 'table.init 1 0') }] }],
  ];
  for (const [name, spec] of cases) {
    it(name, () => expect(pauseDifferences(spec)).toEqual([]));
  }
});

// table.grow with a non-null init writes one new entry per micro-step, its progress in
// register r0 (docs/machine.md, micro-steps): a run paused inside it hashes like one
// that stepped there, and ends like one that never paused.
describe('table.grow: the state does not depend on where the run paused', () => {
  const GROWABLE = { min: 2, max: 40, elems: [0] };
  const grow = (init: string, n: number): JobSpec => ({
    table: GROWABLE,
    funcs: [{ type: VOID, body: `${init}\ni32.const ${n}\ntable.grow 0\ndrop\nnop\nnop\nend` }],
  });

  for (const n of [1, 2, 9]) {
    it(`non-null init, n = ${n}`, () => expect(pauseDifferences(grow('ref.func 0', n))).toEqual([]));
  }
  it('null init', () => expect(pauseDifferences(grow('ref.null funcref', 9))).toEqual([]));
  it('a failing grow', () => expect(pauseDifferences(grow('ref.func 0', 39))).toEqual([]));

  it('paused inside the grow: r0 counts the entries written, and the hash equals a single-stepped run', () => {
    const job = loadJob(jobBytes(grow('ref.func 0', 9)));
    const stepped = createJobMachine(job, INPUT, DEFAULT_LIMITS);
    const steppedCommitter = new StateCommitter(stepped, DEFAULT_LIMITS);
    const r0: number[] = [];
    for (let p = 1; stepped.status === 'running'; p++) {
      stepped.maxSteps = p;
      stepped.run();
      if ((stepped.status as string) === 'out-of-steps') stepped.status = 'running';
      const batched = createJobMachine(job, INPUT, DEFAULT_LIMITS);
      batched.maxSteps = p;
      batched.run();
      if ((batched.status as string) === 'out-of-steps') batched.status = 'running';
      const committer = new StateCommitter(batched, DEFAULT_LIMITS);
      expect(committer.stateHash(), `after ${p} steps`).toBe(steppedCommitter.stateHash());
      r0.push(decodeHeader(committer.header()).regs[0]);
    }
    // call, ref.func, i32.const, then 9 grow micro-steps: r0 = 1..8 after the first 8, 0 after the last
    expect(r0.slice(3, 12)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0]);
    expect(r0.filter((r) => r !== 0)).toHaveLength(8);
  });
});
