// Tables (table.get/set/size, the micro-stepped table.grow/fill/copy/init: one entry per
// micro-step) and elem.drop; the reference constants ref.null / ref.func. A table's
// entries live in region TABLES from its base (program image, tables section); its size
// and the segments' current lengths in region SIZES.

import { Op } from '../../syntax/opcodes.js';
import { Trap, TrapMessage } from '../../exec/trap.js';
import { Region, type StepState } from '../access.js';
import { P, push, type Row } from './common.js';

const TABLE_SIZE = P + 0x10;
const TABLE_GROW = P + 0x0f;
const TABLE_FILL = P + 0x11;
const TABLE_COPY = P + 0x0e;
const TABLE_INIT = P + 0x0c;
const ELEM_DROP = P + 0x0d;

export const TABLE_OPS: readonly number[] = [
  Op.table_get, Op.table_set, TABLE_SIZE, TABLE_GROW, TABLE_FILL, TABLE_COPY, TABLE_INIT, ELEM_DROP,
  Op.ref_null, Op.ref_func,
];

export function execTable(st: StepState, row: Row): void {
  const h = st.h;
  switch (row[0]) {
    case Op.table_get: {
      const t = row[1];
      const i = st.readSlot(h.sp - 1)[0] >>> 0;
      if (i >= st.readWord(Region.SIZES, t)) throw new Trap(TrapMessage.tableOutOfBounds);
      st.writeSlot(h.sp - 1, st.readWord(Region.TABLES, st.readTableInfo(t)[0] + i) | 0, 0);
      break;
    }
    case Op.table_set: {
      const t = row[1];
      h.sp -= 2; // a trap leaves the operands popped
      const i = st.readSlot(h.sp)[0] >>> 0;
      if (i >= st.readWord(Region.SIZES, t)) throw new Trap(TrapMessage.tableOutOfBounds);
      const ref = st.readSlot(h.sp + 1)[0];
      st.writeWord(Region.TABLES, st.readTableInfo(row[1])[0] + i, ref);
      break;
    }
    case TABLE_SIZE:
      push(st, st.readWord(Region.SIZES, row[1]) | 0, 0);
      break;
    case TABLE_GROW:
      if (!grow(st, row[1])) return;
      break;
    case TABLE_FILL:
      if (!fill(st, row[1])) return;
      break;
    case TABLE_COPY:
      if (!copy(st, row[1], row[2])) return;
      break;
    case TABLE_INIT:
      if (!init(st, row[1], row[2])) return;
      break;
    case ELEM_DROP:
      st.writeWord(Region.SIZES, st.p.ntables + st.p.ndata + row[1], 0);
      break;
    case Op.ref_null:
      push(st, 0, 0);
      break;
    case Op.ref_func:
      push(st, row[1], 0);
      break;
    default:
      throw new Error(`internal: 0x${row[0].toString(16)} is not a table instruction`);
  }
  h.pc++;
}

/**
 * table.grow t: init n -> old size or -1. New entries are zero (null) in the region, so
 * only a non-null init writes them, one per micro-step (docs/machine.md, micro-steps):
 * with r0 = 0 the first checks the fit, sets the final size and writes entry `old`;
 * each next one writes entry `size - n + r0`. The operands stay on the stack until the
 * micro-step that writes the last entry, which pops them, pushes `size - n` and zeroes
 * r0. A failing grow, n = 0 or a null init is one step. Returns true when done.
 */
function grow(st: StepState, t: number): boolean {
  const h = st.h;
  const n = st.readSlot(h.sp - 1)[0] >>> 0;
  const ref = st.readSlot(h.sp - 2)[0];
  let size = st.readWord(Region.SIZES, t);
  const [base, max] = st.readTableInfo(t);
  const done = h.regs[0];
  if (done === 0) {
    if (n > max - size) return pushGrowResult(st, -1);
    if (ref === 0 || n === 0) {
      st.writeWord(Region.SIZES, t, size + n);
      return pushGrowResult(st, size);
    }
    st.writeWord(Region.TABLES, base + size, ref);
    size += n;
    st.writeWord(Region.SIZES, t, size);
  } else {
    st.writeWord(Region.TABLES, base + size - n + done, ref);
  }
  if (done + 1 < n) {
    h.regs[0] = done + 1;
    return false;
  }
  h.regs[0] = 0;
  return pushGrowResult(st, size - n);
}

function pushGrowResult(st: StepState, result: number): true {
  st.h.sp--;
  st.writeSlot(st.h.sp - 1, result, 0);
  return true;
}

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

/** Rewrites the operands for the next micro-step (d, s, n; null = unchanged); pc stays. */
function resume(st: StepState, o: Operands, d: number | null, s: number | null, n: number): false {
  const sp = st.h.sp;
  if (d !== null) st.writeSlot(sp - 3, d | 0, o.dHi);
  if (s !== null) st.writeSlot(sp - 2, s | 0, o.sHi);
  st.writeSlot(sp - 1, n | 0, o.nHi);
  return false;
}

function done(st: StepState): true {
  st.h.sp -= 3;
  return true;
}

/** table.fill t: i ref n. */
function fill(st: StepState, t: number): boolean {
  const o = operands(st);
  const { d: i, n } = o;
  if (i + n > st.readWord(Region.SIZES, t)) throw new Trap(TrapMessage.tableOutOfBounds);
  if (n === 0) return done(st);
  st.writeWord(Region.TABLES, st.readTableInfo(t)[0] + i, o.s);
  if (n === 1) return done(st);
  return resume(st, o, i + 1, null, n - 1);
}

/** table.copy dst src: d s n, forward when d <= s, else from the high end. */
function copy(st: StepState, dst: number, src: number): boolean {
  const o = operands(st);
  const { d, s, n } = o;
  if (s + n > st.readWord(Region.SIZES, src) || d + n > st.readWord(Region.SIZES, dst)) {
    throw new Trap(TrapMessage.tableOutOfBounds);
  }
  if (n === 0) return done(st);
  const forward = n === 1 || d <= s;
  const from = forward ? s : s + n - 1;
  const to = forward ? d : d + n - 1;
  const ref = st.readWord(Region.TABLES, st.readTableInfo(src)[0] + from);
  st.writeWord(Region.TABLES, st.readTableInfo(dst)[0] + to, ref);
  if (n === 1) return done(st);
  return forward ? resume(st, o, d + 1, s + 1, n - 1) : resume(st, o, null, null, n - 1);
}

/** table.init elem table: d s n; the segment's references come from the program image. */
function init(st: StepState, seg: number, t: number): boolean {
  const o = operands(st);
  const { d, s, n } = o;
  const k = st.p.ndata + seg;
  if (s + n > st.readWord(Region.SIZES, st.p.ntables + k) || d + n > st.readWord(Region.SIZES, t)) {
    throw new Trap(TrapMessage.tableOutOfBounds);
  }
  if (n === 0) return done(st);
  const ref = st.programU32(st.readSeg(k)[0] + 4 * s);
  st.writeWord(Region.TABLES, st.readTableInfo(t)[0] + d, ref);
  if (n === 1) return done(st);
  return resume(st, o, d + 1, s + 1, n - 1);
}
