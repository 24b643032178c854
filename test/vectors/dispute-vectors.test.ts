// The committed end-to-end dispute vectors (contracts/test/vectors/dispute-e2e.json) are
// exactly what gen-dispute-vectors.ts writes today, and they are internally sound: every
// proof verifies with the TypeScript verifier from its step's true pre-state hash.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyStep } from '../../vm/proof/verify.js';
import { keccak256 } from '../../vm/state/keccak.js';
import { toHex } from '../../vm/state/stream.js';
import {
  DEGREE, DISPUTE_VECTORS_FILE, generateDisputeVectors, pathIndices, serializeDisputeVectors, type DisputeVectors,
} from './gen-dispute-vectors.js';
import { repositoryRoot } from './gen-numeric-vectors.js';

function bytes(hex: string): Uint8Array {
  return Buffer.from(hex.slice(2), 'hex');
}

describe('dispute vectors', () => {
  let v: DisputeVectors;
  beforeAll(async () => {
    v = await generateDisputeVectors();
  }, 120_000);

  it(`${DISPUTE_VECTORS_FILE} is current (regenerate: node dist/test/vectors/gen-dispute-vectors.js)`, () => {
    const committed = readFileSync(join(repositoryRoot(), DISPUTE_VECTORS_FILE), 'utf8');
    expect(committed === serializeDisputeVectors(v)).toBe(true);
    expect(committed.length).toBeLessThan(1 << 20);
  });

  it('the headers open the claimed final states and only the liar differs from the trace', () => {
    expect(toHex(keccak256(bytes(v.honestHeader)))).toBe(v.honestFinal);
    expect(toHex(keccak256(bytes(v.lieHeader)))).toBe(v.lieFinal);
    expect(v.hashes[v.indices.indexOf(v.traceLength)]).toBe(v.honestFinal);
    expect(v.lieFinal).not.toBe(v.honestFinal);
    expect(v.hashes[v.indices.indexOf(0)]).toBe(v.initialStateHash);
  });

  it('each proof takes its step from the true pre-state to the true post-state', () => {
    const hashOf = (i: number): string => v.hashes[v.indices.indexOf(i)];
    expect(v.steps).toContain(v.traceLength - 1);
    v.steps.forEach((t, j) => {
      expect(verifyStep(hashOf(t), bytes(v.proofs[j]))).toBe(hashOf(t + 1));
    });
  });

  it('every index a game to a written step can ask for has its true hash', () => {
    for (const t of v.steps) {
      for (const i of pathIndices(v.traceLength, DEGREE, t)) expect(v.indices).toContain(i);
    }
    expect(() => pathIndices(v.traceLength, DEGREE, v.traceLength)).toThrow(RangeError);
  });
});
