// The state as the one-step function sees it (docs/machine-state.md#one-step-proofs):
// the header as plain numbers, the program header's constants, and the regions as
// 32-byte leaves read and written one at a time. Three accessors implement `Leaves`:
// over a live Machine (vm/proof/machine-access.ts), recording proofs (prove.ts) and
// replaying them (verify.ts). The step function performs every region access through
// `StepState` below, so the sequence of leaf accesses is a pure function of the state:
// the prover records it and the verifier replays it in the same order.

import type { StreamState } from './stream.js';

/** `fn` in bootstrap code (no wasm function active). */
export const NULL_FN = 0xffffffff;

/** Regions, in header order of their roots (the immutable ones last). */
export const Region = {
  STACK: 0,
  FRAMES: 1,
  GLOBALS: 2,
  MEMORY: 3,
  TABLES: 4,
  SIZES: 5,
  PROGRAM: 6,
  INPUT: 7,
} as const;
export type Region = (typeof Region)[keyof typeof Region];

export const REGION_NAMES = ['STACK', 'FRAMES', 'GLOBALS', 'MEMORY', 'TABLES', 'SIZES', 'PROGRAM', 'INPUT'] as const;

export const STATUS = { running: 0, exited: 1, trapped: 2, outOfSteps: 3 } as const;

/** Header fields a step reads and writes (docs/machine-state.md#the-state-hash). */
export interface StepHeader {
  status: number;
  trapCode: number;
  /** Signed. */
  exitCode: number;
  steps: number;
  pc: number;
  sp: number;
  fp: number;
  fsp: number;
  /** u32; NULL_FN (0xFFFFFFFF) in bootstrap code. */
  fn: number;
  units: number;
  memPages: number;
  inputPos: number;
  /** Micro-step registers r0..r3 (WASI calls, table.grow), u32 each. */
  regs: number[];
  out: StreamState;
  log: StreamState;
}

/** The program header's constants a step uses. */
export interface ProgramInfo {
  maxSteps: number;
  memoryMaxPages: number;
  maxStackUnits: number;
  maxOutputBytes: number;
  maxLogBytes: number;
  codeBase: number;
  funcsBase: number;
  typesBase: number;
  segsBase: number;
  tablesBase: number;
  argsBase: number;
  ndata: number;
  ntables: number;
  argc: number;
  argsLen: number;
  inputLen: number;
}

/** Leaf-level access to the regions: what the three accessors implement. */
export interface Leaves {
  /** Leaf `index` of `region` (32 bytes; the caller does not keep or mutate it). */
  read(region: Region, index: number): Uint8Array;
  /** Leaf `index` of `region` becomes `leaf`. */
  write(region: Region, index: number, leaf: Uint8Array): void;
  /** Bytes appended to stdout (stream 0) or stderr (1): for accessors that keep the logs. */
  appended?(stream: 0 | 1, bytes: Uint8Array): void;
}

const LEAF = 32;

/** A wasm function's record in the program image (32 bytes, docs/machine-state.md). */
export interface FuncRecord {
  kind: number;
  entryPc: number;
  params: number;
  locals: number;
  results: number;
  units: number;
  typeId: number;
  wasiId: number;
}

export const FUNC_KIND_WASI = 1;

/**
 * Typed access on top of leaves. Every write is read-modify-write of one leaf; an access
 * of the same leaf as the access just before it carries no proof (it reuses that one),
 * so the write of a read-modify-write, and a read of a value next to the one just read,
 * cost nothing. Multi-leaf reads and writes go leaf by leaf, in ascending order.
 */
export class StepState {
  constructor(readonly h: StepHeader, readonly p: ProgramInfo, readonly leaves: Leaves) {}

  // ---- STACK: u64 slots, 4 per leaf, big-endian hi ‖ lo ----

  /** Slot `i` as [lo, hi] (int32 words). */
  readSlot(i: number): [number, number] {
    const leaf = this.leaves.read(Region.STACK, i >>> 2);
    const at = (i & 3) * 8;
    return [be32(leaf, at + 4), be32(leaf, at)];
  }

  writeSlot(i: number, lo: number, hi: number): void {
    const index = i >>> 2;
    const leaf = this.leaves.read(Region.STACK, index).slice();
    const at = (i & 3) * 8;
    put32(leaf, at, hi);
    put32(leaf, at + 4, lo);
    this.leaves.write(Region.STACK, index, leaf);
  }

  /** Zeroes slots [from, to), one access pair per leaf. */
  zeroSlots(from: number, to: number): void {
    let i = from;
    while (i < to) {
      const index = i >>> 2;
      const end = Math.min(to, (index + 1) * 4);
      const leaf = this.leaves.read(Region.STACK, index).slice();
      leaf.fill(0, (i & 3) * 8, ((end - 1) & 3) * 8 + 8);
      this.leaves.write(Region.STACK, index, leaf);
      i = end;
    }
  }

  // ---- FRAMES: 4 u32 per record, 2 records per leaf ----

  readFrame(k: number): [number, number, number, number] {
    const leaf = this.leaves.read(Region.FRAMES, k >>> 1);
    const at = (k & 1) * 16;
    return [be32u(leaf, at), be32u(leaf, at + 4), be32u(leaf, at + 8), be32u(leaf, at + 12)];
  }

  writeFrame(k: number, words: readonly number[]): void {
    const index = k >>> 1;
    const leaf = this.leaves.read(Region.FRAMES, index).slice();
    const at = (k & 1) * 16;
    for (let q = 0; q < 4; q++) put32(leaf, at + 4 * q, words[q]);
    this.leaves.write(Region.FRAMES, index, leaf);
  }

  // ---- GLOBALS: u64 slots like the stack ----

  readGlobal(g: number): [number, number] {
    const leaf = this.leaves.read(Region.GLOBALS, g >>> 2);
    const at = (g & 3) * 8;
    return [be32(leaf, at + 4), be32(leaf, at)];
  }

  writeGlobal(g: number, lo: number, hi: number): void {
    const index = g >>> 2;
    const leaf = this.leaves.read(Region.GLOBALS, index).slice();
    const at = (g & 3) * 8;
    put32(leaf, at, hi);
    put32(leaf, at + 4, lo);
    this.leaves.write(Region.GLOBALS, index, leaf);
  }

  // ---- u32 word regions: TABLES (entries), SIZES ----

  readWord(region: Region, i: number): number {
    const leaf = this.leaves.read(region, Math.floor(i / 8));
    return be32u(leaf, (i % 8) * 4);
  }

  writeWord(region: Region, i: number, value: number): void {
    const index = Math.floor(i / 8);
    const leaf = this.leaves.read(region, index).slice();
    put32(leaf, (i % 8) * 4, value);
    this.leaves.write(region, index, leaf);
  }

  // ---- byte regions: MEMORY, PROGRAM, INPUT ----

  /** `len` bytes at byte address `addr` (any length; one access per leaf touched). */
  readBytes(region: Region, addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const index = Math.floor(a / LEAF);
      const off = a % LEAF;
      const w = Math.min(len - done, LEAF - off);
      out.set(this.leaves.read(region, index).subarray(off, off + w), done);
      done += w;
    }
    return out;
  }

  /** Writes `bytes` to MEMORY at `addr`: read then write of each leaf touched, ascending. */
  writeMemory(addr: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const a = addr + done;
      const index = Math.floor(a / LEAF);
      const off = a % LEAF;
      const w = Math.min(bytes.length - done, LEAF - off);
      const leaf = this.leaves.read(Region.MEMORY, index).slice();
      leaf.set(bytes.subarray(done, done + w), off);
      this.leaves.write(Region.MEMORY, index, leaf);
      done += w;
    }
  }

  /** A big-endian u32 of the program image at byte offset `at` (4-aligned). */
  programU32(at: number): number {
    const leaf = this.leaves.read(Region.PROGRAM, Math.floor(at / LEAF));
    return be32u(leaf, at % LEAF);
  }

  /** Code row `pc`: [op, a, b, c] as int32 (2 rows per leaf). */
  readRow(pc: number): [number, number, number, number] {
    const at = this.p.codeBase + 16 * pc;
    const leaf = this.leaves.read(Region.PROGRAM, Math.floor(at / LEAF));
    const off = at % LEAF;
    return [be32(leaf, off), be32(leaf, off + 4), be32(leaf, off + 8), be32(leaf, off + 12)];
  }

  /** Function record `addr` (one leaf). */
  readFunc(addr: number): FuncRecord {
    const leaf = this.leaves.read(Region.PROGRAM, Math.floor((this.p.funcsBase + 32 * addr) / LEAF));
    const w = (q: number): number => be32u(leaf, 4 * q);
    return {
      kind: w(0), entryPc: w(1), params: w(2), locals: w(3), results: w(4), units: w(5), typeId: w(6), wasiId: w(7),
    };
  }

  /** Segment directory entry `k` (data segments first, then element segments): [offset, length]. */
  readSeg(k: number): [number, number] {
    const at = this.p.segsBase + 8 * k;
    const leaf = this.leaves.read(Region.PROGRAM, Math.floor(at / LEAF));
    return [be32u(leaf, at % LEAF), be32u(leaf, at % LEAF + 4)];
  }

  /** Table directory entry `t`: [first TABLES entry, committed capacity (its maximum)]. */
  readTableInfo(t: number): [number, number] {
    const at = this.p.tablesBase + 8 * t;
    const leaf = this.leaves.read(Region.PROGRAM, Math.floor(at / LEAF));
    return [be32u(leaf, at % LEAF), be32u(leaf, at % LEAF + 4)];
  }
}

/** Big-endian int32 at `at`. */
export function be32(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}

/** Big-endian u32 at `at`. */
export function be32u(b: Uint8Array, at: number): number {
  return be32(b, at) >>> 0;
}

export function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
