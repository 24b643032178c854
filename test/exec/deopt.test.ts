// The interpreter's warm-up (vm/exec/warmup.ts) exists so that V8 never throws away the
// optimized step loop while jobs run: a deoptimization is silent and can leave the loop
// slower for the rest of the process. bench/deopt-probe.ts runs the fixtures in a child
// under --trace-deopt (on the built dist/, which `npm test` builds first) and reports
// every bailout of runChunk.
import { describe, expect, it } from 'vitest';
import { probeDeopts } from '../../bench/deopt-probe.js';
import { loadFixtures } from '../support/fixtures.js';

describe('the interpreter loop stays optimized', () => {
  it('no fixture (long loop aside) deoptimizes runChunk, straight or in slices', () => {
    const fixtures = loadFixtures().filter((f) => f.name !== 'loop');
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
    const probe = probeDeopts(fixtures);
    expect(probe.problems.filter((p) => p.startsWith('deopt probe:'))).toEqual([]);
    expect(probe.deopts).toEqual([]);
  });
});
