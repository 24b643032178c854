// Crafted pre-states for the verifier tests: honest proofs of contracts/test/vectors with
// header registers, row words or header bits rewritten and the hashes redone, so that the
// proof opens a state no valid run reaches (an empty stack popped, a return with no frame,
// a micro-step register past its end, an unaligned program layout ...). The same crafting
// as contracts/test/verifier/ProofStates.t.sol, so that TypeScript and Solidity can be
// compared on the same inputs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keccak256 } from '../../vm/state/keccak.js';
import { toHex } from '../../vm/state/stream.js';

export const HEADER = 422;
export const PROGRAM_HEADER = 156;

/** Header offsets (docs/machine-state.md "The state hash"). */
export const AT = {
  status: 32, steps: 38, pc: 46, sp: 50, fp: 54, fsp: 58, fn: 62, units: 66, memPages: 70, inputPos: 74,
  regs: 78, outLen: 94, logLen: 162,
} as const;

export interface Sample {
  group: string;
  opcode: number;
  proof: Uint8Array;
}

interface VectorJson {
  opcode: number;
  proof: string;
}

/** At most `perOpcode[group]` vectors of each opcode of each group's file. */
export function loadSamples(root: string, perOpcode: Readonly<Record<string, number>>): Sample[] {
  const out: Sample[] = [];
  for (const [group, limit] of Object.entries(perOpcode)) {
    const file = join(root, 'contracts', 'test', 'vectors', `proofs-${group}.json`);
    const { vectors } = JSON.parse(readFileSync(file, 'utf8')) as { vectors: VectorJson[] };
    const kept = new Map<number, number>();
    for (const v of vectors) {
      const n = kept.get(v.opcode) ?? 0;
      if (n === limit) continue;
      kept.set(v.opcode, n + 1);
      out.push({ group, opcode: v.opcode, proof: new Uint8Array(Buffer.from(v.proof.slice(2), 'hex')) }); // slice() copies a Uint8Array, not a Buffer
    }
  }
  return out;
}

export function putU32(b: Uint8Array, at: number, value: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, value >>> 0);
}

function readBe(b: Uint8Array, at: number, len: number): bigint {
  let v = 0n;
  for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(b[at + i]);
  return v;
}

/** The state hash of the proof's header. */
export function stateHashOf(proof: Uint8Array): string {
  return toHex(keccak256(proof.subarray(0, HEADER)));
}

/** Makes the header's programHash that of the (changed) program header. */
export function rehashProgram(proof: Uint8Array): void {
  proof.set(keccak256(proof.subarray(HEADER, HEADER + PROGRAM_HEADER)), 0);
}

/** Whether the transition executes a row (running, steps < maxSteps): its first access is ROW(pc). */
export function runsARow(proof: Uint8Array): boolean {
  return proof[AT.status] === 0 && readBe(proof, AT.steps, 8) < readBe(proof, HEADER + 76, 8);
}

/**
 * Rewrites word `word` of row pc in the proof's first access (the row's leaf), and the
 * PROGRAM root from that access's siblings, then the program hash.
 */
export function setRowWord(proof: Uint8Array, word: number, value: number): void {
  const depth = proof[HEADER + 68];
  const at = Number(readBe(proof, HEADER + 100, 4)) + 16 * Number(readBe(proof, AT.pc, 4));
  const leafAt = HEADER + PROGRAM_HEADER;
  putU32(proof, leafAt + (at % 32) + 4 * word, value);
  let node = keccak256(proof.subarray(leafAt, leafAt + 32));
  const index = Math.floor(at / 32);
  const pair = new Uint8Array(64);
  for (let h = 0; h < depth; h++) {
    const sibling = proof.subarray(leafAt + 32 + 32 * h, leafAt + 64 + 32 * h);
    const right = Math.floor(index / 2 ** h) % 2 === 1;
    pair.set(right ? sibling : node, 0);
    pair.set(right ? node : sibling, 32);
    node = keccak256(pair);
  }
  proof.set(node, HEADER); // programRoot
  rehashProgram(proof);
}

/** [offset, u32 value] pairs: register settings no valid run has (ProofStates.t.sol registerSettings). */
export const REGISTER_SETTINGS: ReadonlyArray<ReadonlyArray<readonly [number, number]>> = [
  [[AT.sp, 0]], [[AT.sp, 1]], [[AT.sp, 2]], [[AT.sp, 0xffffffff]],
  [[AT.sp, 0], [AT.fp, 0]], [[AT.sp, 0], [AT.fp, 0xffffffff]], [[AT.pc, 0xffffffff], [AT.sp, 3]],
  [[AT.fsp, 0]], [[AT.fn, 0xffffffff]], [[AT.units, 0]],
  [[AT.memPages, 0]], [[AT.memPages, 0xffffffff]], [[AT.inputPos, 0xffffffff]],
  [[AT.regs, 0xffffffff]], [[AT.regs, 1]], [[AT.regs + 4, 0xffffffff]], [[AT.regs + 8, 0xffffffff]],
  [[AT.regs + 12, 0xffffffff]], [[AT.regs, 5], [AT.regs + 12, 3]],
  [[AT.outLen, 0xffffffff]], [[AT.logLen, 0xffffffff]], [[AT.steps + 4, 0], [AT.steps, 0]],
];

/** Row operand values at the edges of int32 / u32 (ProofStates.t.sol craftedRow). */
export const ROW_EXTREMES: readonly number[] = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff];

/** Deterministic 32-bit generator (mulberry32). */
export function random32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A u32 near an edge more often than not (ProofStates.t.sol edgy). */
export function edgy(next: () => number): number {
  const rest = next();
  switch (next() % 8) {
    case 0: return 0;
    case 1: return rest % 4;
    case 2: return 0xffffffff - (rest % 4);
    case 3: return 0x80000000 + (rest % 3) - 1;
    case 4: return rest % 64;
    default: return rest;
  }
}
