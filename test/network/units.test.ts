// The node's pure parts, without a chain: job material and its checks, the fault modes'
// consistent lies, and the dissection moves (boundaries as Dissection.sol computes them).
import { describe, expect, test } from 'vitest';
import { boundaries, bisectMove, chooseMove, GameLogicError, segmentCount, stepMove } from '../../node/game/moves.js';
import { FaultyOracle, forgeOutput, parseFault, TraceOracle } from '../../node/game/oracle.js';
import { executeJob } from '../../node/jobs/execute.js';
import { checkJobMaterial, decodeJobInput, encodeJobInput, JobMaterialError } from '../../node/jobs/material.js';
import { readClaim } from '../../vm/state/commit.js';
import { outputDigest } from '../../vm/state/stream.js';
import { fixtureJob } from './harness.js';

describe('job material', () => {
  test('the input blob carries argv and stdin and decodes to what was encoded', () => {
    const input = { args: ['sort.wasm', 'ünïcode', ''], input: Uint8Array.from([0, 1, 2, 255]) };
    expect(decodeJobInput(encodeJobInput(input))).toEqual(input);
    expect(decodeJobInput(encodeJobInput({ args: [], input: new Uint8Array(0) }))).toEqual({ args: [], input: new Uint8Array(0) });
  });

  test('malformed input blobs are refused, naming the problem', () => {
    expect(() => decodeJobInput(Uint8Array.from([1, 2, 3]))).toThrow(/malformed input blob: no VIN1 header/);
    const cut = encodeJobInput({ args: ['abcdef'], input: new Uint8Array(0) }).slice(0, 12);
    expect(() => decodeJobInput(cut)).toThrow(/argument 0 is cut off/);
    const bad = encodeJobInput({ args: ['ab'], input: new Uint8Array(0) });
    bad[12] = 0xff;
    expect(() => decodeJobInput(bad)).toThrow(/argument 0 is not UTF-8/);
  });

  test('material is checked against every hash the chain names', () => {
    const job = fixtureJob('sha256');
    const spec = { initialStateHash: job.initialStateHash, moduleHash: job.moduleHash, inputHash: job.inputHash, maxSteps: job.maxSteps };
    expect(checkJobMaterial(spec, job.module, job.inputBlob).initialStateHash).toBe(job.initialStateHash);
    const other = fixtureJob('sort');
    expect(() => checkJobMaterial(spec, other.module, job.inputBlob)).toThrow(/^module hashes to 0x[0-9a-f]{64}, but the job names/);
    expect(() => checkJobMaterial(spec, job.module, other.inputBlob)).toThrow(/^input hashes to 0x[0-9a-f]{64}, but the job names/);
    // Same blobs, another step budget: the initial state hash (which commits to limits) differs.
    expect(() => checkJobMaterial({ ...spec, maxSteps: spec.maxSteps + 1n }, job.module, job.inputBlob))
      .toThrow(JobMaterialError);
    expect(() => checkJobMaterial({ ...spec, maxSteps: spec.maxSteps + 1n }, job.module, job.inputBlob))
      .toThrow(/initial state hash mismatch/);
  });
});

describe('dissection moves', () => {
  test('boundaries split a range into min(k, length) segments of floor spacing, as Dissection.sol', () => {
    expect(segmentCount(5n, 16)).toBe(5);
    expect(segmentCount(100n, 16)).toBe(16);
    expect(boundaries(10n, 5n, 16)).toEqual([10n, 11n, 12n, 13n, 14n, 15n]);
    const b = boundaries(0n, 100n, 16);
    expect(b).toHaveLength(17);
    expect(b[0]).toBe(0n);
    expect(b[16]).toBe(100n);
    expect(b[1]).toBe(6n); // floor(100 / 16)
    for (let j = 1; j < b.length; j++) expect(b[j] - b[j - 1] >= 6n && b[j] - b[j - 1] <= 7n).toBe(true);
  });

  test('an honest challenger picks the first segment a liar left the truth in, down to the lying step', async () => {
    const job = fixtureJob('exit_code');
    const { oracle: truth } = await executeJob(job);
    const at = 777;
    const liar = new FaultyOracle(truth, { kind: 'wrong-state', at });
    expect(liar.hashesAt([at - 1])).toEqual(truth.hashesAt([at - 1]));
    expect(liar.hashesAt([at])[0]).not.toBe(truth.hashesAt([at])[0]);
    expect(liar.hashesAt([at + 5])).toEqual(liar.hashesAt([at + 5])); // the same lie every time
    let range = { start: 0n, length: BigInt(liar.length), startHash: truth.hashesAt([0])[0], endHash: liar.hashesAt([liar.length])[0] };
    let rounds = 0;
    while (range.length > 1n) {
      const middle = bisectMove(liar, range, 16);
      const hashes = [range.startHash, ...middle, range.endHash];
      const i = chooseMove(truth, { start: range.start, length: range.length, hashes }, 16);
      const points = boundaries(range.start, range.length, 16);
      range = { start: points[i], length: points[i + 1] - points[i], startHash: hashes[i], endHash: hashes[i + 1] };
      rounds++;
    }
    expect(range.start).toBe(BigInt(at - 1));
    expect(rounds).toBe(Math.ceil(Math.log(truth.length) / Math.log(16)));
    const step = stepMove(truth, range);
    expect(step.postStateHash).toBe(truth.hashesAt([at])[0]);
    // The honest executor's own step cannot be "refuted".
    const honestRange = { ...range, endHash: truth.hashesAt([at])[0] };
    expect(() => stepMove(truth, honestRange)).toThrow(GameLogicError);
    // Nor can a challenger that agrees with everything find a segment.
    const list = { start: 0n, length: BigInt(truth.length), hashes: truth.hashesAt(boundaries(0n, BigInt(truth.length), 16).map(Number)) };
    expect(() => chooseMove(truth, list, 16)).toThrow(/nothing to dispute/);
  });
});

describe('fault modes', () => {
  test('parse and refuse', () => {
    expect(parseFault('wrong-output')).toEqual({ kind: 'wrong-output' });
    expect(parseFault('wrong-state:12')).toEqual({ kind: 'wrong-state', at: 12 });
    expect(() => parseFault('wrong-state:0')).toThrow(/unknown fault/);
    expect(() => parseFault('nope')).toThrow(/unknown fault 'nope'/);
  });

  test('wrong-output claims a forged stdout with a header that commits to it', async () => {
    const { oracle: truth, result } = await executeJob(fixtureJob('sha256'));
    const liar = new FaultyOracle(truth as TraceOracle, { kind: 'wrong-output' });
    expect(Buffer.from(liar.stdout)).not.toEqual(Buffer.from(result.stdout));
    expect(liar.stdout).toEqual(forgeOutput(result.stdout));
    const claim = readClaim(liar.finalHeader);
    expect(claim.outputDigest).toBe(outputDigest(liar.stdout));
    expect(claim.status).toBe('exited');
    expect(liar.hashesAt([liar.length - 1])).toEqual(truth.hashesAt([truth.length - 1]));
    expect(liar.hashesAt([liar.length])[0]).toBe(claim.stateHash);
    expect(forgeOutput(Uint8Array.from([0x61]))).toEqual(Uint8Array.from([0x61, 0x21]));
  });

  test('wrong-final claims another exit code', async () => {
    const { oracle: truth } = await executeJob(fixtureJob('exit_code'));
    const liar = new FaultyOracle(truth, { kind: 'wrong-final' });
    const trueClaim = readClaim(truth.finalHeader);
    const claim = readClaim(liar.finalHeader);
    expect(claim.exitCode).toBe((trueClaim.exitCode ?? 0) ^ 1);
    expect(claim.steps).toBe(trueClaim.steps);
  });
});
