// What a job is made of, and how the chain names it (docs/network.md#jobs). The chain
// holds only hashes: `moduleHash = keccak256(module)`, `inputHash = keccak256(input blob)`,
// where the input blob carries argv and stdin together, and `initialStateHash`, which
// commits to module, input, args and limits at once. Nodes fetch the blobs by hash (p2p),
// and before they run anything they recompute the initial state hash: that one check
// covers every byte and every limit a job is run with.
import { initialCommitment } from '../../vm/state/commit.js';
import { DEFAULT_LIMITS, type MachineLimits } from '../../vm/exec/limits.js';
import { loadJob, type JobInput, type LoadedJob } from '../../vm/job.js';
import { blobHash } from '../store/blob-hash.js';

export type Hash = string;

export { blobHash };

const INPUT_MAGIC = new TextEncoder().encode('VIN1');

/** The input blob: "VIN1", u32 argc, (u32 length, UTF-8 bytes) per argument, then stdin. */
export function encodeJobInput(input: JobInput): Uint8Array {
  const encoder = new TextEncoder();
  const args = input.args.map((a) => encoder.encode(a));
  const size = 4 + 4 + args.reduce((n, a) => n + 4 + a.length, 0) + input.input.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(INPUT_MAGIC, 0);
  view.setUint32(4, args.length);
  let at = 8;
  for (const a of args) {
    view.setUint32(at, a.length);
    out.set(a, at + 4);
    at += 4 + a.length;
  }
  out.set(input.input, at);
  return out;
}

export class JobMaterialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobMaterialError';
  }
}

export function decodeJobInput(blob: Uint8Array): JobInput {
  const bad = (why: string): never => {
    throw new JobMaterialError(`malformed input blob: ${why}`);
  };
  if (blob.length < 8 || INPUT_MAGIC.some((b, i) => blob[i] !== b)) bad('no VIN1 header');
  const view = new DataView(blob.buffer, blob.byteOffset, blob.length);
  const argc = view.getUint32(4);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const args: string[] = [];
  let at = 8;
  for (let i = 0; i < argc; i++) {
    if (at + 4 > blob.length) bad(`argument ${i} is cut off`);
    const len = view.getUint32(at);
    if (at + 4 + len > blob.length) bad(`argument ${i} is cut off`);
    try {
      args.push(decoder.decode(blob.subarray(at + 4, at + 4 + len)));
    } catch {
      bad(`argument ${i} is not UTF-8`);
    }
    at += 4 + len;
  }
  return { args, input: blob.slice(at) };
}

/** Limits of a network job: the machine defaults, with the job's step budget. */
export function jobLimits(maxSteps: bigint | number): MachineLimits {
  const steps = Number(maxSteps);
  if (!Number.isSafeInteger(steps) || steps < 1) throw new JobMaterialError(`maxSteps ${maxSteps} is out of range`);
  return { ...DEFAULT_LIMITS, maxSteps: steps };
}

/** A job ready to post or run: its blobs, their hashes and its initial state. */
export interface PreparedJob {
  module: Uint8Array;
  inputBlob: Uint8Array;
  input: JobInput;
  moduleHash: Hash;
  inputHash: Hash;
  initialStateHash: Hash;
  maxSteps: bigint;
  limits: MachineLimits;
  loaded: LoadedJob;
}

/**
 * Loads a job from its parts. A module that does not decode, validate or fit the job ABI
 * (an unsupported import, no _start) throws WasmError / JobError naming the problem.
 */
export function prepareJob(module: Uint8Array, input: JobInput, maxSteps: bigint | number): PreparedJob {
  const limits = jobLimits(maxSteps);
  const loaded = loadJob(module);
  const inputBlob = encodeJobInput(input);
  const { stateHash } = initialCommitment(module, input, limits);
  return {
    module, inputBlob, input, moduleHash: blobHash(module), inputHash: blobHash(inputBlob), initialStateHash: stateHash,
    maxSteps: BigInt(maxSteps), limits, loaded,
  };
}

/** What the chain says a job is. */
export interface JobCommitment {
  initialStateHash: Hash;
  moduleHash: Hash;
  inputHash: Hash;
  maxSteps: bigint;
}

/**
 * Rebuilds a job from blobs fetched by hash and checks them against the chain: each
 * blob's hash, then the initial state hash (which binds args and limits too).
 */
export function checkJobMaterial(spec: JobCommitment, module: Uint8Array, inputBlob: Uint8Array): PreparedJob {
  const moduleHash = blobHash(module);
  if (moduleHash !== spec.moduleHash.toLowerCase()) {
    throw new JobMaterialError(`module hashes to ${moduleHash}, but the job names ${spec.moduleHash}`);
  }
  const inputHash = blobHash(inputBlob);
  if (inputHash !== spec.inputHash.toLowerCase()) {
    throw new JobMaterialError(`input hashes to ${inputHash}, but the job names ${spec.inputHash}`);
  }
  const job = prepareJob(module, decodeJobInput(inputBlob), spec.maxSteps);
  if (job.initialStateHash !== spec.initialStateHash.toLowerCase()) {
    throw new JobMaterialError(
      `initial state hash mismatch: module and input give ${job.initialStateHash}, the job commits to ${spec.initialStateHash}`,
    );
  }
  return job;
}
