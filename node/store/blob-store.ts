// Content-addressed blobs (job modules, inputs, outputs): stored under their keccak-256, so
// a hash named on chain finds its bytes and bytes can never sit under the wrong hash.
import { blobHash, parseBlobHash } from './blob-hash.js';

export interface BlobStore {
  /** Stores `bytes` and returns their hash. Idempotent. */
  put(bytes: Uint8Array): Promise<string>;
  /** Stores `bytes` only if they hash to `hash`; throws (storing nothing) if they do not. */
  putExpecting(hash: string, bytes: Uint8Array): Promise<void>;
  /** The bytes stored under `hash`, or undefined. */
  get(hash: string): Promise<Uint8Array | undefined>;
  has(hash: string): Promise<boolean>;
}

/** The slice of a level sublevel that blobs need: keys are hashes, values raw bytes. */
export interface BlobBackend {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  has(key: string): Promise<boolean>;
}

export function createBlobStore(backend: BlobBackend): BlobStore {
  return {
    async put(bytes) {
      const hash = blobHash(bytes);
      await backend.put(hash, bytes);
      return hash;
    },
    async putExpecting(hash, bytes) {
      const expected = parseBlobHash(hash);
      const actual = blobHash(bytes);
      if (actual !== expected) throw new Error(`blob hashes to ${actual}, expected ${expected}`);
      await backend.put(expected, bytes);
    },
    async get(hash) {
      return backend.get(parseBlobHash(hash));
    },
    async has(hash) {
      return backend.has(parseBlobHash(hash));
    },
  };
}
