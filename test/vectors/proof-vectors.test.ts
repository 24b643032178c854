// The committed one-step proof vectors of the Solidity verifier
// (contracts/test/vectors/proofs-<group>.json) are exactly what the prover writes today,
// every one verifies with the TypeScript verifier, and they cover the groups they claim.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { groupOf, StepKind } from '../../vm/proof/step.js';
import { verifyStep } from '../../vm/proof/verify.js';
import { repositoryRoot } from './gen-numeric-vectors.js';
import {
  generateProofVectors, generateSpecFloatVectors, PROOF_GROUPS, proofVectorsFile, serializeProofVectors, SPEC_FLOATS,
  type ProofGroup, type ProofVector,
} from './proof-vectors.js';

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, k) => from + k);
}

describe('proof vectors', () => {
  let vectors: Record<ProofGroup, ProofVector[]>;
  let floats: ProofVector[];
  beforeAll(() => {
    vectors = generateProofVectors();
    floats = generateSpecFloatVectors();
  }, 120_000);

  for (const group of PROOF_GROUPS) {
    it(`${proofVectorsFile(group)} is current (regenerate: node dist/test/vectors/gen-proof-vectors.js)`, () => {
      const committed = readFileSync(join(repositoryRoot(), proofVectorsFile(group)), 'utf8');
      expect(committed === serializeProofVectors(vectors[group])).toBe(true);
    });
  }

  it(`${proofVectorsFile(SPEC_FLOATS)} is current`, () => {
    const committed = readFileSync(join(repositoryRoot(), proofVectorsFile(SPEC_FLOATS)), 'utf8');
    expect(committed === serializeProofVectors(floats)).toBe(true);
  });

  it('the spec float cases reach every float op and conversion, traps included', () => {
    const ops = new Set(floats.map((v) => v.opcode));
    const missing: string[] = [];
    // f32/f64 comparisons and arithmetic, conversions, saturating truncations
    for (const op of [...range(0x5b, 0x66), ...range(0x8b, 0xa6), ...range(0xa8, 0xbb), ...range(0xe0, 0xe7)]) {
      if (op !== 0xac && op !== 0xad && !ops.has(op)) missing.push(op.toString(16));
    }
    expect(missing).toEqual([]);
    expect(floats.length).toBeGreaterThan(1500);
  });

  it('every vector verifies with the TypeScript verifier and names its group', () => {
    for (const group of PROOF_GROUPS) {
      for (const v of vectors[group]) {
        expect(v.group).toBe(group);
        expect(verifyStep(v.preStateHash, Buffer.from(v.proof.slice(2), 'hex'))).toBe(v.postStateHash);
      }
    }
  });

  it('cover every row opcode of every group, every trap code and every halting status', () => {
    const opcodes = new Set(PROOF_GROUPS.flatMap((g) => vectors[g].map((v) => v.opcode)));
    const missing: string[] = [];
    for (let op = 0; op < 256; op++) if (groupOf(op) !== 0 && !opcodes.has(op)) missing.push(op.toString(16));
    expect(missing).toEqual([]);
    expect(opcodes.has(StepKind.halted)).toBe(true);
    expect(opcodes.has(StepKind.outOfSteps)).toBe(true);
    // a halted state's fixed-point proof carries the final header: status at byte 32, trap code at 33
    const finals = vectors.transition.filter((v) => v.opcode === StepKind.halted).map((v) => Buffer.from(v.proof.slice(2, 2 + 2 * 34), 'hex'));
    expect(new Set(finals.map((h) => h[32]))).toEqual(new Set([1, 2, 3]));
    expect([...new Set(finals.map((h) => h[33]).filter((c) => c !== 0))].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});
