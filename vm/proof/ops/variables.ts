// Parametric (drop, select) and variable instructions (locals, globals).

import { Op } from '../../syntax/opcodes.js';
import type { StepState } from '../access.js';
import { push, type Row } from './common.js';

export const VARIABLE_OPS: readonly number[] = [
  Op.drop, Op.select, Op.local_get, Op.local_set, Op.local_tee, Op.global_get, Op.global_set,
];

export function execVariable(st: StepState, row: Row): void {
  const h = st.h;
  switch (row[0]) {
    case Op.drop:
      h.sp--;
      break;
    case Op.select: {
      const c = st.readSlot(h.sp - 1)[0];
      if (c === 0) {
        const [lo, hi] = st.readSlot(h.sp - 2);
        st.writeSlot(h.sp - 3, lo, hi);
      }
      h.sp -= 2;
      break;
    }
    case Op.local_get: {
      const [lo, hi] = st.readSlot(h.fp + row[1]);
      push(st, lo, hi);
      break;
    }
    case Op.local_set: {
      h.sp--;
      const [lo, hi] = st.readSlot(h.sp);
      st.writeSlot(h.fp + row[1], lo, hi);
      break;
    }
    case Op.local_tee: {
      const [lo, hi] = st.readSlot(h.sp - 1);
      st.writeSlot(h.fp + row[1], lo, hi);
      break;
    }
    case Op.global_get: {
      const [lo, hi] = st.readGlobal(row[1]);
      push(st, lo, hi);
      break;
    }
    case Op.global_set: {
      h.sp--;
      const [lo, hi] = st.readSlot(h.sp);
      st.writeGlobal(row[1], lo, hi);
      break;
    }
    default:
      throw new Error(`internal: 0x${row[0].toString(16)} is not a variable instruction`);
  }
  h.pc++;
}
