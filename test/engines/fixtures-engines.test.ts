// Every fixture through both engines: each must reproduce the committed expectation
// (pinned by node:wasi, an independent WASI on V8), and the two engines must agree on
// everything, step count included. A difference here is a determinism bug.

import { describe, expect, it } from 'vitest';
import { loadJob } from '../../vm/job.js';
import { outputHash, runLoaded } from '../../vm/run.js';
import { attemptNative } from '../../vm/native/engine.js';
import { jobIO } from '../../vm/job.js';
import { DEFAULT_LIMITS } from '../../vm/exec/limits.js';
import { loadFixtures } from '../support/fixtures.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('fixtures on both engines', () => {
  for (const fx of loadFixtures()) {
    it(`${fx.name}: interpreter and native agree and match the expected output`, async () => {
      const job = loadJob(fx.wasm);
      const input = { input: fx.input, args: fx.args };
      const interp = await runLoaded(job, input, { engine: 'interp' });
      const native = await runLoaded(job, input, { engine: 'native' });

      expect(text(interp.stdout)).toBe(text(fx.expected.stdout));
      expect(text(interp.stderr)).toBe(text(fx.expected.stderr));
      if (fx.expected.trapped) {
        expect(interp.status).toBe('trapped');
        if (fx.expected.trapMessage) expect(interp.trap).toBe(fx.expected.trapMessage);
      } else {
        expect(interp.status).toBe('exited');
        expect(interp.exitCode).toBe(fx.expected.exitCode);
      }
      expect(interp.steps).toBeGreaterThan(0);
      expect(native).toEqual(interp);
      expect(outputHash(native.stdout)).toBe(outputHash(interp.stdout));
    });
  }

  it('the native engine finishes non-trapping fixtures itself, without falling back', async () => {
    for (const fx of loadFixtures().filter((f) => !f.expected.trapped)) {
      const job = loadJob(fx.wasm);
      const attempt = await attemptNative(job, jobIO({ input: fx.input, args: fx.args }, DEFAULT_LIMITS), DEFAULT_LIMITS);
      expect(attempt.ok, `${fx.name}: ${attempt.ok ? '' : attempt.detail}`).toBe(true);
    }
  });
});

describe('the step budget', () => {
  const fx = loadFixtures().find((f) => f.name === 'sort')!;

  it('ends the run out-of-steps at exactly maxSteps, the same on both engines', async () => {
    const job = loadJob(fx.wasm);
    const input = { input: fx.input, args: fx.args };
    const full = await runLoaded(job, input, { engine: 'interp' });
    for (const maxSteps of [1, 2, 3, 1000, Math.floor(full.steps / 2), full.steps - 1]) {
      const interp = await runLoaded(job, input, { engine: 'interp', limits: { maxSteps } });
      const native = await runLoaded(job, input, { engine: 'native', limits: { maxSteps } });
      expect(interp.status).toBe('out-of-steps');
      expect(interp.steps).toBe(maxSteps);
      expect(native).toEqual(interp);
    }
    const exact = await runLoaded(job, input, { engine: 'native', limits: { maxSteps: full.steps } });
    expect(exact).toEqual(full);
  });

  it('an output prefix of a budgeted run is a prefix of the full output', async () => {
    const job = loadJob(fx.wasm);
    const input = { input: fx.input, args: fx.args };
    const full = await runLoaded(job, input, { engine: 'interp' });
    const half = await runLoaded(job, input, { engine: 'interp', limits: { maxSteps: Math.floor(full.steps * 0.9) } });
    expect(text(full.stdout).startsWith(text(half.stdout))).toBe(true);
  });
});
