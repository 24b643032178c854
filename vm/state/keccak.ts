// keccak-256 for the state commitment (docs/machine-state.md): every merkle node is the
// hash of 64 bytes and every leaf the hash of 32, so these two message sizes get a
// specialized path. Hashes are handled as 8 int32 words (the little-endian words of the
// 32 digest bytes), which is also how keccak absorbs them: no byte shuffling per hash.
// Anything else goes through @noble/hashes. test/state/keccak.test.ts checks both paths
// against noble on random inputs.
//
// The permutation is keccak-f[1600] with the 25 lanes in local variables (lane i is
// `l<i>` low word, `h<i>` high word), one round unrolled: several times faster than a
// loop over a state array, which is what makes hashing a 256 MiB memory affordable.

import { keccak_256 } from '@noble/hashes/sha3.js';

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  // Words are read from byte buffers through Int32Array views, which assumes this.
  throw new Error('vm/state needs a little-endian host');
}

/** Round constants of keccak-f[1600], low and high 32 bits. */
const RC = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n,
  0x000000000000808bn, 0x0000000080000001n, 0x8000000080008081n, 0x8000000000008009n,
  0x000000000000008an, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
  0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n, 0x8000000000008003n,
  0x8000000000008002n, 0x8000000000000080n, 0x000000000000800an, 0x800000008000000an,
  0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];
const RC_LO = Int32Array.from(RC, (c) => Number(c & 0xffffffffn) | 0);
const RC_HI = Int32Array.from(RC, (c) => Number(c >> 32n) | 0);

/** keccak-f[1600] on a state of 50 words (lane i = words 2i (low), 2i + 1 (high)). */
export function keccakF(s: Int32Array): void {
  let l0 = s[0], h0 = s[1];
  let l1 = s[2], h1 = s[3];
  let l2 = s[4], h2 = s[5];
  let l3 = s[6], h3 = s[7];
  let l4 = s[8], h4 = s[9];
  let l5 = s[10], h5 = s[11];
  let l6 = s[12], h6 = s[13];
  let l7 = s[14], h7 = s[15];
  let l8 = s[16], h8 = s[17];
  let l9 = s[18], h9 = s[19];
  let l10 = s[20], h10 = s[21];
  let l11 = s[22], h11 = s[23];
  let l12 = s[24], h12 = s[25];
  let l13 = s[26], h13 = s[27];
  let l14 = s[28], h14 = s[29];
  let l15 = s[30], h15 = s[31];
  let l16 = s[32], h16 = s[33];
  let l17 = s[34], h17 = s[35];
  let l18 = s[36], h18 = s[37];
  let l19 = s[38], h19 = s[39];
  let l20 = s[40], h20 = s[41];
  let l21 = s[42], h21 = s[43];
  let l22 = s[44], h22 = s[45];
  let l23 = s[46], h23 = s[47];
  let l24 = s[48], h24 = s[49];
  for (let round = 0; round < 24; round++) {
    const c0l = l0 ^ l5 ^ l10 ^ l15 ^ l20;
    const c0h = h0 ^ h5 ^ h10 ^ h15 ^ h20;
    const c1l = l1 ^ l6 ^ l11 ^ l16 ^ l21;
    const c1h = h1 ^ h6 ^ h11 ^ h16 ^ h21;
    const c2l = l2 ^ l7 ^ l12 ^ l17 ^ l22;
    const c2h = h2 ^ h7 ^ h12 ^ h17 ^ h22;
    const c3l = l3 ^ l8 ^ l13 ^ l18 ^ l23;
    const c3h = h3 ^ h8 ^ h13 ^ h18 ^ h23;
    const c4l = l4 ^ l9 ^ l14 ^ l19 ^ l24;
    const c4h = h4 ^ h9 ^ h14 ^ h19 ^ h24;
    const d0l = c4l ^ ((c1l << 1) | (c1h >>> 31));
    const d0h = c4h ^ ((c1h << 1) | (c1l >>> 31));
    const d1l = c0l ^ ((c2l << 1) | (c2h >>> 31));
    const d1h = c0h ^ ((c2h << 1) | (c2l >>> 31));
    const d2l = c1l ^ ((c3l << 1) | (c3h >>> 31));
    const d2h = c1h ^ ((c3h << 1) | (c3l >>> 31));
    const d3l = c2l ^ ((c4l << 1) | (c4h >>> 31));
    const d3h = c2h ^ ((c4h << 1) | (c4l >>> 31));
    const d4l = c3l ^ ((c0l << 1) | (c0h >>> 31));
    const d4h = c3h ^ ((c0h << 1) | (c0l >>> 31));
    const b0l = (l0 ^ d0l);
    const b0h = (h0 ^ d0h);
    const a5l = l5 ^ d0l, a5h = h5 ^ d0h;
    const b16l = (a5h << 4) | (a5l >>> 28);
    const b16h = (a5l << 4) | (a5h >>> 28);
    const a10l = l10 ^ d0l, a10h = h10 ^ d0h;
    const b7l = (a10l << 3) | (a10h >>> 29);
    const b7h = (a10h << 3) | (a10l >>> 29);
    const a15l = l15 ^ d0l, a15h = h15 ^ d0h;
    const b23l = (a15h << 9) | (a15l >>> 23);
    const b23h = (a15l << 9) | (a15h >>> 23);
    const a20l = l20 ^ d0l, a20h = h20 ^ d0h;
    const b14l = (a20l << 18) | (a20h >>> 14);
    const b14h = (a20h << 18) | (a20l >>> 14);
    const a1l = l1 ^ d1l, a1h = h1 ^ d1h;
    const b10l = (a1l << 1) | (a1h >>> 31);
    const b10h = (a1h << 1) | (a1l >>> 31);
    const a6l = l6 ^ d1l, a6h = h6 ^ d1h;
    const b1l = (a6h << 12) | (a6l >>> 20);
    const b1h = (a6l << 12) | (a6h >>> 20);
    const a11l = l11 ^ d1l, a11h = h11 ^ d1h;
    const b17l = (a11l << 10) | (a11h >>> 22);
    const b17h = (a11h << 10) | (a11l >>> 22);
    const a16l = l16 ^ d1l, a16h = h16 ^ d1h;
    const b8l = (a16h << 13) | (a16l >>> 19);
    const b8h = (a16l << 13) | (a16h >>> 19);
    const a21l = l21 ^ d1l, a21h = h21 ^ d1h;
    const b24l = (a21l << 2) | (a21h >>> 30);
    const b24h = (a21h << 2) | (a21l >>> 30);
    const a2l = l2 ^ d2l, a2h = h2 ^ d2h;
    const b20l = (a2h << 30) | (a2l >>> 2);
    const b20h = (a2l << 30) | (a2h >>> 2);
    const a7l = l7 ^ d2l, a7h = h7 ^ d2h;
    const b11l = (a7l << 6) | (a7h >>> 26);
    const b11h = (a7h << 6) | (a7l >>> 26);
    const a12l = l12 ^ d2l, a12h = h12 ^ d2h;
    const b2l = (a12h << 11) | (a12l >>> 21);
    const b2h = (a12l << 11) | (a12h >>> 21);
    const a17l = l17 ^ d2l, a17h = h17 ^ d2h;
    const b18l = (a17l << 15) | (a17h >>> 17);
    const b18h = (a17h << 15) | (a17l >>> 17);
    const a22l = l22 ^ d2l, a22h = h22 ^ d2h;
    const b9l = (a22h << 29) | (a22l >>> 3);
    const b9h = (a22l << 29) | (a22h >>> 3);
    const a3l = l3 ^ d3l, a3h = h3 ^ d3h;
    const b5l = (a3l << 28) | (a3h >>> 4);
    const b5h = (a3h << 28) | (a3l >>> 4);
    const a8l = l8 ^ d3l, a8h = h8 ^ d3h;
    const b21l = (a8h << 23) | (a8l >>> 9);
    const b21h = (a8l << 23) | (a8h >>> 9);
    const a13l = l13 ^ d3l, a13h = h13 ^ d3h;
    const b12l = (a13l << 25) | (a13h >>> 7);
    const b12h = (a13h << 25) | (a13l >>> 7);
    const a18l = l18 ^ d3l, a18h = h18 ^ d3h;
    const b3l = (a18l << 21) | (a18h >>> 11);
    const b3h = (a18h << 21) | (a18l >>> 11);
    const a23l = l23 ^ d3l, a23h = h23 ^ d3h;
    const b19l = (a23h << 24) | (a23l >>> 8);
    const b19h = (a23l << 24) | (a23h >>> 8);
    const a4l = l4 ^ d4l, a4h = h4 ^ d4h;
    const b15l = (a4l << 27) | (a4h >>> 5);
    const b15h = (a4h << 27) | (a4l >>> 5);
    const a9l = l9 ^ d4l, a9h = h9 ^ d4h;
    const b6l = (a9l << 20) | (a9h >>> 12);
    const b6h = (a9h << 20) | (a9l >>> 12);
    const a14l = l14 ^ d4l, a14h = h14 ^ d4h;
    const b22l = (a14h << 7) | (a14l >>> 25);
    const b22h = (a14l << 7) | (a14h >>> 25);
    const a19l = l19 ^ d4l, a19h = h19 ^ d4h;
    const b13l = (a19l << 8) | (a19h >>> 24);
    const b13h = (a19h << 8) | (a19l >>> 24);
    const a24l = l24 ^ d4l, a24h = h24 ^ d4h;
    const b4l = (a24l << 14) | (a24h >>> 18);
    const b4h = (a24h << 14) | (a24l >>> 18);
    l0 = b0l ^ (~b1l & b2l);
    h0 = b0h ^ (~b1h & b2h);
    l1 = b1l ^ (~b2l & b3l);
    h1 = b1h ^ (~b2h & b3h);
    l2 = b2l ^ (~b3l & b4l);
    h2 = b2h ^ (~b3h & b4h);
    l3 = b3l ^ (~b4l & b0l);
    h3 = b3h ^ (~b4h & b0h);
    l4 = b4l ^ (~b0l & b1l);
    h4 = b4h ^ (~b0h & b1h);
    l5 = b5l ^ (~b6l & b7l);
    h5 = b5h ^ (~b6h & b7h);
    l6 = b6l ^ (~b7l & b8l);
    h6 = b6h ^ (~b7h & b8h);
    l7 = b7l ^ (~b8l & b9l);
    h7 = b7h ^ (~b8h & b9h);
    l8 = b8l ^ (~b9l & b5l);
    h8 = b8h ^ (~b9h & b5h);
    l9 = b9l ^ (~b5l & b6l);
    h9 = b9h ^ (~b5h & b6h);
    l10 = b10l ^ (~b11l & b12l);
    h10 = b10h ^ (~b11h & b12h);
    l11 = b11l ^ (~b12l & b13l);
    h11 = b11h ^ (~b12h & b13h);
    l12 = b12l ^ (~b13l & b14l);
    h12 = b12h ^ (~b13h & b14h);
    l13 = b13l ^ (~b14l & b10l);
    h13 = b13h ^ (~b14h & b10h);
    l14 = b14l ^ (~b10l & b11l);
    h14 = b14h ^ (~b10h & b11h);
    l15 = b15l ^ (~b16l & b17l);
    h15 = b15h ^ (~b16h & b17h);
    l16 = b16l ^ (~b17l & b18l);
    h16 = b16h ^ (~b17h & b18h);
    l17 = b17l ^ (~b18l & b19l);
    h17 = b17h ^ (~b18h & b19h);
    l18 = b18l ^ (~b19l & b15l);
    h18 = b18h ^ (~b19h & b15h);
    l19 = b19l ^ (~b15l & b16l);
    h19 = b19h ^ (~b15h & b16h);
    l20 = b20l ^ (~b21l & b22l);
    h20 = b20h ^ (~b21h & b22h);
    l21 = b21l ^ (~b22l & b23l);
    h21 = b21h ^ (~b22h & b23h);
    l22 = b22l ^ (~b23l & b24l);
    h22 = b22h ^ (~b23h & b24h);
    l23 = b23l ^ (~b24l & b20l);
    h23 = b23h ^ (~b24h & b20h);
    l24 = b24l ^ (~b20l & b21l);
    h24 = b24h ^ (~b20h & b21h);
    l0 ^= RC_LO[round];
    h0 ^= RC_HI[round];

  }
  s[0] = l0; s[1] = h0;
  s[2] = l1; s[3] = h1;
  s[4] = l2; s[5] = h2;
  s[6] = l3; s[7] = h3;
  s[8] = l4; s[9] = h4;
  s[10] = l5; s[11] = h5;
  s[12] = l6; s[13] = h6;
  s[14] = l7; s[15] = h7;
  s[16] = l8; s[17] = h8;
  s[18] = l9; s[19] = h9;
  s[20] = l10; s[21] = h10;
  s[22] = l11; s[23] = h11;
  s[24] = l12; s[25] = h12;
  s[26] = l13; s[27] = h13;
  s[28] = l14; s[29] = h14;
  s[30] = l15; s[31] = h15;
  s[32] = l16; s[33] = h16;
  s[34] = l17; s[35] = h17;
  s[36] = l18; s[37] = h18;
  s[38] = l19; s[39] = h19;
  s[40] = l20; s[41] = h20;
  s[42] = l21; s[43] = h21;
  s[44] = l22; s[45] = h22;
  s[46] = l23; s[47] = h23;
  s[48] = l24; s[49] = h24;
}

const state = new Int32Array(50);

/**
 * keccak-256 of the 32 bytes whose little-endian words are `src[at .. at + 8)`, written
 * to `dst[to .. to + 8)` (`dst` may be `src`).
 */
export function hashWords32(src: Int32Array, at: number, dst: Int32Array, to: number): void {
  const s = state;
  for (let i = 0; i < 8; i++) s[i] = src[at + i];
  s.fill(0, 8);
  s[8] = 1; // padding: 0x01 at byte 32 ...
  s[33] = 0x80000000 | 0; // ... and 0x80 at byte 135, the last byte of the 136-byte block
  keccakF(s);
  for (let i = 0; i < 8; i++) dst[to + i] = s[i];
}

/**
 * keccak-256 of the 64 bytes `a[ai .. ai + 8) ‖ b[bi .. bi + 8)` (little-endian words),
 * written to `dst[to .. to + 8)` (`dst` may be `a` or `b`).
 */
export function hashWords64(a: Int32Array, ai: number, b: Int32Array, bi: number, dst: Int32Array, to: number): void {
  const s = state;
  for (let i = 0; i < 8; i++) {
    s[i] = a[ai + i];
    s[8 + i] = b[bi + i];
  }
  s.fill(0, 16);
  s[16] = 1; // padding: 0x01 at byte 64 ...
  s[33] = 0x80000000 | 0; // ... and 0x80 at byte 135
  keccakF(s);
  for (let i = 0; i < 8; i++) dst[to + i] = s[i];
}

/** keccak-256 of any byte string (@noble/hashes). */
export function keccak256(bytes: Uint8Array): Uint8Array {
  return keccak_256(bytes);
}

/** The 32 digest bytes of a hash held as 8 little-endian words. */
export function wordsToHash(words: Int32Array, at = 0): Uint8Array {
  return new Uint8Array(words.buffer.slice(words.byteOffset + at * 4, words.byteOffset + at * 4 + 32));
}

/** The 8 little-endian words of a 32-byte hash. */
export function hashToWords(hash: Uint8Array): Int32Array {
  if (hash.length !== 32) throw new Error(`expected a 32-byte hash, got ${hash.length} bytes`);
  return new Int32Array(hash.slice().buffer);
}
