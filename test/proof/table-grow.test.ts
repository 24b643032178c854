// table.grow with a non-null init is micro-stepped (docs/machine.md, micro-steps): one
// step per new entry, each proof bounded whatever n is. Every step proven and verified
// against the interpreter single-stepped, and the step count and results checked.

import { describe, expect, it } from 'vitest';
import { loadJob } from '../../vm/job.js';
import { proveStep } from '../../vm/proof/prove.js';
import { verifyStep } from '../../vm/proof/verify.js';
import { StateCommitter } from '../../vm/state/commit.js';
import { I32 } from '../../vm/syntax/types.js';
import { VOID } from '../native/build.js';
import { proofJobBytes, type ProofJobSpec } from './modules.js';
import { proveRun } from './prove-run.js';
import { jobMachine, LIMITS } from './support.js';

const TABLE_GROW_ROW = 0xe0 + 0x0f;
const INPUT = { input: new Uint8Array(0), args: ['prog'] };

/** Grows table 0 (2 entries, max 300) by each n with init ref.func 0 (or null), results into globals. */
function growJob(grows: Array<{ n: number; init: 'func' | 'null' }>): ProofJobSpec {
  const body = grows.map((g, k) => `${g.init === 'func' ? 'ref.func 0' : 'ref.null funcref'}\ni32.const ${g.n}\ntable.grow 0\nglobal.set ${k}`);
  return {
    table: { min: 2, max: 300, elems: [0] },
    globals: grows.map(() => ({ type: I32, mutable: true, value: 7 })),
    funcs: [{ type: VOID, body: `${body.join('\n')}\nend` }],
  };
}

/** Proves every step; returns the proof sizes of the table.grow steps. */
function proveGrowSteps(spec: ProofJobSpec): number[] {
  const job = loadJob(proofJobBytes(spec));
  const m = jobMachine(job, INPUT);
  const committer = new StateCommitter(m, LIMITS);
  const sizes: number[] = [];
  while (m.status === 'running') {
    const { proof, opcode, preStateHash, postStateHash } = proveStep(m, committer);
    expect(verifyStep(preStateHash, proof), `step ${m.steps}`).toBe(postStateHash);
    if (opcode === TABLE_GROW_ROW) sizes.push(proof.length);
  }
  expect(m.status).toBe('exited');
  return sizes;
}

describe('table.grow micro-steps, proven', () => {
  it('every step of grows with non-null and null init, n = 0, and a failing grow verifies against the interpreter', () => {
    const spec = growJob([
      { n: 1, init: 'func' }, { n: 5, init: 'func' }, { n: 0, init: 'func' },
      { n: 7, init: 'null' }, { n: 1000, init: 'func' }, { n: 100, init: 'func' },
    ]);
    const job = loadJob(proofJobBytes(spec));
    expect(proveRun(job, INPUT, 0, 10_000)).toBeGreaterThan(100);

    const m = jobMachine(job, INPUT);
    m.run();
    expect(m.status).toBe('exited');
    const t = m.store.tables[0];
    expect(t.size).toBe(2 + 1 + 5 + 7 + 100);
    // old sizes, -1 for the grow past the maximum
    expect(Array.from({ length: 6 }, (_, k) => m.store.globals[2 * k])).toEqual([2, 3, 8, 8, -1, 15]);
    const ref0 = t.elems[0];
    expect(ref0).not.toBe(0);
    expect(Array.from(t.elems.subarray(2, 8))).toEqual(new Array(6).fill(ref0));
    expect(Array.from(t.elems.subarray(8, 15))).toEqual(new Array(7).fill(0));
    expect(Array.from(t.elems.subarray(15, 115))).toEqual(new Array(100).fill(ref0));
    expect(Array.from(m.regs)).toEqual([0, 0, 0, 0]);
  });

  it('a non-null grow takes n steps; null, n = 0 and failing grows one', () => {
    const count = (g: { n: number; init: 'func' | 'null' }): number => proveGrowSteps(growJob([g])).length;
    expect(count({ n: 1, init: 'func' })).toBe(1);
    expect(count({ n: 5, init: 'func' })).toBe(5);
    expect(count({ n: 100, init: 'func' })).toBe(100);
    expect(count({ n: 0, init: 'func' })).toBe(1);
    expect(count({ n: 100, init: 'null' })).toBe(1);
    expect(count({ n: 299, init: 'func' })).toBe(1); // 2 + 299 > 300: fails
  });

  it('the proof of a table.grow step does not grow with n', () => {
    const small = Math.max(...proveGrowSteps(growJob([{ n: 2, init: 'func' }])));
    const large = Math.max(...proveGrowSteps(growJob([{ n: 200, init: 'func' }])));
    // One entry per step: at most the leaves of one entry, a size word and two slots.
    // Writing 200 entries in one step would take 25 more TABLES leaves.
    expect(large).toBeLessThanOrEqual(small + 64);
  });
});
