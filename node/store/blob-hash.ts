// Blob identity: keccak-256 of the bytes, written 0x-prefixed lowercase hex, the form the
// contracts use for module and input hashes.
import { keccak_256 } from '@noble/hashes/sha3.js';

const HASH_PATTERN = /^0x[0-9a-f]{64}$/;

/** keccak-256 of `bytes` as 0x + 64 lowercase hex digits. */
export function blobHash(bytes: Uint8Array): string {
  return '0x' + Buffer.from(keccak_256(bytes)).toString('hex');
}

/** Normalizes a blob hash to lowercase; throws a one-line error on anything else. */
export function parseBlobHash(hash: string): string {
  const lower = typeof hash === 'string' ? hash.toLowerCase() : '';
  if (!HASH_PATTERN.test(lower)) throw new Error(`not a blob hash (want 0x + 64 hex digits): ${String(hash).slice(0, 80)}`);
  return lower;
}

/** The 32 raw bytes of a blob hash. */
export function blobHashBytes(hash: string): Uint8Array {
  return new Uint8Array(Buffer.from(parseBlobHash(hash).slice(2), 'hex'));
}
