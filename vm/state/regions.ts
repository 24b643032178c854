// Regions made of machine words (docs/machine-state.md#regions): STACK and GLOBALS hold
// u64 slots, FRAMES, TABLES and SIZES u32 words, all committed big-endian while the
// machine keeps them as native int32 words (a slot as [lo, hi]). Re-encoding a whole
// region on every hash would cost as much as hashing it, so a WordRegion keeps a shadow
// copy of the raw words it last committed, diffs the machine's words against it and
// re-encodes only the leaves that changed.

import { RegionTree } from './merkle.js';

/** Machine words per 32-byte leaf. */
export const WORDS_PER_LEAF = 8;

/** Byte-swaps a 32-bit word: the little-endian int32 whose bytes are `w` big-endian. */
export function bswap32(w: number): number {
  return ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24);
}

export class WordRegion {
  readonly tree: RegionTree;
  /** Raw machine words as last synced, at their region word index. */
  private shadow = new Int32Array(0);

  /**
   * `slots`: the words are u64 slots stored [lo, hi] (stack, globals), committed as the
   * 8 big-endian bytes of `hi << 32 | lo`; otherwise each word is a big-endian u32.
   */
  constructor(depth: number, readonly slots: boolean) {
    this.tree = new RegionTree(depth);
  }

  /**
   * Region words [at, at + n) are now src[0 .. n), and words [at + n, zeroTo) zero.
   * Marks the leaves that changed (the caller rehashes). `at` is even for slot regions.
   */
  sync(src: Int32Array, n: number, at = 0, zeroTo = at + n): void {
    const end = Math.max(at + n, zeroTo);
    if (n > src.length || (this.slots && at % 2 !== 0)) throw new Error(`internal: bad word segment [${at}, ${at + n})`);
    if (end > this.shadow.length) this.growShadow(end);
    const sh = this.shadow;
    for (let i = 0; i < end - at; i++) {
      const word = i < n ? src[i] : 0;
      if (word === sh[at + i]) continue;
      const leaf = Math.floor((at + i) / WORDS_PER_LEAF);
      const stop = Math.min((leaf + 1) * WORDS_PER_LEAF, end);
      for (let k = at + i; k < stop; k++) sh[k] = k - at < n ? src[k - at] : 0;
      this.encodeLeaf(leaf);
      i = stop - at - 1;
    }
  }

  /** Rehashes the paths above the leaves that changed. */
  rehash(): void {
    this.tree.rehash();
  }

  private encodeLeaf(leaf: number): void {
    const out = this.tree.leafWords(leaf);
    const sh = this.shadow;
    const first = leaf * WORDS_PER_LEAF;
    if (this.slots) {
      for (let q = 0; q < WORDS_PER_LEAF; q += 2) {
        out[q] = bswap32(sh[first + q + 1]); // hi first: big-endian u64
        out[q + 1] = bswap32(sh[first + q]);
      }
    } else {
      for (let q = 0; q < WORDS_PER_LEAF; q++) out[q] = bswap32(sh[first + q]);
    }
    this.tree.markDirty(leaf);
  }

  private growShadow(words: number): void {
    let size = Math.max(WORDS_PER_LEAF, this.shadow.length);
    while (size < words) size *= 2;
    const next = new Int32Array(Math.ceil(size / WORDS_PER_LEAF) * WORDS_PER_LEAF);
    next.set(this.shadow);
    this.shadow = next;
  }
}
