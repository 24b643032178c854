// Region merkle trees (docs/machine-state.md#regions): a byte array of 2^depth 32-byte
// leaves, leaf hash H(leaf), node H(left ‖ right), Z[h] the root of an all-zero subtree
// of height h.
//
// A region is mostly zero past a used prefix (a 256 MiB memory of which a program
// touched a few MiB, a stack of 2 MB of which a few KB are live), so a tree stores only
// the prefix of its leaves that it has seen (`capacity`, a power of two, grown on
// demand); everything past it is zero and hashes to Z[h]. Inside the prefix a stored
// hash of all-zero words stands for "zero subtree" (Z[h]): keccak never outputs 32 zero
// bytes in practice, zero-filled fresh arrays need no initialisation, and a zero leaf
// or subtree costs no hashing at all.
//
// Updates are incremental: callers write leaves (or let `update` diff a byte array
// against the stored copy) and `rehash` recomputes only the paths above the leaves
// written since the last rehash. Hashes are 8 little-endian int32 words (keccak.ts).

import { hashWords32, hashWords64, keccak256, wordsToHash } from './keccak.js';

export const LEAF_BYTES = 32;
const LEAF_WORDS = 8;
/** Words `update` compares at once before looking for the changed leaves inside. */
const CHUNK_WORDS = 1024;

/**
 * Deepest tree supported. Leaf and node indices stay below 2^32 and `>>> 1` is exact;
 * every region of a job fits (memory <= 27, stack <= 30, frames <= 31).
 */
export const MAX_DEPTH = 32;

/** Z[h] for h = 0..MAX_DEPTH, 8 words each. */
const ZERO_HASHES = (() => {
  const z = new Int32Array((MAX_DEPTH + 1) * LEAF_WORDS);
  hashWords32(new Int32Array(LEAF_WORDS), 0, z, 0);
  for (let h = 1; h <= MAX_DEPTH; h++) hashWords64(z, (h - 1) * LEAF_WORDS, z, (h - 1) * LEAF_WORDS, z, h * LEAF_WORDS);
  return z;
})();

/** Z[h]: the root of an all-zero subtree of height h (32 bytes). */
export function zeroHash(h: number): Uint8Array {
  checkDepth(h);
  return wordsToHash(ZERO_HASHES, h * LEAF_WORDS);
}

/** The smallest depth whose tree holds `leaves` leaves (0 for 0 or 1 leaf). */
export function depthForLeaves(leaves: number): number {
  let d = 0;
  while (2 ** d < leaves) d++;
  return d;
}

/** The depth of a region of `bytes` bytes. */
export function depthForBytes(bytes: number): number {
  return depthForLeaves(Math.ceil(bytes / LEAF_BYTES));
}

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_DEPTH) {
    throw new Error(`merkle depth must be an integer in 0..${MAX_DEPTH}, got ${depth}`);
  }
}

function isZero8(w: Int32Array, at: number): boolean {
  return (w[at] | w[at + 1] | w[at + 2] | w[at + 3] | w[at + 4] | w[at + 5] | w[at + 6] | w[at + 7]) === 0;
}

/** A region's merkle tree over its used prefix, updated incrementally. */
export class RegionTree {
  /** Leaves stored (a power of two, at most 2^depth); leaves past it are zero. */
  private capacity = 0;
  /** Leaf contents, 8 words per leaf: the raw bytes of the region's leaves. */
  private data = new Int32Array(0);
  /** nodes[h] for h = 1..depth: capacity >> h hashes of 8 words (zero words = Z[h]). */
  private nodes: Int32Array[] = [];
  /** Leaves written since the last rehash, in the order written. */
  private dirty = new Int32Array(64);
  private dirtyCount = 0;
  private dirtySorted = true;
  /** Words the last `update` covered: past them the stored leaves are zero. */
  private updated = 0;
  private readonly rootWords = new Int32Array(LEAF_WORDS);
  private readonly scratch = new Int32Array(2 * LEAF_WORDS);

  constructor(readonly depth: number) {
    checkDepth(depth);
    this.rootWords.set(ZERO_HASHES.subarray(depth * LEAF_WORDS, (depth + 1) * LEAF_WORDS));
  }

  /** Number of leaves of the region: 2^depth. */
  get leafCount(): number {
    return 2 ** this.depth;
  }

  /** Makes leaves [0, leaves) addressable (zero until written). */
  reserve(leaves: number): void {
    if (leaves <= this.capacity) return;
    if (leaves > this.leafCount) {
      throw new Error(`region of depth ${this.depth} holds ${this.leafCount} leaves, ${leaves} needed`);
    }
    let cap = Math.max(1, this.capacity);
    while (cap < leaves) cap *= 2;
    const data = new Int32Array(cap * LEAF_WORDS);
    data.set(this.data);
    this.data = data;
    for (let h = 1; h <= this.depth; h++) {
      const next = new Int32Array(Math.max(1, cap / 2 ** h) * LEAF_WORDS);
      if (this.nodes[h]) next.set(this.nodes[h]);
      this.nodes[h] = next;
    }
    this.capacity = cap;
  }

  /**
   * Makes the region's contents `bytes` followed by zeros: finds the leaves that differ
   * from the stored copy (8 words at a time, skipping equal chunks quickly) and rehashes
   * their paths.
   */
  update(bytes: Uint8Array): void {
    const words = wordView(bytes);
    const n = words.length;
    this.reserve(n / LEAF_WORDS);
    const data = this.data;
    // Shorter than last time (an earlier state of a growing memory): the rest is zero.
    for (let i = n; i < this.updated; i += LEAF_WORDS) {
      if (isZero8(data, i)) continue;
      data.fill(0, i, i + LEAF_WORDS);
      this.markDirty(i / LEAF_WORDS);
    }
    this.updated = n;
    // Equal chunks are skipped by a native memcmp, several times faster than a JS loop.
    const src = Buffer.from(words.buffer, words.byteOffset, 4 * n);
    const copy = Buffer.from(data.buffer, data.byteOffset, 4 * n);
    for (let chunk = 0; chunk < n; chunk += CHUNK_WORDS) {
      const end = Math.min(n, chunk + CHUNK_WORDS);
      if (src.compare(copy, 4 * chunk, 4 * end, 4 * chunk, 4 * end) === 0) continue;
      for (let i = chunk; i < end; i++) {
        if (words[i] === data[i]) continue;
        const start = i & ~7;
        data.set(words.subarray(start, start + LEAF_WORDS), start);
        this.markDirty(start >>> 3);
        i = start + LEAF_WORDS - 1;
      }
    }
    this.rehash();
  }

  /** Words of leaf `i` (a live view: write them, then call `markDirty(i)`). */
  leafWords(i: number): Int32Array {
    this.reserve(i + 1);
    return this.data.subarray(i * LEAF_WORDS, (i + 1) * LEAF_WORDS);
  }

  /** Leaf `i`'s contents changed (through leafWords): its path is rehashed by `rehash`. */
  markDirty(i: number): void {
    if (i >= this.capacity) throw new Error(`leaf ${i} is not reserved`);
    if (this.dirtyCount === this.dirty.length) {
      const next = new Int32Array(this.dirty.length * 2);
      next.set(this.dirty);
      this.dirty = next;
    }
    if (this.dirtyCount > 0 && this.dirty[this.dirtyCount - 1] >= i) {
      if (this.dirty[this.dirtyCount - 1] === i) return;
      this.dirtySorted = false;
    }
    this.dirty[this.dirtyCount++] = i;
  }

  /** Recomputes the hashes above every leaf marked dirty since the last rehash. */
  rehash(): void {
    let count = this.dirtyCount;
    if (count === 0) return;
    const list = this.dirty;
    if (!this.dirtySorted) {
      const sorted = list.subarray(0, count).sort();
      count = dedupeSorted(sorted, count);
      this.dirtySorted = true;
    }
    this.dirtyCount = 0;
    if (this.depth === 0) {
      this.leafHash(0, this.rootWords, 0);
      if (isZero8(this.rootWords, 0)) this.rootWords.set(ZERO_HASHES.subarray(0, LEAF_WORDS));
      return;
    }
    const pair = this.scratch;
    // Height 1 from the leaves (leaf hashes are not stored: recomputing the sibling's is
    // cheaper than keeping 32 bytes per leaf of a 256 MiB memory).
    const level1 = this.nodes[1];
    let parents = 0;
    for (let k = 0; k < count; k++) {
      const p = list[k] >>> 1;
      if (parents > 0 && list[parents - 1] === p) continue;
      list[parents++] = p;
      this.leafHash(2 * p, pair, 0);
      this.leafHash(2 * p + 1, pair, LEAF_WORDS);
      combine(pair, 0, pair, LEAF_WORDS, 0, level1, p * LEAF_WORDS);
    }
    count = parents;
    for (let h = 2; h <= this.depth; h++) {
      const below = this.nodes[h - 1];
      const level = this.nodes[h];
      parents = 0;
      for (let k = 0; k < count; k++) {
        const p = list[k] >>> 1;
        if (parents > 0 && list[parents - 1] === p) continue;
        list[parents++] = p;
        combine(below, 2 * p * LEAF_WORDS, below, (2 * p + 1) * LEAF_WORDS, h - 1, level, p * LEAF_WORDS);
      }
      count = parents;
    }
    const top = this.nodes[this.depth];
    this.rootWords.set(isZero8(top, 0)
      ? ZERO_HASHES.subarray(this.depth * LEAF_WORDS, (this.depth + 1) * LEAF_WORDS)
      : top.subarray(0, LEAF_WORDS));
  }

  /** The root (as of the last rehash / update). */
  root(): Uint8Array {
    if (this.dirtyCount > 0) throw new Error('region tree has leaves written but not rehashed');
    return wordsToHash(this.rootWords);
  }

  /** Contents of leaf `i` (32 bytes). */
  leaf(i: number): Uint8Array {
    this.checkIndex(i);
    if (i >= this.capacity) return new Uint8Array(LEAF_BYTES);
    return wordsToHash(this.data, i * LEAF_WORDS);
  }

  /** The `depth` sibling hashes of leaf `i`, bottom-up (as of the last rehash). */
  proof(i: number): Uint8Array[] {
    this.checkIndex(i);
    if (this.dirtyCount > 0) throw new Error('region tree has leaves written but not rehashed');
    const siblings: Uint8Array[] = [];
    const w = new Int32Array(LEAF_WORDS);
    let index = i;
    for (let h = 0; h < this.depth; h++) {
      const sibling = index % 2 === 0 ? index + 1 : index - 1;
      if (h === 0) this.leafHash(sibling, w, 0);
      else if (sibling < this.capacity / 2 ** h) w.set(this.nodes[h].subarray(sibling * LEAF_WORDS, (sibling + 1) * LEAF_WORDS));
      else w.fill(0);
      siblings.push(isZero8(w, 0) ? wordsToHash(ZERO_HASHES, h * LEAF_WORDS) : wordsToHash(w));
      index = Math.floor(index / 2);
    }
    return siblings;
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.leafCount) {
      throw new Error(`leaf index ${i} outside a region of ${this.leafCount} leaves`);
    }
  }

  /** Hash of leaf `i` into out[at..at+8); zero words for a zero leaf (stands for Z[0]). */
  private leafHash(i: number, out: Int32Array, at: number): void {
    if (i >= this.capacity || isZero8(this.data, i * LEAF_WORDS)) {
      out.fill(0, at, at + LEAF_WORDS);
      return;
    }
    hashWords32(this.data, i * LEAF_WORDS, out, at);
  }
}

/**
 * Parent of two children of height h (zero words stand for Z[h]) into out[to..to+8):
 * zero words again when both children are zero subtrees.
 */
function combine(a: Int32Array, ai: number, b: Int32Array, bi: number, h: number, out: Int32Array, to: number): void {
  const aZero = isZero8(a, ai);
  const bZero = isZero8(b, bi);
  if (aZero && bZero) {
    out.fill(0, to, to + LEAF_WORDS);
    return;
  }
  const z = h * LEAF_WORDS;
  hashWords64(aZero ? ZERO_HASHES : a, aZero ? z : ai, bZero ? ZERO_HASHES : b, bZero ? z : bi, out, to);
}

function dedupeSorted(a: Int32Array, n: number): number {
  let m = 0;
  for (let k = 0; k < n; k++) if (m === 0 || a[m - 1] !== a[k]) a[m++] = a[k];
  return m;
}

/** `bytes` as int32 words, padded with zeros to whole leaves (copied only if needed). */
function wordView(bytes: Uint8Array): Int32Array {
  if (bytes.byteOffset % 4 === 0 && bytes.length % LEAF_BYTES === 0) {
    return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  }
  const padded = new Uint8Array(Math.ceil(bytes.length / LEAF_BYTES) * LEAF_BYTES);
  padded.set(bytes);
  return new Int32Array(padded.buffer);
}

/** The merkle root of `bytes` (zero-padded) as a region of `depth`. */
export function regionRoot(depth: number, bytes: Uint8Array): Uint8Array {
  const tree = new RegionTree(depth);
  tree.update(bytes);
  return tree.root();
}

// ---- verification (the reference verifier's side: plain keccak over bytes) ----

/** The root of a region whose leaf `index` is `leaf` and whose other leaves give `siblings`. */
export function rootWithLeaf(depth: number, index: number, leaf: Uint8Array, siblings: readonly Uint8Array[]): Uint8Array {
  checkDepth(depth);
  if (leaf.length !== LEAF_BYTES) throw new Error(`a leaf is ${LEAF_BYTES} bytes, got ${leaf.length}`);
  if (siblings.length !== depth) throw new Error(`a proof of depth ${depth} has ${depth} siblings, got ${siblings.length}`);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** depth) {
    throw new Error(`leaf index ${index} outside a region of depth ${depth}`);
  }
  let node = keccak256(leaf);
  let i = index;
  const pair = new Uint8Array(64);
  for (const sibling of siblings) {
    if (sibling.length !== 32) throw new Error(`a proof sibling is 32 bytes, got ${sibling.length}`);
    pair.set(i % 2 === 0 ? node : sibling, 0);
    pair.set(i % 2 === 0 ? sibling : node, 32);
    node = keccak256(pair);
    i = Math.floor(i / 2);
  }
  return node;
}

/** Whether `siblings` prove that leaf `index` of the region with `root` is `leaf`. */
export function verifyLeaf(root: Uint8Array, depth: number, index: number, leaf: Uint8Array, siblings: readonly Uint8Array[]): boolean {
  const computed = rootWithLeaf(depth, index, leaf, siblings);
  return computed.length === root.length && computed.every((b, k) => b === root[k]);
}
