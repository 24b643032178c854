// The stdout / stderr hash chains as a step updates them (docs/machine-state.md, "Output
// and log"): bytes go into `pending` at `len % 32`; a completed block is folded into
// `acc = H(acc ‖ pending)` and `pending` starts over at zero. A WASI chunk is at most 32
// bytes, so a step hashes at most once per stream.

import { keccak256 } from '../state/keccak.js';

export interface StreamState {
  len: number;
  acc: Uint8Array;
  pending: Uint8Array;
}

export function appendToStream(s: StreamState, bytes: Uint8Array): void {
  for (const b of bytes) {
    s.pending[s.len % 32] = b;
    s.len++;
    if (s.len % 32 === 0) {
      const pre = new Uint8Array(64);
      pre.set(s.acc, 0);
      pre.set(s.pending, 32);
      s.acc = keccak256(pre);
      s.pending = new Uint8Array(32);
    }
  }
}
