// Control (spec 4.4.8), calls and returns, the LOCALS prologue and the bootstrap exit:
// the interpreter's "control" group plus enter / leave.

import { Op } from '../../syntax/opcodes.js';
import { IOp, RETURN_TARGET } from '../../exec/code.js';
import { LOCALS_PER_STEP } from '../../exec/limits.js';
import { Trap, TrapMessage } from '../../exec/trap.js';
import { FUNC_KIND_WASI, Region, STATUS, type FuncRecord, type StepState } from '../access.js';
import type { Row } from './common.js';
import { hostCall } from './wasi.js';

export const CONTROL_OPS: readonly number[] = [
  Op.unreachable, Op.nop, Op.block, Op.loop, Op.end, Op.if, Op.else, Op.br_if, Op.br, Op.br_table,
  Op.return, IOp.END_FUNC, Op.call, Op.call_indirect, IOp.BOOT_EXIT, IOp.LOCALS,
];

export function execControl(st: StepState, row: Row): void {
  const h = st.h;
  switch (row[0]) {
    case Op.unreachable:
      throw new Trap(TrapMessage.unreachable);
    case Op.nop:
    case Op.block:
    case Op.loop:
    case Op.end:
      h.pc++;
      return;
    case Op.if: {
      h.sp--;
      const c = st.readSlot(h.sp)[0];
      h.pc = c !== 0 ? h.pc + 1 : row[1];
      return;
    }
    case Op.else:
      h.pc = row[1];
      return;
    case Op.br_if: {
      h.sp--;
      if (st.readSlot(h.sp)[0] === 0) {
        h.pc++;
        return;
      }
      branch(st, row[1], row[2], row[3]);
      return;
    }
    case Op.br:
      branch(st, row[1], row[2], row[3]);
      return;
    case Op.br_table: {
      h.sp--;
      const i = st.readSlot(h.sp)[0] >>> 0;
      const count = row[1];
      const target = st.readRow(h.pc + 1 + (i < count ? i : count));
      branch(st, target[1], target[2], target[3]);
      return;
    }
    case Op.return:
    case IOp.END_FUNC:
      leave(st);
      return;
    case Op.call: {
      const addr = row[1];
      enter(st, addr, st.readFunc(addr), h.pc + 1);
      return;
    }
    case Op.call_indirect:
      callIndirect(st, row);
      return;
    case IOp.BOOT_EXIT:
      h.status = STATUS.exited;
      h.exitCode = 0;
      return;
    case IOp.LOCALS: { // [LOCALS, n, params]: zero LOCALS_PER_STEP slots per micro-step
      const target = h.fp + row[2] + row[1];
      if (target - h.sp <= LOCALS_PER_STEP) {
        st.zeroSlots(h.sp, target);
        h.sp = target;
        h.pc++;
      } else {
        st.zeroSlots(h.sp, h.sp + LOCALS_PER_STEP);
        h.sp += LOCALS_PER_STEP;
      }
      return;
    }
    default:
      throw new Error(`internal: 0x${row[0].toString(16)} is not a control instruction`);
  }
}

/** br to `target` keeping `arity` values at fp + height; RETURN_TARGET returns. */
function branch(st: StepState, target: number, arity: number, height: number): void {
  const h = st.h;
  if (target === RETURN_TARGET) {
    leave(st);
    return;
  }
  h.sp = moveDown(st, h.sp - arity, h.fp + height, arity);
  h.pc = target;
}

/** Moves `n` slots from `from` down to `to` (ascending, as copyWithin); returns to + n. */
function moveDown(st: StepState, from: number, to: number, n: number): number {
  if (from !== to) {
    for (let k = 0; k < n; k++) {
      const [lo, hi] = st.readSlot(from + k);
      st.writeSlot(to + k, lo, hi);
    }
  }
  return to + n;
}

/** Enters wasm function `addr` (record `f`) with its arguments on top of the stack. */
export function enter(st: StepState, addr: number, f: FuncRecord, returnPc: number): void {
  const h = st.h;
  if (h.units + f.units > st.p.maxStackUnits) throw new Trap(TrapMessage.callStackExhausted);
  st.writeFrame(h.fsp, [returnPc, h.fp, h.fn, f.units]);
  h.units += f.units;
  h.fsp++;
  h.fp = h.sp - f.params;
  h.fn = addr;
  h.pc = f.entryPc;
}

/** Returns from the running function: its results move to its fp, the caller resumes. */
export function leave(st: StepState): void {
  const h = st.h;
  const n = st.readFunc(h.fn).results;
  const sp = moveDown(st, h.sp - n, h.fp, n);
  h.fsp--;
  const [pc, fp, fn, units] = st.readFrame(h.fsp);
  h.pc = pc;
  h.sp = sp;
  h.fp = fp;
  h.fn = fn;
  h.units = (h.units - units) >>> 0;
}

/** call_indirect: pops the index, checks the entry and its type, calls it (wasm or WASI). */
function callIndirect(st: StepState, row: Row): void {
  const h = st.h;
  h.sp--;
  const i = st.readSlot(h.sp)[0] >>> 0;
  const t = row[1];
  if (i >= st.readWord(Region.SIZES, t)) throw new Trap(TrapMessage.undefinedElement);
  const ref = st.readWord(Region.TABLES, st.readTableInfo(t)[0] + i);
  if (ref === 0) throw new Trap(TrapMessage.uninitializedElement);
  const addr = ref - 1;
  const f = st.readFunc(addr);
  if (f.typeId !== row[2] >>> 0) throw new Trap(TrapMessage.indirectCallTypeMismatch);
  if (f.kind === FUNC_KIND_WASI) hostCall(st, f, true);
  else enter(st, addr, f, h.pc + 1);
}
