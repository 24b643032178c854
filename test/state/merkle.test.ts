// Region trees (vm/state/merkle.ts) against a from-scratch recomputation, incremental
// updates, proofs, and sparse regions far larger than what they materialize.
import { describe, expect, it } from 'vitest';
import { keccak_256 } from '@noble/hashes/sha3.js';
import {
  depthForBytes, depthForLeaves, regionRoot, RegionTree, rootWithLeaf, verifyLeaf, zeroHash,
} from '../../vm/state/merkle.js';
import { WordRegion } from '../../vm/state/regions.js';
import { beSlots, beWords, concat, naiveRoot, naiveZero } from './naive.js';
import { randomBytes, rng } from './random.js';

describe('zero hashes and depths', () => {
  it('Z[h] follows its definition', () => {
    for (let h = 0; h <= 32; h++) expect(zeroHash(h)).toEqual(naiveZero(h));
    expect(zeroHash(0)).toEqual(keccak_256(new Uint8Array(32)));
    expect(() => zeroHash(33)).toThrow(/depth/);
  });

  it('depths are the smallest that hold the leaves', () => {
    expect([0, 1, 2, 3, 4, 5, 65537].map(depthForLeaves)).toEqual([0, 0, 1, 2, 2, 3, 17]);
    expect(depthForBytes(0)).toBe(0);
    expect(depthForBytes(33)).toBe(1);
    expect(depthForBytes(256 * 1024 * 1024)).toBe(23);
  });
});

describe('RegionTree', () => {
  it('equals the from-scratch root on random regions of every size up to the depth', () => {
    const next = rng(1);
    for (let k = 0; k < 60; k++) {
      const depth = next() % 9;
      const len = next() % (32 * 2 ** depth + 1);
      const bytes = randomBytes(len, k);
      // Some zero leaves inside the prefix too.
      for (let z = 0; z < 3 && len > 0; z++) bytes.fill(0, next() % len, (next() % len) + 40);
      expect(regionRoot(depth, bytes)).toEqual(naiveRoot(depth, bytes));
    }
  });

  it('an all-zero region has root Z[depth], whatever its materialized size', () => {
    for (const depth of [0, 1, 5, 23]) {
      const tree = new RegionTree(depth);
      expect(tree.root()).toEqual(zeroHash(depth));
      tree.update(new Uint8Array(Math.min(4096, 32 * 2 ** depth)));
      expect(tree.root()).toEqual(zeroHash(depth));
    }
  });

  it('incremental updates (sparse random writes, growth, writes back to zero) equal the from-scratch root', () => {
    const next = rng(2);
    for (const depth of [0, 1, 3, 7, 10]) {
      const size = 32 * 2 ** depth;
      let bytes = new Uint8Array(Math.min(size, 64));
      const tree = new RegionTree(depth);
      for (let round = 0; round < 40; round++) {
        if (bytes.length < size && next() % 4 === 0) {
          const grown = new Uint8Array(Math.min(size, Math.max(32, bytes.length * 2)));
          grown.set(bytes);
          bytes = grown;
        }
        const writes = next() % 6;
        for (let w = 0; w < writes && bytes.length > 0; w++) bytes[next() % bytes.length] = next() & 0xff;
        if (next() % 5 === 0) bytes.fill(0, next() % (bytes.length + 1)); // some leaves back to zero
        if (next() % 7 === 0) bytes = bytes.slice(0, next() % (bytes.length + 1)); // an earlier, smaller state
        tree.update(bytes);
        expect(tree.root()).toEqual(naiveRoot(depth, bytes));
      }
    }
  });

  it('updates a depth-23 (256 MiB) region by materializing only its prefix', () => {
    const tree = new RegionTree(23);
    const bytes = new Uint8Array(1 << 16);
    bytes[5] = 1;
    bytes[65535] = 7;
    tree.update(bytes);
    expect(tree.root()).toEqual(naiveRoot(23, bytes));
    bytes[40000] = 9;
    tree.update(bytes);
    expect(tree.root()).toEqual(naiveRoot(23, bytes));
    // A leaf far past the prefix (the last of the region) and its proof.
    const last = 2 ** 23 - 1;
    expect(tree.leaf(last)).toEqual(new Uint8Array(32));
    expect(verifyLeaf(tree.root(), 23, last, new Uint8Array(32), tree.proof(last))).toBe(true);
  });

  it('proofs verify every leaf; a tampered leaf, sibling, index or root does not', () => {
    const depth = 6;
    const bytes = randomBytes(32 * 40 + 5, 3);
    const tree = new RegionTree(depth);
    tree.update(bytes);
    const root = tree.root();
    for (let i = 0; i < 2 ** depth; i++) {
      const leaf = tree.leaf(i);
      const expected = new Uint8Array(32);
      expected.set(bytes.subarray(32 * i, 32 * i + 32));
      expect(leaf).toEqual(expected);
      const proof = tree.proof(i);
      expect(proof).toHaveLength(depth);
      expect(verifyLeaf(root, depth, i, leaf, proof)).toBe(true);
    }
    const i = 13;
    const leaf = tree.leaf(i);
    const proof = tree.proof(i);
    const badLeaf = leaf.slice();
    badLeaf[31] ^= 1;
    expect(verifyLeaf(root, depth, i, badLeaf, proof)).toBe(false);
    for (let h = 0; h < depth; h++) {
      const bad = proof.map((s) => s.slice());
      bad[h][0] ^= 0x80;
      expect(verifyLeaf(root, depth, i, leaf, bad)).toBe(false);
    }
    expect(verifyLeaf(root, depth, i ^ 1, leaf, proof)).toBe(false);
    const badRoot = root.slice();
    badRoot[0] ^= 1;
    expect(verifyLeaf(badRoot, depth, i, leaf, proof)).toBe(false);
    expect(() => verifyLeaf(root, depth, i, leaf, proof.slice(1))).toThrow(/siblings/);
    expect(() => verifyLeaf(root, depth, 64, leaf, proof)).toThrow(/outside/);
  });

  it('rootWithLeaf gives the root after a write, which the tree then agrees with', () => {
    const depth = 5;
    const bytes = new Uint8Array(32 * 32);
    bytes.set(randomBytes(32 * 20, 4));
    const tree = new RegionTree(depth);
    tree.update(bytes.subarray(0, 32 * 20));
    for (const i of [0, 7, 19, 25, 31]) {
      const predicted = rootWithLeaf(depth, i, randomBytes(32, 100 + i), tree.proof(i));
      bytes.set(randomBytes(32, 100 + i), 32 * i);
      expect(predicted).toEqual(naiveRoot(depth, bytes));
      tree.update(bytes);
      expect(tree.root()).toEqual(predicted);
    }
  });

  it('leaves written directly and marked dirty in any order rehash like a diff', () => {
    const depth = 8;
    const tree = new RegionTree(depth);
    const bytes = new Uint8Array(32 * 256);
    const next = rng(5);
    for (let round = 0; round < 10; round++) {
      for (let w = 0; w < 20; w++) {
        const i = next() % 256;
        const leaf = randomBytes(32, next());
        bytes.set(leaf, 32 * i);
        tree.leafWords(i).set(new Int32Array(leaf.buffer));
        tree.markDirty(i);
        tree.markDirty(i); // duplicates are harmless
      }
      expect(() => tree.root()).toThrow(/not rehashed/);
      tree.rehash();
      expect(tree.root()).toEqual(naiveRoot(depth, bytes));
    }
  });

  it('refuses a region larger than its depth', () => {
    expect(() => new RegionTree(1).update(new Uint8Array(65))).toThrow(/holds 2 leaves/);
    expect(() => new RegionTree(40)).toThrow(/depth/);
  });
});

describe('WordRegion', () => {
  it('commits u32 words big-endian and [lo, hi] slots as big-endian u64', () => {
    const next = rng(6);
    for (const slots of [false, true]) {
      const depth = 6;
      const region = new WordRegion(depth, slots);
      const words = new Int32Array(200);
      let synced = 0;
      for (let round = 0; round < 30; round++) {
        const writes = next() % 8;
        for (let w = 0; w < writes; w++) words[next() % (synced + 2)] = next() | 0;
        // A growing prefix, as the stack's is; words past it are not committed yet.
        synced = Math.min(200, synced + 2 * (next() % 20));
        region.sync(words, synced);
        region.rehash();
        const committed = words.subarray(0, synced);
        expect(region.tree.root()).toEqual(naiveRoot(depth, slots ? beSlots(committed) : beWords(committed)));
      }
    }
  });

  it('keeps segments at their offsets (the tables of region TABLES)', () => {
    const region = new WordRegion(5, false);
    const a = Int32Array.from([1, 2, 3, -1]);
    const b = Int32Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1, 0x12345678]);
    region.sync(a, 4, 0);
    region.sync(b, 10, 16);
    region.rehash();
    const image = new Int32Array(26);
    image.set(a, 0);
    image.set(b, 16);
    expect(region.tree.root()).toEqual(naiveRoot(5, beWords(image)));
    b[9] = 0;
    a[0] = 100;
    region.sync(a, 4, 0);
    region.sync(b, 10, 16);
    region.rehash();
    image.set(a, 0);
    image.set(b, 16);
    expect(region.tree.root()).toEqual(naiveRoot(5, beWords(image)));
    expect(concat(region.tree.leaf(2), region.tree.leaf(3)).subarray(0, 40)).toEqual(beWords(b));
    // The second segment shrinks to 3 words: the 7 after it are zero again.
    region.sync(b, 3, 16, 26);
    region.rehash();
    image.fill(0, 19);
    expect(region.tree.root()).toEqual(naiveRoot(5, beWords(image)));
  });
});
