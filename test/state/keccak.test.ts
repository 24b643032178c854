// The specialized keccak paths (vm/state/keccak.ts) against @noble/hashes.
import { describe, expect, it } from 'vitest';
import { keccak_256, keccakP } from '@noble/hashes/sha3.js';
import { hashWords32, hashWords64, hashToWords, keccakF, wordsToHash } from '../../vm/state/keccak.js';
import { randomBytes } from './random.js';

describe('keccak', () => {
  it('keccakF is keccak-f[1600] (noble keccakP) on random states', () => {
    for (let k = 0; k < 50; k++) {
      const bytes = randomBytes(200, k);
      const ours = new Int32Array(bytes.slice().buffer);
      const theirs = new Uint32Array(bytes.slice().buffer);
      keccakF(ours);
      keccakP(theirs, 24);
      expect(new Uint8Array(ours.buffer)).toEqual(new Uint8Array(theirs.buffer));
    }
  });

  it('hashWords32 and hashWords64 equal keccak_256 of the same 32 and 64 bytes', () => {
    for (let k = 0; k < 500; k++) {
      const bytes = randomBytes(96, 1000 + k);
      const words = new Int32Array(bytes.buffer);
      const out = new Int32Array(8);
      hashWords32(words, 16, out, 0);
      expect(wordsToHash(out)).toEqual(keccak_256(bytes.subarray(64, 96)));
      hashWords64(words, 8, words, 0, out, 0);
      const pair = new Uint8Array(64);
      pair.set(bytes.subarray(32, 64), 0);
      pair.set(bytes.subarray(0, 32), 32);
      expect(wordsToHash(out)).toEqual(keccak_256(pair));
    }
  });

  it('hashes in place (the output may overlap the input)', () => {
    const bytes = randomBytes(64, 7);
    const words = new Int32Array(bytes.slice().buffer);
    hashWords64(words, 0, words, 8, words, 0);
    expect(wordsToHash(words, 0)).toEqual(keccak_256(bytes));
    const w32 = new Int32Array(bytes.slice(0, 32).buffer);
    hashWords32(w32, 0, w32, 0);
    expect(wordsToHash(w32)).toEqual(keccak_256(bytes.subarray(0, 32)));
  });

  it('the all-zero inputs hash to the known keccak values', () => {
    const out = new Int32Array(8);
    hashWords32(new Int32Array(8), 0, out, 0);
    expect(Buffer.from(wordsToHash(out)).toString('hex')).toBe('290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563');
    expect(hashToWords(wordsToHash(out))).toEqual(out);
    expect(() => hashToWords(new Uint8Array(31))).toThrow(/32-byte/);
  });
});
