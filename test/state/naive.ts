// Reference implementations for the state tests, written straight from
// docs/machine-state.md with @noble/hashes over bytes and no incremental tricks.

import { keccak_256 } from '@noble/hashes/sha3.js';

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const zeroCache: Uint8Array[] = [keccak_256(new Uint8Array(32))];

/** Z[h], computed by its definition. */
export function naiveZero(h: number): Uint8Array {
  while (zeroCache.length <= h) {
    const z = zeroCache[zeroCache.length - 1];
    zeroCache.push(keccak_256(concat(z, z)));
  }
  return zeroCache[h];
}

/** The root of region `bytes` (zero beyond its end) of depth `depth`, recomputed from scratch. */
export function naiveRoot(depth: number, bytes: Uint8Array): Uint8Array {
  const node = (h: number, j: number): Uint8Array => {
    const start = j * 32 * 2 ** h;
    if (start >= bytes.length) return naiveZero(h);
    if (h === 0) {
      const leaf = new Uint8Array(32);
      leaf.set(bytes.subarray(start, start + 32));
      return keccak_256(leaf);
    }
    return keccak_256(concat(node(h - 1, 2 * j), node(h - 1, 2 * j + 1)));
  };
  return node(depth, 0);
}

/** The stream commitment by its definition: byte by byte. */
export function naiveStream(bytes: Uint8Array): { len: number; acc: Uint8Array; pending: Uint8Array; digest: Uint8Array } {
  let acc = new Uint8Array(32);
  let pending = new Uint8Array(32);
  let len = 0;
  for (const b of bytes) {
    pending[len % 32] = b;
    len++;
    if (len % 32 === 0) {
      acc = keccak_256(concat(acc, pending));
      pending = new Uint8Array(32);
    }
  }
  const lenBytes = new Uint8Array(4);
  new DataView(lenBytes.buffer).setUint32(0, len);
  return { len, acc, pending, digest: keccak_256(concat(acc, pending, lenBytes)) };
}

/** Big-endian encoding of int32 words as u32s. */
export function beWords(words: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(4 * i, words[i] >>> 0);
  return out;
}

/** Big-endian encoding of [lo, hi] word pairs as u64 slots `hi << 32 | lo`. */
export function beSlots(words: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i + 1 < words.length; i += 2) {
    view.setUint32(4 * i, words[i + 1] >>> 0);
    view.setUint32(4 * i + 4, words[i] >>> 0);
  }
  return out;
}

/** `bytes` without its trailing zeros: the same region (bytes past the end are zero). */
export function trimZeros(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
}
