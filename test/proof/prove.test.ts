// One-step proofs end to end: for every step of short runs and random steps of long
// ones, verifyStep(hash(s), proveStep(s)) = hash(step(s)), and the prover's machine
// stays in the interpreter's state. Tampered proofs are rejected.

import { describe, expect, it } from 'vitest';
import { StateCommitter } from '../../vm/state/commit.js';
import { proveStep } from '../../vm/proof/prove.js';
import { ProofError, verifyStep } from '../../vm/proof/verify.js';
import { loadFixture } from '../support/fixtures.js';
import { DEFAULT_LIMITS } from '../../vm/exec/limits.js';
import { interpretTo, jobMachine, LIMITS, loadJob } from './support.js';
import { proveRun } from './prove-run.js';
import { GROUP_NAMES, groupOf } from '../../vm/proof/step.js';

describe('proveStep / verifyStep', () => {
  for (const name of ['cat_iov', 'exit_code', 'memops']) {
    it(`${name}: every step of the first 3000 and the last 1500`, () => {
      const fx = loadFixture(name);
      const job = loadJob(fx.wasm);
      const input = { input: fx.input, args: fx.args };
      proveRun(job, input, 0, 3000);
      const m = jobMachine(job, input);
      m.run();
      expect(proveRun(job, input, Math.max(0, m.steps - 1500), 1600)).toBeGreaterThan(1500);
    });
  }

  it('random windows of long runs (and their halted final state)', () => {
    let seed = 99;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const name of ['sha256', 'nbody', 'sort', 'floats32', 'nn_int8', 'trap']) {
      const fx = loadFixture(name);
      const job = loadJob(fx.wasm);
      const input = { input: fx.input, args: fx.args };
      const m = jobMachine(job, input);
      m.run();
      for (let k = 0; k < 2; k++) proveRun(job, input, rand(m.steps), 60, false);
      proveRun(job, input, m.steps - 50, 60);
    }
  }, 600_000);

  it('tampering: flipping any of 200 sampled bits of proofs of every group makes them fail or change the result', () => {
    // One proof per opcode group (and a WASI chunk that appends to stdout) from memops and cat_iov.
    const proofs = new Map<string, { proof: Uint8Array; pre: string; post: string }>();
    for (const name of ['memops', 'cat_iov']) {
      const fx = loadFixture(name);
      const job = loadJob(fx.wasm);
      const m = jobMachine(job, { input: fx.input, args: fx.args });
      const committer = new StateCommitter(m, LIMITS);
      for (let k = 0; k < 40_000 && m.status === 'running'; k++) {
        const { proof, opcode, preStateHash, postStateHash } = proveStep(m, committer);
        const group = GROUP_NAMES[groupOf(opcode)] ?? 'none';
        if (!proofs.has(group)) proofs.set(group, { proof, pre: preStateHash, post: postStateHash });
      }
    }
    expect([...proofs.keys()].sort()).toEqual(['control', 'memory', 'numeric', 'variable', 'wasi']);
    let checked = 0;
    let seed = 7;
    for (const { proof, pre, post } of proofs.values()) {
      for (let s = 0; s < 40; s++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const at = seed % proof.length;
        const bad = proof.slice();
        bad[at] ^= 1 << (seed % 8);
        let result: string | null = null;
        try {
          result = verifyStep(pre, bad);
        } catch (e) {
          expect(e).toBeInstanceOf(ProofError);
        }
        expect(result, `byte ${at} of ${proof.length}`).not.toBe(post);
        checked++;
      }
      expect(verifyStep(pre, proof)).toBe(post);
      expect(() => verifyStep(pre, proof.subarray(0, proof.length - 1))).toThrow(ProofError);
      expect(() => verifyStep(pre, Uint8Array.from([...proof, 0]))).toThrow(/trailing bytes/);
      expect(() => verifyStep(post, proof)).toThrow(/state hash mismatch/);
    }
    expect(checked).toBe(200);
  });

  it('garbage never escapes as anything but ProofError', () => {
    const fx = loadFixture('cat_iov');
    const m = jobMachine(loadJob(fx.wasm), { input: fx.input, args: fx.args });
    const committer = new StateCommitter(m, LIMITS);
    interpretTo(m, 100);
    const { proof, preStateHash } = proveStep(m, committer);
    let seed = 3;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let k = 0; k < 100; k++) {
      // The real headers followed by random access data, and random bytes throughout.
      const junk = Uint8Array.from({ length: next() % 3000 }, () => next() & 0xff);
      const withHeaders = Uint8Array.from([...proof.subarray(0, 578), ...junk]);
      expect(() => verifyStep(preStateHash, withHeaders)).toThrow(ProofError);
      expect(() => verifyStep(preStateHash, junk)).toThrow(ProofError);
    }
  });

  it('proof sizes with the default limits (262,144 stack units, 4096 pages): every step under 8 KiB', () => {
    const byGroup = new Map<string, number[]>();
    for (const name of ['cat_iov', 'memops', 'sha256']) {
      const fx = loadFixture(name);
      const job = loadJob(fx.wasm);
      const m = jobMachine(job, { input: fx.input, args: fx.args }, DEFAULT_LIMITS);
      const committer = new StateCommitter(m, DEFAULT_LIMITS);
      for (let k = 0; k < 4000 && m.status === 'running'; k++) {
        const { proof, opcode, preStateHash, postStateHash } = proveStep(m, committer);
        if (k % 10 === 0) expect(verifyStep(preStateHash, proof)).toBe(postStateHash);
        const group = GROUP_NAMES[groupOf(opcode)] ?? 'none';
        let list = byGroup.get(group);
        if (!list) byGroup.set(group, (list = []));
        list.push(proof.length);
      }
    }
    const lines: string[] = [];
    for (const [group, list] of [...byGroup].sort()) {
      list.sort((a, b) => a - b);
      lines.push(`${group}: n=${list.length} median=${list[list.length >> 1]} max=${list[list.length - 1]}`);
      expect(list[list.length - 1]).toBeLessThan(8192);
    }
    console.log(`proof sizes with the default limits (bytes):\n  ${lines.join('\n  ')}`);
  });
});
