// Helpers shared by the opcode groups of the step function.

import type { StepState } from '../access.js';

/** Row words: [op, a, b, c] (int32). */
export type Row = readonly [number, number, number, number];

export const PAGE = 65536;
export const LEAF = 32;
/** Internal opcode of 0xFC sub-opcode 0 (code.ts). */
export const P = 0xe0;

/** Pushes a slot. */
export function push(st: StepState, lo: number, hi: number): void {
  st.writeSlot(st.h.sp, lo, hi);
  st.h.sp++;
}

/** Linear memory size in bytes. */
export function memorySize(st: StepState): number {
  return st.h.memPages * PAGE;
}

/** Aligned 32-byte leaves that bytes [d, d + n) touch (n > 0). */
export function leavesTouched(d: number, n: number): number {
  return Math.floor((d + n - 1) / LEAF) - Math.floor(d / LEAF) + 1;
}

/** Little-endian bytes of a u32. */
export function le32(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}

/** Little-endian int32 at `at`. */
export function readLe32(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}
