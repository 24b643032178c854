// The commitment of an append-only byte stream, stdout or stderr
// (docs/machine-state.md#the-state-hash): a hash chain over its complete 32-byte blocks,
// `acc = H(acc ‖ block)`, plus the pending partial block and the length. A step that
// appends a chunk of at most 32 bytes touches one block, so the verifier updates it with
// at most one hash; the prover keeps the chain state and feeds it only the new bytes.

import { hashWords64, keccak256 } from './keccak.js';

export class StreamChain {
  /** Bytes appended so far. */
  length = 0;
  private readonly accWords = new Int32Array(8);
  private readonly pendingBytes = new Uint8Array(32);
  private readonly pendingWords = new Int32Array(this.pendingBytes.buffer);

  /** Appends `bytes[start .. end)`. */
  append(bytes: Uint8Array, start = 0, end = bytes.length): void {
    let i = start;
    while (i < end) {
      const at = this.length % 32;
      const take = Math.min(32 - at, end - i);
      this.pendingBytes.set(bytes.subarray(i, i + take), at);
      i += take;
      this.length += take;
      if (at + take === 32) {
        hashWords64(this.accWords, 0, this.pendingWords, 0, this.accWords, 0);
        this.pendingBytes.fill(0);
      }
    }
  }

  /** The chain over the complete blocks (32 bytes). */
  acc(): Uint8Array {
    return new Uint8Array(this.accWords.buffer.slice(0));
  }

  /** The bytes of the incomplete last block, zero-padded (32 bytes). */
  pending(): Uint8Array {
    return this.pendingBytes.slice();
  }

  /** H(acc ‖ pending ‖ u32 length): what a result commits to. */
  digest(): Uint8Array {
    return streamDigest(this.length, this.acc(), this.pending());
  }
}

/** The digest of a stream from its commitment fields. */
export function streamDigest(length: number, acc: Uint8Array, pending: Uint8Array): Uint8Array {
  const pre = new Uint8Array(68);
  pre.set(acc, 0);
  pre.set(pending, 32);
  new DataView(pre.buffer).setUint32(64, length);
  return keccak256(pre);
}

/** The output digest of a complete stdout (0x-prefixed hex). */
export function outputDigest(stdout: Uint8Array): string {
  const chain = new StreamChain();
  chain.append(stdout);
  return toHex(chain.digest());
}

export function toHex(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
