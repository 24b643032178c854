// Loads and stores (effective address = u32 operand + u32 offset), memory.size /
// memory.grow, the micro-stepped bulk operations (docs/machine.md "Micro-steps (bulk
// operations)": one destination leaf per micro-step, operands rewritten in place while
// the instruction stays at the same pc) and data.drop.

import { Op } from '../../syntax/opcodes.js';
import { Trap, TrapMessage } from '../../exec/trap.js';
import { Region, type StepState } from '../access.js';
import { LEAF, P, leavesTouched, memorySize, push, readLe32, type Row } from './common.js';

const LOADS: readonly number[] = [
  Op.i32_load, Op.f32_load, Op.i64_load, Op.f64_load, Op.i32_load8_s, Op.i64_load8_s, Op.i32_load8_u,
  Op.i64_load8_u, Op.i32_load16_s, Op.i64_load16_s, Op.i32_load16_u, Op.i64_load16_u, Op.i64_load32_s,
  Op.i64_load32_u,
];
const STORES: readonly number[] = [
  Op.i32_store, Op.f32_store, Op.i64_store32, Op.i64_store, Op.f64_store, Op.i32_store8, Op.i64_store8,
  Op.i32_store16, Op.i64_store16,
];
const MEMORY_FILL = P + 0x0b;
const MEMORY_COPY = P + 0x0a;
const MEMORY_INIT = P + 0x08;
const DATA_DROP = P + 0x09;

export const MEMORY_OPS: readonly number[] = [
  ...LOADS, ...STORES, Op.memory_size, Op.memory_grow, MEMORY_FILL, MEMORY_COPY, MEMORY_INIT, DATA_DROP,
];

function accessWidth(op: number): number {
  switch (op) {
    case Op.i64_load: case Op.f64_load: case Op.i64_store: case Op.f64_store: return 8;
    case Op.i32_load8_s: case Op.i64_load8_s: case Op.i32_load8_u: case Op.i64_load8_u:
    case Op.i32_store8: case Op.i64_store8: return 1;
    case Op.i32_load16_s: case Op.i64_load16_s: case Op.i32_load16_u: case Op.i64_load16_u:
    case Op.i32_store16: case Op.i64_store16: return 2;
    default: return 4;
  }
}

export function execMemory(st: StepState, row: Row): void {
  const op = row[0];
  if (LOADS.includes(op)) load(st, op, row[1]);
  else if (STORES.includes(op)) store(st, op, row[1]);
  else if (op === Op.memory_size) push(st, st.h.memPages, 0);
  else if (op === Op.memory_grow) grow(st);
  else if (op === MEMORY_FILL) { if (!fill(st)) return; }
  else if (op === MEMORY_COPY) { if (!copy(st)) return; }
  else if (op === MEMORY_INIT) { if (!init(st, row[1])) return; }
  else if (op === DATA_DROP) st.writeWord(Region.SIZES, st.p.ntables + row[1], 0);
  else throw new Error(`internal: 0x${op.toString(16)} is not a memory instruction`);
  st.h.pc++;
}

function effectiveAddress(st: StepState, operand: number, offset: number, width: number): number {
  const a = (operand >>> 0) + (offset >>> 0);
  if (a + width > memorySize(st)) throw new Trap(TrapMessage.memoryOutOfBounds);
  return a;
}

function load(st: StepState, op: number, offset: number): void {
  const h = st.h;
  const [alo, ahi] = st.readSlot(h.sp - 1);
  const width = accessWidth(op);
  const b = st.readBytes(Region.MEMORY, effectiveAddress(st, alo, offset, width), width);
  let lo: number;
  let hi: number;
  switch (op) {
    case Op.i32_load: case Op.f32_load: lo = readLe32(b, 0); hi = ahi; break;
    case Op.i64_load: case Op.f64_load: lo = readLe32(b, 0); hi = readLe32(b, 4); break;
    case Op.i32_load8_s: case Op.i64_load8_s:
      lo = (b[0] << 24) >> 24; hi = op === Op.i64_load8_s ? lo >> 31 : 0; break;
    case Op.i32_load8_u: case Op.i64_load8_u: lo = b[0]; hi = 0; break;
    case Op.i32_load16_s: case Op.i64_load16_s:
      lo = ((b[0] | (b[1] << 8)) << 16) >> 16; hi = op === Op.i64_load16_s ? lo >> 31 : 0; break;
    case Op.i32_load16_u: case Op.i64_load16_u: lo = b[0] | (b[1] << 8); hi = 0; break;
    default: lo = readLe32(b, 0); hi = op === Op.i64_load32_s ? lo >> 31 : 0; break; // i64.load32_s/u
  }
  st.writeSlot(h.sp - 1, lo, hi);
}

function store(st: StepState, op: number, offset: number): void {
  const h = st.h;
  h.sp -= 2; // popped before a trap, as in the interpreter
  const width = accessWidth(op);
  const a = effectiveAddress(st, st.readSlot(h.sp)[0], offset, width);
  const [lo, hi] = st.readSlot(h.sp + 1);
  const bytes = new Uint8Array(width);
  for (let k = 0; k < width; k++) bytes[k] = ((k < 4 ? lo : hi) >>> (8 * (k % 4))) & 0xff;
  st.writeMemory(a, bytes);
}

function grow(st: StepState): void {
  const h = st.h;
  const [lo, hi] = st.readSlot(h.sp - 1);
  const delta = lo >>> 0;
  const old = h.memPages;
  let result = -1;
  if (delta <= st.p.memoryMaxPages - old) {
    h.memPages = old + delta;
    result = old;
  }
  st.writeSlot(h.sp - 1, result, hi);
}

/** The three operands of a bulk instruction (slots sp-3, sp-2, sp-1) with their high words. */
interface Operands {
  d: number;
  s: number;
  n: number;
  dHi: number;
  sHi: number;
  nHi: number;
}

function operands(st: StepState): Operands {
  const sp = st.h.sp;
  const [d, dHi] = st.readSlot(sp - 3);
  const [s, sHi] = st.readSlot(sp - 2);
  const [n, nHi] = st.readSlot(sp - 1);
  return { d: d >>> 0, s: s >>> 0, n: n >>> 0, dHi, sHi, nHi };
}

/**
 * Rewrites the operands for the next micro-step (only the words that change, in the
 * interpreter's order: d, s, n). Returns false: the instruction stays at its pc.
 */
function resume(st: StepState, o: Operands, d: number | null, s: number | null, n: number): false {
  const sp = st.h.sp;
  if (d !== null) st.writeSlot(sp - 3, d | 0, o.dHi);
  if (s !== null) st.writeSlot(sp - 2, s | 0, o.sHi);
  st.writeSlot(sp - 1, n | 0, o.nHi);
  return false;
}

/** memory.fill d v n. Returns true when the instruction completes. */
function fill(st: StepState): boolean {
  const o = operands(st);
  const { d, n } = o;
  if (d + n > memorySize(st)) throw new Trap(TrapMessage.memoryOutOfBounds);
  const v = o.s & 0xff;
  if (n === 0) return done(st);
  const len = leavesTouched(d, n) === 1 ? n : Math.min(n, LEAF - (d % LEAF));
  st.writeMemory(d, new Uint8Array(len).fill(v));
  if (len === n) return done(st);
  return resume(st, o, d + len, null, n - len);
}

/** memory.copy d s n: forward from the low end when d <= s, else backward from the high end. */
function copy(st: StepState): boolean {
  const o = operands(st);
  const { d, s, n } = o;
  const size = memorySize(st);
  if (s + n > size || d + n > size) throw new Trap(TrapMessage.memoryOutOfBounds);
  if (n === 0) return done(st);
  if (leavesTouched(d, n) === 1) {
    st.writeMemory(d, st.readBytes(Region.MEMORY, s, n));
    return done(st);
  }
  if (d <= s) {
    const len = Math.min(n, LEAF - (d % LEAF));
    st.writeMemory(d, st.readBytes(Region.MEMORY, s, len));
    return resume(st, o, d + len, s + len, n - len);
  }
  const len = Math.min(n, ((d + n - 1) % LEAF) + 1);
  st.writeMemory(d + n - len, st.readBytes(Region.MEMORY, s + n - len, len));
  return resume(st, o, null, null, n - len);
}

/** memory.init seg d s n: the segment's bytes come from the program image. */
function init(st: StepState, seg: number): boolean {
  const o = operands(st);
  const { d, s, n } = o;
  const length = st.readWord(Region.SIZES, st.p.ntables + seg);
  if (s + n > length || d + n > memorySize(st)) throw new Trap(TrapMessage.memoryOutOfBounds);
  if (n === 0) return done(st);
  const offset = st.readSeg(seg)[0];
  const len = leavesTouched(d, n) === 1 ? n : Math.min(n, LEAF - (d % LEAF));
  st.writeMemory(d, st.readBytes(Region.PROGRAM, offset + s, len));
  if (len === n) return done(st);
  return resume(st, o, d + len, s + len, n - len);
}

/** The last micro-step: pops the three operands. */
function done(st: StepState): true {
  st.h.sp -= 3;
  return true;
}
