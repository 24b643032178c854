// The moves of the dissection game, computed off-chain from a party's oracle. The
// arithmetic mirrors contracts/src/market/Dissection.sol line by line: a range of
// `length` transitions from `start` splits into n = min(k, length) segments with
// boundaries start + floor(j * length / n).
import type { StateHash, StateOracle, TraceOracle } from './oracle.js';

export interface Range {
  start: bigint;
  length: bigint;
  startHash: StateHash;
  endHash: StateHash;
}

/** A dissected range: the defender's list, both ends included. */
export interface SegmentList {
  start: bigint;
  length: bigint;
  hashes: StateHash[];
}

export function segmentCount(length: bigint, degree: number): number {
  return length < BigInt(degree) ? Number(length) : degree;
}

export function boundary(start: bigint, length: bigint, segments: number, j: number): bigint {
  return start + (length * BigInt(j)) / BigInt(segments);
}

/** All n + 1 boundaries of a range. */
export function boundaries(start: bigint, length: bigint, degree: number): bigint[] {
  const n = segmentCount(length, degree);
  return Array.from({ length: n + 1 }, (_, j) => boundary(start, length, n, j));
}

function indices(points: readonly bigint[]): number[] {
  return points.map((p) => {
    const i = Number(p);
    if (!Number.isSafeInteger(i)) throw new RangeError(`trace index ${p} is beyond this node's reach`);
    return i;
  });
}

/** Defender: the n - 1 intermediate hashes of `range` (what `bisect` posts). */
export function bisectMove(oracle: StateOracle, range: Range, degree: number): StateHash[] {
  const points = boundaries(range.start, range.length, degree);
  return oracle.hashesAt(indices(points.slice(1, -1)));
}

export class GameLogicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GameLogicError';
  }
}

/**
 * Challenger: the first segment whose start this oracle agrees with and whose end it
 * does not. The list's first hash was agreed before; if the oracle agrees with the last,
 * the challenge was a mistake and there is no honest move.
 */
export function chooseMove(oracle: StateOracle, list: SegmentList, degree: number): number {
  const points = boundaries(list.start, list.length, degree);
  if (points.length !== list.hashes.length) {
    throw new GameLogicError(`segment list has ${list.hashes.length} hashes, expected ${points.length}`);
  }
  const mine = oracle.hashesAt(indices(points));
  if (mine[0] !== list.hashes[0].toLowerCase()) {
    throw new GameLogicError(`disagree with the agreed start of the range at index ${points[0]}`);
  }
  for (let j = 0; j + 1 < mine.length; j++) {
    if (mine[j + 1] !== list.hashes[j + 1].toLowerCase()) return j;
  }
  throw new GameLogicError(`agree with every hash up to index ${points[points.length - 1]}: nothing to dispute`);
}

/**
 * Challenger, on a one-transition range: the proof that the step from `range.start`
 * does not lead to the defender's end hash. Checked here first, so that a proof that
 * would only confirm the claim is never sent.
 */
export function stepMove(oracle: TraceOracle, range: Range): { proof: Uint8Array; opcode: number; postStateHash: StateHash } {
  if (range.length !== 1n) throw new GameLogicError(`a step proof needs a one-transition range, got ${range.length}`);
  const step = oracle.proofAt(Number(range.start));
  if (step.preStateHash !== range.startHash.toLowerCase()) {
    throw new GameLogicError(`my state at ${range.start} is ${step.preStateHash}, the agreed one ${range.startHash}`);
  }
  if (step.postStateHash === range.endHash.toLowerCase()) {
    throw new GameLogicError(`the step from ${range.start} does lead to the defender's hash: nothing to prove`);
  }
  return { proof: step.proof, opcode: step.opcode, postStateHash: step.postStateHash };
}
