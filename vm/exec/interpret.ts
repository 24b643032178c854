// Execution (spec 4.4 "Instructions"): the machine and its step loop.
//
// The whole machine state is a handful of integers plus typed arrays, so a snapshot
// is a few array copies (Part 2 hashes it):
//   pc, steps, status       registers
//   stack   (Int32Array)    value slots, 2 words each; a frame's params and locals sit
//                           at its frame pointer `fp`, its operands above them, up to `sp`
//   frames  (Int32Array)    FRAME_WIDTH words per call: return pc, caller fp, caller fn
//   globals, memories, tables, segments (in the store), host I/O state (HostState)
// The loop keeps pc/sp/fp/steps in locals and works on the typed arrays directly: no
// object per instruction, no BigInt on the hot path.

import { Op } from '../syntax/opcodes.js';
import { HostOutcome, wasiStep, type HostState } from '../host/wasi.js';
import { CODE_WIDTH, IOp, RETURN_TARGET } from './code.js';
import * as I64 from './int64.js';
import * as Fl from './float.js';
import * as Cv from './convert.js';
import { LEAF_SIZE } from './limits.js';
import { Memory } from './memory.js';
import { NULL_REF } from './table.js';
import type { Store } from './store.js';
import { Trap, TrapMessage } from './trap.js';

export type Status = 'running' | 'exited' | 'trapped' | 'out-of-steps' | 'returned';

/** Words per frame record: [return pc, caller fp, caller function address, caller units]. */
export const FRAME_WIDTH = 4;

/** Function address of the bootstrap / trampoline code (no wasm function is active). */
export const NO_FUNCTION = -1;

const EMPTY_MEMORY = new Memory(0, 0);
const P = 0xe0; // first internal opcode of the 0xFC-prefixed instructions

/** Number of aligned 32-byte leaves that bytes [d, d+n) touch (n > 0). */
export function leavesTouched(d: number, n: number): number {
  return Math.floor((d + n - 1) / LEAF_SIZE) - Math.floor(d / LEAF_SIZE) + 1;
}

export class Machine {
  readonly stack: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly frames: Int32Array;

  pc = 0;
  sp = 0;
  fp = 0;
  /** Frame records in use. */
  fsp = 0;
  /** Address of the running function, NO_FUNCTION in bootstrap code. */
  fn = NO_FUNCTION;
  /** Stack units in use (docs/machine.md#limits). */
  units = 0;
  steps = 0;
  status: Status = 'running';
  exitCode: number | null = null;
  trapMessage: string | null = null;
  /** Memory of the running function's instance. */
  mem: Memory = EMPTY_MEMORY;

  constructor(
    readonly store: Store,
    readonly host: HostState | null,
    public maxSteps: number,
    readonly maxStackUnits: number,
  ) {
    // Each frame costs at least one unit and each slot one unit, so maxStackUnits slots
    // and frames always suffice: the static unit check is the only overflow check.
    const buffer = new ArrayBuffer(8 * (maxStackUnits + 1));
    this.stack = new Int32Array(buffer);
    this.f32 = new Float32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.frames = new Int32Array(FRAME_WIDTH * (maxStackUnits + 1));
  }

  /** Selects the memory of the instance that owns function `fn`. */
  private selectMemory(): void {
    const f = this.fn === NO_FUNCTION ? null : this.store.funcs[this.fn];
    this.mem = f && f.kind === 'wasm' && f.instance.memAddr >= 0 ? this.store.mems[f.instance.memAddr] : EMPTY_MEMORY;
  }

  /**
   * Enters wasm function `addr` whose arguments are the top slots below `sp`; the caller
   * resumes at `returnPc`. Returns the new sp. Traps when the call would exceed the
   * stack-unit budget.
   */
  private enter(addr: number, sp: number, returnPc: number): number {
    const f = this.store.funcs[addr];
    if (f.kind !== 'wasm') throw new Error('internal: enter() of a host function');
    if (this.units + f.units > this.maxStackUnits) throw new Trap(TrapMessage.callStackExhausted);
    this.units += f.units;
    let r = this.fsp * FRAME_WIDTH;
    const fr = this.frames;
    fr[r++] = returnPc;
    fr[r++] = this.fp;
    fr[r++] = this.fn;
    fr[r] = f.units;
    this.fsp++;
    const fp = sp - f.params;
    const top = sp + f.locals;
    this.stack.fill(0, sp * 2, top * 2);
    // Reference-typed locals start as null, which is not the all-zero slot.
    for (let i = 0; i < f.refLocals.length; i++) this.stack[(fp + f.refLocals[i]) * 2] = NULL_REF;
    this.fp = fp;
    this.fn = addr;
    this.pc = f.entryPc;
    if (f.instance.memAddr >= 0) this.mem = this.store.mems[f.instance.memAddr];
    else this.mem = EMPTY_MEMORY;
    return top;
  }

  /** Returns from the running function: its results (top of stack) move to its fp. */
  private leave(sp: number): number {
    const f = this.store.funcs[this.fn];
    const n = f.kind === 'wasm' ? f.results : 0;
    const fp = this.fp;
    this.stack.copyWithin(fp * 2, (sp - n) * 2, sp * 2);
    this.fsp--;
    let r = this.fsp * FRAME_WIDTH;
    const fr = this.frames;
    this.pc = fr[r++];
    this.fp = fr[r++];
    this.fn = fr[r++];
    this.units -= fr[r];
    this.selectMemory();
    return fp + n;
  }

  /**
   * Runs until the machine halts (exits, traps, returns to a HALT row) or has executed
   * `maxSteps` steps in total (status `out-of-steps`).
   */
  run(): void {
    if (this.status !== 'running') return;
    const store = this.store;
    const code = store.code.words;
    const w = this.stack;
    const f32 = this.f32;
    const f64 = this.f64;
    const globals = store.globals;
    const tables = store.tables;
    const funcs = store.funcs;
    const limit = this.maxSteps;
    let pc = this.pc;
    let sp = this.sp;
    let fp = this.fp;
    let steps = this.steps;
    let mem = this.mem;
    let bytes = mem.bytes;
    let dv = mem.view;
    let memSize = mem.size;

    try {
      loop: for (;;) {
        if (steps >= limit) {
          this.status = 'out-of-steps';
          break;
        }
        steps++;
        const base = pc * CODE_WIDTH;
        const op = code[base];
        switch (op) {
          // ---- control (spec 4.4.8) ----
          case Op.unreachable:
            throw new Trap(TrapMessage.unreachable);
          case Op.nop:
          case Op.block:
          case Op.loop:
          case Op.end:
            pc++;
            break;
          case Op.if:
            sp--;
            pc = w[sp * 2] !== 0 ? pc + 1 : code[base + 1];
            break;
          case Op.else:
            pc = code[base + 1];
            break;
          case Op.br_if:
            sp--;
            if (w[sp * 2] === 0) {
              pc++;
              break;
            }
          // falls through: the branch is taken
          case Op.br: {
            const target = code[base + 1];
            const arity = code[base + 2];
            if (target === RETURN_TARGET) {
              sp = this.leave(sp);
              pc = this.pc; fp = this.fp; mem = this.mem; bytes = mem.bytes; dv = mem.view; memSize = mem.size;
              break;
            }
            const to = fp + code[base + 3];
            if (to !== sp - arity) w.copyWithin(to * 2, (sp - arity) * 2, sp * 2);
            sp = to + arity;
            pc = target;
            break;
          }
          case Op.br_table: {
            sp--;
            const count = code[base + 1];
            const i = w[sp * 2] >>> 0;
            const row = (pc + 1 + (i < count ? i : count)) * CODE_WIDTH;
            const target = code[row + 1];
            const arity = code[row + 2];
            if (target === RETURN_TARGET) {
              sp = this.leave(sp);
              pc = this.pc; fp = this.fp; mem = this.mem; bytes = mem.bytes; dv = mem.view; memSize = mem.size;
              break;
            }
            const to = fp + code[row + 3];
            if (to !== sp - arity) w.copyWithin(to * 2, (sp - arity) * 2, sp * 2);
            sp = to + arity;
            pc = target;
            break;
          }
          case Op.return:
          case IOp.END_FUNC:
            sp = this.leave(sp);
            pc = this.pc; fp = this.fp; mem = this.mem; bytes = mem.bytes; dv = mem.view; memSize = mem.size;
            break;
          case Op.call_indirect:
          case Op.call: {
            let addr: number;
            if (op === Op.call) addr = code[base + 1];
            else {
              const table = tables[code[base + 1]];
              sp--;
              const i = w[sp * 2] >>> 0;
              if (i >= table.size) throw new Trap(TrapMessage.undefinedElement);
              addr = table.elems[i];
              if (addr === NULL_REF) throw new Trap(TrapMessage.uninitializedElement);
              if (funcs[addr].typeId !== code[base + 2]) throw new Trap(TrapMessage.indirectCallTypeMismatch);
              if (funcs[addr].kind !== 'wasm') {
                this.steps = steps;
                this.pc = pc;
                sp = this.callHost(addr, sp);
                steps = this.steps;
                if (this.status !== 'running') break loop;
                if (this.pc !== -1) break; // paused mid-call at the step budget
                pc++;
                mem = this.mem; bytes = mem.bytes; dv = mem.view; memSize = mem.size;
                break;
              }
            }
            this.fp = fp;
            sp = this.enter(addr, sp, pc + 1);
            pc = this.pc; fp = this.fp; mem = this.mem; bytes = mem.bytes; dv = mem.view; memSize = mem.size;
            break;
          }
          case IOp.HOST_CALL: {
            this.steps = steps;
            this.pc = pc;
            sp = this.callHost(code[base + 1], sp);
            steps = this.steps;
            if (this.status !== 'running') break loop; // proc_exit
            if (this.pc !== -1) break; // paused mid-call at the step budget: pc stays
            pc++;
            mem = this.mem; bytes = mem.bytes; dv = mem.view; memSize = mem.size;
            break;
          }
          case IOp.BOOT_EXIT:
            this.status = 'exited';
            this.exitCode = 0;
            break loop;
          case IOp.HALT:
            this.status = 'returned';
            break loop;

          // ---- parametric ----
          case Op.drop:
            sp--;
            pc++;
            break;
          case Op.select: {
            sp -= 2;
            if (w[(sp + 1) * 2] === 0) {
              w[(sp - 1) * 2] = w[sp * 2];
              w[(sp - 1) * 2 + 1] = w[sp * 2 + 1];
            }
            pc++;
            break;
          }

          // ---- variables ----
          case Op.local_get: {
            const s = (fp + code[base + 1]) * 2;
            w[sp * 2] = w[s];
            w[sp * 2 + 1] = w[s + 1];
            sp++;
            pc++;
            break;
          }
          case Op.local_set: {
            sp--;
            const s = (fp + code[base + 1]) * 2;
            w[s] = w[sp * 2];
            w[s + 1] = w[sp * 2 + 1];
            pc++;
            break;
          }
          case Op.local_tee: {
            const s = (fp + code[base + 1]) * 2;
            w[s] = w[sp * 2 - 2];
            w[s + 1] = w[sp * 2 - 1];
            pc++;
            break;
          }
          case Op.global_get: {
            const g = code[base + 1] * 2;
            w[sp * 2] = globals[g];
            w[sp * 2 + 1] = globals[g + 1];
            sp++;
            pc++;
            break;
          }
          case Op.global_set: {
            sp--;
            const g = code[base + 1] * 2;
            globals[g] = w[sp * 2];
            globals[g + 1] = w[sp * 2 + 1];
            pc++;
            break;
          }

          // ---- tables ----
          case Op.table_get: {
            const t = tables[code[base + 1]];
            const i = w[sp * 2 - 2] >>> 0;
            if (i >= t.size) throw new Trap(TrapMessage.tableOutOfBounds);
            w[sp * 2 - 2] = t.elems[i];
            w[sp * 2 - 1] = 0;
            pc++;
            break;
          }
          case Op.table_set: {
            const t = tables[code[base + 1]];
            sp -= 2;
            const i = w[sp * 2] >>> 0;
            if (i >= t.size) throw new Trap(TrapMessage.tableOutOfBounds);
            t.elems[i] = w[sp * 2 + 2];
            pc++;
            break;
          }
          case P + 0x10: // table.size
            w[sp * 2] = tables[code[base + 1]].size;
            w[sp * 2 + 1] = 0;
            sp++;
            pc++;
            break;
          case P + 0x0f: { // table.grow
            sp--;
            const t = tables[code[base + 1]];
            const n = w[sp * 2] >>> 0;
            w[sp * 2 - 2] = t.grow(n, w[sp * 2 - 2]);
            w[sp * 2 - 1] = 0;
            pc++;
            break;
          }
          case P + 0x11: { // table.fill  i ref n
            const t = tables[code[base + 1]];
            const j = (sp - 3) * 2;
            const i = w[j] >>> 0;
            const ref = w[j + 2];
            const n = w[j + 4] >>> 0;
            if (i + n > t.size) throw new Trap(TrapMessage.tableOutOfBounds);
            if (n === 0) { sp -= 3; pc++; break; }
            if (n - 1 <= limit - steps) {
              t.elems.fill(ref, i, i + n);
              steps += n - 1;
              sp -= 3; pc++;
              break;
            }
            t.elems[i] = ref;
            w[j] = i + 1;
            w[j + 4] = n - 1;
            break;
          }
          case P + 0x0e: { // table.copy dst src  d s n
            const td = tables[code[base + 1]];
            const ts = tables[code[base + 2]];
            const j = (sp - 3) * 2;
            const d = w[j] >>> 0;
            const s = w[j + 2] >>> 0;
            const n = w[j + 4] >>> 0;
            if (s + n > ts.size || d + n > td.size) throw new Trap(TrapMessage.tableOutOfBounds);
            if (n === 0) { sp -= 3; pc++; break; }
            if (n - 1 <= limit - steps) {
              if (td === ts) td.elems.copyWithin(d, s, s + n);
              else td.elems.set(ts.elems.subarray(s, s + n), d);
              steps += n - 1;
              sp -= 3; pc++;
              break;
            }
            if (d <= s) {
              td.elems[d] = ts.elems[s];
              w[j] = d + 1;
              w[j + 2] = s + 1;
            } else {
              td.elems[d + n - 1] = ts.elems[s + n - 1];
            }
            w[j + 4] = n - 1;
            break;
          }
          case P + 0x0c: { // table.init elem table  d s n
            const seg = store.elems[code[base + 1]];
            const t = tables[code[base + 2]];
            const j = (sp - 3) * 2;
            const d = w[j] >>> 0;
            const s = w[j + 2] >>> 0;
            const n = w[j + 4] >>> 0;
            if (s + n > seg.length || d + n > t.size) throw new Trap(TrapMessage.tableOutOfBounds);
            if (n === 0) { sp -= 3; pc++; break; }
            if (n - 1 <= limit - steps) {
              t.elems.set(seg.subarray(s, s + n), d);
              steps += n - 1;
              sp -= 3; pc++;
              break;
            }
            t.elems[d] = seg[s];
            w[j] = d + 1;
            w[j + 2] = s + 1;
            w[j + 4] = n - 1;
            break;
          }
          case P + 0x0d: // elem.drop
            store.elems[code[base + 1]] = new Int32Array(0);
            pc++;
            break;

          // ---- memory (spec 4.4.7): effective address = u32 operand + u32 offset ----
          case Op.i32_load: {
            const a = (w[sp * 2 - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 4 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            w[sp * 2 - 2] = dv.getInt32(a, true);
            pc++;
            break;
          }
          case Op.i64_load:
          case Op.f64_load: {
            const a = (w[sp * 2 - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 8 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            w[sp * 2 - 2] = dv.getInt32(a, true);
            w[sp * 2 - 1] = dv.getInt32(a + 4, true);
            pc++;
            break;
          }
          case Op.f32_load: {
            const a = (w[sp * 2 - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 4 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            w[sp * 2 - 2] = dv.getInt32(a, true);
            pc++;
            break;
          }
          case Op.i32_load8_s:
          case Op.i32_load8_u:
          case Op.i64_load8_s:
          case Op.i64_load8_u: {
            const a = (w[sp * 2 - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            const signed = op === Op.i32_load8_s || op === Op.i64_load8_s;
            const v = signed ? (bytes[a] << 24) >> 24 : bytes[a];
            w[sp * 2 - 2] = v;
            w[sp * 2 - 1] = op === Op.i64_load8_s ? v >> 31 : 0;
            pc++;
            break;
          }
          case Op.i32_load16_s:
          case Op.i32_load16_u:
          case Op.i64_load16_s:
          case Op.i64_load16_u: {
            const a = (w[sp * 2 - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 2 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            const signed = op === Op.i32_load16_s || op === Op.i64_load16_s;
            const v = signed ? dv.getInt16(a, true) : dv.getUint16(a, true);
            w[sp * 2 - 2] = v;
            w[sp * 2 - 1] = op === Op.i64_load16_s ? v >> 31 : 0;
            pc++;
            break;
          }
          case Op.i64_load32_s:
          case Op.i64_load32_u: {
            const a = (w[sp * 2 - 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 4 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            const v = dv.getInt32(a, true);
            w[sp * 2 - 2] = v;
            w[sp * 2 - 1] = op === Op.i64_load32_s ? v >> 31 : 0;
            pc++;
            break;
          }
          case Op.i32_store:
          case Op.f32_store:
          case Op.i64_store32: {
            sp -= 2;
            const a = (w[sp * 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 4 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            dv.setInt32(a, w[sp * 2 + 2], true);
            pc++;
            break;
          }
          case Op.i64_store:
          case Op.f64_store: {
            sp -= 2;
            const a = (w[sp * 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 8 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            dv.setInt32(a, w[sp * 2 + 2], true);
            dv.setInt32(a + 4, w[sp * 2 + 3], true);
            pc++;
            break;
          }
          case Op.i32_store8:
          case Op.i64_store8: {
            sp -= 2;
            const a = (w[sp * 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 1 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            bytes[a] = w[sp * 2 + 2];
            pc++;
            break;
          }
          case Op.i32_store16:
          case Op.i64_store16: {
            sp -= 2;
            const a = (w[sp * 2] >>> 0) + (code[base + 1] >>> 0);
            if (a + 2 > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            dv.setInt16(a, w[sp * 2 + 2], true);
            pc++;
            break;
          }
          case Op.memory_size:
            w[sp * 2] = mem.pages;
            w[sp * 2 + 1] = 0;
            sp++;
            pc++;
            break;
          case Op.memory_grow: {
            w[sp * 2 - 2] = mem.grow(w[sp * 2 - 2] >>> 0);
            bytes = mem.bytes; dv = mem.view; memSize = mem.size;
            pc++;
            break;
          }
          case P + 0x0b: { // memory.fill  d v n
            const j = (sp - 3) * 2;
            const d = w[j] >>> 0;
            const v = w[j + 2] & 0xff;
            const n = w[j + 4] >>> 0;
            if (d + n > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            if (n === 0) { sp -= 3; pc++; break; }
            const total = leavesTouched(d, n);
            if (total - 1 <= limit - steps) {
              bytes.fill(v, d, d + n);
              steps += total - 1;
              sp -= 3; pc++;
              break;
            }
            const len = Math.min(n, LEAF_SIZE - (d % LEAF_SIZE));
            bytes.fill(v, d, d + len);
            w[j] = d + len;
            w[j + 4] = n - len;
            break;
          }
          case P + 0x0a: { // memory.copy  d s n
            const j = (sp - 3) * 2;
            const d = w[j] >>> 0;
            const s = w[j + 2] >>> 0;
            const n = w[j + 4] >>> 0;
            if (s + n > memSize || d + n > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            if (n === 0) { sp -= 3; pc++; break; }
            const total = leavesTouched(d, n);
            if (total - 1 <= limit - steps) {
              bytes.copyWithin(d, s, s + n);
              steps += total - 1;
              sp -= 3; pc++;
              break;
            }
            if (d <= s) {
              const len = Math.min(n, LEAF_SIZE - (d % LEAF_SIZE));
              bytes.copyWithin(d, s, s + len);
              w[j] = d + len;
              w[j + 2] = s + len;
              w[j + 4] = n - len;
            } else {
              const len = Math.min(n, ((d + n - 1) % LEAF_SIZE) + 1);
              bytes.copyWithin(d + n - len, s + n - len, s + n);
              w[j + 4] = n - len;
            }
            break;
          }
          case P + 0x08: { // memory.init seg  d s n
            const seg = store.datas[code[base + 1]];
            const j = (sp - 3) * 2;
            const d = w[j] >>> 0;
            const s = w[j + 2] >>> 0;
            const n = w[j + 4] >>> 0;
            if (s + n > seg.length || d + n > memSize) throw new Trap(TrapMessage.memoryOutOfBounds);
            if (n === 0) { sp -= 3; pc++; break; }
            const total = leavesTouched(d, n);
            if (total - 1 <= limit - steps) {
              bytes.set(seg.subarray(s, s + n), d);
              steps += total - 1;
              sp -= 3; pc++;
              break;
            }
            const len = Math.min(n, LEAF_SIZE - (d % LEAF_SIZE));
            bytes.set(seg.subarray(s, s + len), d);
            w[j] = d + len;
            w[j + 2] = s + len;
            w[j + 4] = n - len;
            break;
          }
          case P + 0x09: // data.drop
            store.datas[code[base + 1]] = new Uint8Array(0);
            pc++;
            break;

          // ---- constants ----
          case Op.i32_const:
          case Op.f32_const:
            w[sp * 2] = code[base + 1];
            w[sp * 2 + 1] = 0;
            sp++;
            pc++;
            break;
          case Op.i64_const:
          case Op.f64_const:
            w[sp * 2] = code[base + 1];
            w[sp * 2 + 1] = code[base + 2];
            sp++;
            pc++;
            break;

          // ---- i32 (spec 4.3.2) ----
          case Op.i32_eqz: w[sp * 2 - 2] = w[sp * 2 - 2] === 0 ? 1 : 0; pc++; break;
          case Op.i32_eq: sp--; w[sp * 2 - 2] = w[sp * 2 - 2] === w[sp * 2] ? 1 : 0; pc++; break;
          case Op.i32_ne: sp--; w[sp * 2 - 2] = w[sp * 2 - 2] !== w[sp * 2] ? 1 : 0; pc++; break;
          case Op.i32_lt_s: sp--; w[sp * 2 - 2] = w[sp * 2 - 2] < w[sp * 2] ? 1 : 0; pc++; break;
          case Op.i32_lt_u: sp--; w[sp * 2 - 2] = (w[sp * 2 - 2] >>> 0) < (w[sp * 2] >>> 0) ? 1 : 0; pc++; break;
          case Op.i32_gt_s: sp--; w[sp * 2 - 2] = w[sp * 2 - 2] > w[sp * 2] ? 1 : 0; pc++; break;
          case Op.i32_gt_u: sp--; w[sp * 2 - 2] = (w[sp * 2 - 2] >>> 0) > (w[sp * 2] >>> 0) ? 1 : 0; pc++; break;
          case Op.i32_le_s: sp--; w[sp * 2 - 2] = w[sp * 2 - 2] <= w[sp * 2] ? 1 : 0; pc++; break;
          case Op.i32_le_u: sp--; w[sp * 2 - 2] = (w[sp * 2 - 2] >>> 0) <= (w[sp * 2] >>> 0) ? 1 : 0; pc++; break;
          case Op.i32_ge_s: sp--; w[sp * 2 - 2] = w[sp * 2 - 2] >= w[sp * 2] ? 1 : 0; pc++; break;
          case Op.i32_ge_u: sp--; w[sp * 2 - 2] = (w[sp * 2 - 2] >>> 0) >= (w[sp * 2] >>> 0) ? 1 : 0; pc++; break;
          case Op.i32_clz: w[sp * 2 - 2] = Math.clz32(w[sp * 2 - 2]); pc++; break;
          case Op.i32_ctz: w[sp * 2 - 2] = I64.i32_ctz(w[sp * 2 - 2]); pc++; break;
          case Op.i32_popcnt: w[sp * 2 - 2] = I64.i32_popcnt(w[sp * 2 - 2]); pc++; break;
          case Op.i32_add: sp--; w[sp * 2 - 2] = (w[sp * 2 - 2] + w[sp * 2]) | 0; pc++; break;
          case Op.i32_sub: sp--; w[sp * 2 - 2] = (w[sp * 2 - 2] - w[sp * 2]) | 0; pc++; break;
          case Op.i32_mul: sp--; w[sp * 2 - 2] = Math.imul(w[sp * 2 - 2], w[sp * 2]); pc++; break;
          case Op.i32_div_s: sp--; w[sp * 2 - 2] = I64.i32_div_s(w[sp * 2 - 2], w[sp * 2]); pc++; break;
          case Op.i32_div_u: sp--; w[sp * 2 - 2] = I64.i32_div_u(w[sp * 2 - 2], w[sp * 2]); pc++; break;
          case Op.i32_rem_s: sp--; w[sp * 2 - 2] = I64.i32_rem_s(w[sp * 2 - 2], w[sp * 2]); pc++; break;
          case Op.i32_rem_u: sp--; w[sp * 2 - 2] = I64.i32_rem_u(w[sp * 2 - 2], w[sp * 2]); pc++; break;
          case Op.i32_and: sp--; w[sp * 2 - 2] &= w[sp * 2]; pc++; break;
          case Op.i32_or: sp--; w[sp * 2 - 2] |= w[sp * 2]; pc++; break;
          case Op.i32_xor: sp--; w[sp * 2 - 2] ^= w[sp * 2]; pc++; break;
          case Op.i32_shl: sp--; w[sp * 2 - 2] <<= w[sp * 2]; pc++; break; // JS masks the count by 31
          case Op.i32_shr_s: sp--; w[sp * 2 - 2] >>= w[sp * 2]; pc++; break;
          case Op.i32_shr_u: sp--; w[sp * 2 - 2] = w[sp * 2 - 2] >>> w[sp * 2]; pc++; break;
          case Op.i32_rotl: sp--; w[sp * 2 - 2] = I64.i32_rotl(w[sp * 2 - 2], w[sp * 2]); pc++; break;
          case Op.i32_rotr: sp--; w[sp * 2 - 2] = I64.i32_rotr(w[sp * 2 - 2], w[sp * 2]); pc++; break;

          // ---- i64 (on word pairs) ----
          case Op.i64_eqz: I64.i64_eqz(w, sp * 2 - 2); pc++; break;
          case Op.i64_eq: sp--; I64.i64_eq(w, sp * 2 - 2); pc++; break;
          case Op.i64_ne: sp--; I64.i64_ne(w, sp * 2 - 2); pc++; break;
          case Op.i64_lt_s: sp--; I64.i64_lt_s(w, sp * 2 - 2); pc++; break;
          case Op.i64_lt_u: sp--; I64.i64_lt_u(w, sp * 2 - 2); pc++; break;
          case Op.i64_gt_s: sp--; I64.i64_gt_s(w, sp * 2 - 2); pc++; break;
          case Op.i64_gt_u: sp--; I64.i64_gt_u(w, sp * 2 - 2); pc++; break;
          case Op.i64_le_s: sp--; I64.i64_le_s(w, sp * 2 - 2); pc++; break;
          case Op.i64_le_u: sp--; I64.i64_le_u(w, sp * 2 - 2); pc++; break;
          case Op.i64_ge_s: sp--; I64.i64_ge_s(w, sp * 2 - 2); pc++; break;
          case Op.i64_ge_u: sp--; I64.i64_ge_u(w, sp * 2 - 2); pc++; break;
          case Op.i64_clz: I64.i64_clz(w, sp * 2 - 2); pc++; break;
          case Op.i64_ctz: I64.i64_ctz(w, sp * 2 - 2); pc++; break;
          case Op.i64_popcnt: I64.i64_popcnt(w, sp * 2 - 2); pc++; break;
          case Op.i64_add: {
            sp--;
            const i = sp * 2 - 2;
            const lo = (w[i] + w[i + 2]) | 0;
            w[i + 1] = (w[i + 1] + w[i + 3] + ((lo >>> 0) < (w[i] >>> 0) ? 1 : 0)) | 0;
            w[i] = lo;
            pc++;
            break;
          }
          case Op.i64_sub: {
            sp--;
            const i = sp * 2 - 2;
            const lo = (w[i] - w[i + 2]) | 0;
            w[i + 1] = (w[i + 1] - w[i + 3] - ((w[i] >>> 0) < (w[i + 2] >>> 0) ? 1 : 0)) | 0;
            w[i] = lo;
            pc++;
            break;
          }
          case Op.i64_mul: sp--; I64.i64_mul(w, sp * 2 - 2); pc++; break;
          case Op.i64_div_s: sp--; I64.i64_div_s(w, sp * 2 - 2); pc++; break;
          case Op.i64_div_u: sp--; I64.i64_div_u(w, sp * 2 - 2); pc++; break;
          case Op.i64_rem_s: sp--; I64.i64_rem_s(w, sp * 2 - 2); pc++; break;
          case Op.i64_rem_u: sp--; I64.i64_rem_u(w, sp * 2 - 2); pc++; break;
          case Op.i64_and: sp--; w[sp * 2 - 2] &= w[sp * 2]; w[sp * 2 - 1] &= w[sp * 2 + 1]; pc++; break;
          case Op.i64_or: sp--; w[sp * 2 - 2] |= w[sp * 2]; w[sp * 2 - 1] |= w[sp * 2 + 1]; pc++; break;
          case Op.i64_xor: sp--; w[sp * 2 - 2] ^= w[sp * 2]; w[sp * 2 - 1] ^= w[sp * 2 + 1]; pc++; break;
          case Op.i64_shl: sp--; I64.i64_shl(w, sp * 2 - 2); pc++; break;
          case Op.i64_shr_s: sp--; I64.i64_shr_s(w, sp * 2 - 2); pc++; break;
          case Op.i64_shr_u: sp--; I64.i64_shr_u(w, sp * 2 - 2); pc++; break;
          case Op.i64_rotl: sp--; I64.i64_rotl(w, sp * 2 - 2); pc++; break;
          case Op.i64_rotr: sp--; I64.i64_rotr(w, sp * 2 - 2); pc++; break;

          // ---- f32 (binary32 bits in the low word; arithmetic canonicalizes NaN) ----
          case Op.f32_eq: sp--; w[sp * 2 - 2] = f32[sp * 2 - 2] === f32[sp * 2] ? 1 : 0; pc++; break;
          case Op.f32_ne: sp--; w[sp * 2 - 2] = f32[sp * 2 - 2] !== f32[sp * 2] ? 1 : 0; pc++; break;
          case Op.f32_lt: sp--; w[sp * 2 - 2] = f32[sp * 2 - 2] < f32[sp * 2] ? 1 : 0; pc++; break;
          case Op.f32_gt: sp--; w[sp * 2 - 2] = f32[sp * 2 - 2] > f32[sp * 2] ? 1 : 0; pc++; break;
          case Op.f32_le: sp--; w[sp * 2 - 2] = f32[sp * 2 - 2] <= f32[sp * 2] ? 1 : 0; pc++; break;
          case Op.f32_ge: sp--; w[sp * 2 - 2] = f32[sp * 2 - 2] >= f32[sp * 2] ? 1 : 0; pc++; break;
          case Op.f32_abs: w[sp * 2 - 2] &= 0x7fffffff; pc++; break;
          case Op.f32_neg: w[sp * 2 - 2] ^= 0x80000000; pc++; break;
          case Op.f32_copysign:
            sp--;
            w[sp * 2 - 2] = (w[sp * 2 - 2] & 0x7fffffff) | (w[sp * 2] & 0x80000000);
            pc++;
            break;
          case Op.f32_ceil: Fl.writeF32(w, f32, sp * 2 - 2, Math.ceil(f32[sp * 2 - 2])); pc++; break;
          case Op.f32_floor: Fl.writeF32(w, f32, sp * 2 - 2, Math.floor(f32[sp * 2 - 2])); pc++; break;
          case Op.f32_trunc: Fl.writeF32(w, f32, sp * 2 - 2, Math.trunc(f32[sp * 2 - 2])); pc++; break;
          case Op.f32_nearest: Fl.writeF32(w, f32, sp * 2 - 2, Fl.f32_nearest(f32[sp * 2 - 2])); pc++; break;
          case Op.f32_sqrt: Fl.writeF32(w, f32, sp * 2 - 2, Math.sqrt(f32[sp * 2 - 2])); pc++; break;
          case Op.f32_add: sp--; Fl.writeF32(w, f32, sp * 2 - 2, f32[sp * 2 - 2] + f32[sp * 2]); pc++; break;
          case Op.f32_sub: sp--; Fl.writeF32(w, f32, sp * 2 - 2, f32[sp * 2 - 2] - f32[sp * 2]); pc++; break;
          case Op.f32_mul: sp--; Fl.writeF32(w, f32, sp * 2 - 2, f32[sp * 2 - 2] * f32[sp * 2]); pc++; break;
          case Op.f32_div: sp--; Fl.writeF32(w, f32, sp * 2 - 2, f32[sp * 2 - 2] / f32[sp * 2]); pc++; break;
          case Op.f32_min: sp--; Fl.writeF32(w, f32, sp * 2 - 2, Fl.f32_min(f32[sp * 2 - 2], f32[sp * 2])); pc++; break;
          case Op.f32_max: sp--; Fl.writeF32(w, f32, sp * 2 - 2, Fl.f32_max(f32[sp * 2 - 2], f32[sp * 2])); pc++; break;

          // ---- f64 (slot index = f64 view index) ----
          case Op.f64_eq: sp--; w[sp * 2 - 2] = f64[sp - 1] === f64[sp] ? 1 : 0; w[sp * 2 - 1] = 0; pc++; break;
          case Op.f64_ne: sp--; w[sp * 2 - 2] = f64[sp - 1] !== f64[sp] ? 1 : 0; w[sp * 2 - 1] = 0; pc++; break;
          case Op.f64_lt: sp--; w[sp * 2 - 2] = f64[sp - 1] < f64[sp] ? 1 : 0; w[sp * 2 - 1] = 0; pc++; break;
          case Op.f64_gt: sp--; w[sp * 2 - 2] = f64[sp - 1] > f64[sp] ? 1 : 0; w[sp * 2 - 1] = 0; pc++; break;
          case Op.f64_le: sp--; w[sp * 2 - 2] = f64[sp - 1] <= f64[sp] ? 1 : 0; w[sp * 2 - 1] = 0; pc++; break;
          case Op.f64_ge: sp--; w[sp * 2 - 2] = f64[sp - 1] >= f64[sp] ? 1 : 0; w[sp * 2 - 1] = 0; pc++; break;
          case Op.f64_abs: w[sp * 2 - 1] &= 0x7fffffff; pc++; break;
          case Op.f64_neg: w[sp * 2 - 1] ^= 0x80000000; pc++; break;
          case Op.f64_copysign:
            sp--;
            w[sp * 2 - 1] = (w[sp * 2 - 1] & 0x7fffffff) | (w[sp * 2 + 1] & 0x80000000);
            pc++;
            break;
          case Op.f64_ceil: Fl.writeF64(w, f64, sp - 1, Math.ceil(f64[sp - 1])); pc++; break;
          case Op.f64_floor: Fl.writeF64(w, f64, sp - 1, Math.floor(f64[sp - 1])); pc++; break;
          case Op.f64_trunc: Fl.writeF64(w, f64, sp - 1, Math.trunc(f64[sp - 1])); pc++; break;
          case Op.f64_nearest: Fl.writeF64(w, f64, sp - 1, Fl.f64_nearest(f64[sp - 1])); pc++; break;
          case Op.f64_sqrt: Fl.writeF64(w, f64, sp - 1, Math.sqrt(f64[sp - 1])); pc++; break;
          case Op.f64_add: sp--; Fl.writeF64(w, f64, sp - 1, f64[sp - 1] + f64[sp]); pc++; break;
          case Op.f64_sub: sp--; Fl.writeF64(w, f64, sp - 1, f64[sp - 1] - f64[sp]); pc++; break;
          case Op.f64_mul: sp--; Fl.writeF64(w, f64, sp - 1, f64[sp - 1] * f64[sp]); pc++; break;
          case Op.f64_div: sp--; Fl.writeF64(w, f64, sp - 1, f64[sp - 1] / f64[sp]); pc++; break;
          case Op.f64_min: sp--; Fl.writeF64(w, f64, sp - 1, Fl.f64_min(f64[sp - 1], f64[sp])); pc++; break;
          case Op.f64_max: sp--; Fl.writeF64(w, f64, sp - 1, Fl.f64_max(f64[sp - 1], f64[sp])); pc++; break;

          // ---- conversions (spec 4.3.4) ----
          case Op.i32_wrap_i64: w[sp * 2 - 1] = 0; pc++; break;
          case Op.i32_trunc_f32_s: w[sp * 2 - 2] = Cv.i32_trunc_f32_s(f32[sp * 2 - 2]); pc++; break;
          case Op.i32_trunc_f32_u: w[sp * 2 - 2] = Cv.i32_trunc_f32_u(f32[sp * 2 - 2]); pc++; break;
          case Op.i32_trunc_f64_s: w[sp * 2 - 2] = Cv.i32_trunc_f64_s(f64[sp - 1]); w[sp * 2 - 1] = 0; pc++; break;
          case Op.i32_trunc_f64_u: w[sp * 2 - 2] = Cv.i32_trunc_f64_u(f64[sp - 1]); w[sp * 2 - 1] = 0; pc++; break;
          case Op.i64_extend_i32_s: w[sp * 2 - 1] = w[sp * 2 - 2] >> 31; pc++; break;
          case Op.i64_extend_i32_u: w[sp * 2 - 1] = 0; pc++; break;
          case Op.i64_trunc_f32_s: Cv.i64_trunc_f32_s(w, sp * 2 - 2, f32[sp * 2 - 2]); pc++; break;
          case Op.i64_trunc_f32_u: Cv.i64_trunc_f32_u(w, sp * 2 - 2, f32[sp * 2 - 2]); pc++; break;
          case Op.i64_trunc_f64_s: Cv.i64_trunc_f64_s(w, sp * 2 - 2, f64[sp - 1]); pc++; break;
          case Op.i64_trunc_f64_u: Cv.i64_trunc_f64_u(w, sp * 2 - 2, f64[sp - 1]); pc++; break;
          case Op.f32_convert_i32_s: f32[sp * 2 - 2] = w[sp * 2 - 2]; pc++; break;
          case Op.f32_convert_i32_u: f32[sp * 2 - 2] = w[sp * 2 - 2] >>> 0; pc++; break;
          case Op.f32_convert_i64_s:
            f32[sp * 2 - 2] = Cv.f32_convert_i64_s(w[sp * 2 - 2], w[sp * 2 - 1]);
            w[sp * 2 - 1] = 0;
            pc++;
            break;
          case Op.f32_convert_i64_u:
            f32[sp * 2 - 2] = Cv.f32_convert_i64_u(w[sp * 2 - 2], w[sp * 2 - 1]);
            w[sp * 2 - 1] = 0;
            pc++;
            break;
          case Op.f32_demote_f64: {
            const x = f64[sp - 1];
            w[sp * 2 - 1] = 0;
            Fl.writeF32(w, f32, sp * 2 - 2, x);
            pc++;
            break;
          }
          case Op.f64_convert_i32_s: f64[sp - 1] = w[sp * 2 - 2]; pc++; break;
          case Op.f64_convert_i32_u: f64[sp - 1] = w[sp * 2 - 2] >>> 0; pc++; break;
          case Op.f64_convert_i64_s: f64[sp - 1] = Cv.f64_convert_i64_s(w[sp * 2 - 2], w[sp * 2 - 1]); pc++; break;
          case Op.f64_convert_i64_u: f64[sp - 1] = Cv.f64_convert_i64_u(w[sp * 2 - 2], w[sp * 2 - 1]); pc++; break;
          case Op.f64_promote_f32: Fl.writeF64(w, f64, sp - 1, f32[sp * 2 - 2]); pc++; break;
          case Op.i32_reinterpret_f32:
          case Op.i64_reinterpret_f64:
          case Op.f32_reinterpret_i32:
          case Op.f64_reinterpret_i64:
            pc++; // slots hold raw bits: nothing to do
            break;
          case Op.i32_extend8_s: w[sp * 2 - 2] = (w[sp * 2 - 2] << 24) >> 24; pc++; break;
          case Op.i32_extend16_s: w[sp * 2 - 2] = (w[sp * 2 - 2] << 16) >> 16; pc++; break;
          case Op.i64_extend8_s: I64.i64_extend8_s(w, sp * 2 - 2); pc++; break;
          case Op.i64_extend16_s: I64.i64_extend16_s(w, sp * 2 - 2); pc++; break;
          case Op.i64_extend32_s: I64.i64_extend32_s(w, sp * 2 - 2); pc++; break;
          case P + 0x00: w[sp * 2 - 2] = Cv.i32_trunc_sat_f32_s(f32[sp * 2 - 2]); pc++; break;
          case P + 0x01: w[sp * 2 - 2] = Cv.i32_trunc_sat_f32_u(f32[sp * 2 - 2]); pc++; break;
          case P + 0x02: w[sp * 2 - 2] = Cv.i32_trunc_sat_f64_s(f64[sp - 1]); w[sp * 2 - 1] = 0; pc++; break;
          case P + 0x03: w[sp * 2 - 2] = Cv.i32_trunc_sat_f64_u(f64[sp - 1]); w[sp * 2 - 1] = 0; pc++; break;
          case P + 0x04: Cv.i64_trunc_sat_f32_s(w, sp * 2 - 2, f32[sp * 2 - 2]); pc++; break;
          case P + 0x05: Cv.i64_trunc_sat_f32_u(w, sp * 2 - 2, f32[sp * 2 - 2]); pc++; break;
          case P + 0x06: Cv.i64_trunc_sat_f64_s(w, sp * 2 - 2, f64[sp - 1]); pc++; break;
          case P + 0x07: Cv.i64_trunc_sat_f64_u(w, sp * 2 - 2, f64[sp - 1]); pc++; break;

          // ---- references ----
          case Op.ref_null:
            w[sp * 2] = NULL_REF;
            w[sp * 2 + 1] = 0;
            sp++;
            pc++;
            break;
          case Op.ref_is_null: w[sp * 2 - 2] = w[sp * 2 - 2] === NULL_REF ? 1 : 0; pc++; break;
          case Op.ref_func:
            w[sp * 2] = code[base + 1];
            w[sp * 2 + 1] = 0;
            sp++;
            pc++;
            break;

          default:
            throw new Error(`internal: no machine instruction 0x${op.toString(16)} at pc ${pc}`);
        }
      }
    } catch (e) {
      if (!(e instanceof Trap)) throw e;
      this.status = 'trapped';
      this.trapMessage = e.message;
    }
    this.pc = pc;
    this.sp = sp;
    this.steps = steps;
  }

  /**
   * Calls host function `addr` with its arguments on top of the stack (the current row
   * is the call). WASI calls run micro-step by micro-step until done or until the step
   * budget; on completion `this.pc` is set to -1 and the errno replaces the arguments.
   * Returns the new sp.
   */
  private callHost(addr: number, sp: number): number {
    const f = this.store.funcs[addr];
    const nargs = f.type.params.length;
    if (f.kind === 'host') {
      const args: bigint[] = [];
      for (let i = 0; i < nargs; i++) {
        const j = (sp - nargs + i) * 2;
        args.push((BigInt(this.stack[j + 1] >>> 0) << 32n) | BigInt(this.stack[j] >>> 0));
      }
      const results = f.callback(args);
      sp -= nargs;
      for (const r of results) {
        this.stack[sp * 2] = Number(r & 0xffffffffn) | 0;
        this.stack[sp * 2 + 1] = Number((r >> 32n) & 0xffffffffn) | 0;
        sp++;
      }
      this.pc = -1;
      return sp;
    }
    if (f.kind !== 'wasi' || this.host === null) throw new Error('internal: no host for this call');
    const first = this.steps - 1; // steps executed before this call's first micro-step
    const argBase = (sp - nargs) * 2;
    for (;;) {
      const outcome = wasiStep(f.wasiId, this.stack, argBase, this.mem.bytes, this.host, first);
      if (outcome === HostOutcome.Return) {
        sp -= nargs;
        this.stack[sp * 2] = this.host.result;
        this.stack[sp * 2 + 1] = 0;
        this.pc = -1;
        return sp + 1;
      }
      if (outcome === HostOutcome.Exit) {
        this.status = 'exited';
        this.exitCode = this.host.result;
        return sp;
      }
      if (outcome === HostOutcome.Trap) throw new Trap(this.host.trapMessage);
      if (this.steps >= this.maxSteps) return sp; // paused mid-call; pc stays on the call
      this.steps++;
    }
  }
}
