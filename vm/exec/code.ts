// Lowering: a validated function body becomes fixed-width machine code.
//
// Every instruction is 4 int32 words `[op, a, b, c]` (CODE_WIDTH), one row per wasm
// instruction and in the same order, so that "one step = one row executed" and a pc
// is simply a row index (Part 2 commits to the code as a merkle tree of these rows).
// Lowering resolves everything the interpreter would otherwise look up at run time:
// branch targets and the stack heights they unwind to, store addresses of functions,
// globals, tables and segments. Structured control needs no label stack at run time.
//
// Internal opcodes: single-byte wasm opcodes keep their number; 0xFC-prefixed ones
// become 0xE0 + subopcode; a few rows exist only in machine code (below).

import { Op } from '../syntax/opcodes.js';
import type { BlockType, Func, Module } from '../syntax/types.js';
import type { FuncInfo } from '../valid/validate.js';
import { funcRef } from './table.js';

export const CODE_WIDTH = 4;

export const IOp = {
  /** The final `end` of a function: return to the caller. */
  END_FUNC: 0xf5,
  /** `call` of a host (WASI) function: a = function address. */
  HOST_CALL: 0xf4,
  /** Bootstrap: `_start` returned; the job exits with code 0. */
  BOOT_EXIT: 0xf6,
  /** Trampoline end for host-driven invocations (the spec runner): stop and hand back results. */
  HALT: 0xf7,
  /** A br_table target row `[TABLE_ROW, targetPc, arity, dropTo]`; never executed. */
  TABLE_ROW: 0xf8,
  /** Function prologue `[LOCALS, n, params]`: pushes the n declared locals as zeros, in micro-steps. */
  LOCALS: 0xf9,
} as const;

/** Branch target of a br_if / br_table row that leaves the function (a return). */
export const RETURN_TARGET = -1;

/** Internal opcode of a 0xFC-prefixed instruction. */
export function prefixedOp(op: number): number {
  return 0xe0 + (op & 0xff);
}

/** The wasm opcode (Op numbering) a machine-code row stands for, for disassembly. */
export function wasmOpOf(internal: number): number {
  if (internal === IOp.END_FUNC) return Op.end;
  if (internal === IOp.HOST_CALL) return Op.call;
  if (internal >= 0xe0 && internal <= 0xf1) return 0xfc00 | (internal - 0xe0);
  return internal;
}

/** Growable store-wide code buffer. */
export class CodeBuffer {
  words = new Int32Array(1 << 12);
  length = 0; // in rows
  /** The interpreter's dispatch table: these rows with fused opcodes (vm/exec/fuse.ts), rows covered. */
  dispatch: Int32Array | null = null;
  dispatchRows = 0;
  /** True while `dispatch` is a table fuse.ts keeps for other stores too: copy before changing it. */
  dispatchShared = false;

  emit(op: number, a = 0, b = 0, c = 0): number {
    const pc = this.length++;
    let i = pc * CODE_WIDTH;
    if (i + CODE_WIDTH > this.words.length) {
      const next = new Int32Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
    this.words[i++] = op;
    this.words[i++] = a;
    this.words[i++] = b;
    this.words[i] = c;
    return pc;
  }

  /** Appends whole rows (CODE_WIDTH words each), as emitted before. */
  append(rows: Int32Array): void {
    const end = (this.length * CODE_WIDTH) + rows.length;
    if (end > this.words.length) {
      let size = this.words.length;
      while (size < end) size *= 2;
      const next = new Int32Array(size);
      next.set(this.words);
      this.words = next;
    }
    this.words.set(rows, this.length * CODE_WIDTH);
    this.length += rows.length / CODE_WIDTH;
  }

  patch(pc: number, word: 1 | 2 | 3, value: number): void {
    this.words[pc * CODE_WIDTH + word] = value;
  }
}

/** How module indices map to store addresses for the instance being lowered. */
export interface Resolution {
  funcAddrs: number[];
  tableAddrs: number[];
  globalAddrs: number[];
  elemAddrs: number[];
  dataAddrs: number[];
  /** Store-wide id of each module type (structural), for call_indirect checks. */
  typeIds: number[];
  /** True for function addresses that are host functions (lowered to HOST_CALL). */
  isHostFunc(addr: number): boolean;
}

interface Label {
  isLoop: boolean;
  /** Operand height (relative to the frame's operand base) the label unwinds to. */
  height: number;
  /** Values a branch to this label carries. */
  arity: number;
  /** For loops: the pc branches jump to. */
  loopPc: number;
  /** Rows whose word `word` must receive the pc after this construct's `end`. */
  fixups: Array<{ pc: number; word: 1 | 2 | 3 }>;
  /** The `if` row, until an `else` or `end` decides where its false branch goes. */
  ifPc: number;
}

function blockArity(m: Module, bt: BlockType): { params: number; results: number } {
  switch (bt.kind) {
    case 'empty': return { params: 0, results: 0 };
    case 'value': return { params: 0, results: 1 };
    case 'type': {
      const t = m.types[bt.index];
      return { params: t.params.length, results: t.results.length };
    }
  }
}

/**
 * Lowers one defined function into `code`; returns its entry pc.
 * `localsBase` is params + declared locals: branch heights are stored relative to the
 * frame pointer, i.e. including the locals below the operand stack.
 */
export function lowerFunction(
  code: CodeBuffer,
  m: Module,
  func: Func,
  info: FuncInfo,
  res: Resolution,
): number {
  const type = m.types[func.typeIdx];
  const localsBase = type.params.length + func.locals.length;
  const entry = code.length;
  if (func.locals.length > 0) code.emit(IOp.LOCALS, func.locals.length, type.params.length);
  const labels: Label[] = [
    { isLoop: false, height: 0, arity: type.results.length, loopPc: 0, fixups: [], ifPc: -1 },
  ];
  const body = func.body;

  const emitBranch = (op: number, depth: number): void => {
    const label = labels[labels.length - 1 - depth];
    if (labels.length - 1 - depth === 0) {
      // A branch to the function's own label returns directly (the final `end` is
      // not executed): `br` becomes `return`, a conditional one targets RETURN_TARGET.
      if (op === Op.br) code.emit(Op.return);
      else code.emit(op, RETURN_TARGET, label.arity, localsBase);
      return;
    }
    const pc = code.emit(op, label.loopPc, label.arity, localsBase + label.height);
    if (!label.isLoop) label.fixups.push({ pc, word: 1 });
  };

  for (let i = 0; i < body.length; i++) {
    const ins = body[i];
    const op = ins.op;
    switch (op) {
      case Op.block:
      case Op.loop:
      case Op.if: {
        const { params, results } = blockArity(m, ins.bt!);
        const heightBefore = info.heights[i] - (op === Op.if ? 1 : 0);
        const pc = code.emit(op);
        labels.push({
          isLoop: op === Op.loop,
          height: heightBefore - params,
          arity: op === Op.loop ? params : results,
          loopPc: pc + 1,
          fixups: [],
          ifPc: op === Op.if ? pc : -1,
        });
        break;
      }
      case Op.else: {
        const label = labels[labels.length - 1];
        const pc = code.emit(Op.else);
        label.fixups.push({ pc, word: 1 });
        code.patch(label.ifPc, 1, pc + 1);
        label.ifPc = -1;
        break;
      }
      case Op.end: {
        if (labels.length === 1) {
          code.emit(IOp.END_FUNC);
          labels.pop();
          break;
        }
        const label = labels.pop()!;
        const pc = code.emit(Op.end);
        for (const f of label.fixups) code.patch(f.pc, f.word, pc + 1);
        if (label.ifPc >= 0) code.patch(label.ifPc, 1, pc + 1);
        break;
      }
      case Op.br:
      case Op.br_if:
        emitBranch(op, ins.a!);
        break;
      case Op.br_table: {
        const targets = [...ins.labels!, ins.a!];
        code.emit(Op.br_table, ins.labels!.length);
        for (const depth of targets) {
          const label = labels[labels.length - 1 - depth];
          if (labels.length - 1 - depth === 0) {
            code.emit(IOp.TABLE_ROW, RETURN_TARGET, label.arity, localsBase);
            continue;
          }
          const pc = code.emit(IOp.TABLE_ROW, label.loopPc, label.arity, localsBase + label.height);
          if (!label.isLoop) label.fixups.push({ pc, word: 1 });
        }
        break;
      }
      case Op.return:
        code.emit(Op.return);
        break;
      case Op.call: {
        const addr = res.funcAddrs[ins.a!];
        code.emit(res.isHostFunc(addr) ? IOp.HOST_CALL : Op.call, addr);
        break;
      }
      case Op.call_indirect:
        code.emit(Op.call_indirect, res.tableAddrs[ins.b!], res.typeIds[ins.a!]);
        break;
      case Op.select_t:
        code.emit(Op.select);
        break;
      case Op.global_get:
      case Op.global_set:
        code.emit(op, res.globalAddrs[ins.a!]);
        break;
      case Op.table_get:
      case Op.table_set:
      case Op.table_size:
      case Op.table_grow:
      case Op.table_fill:
        code.emit(op >= 0xfc00 ? prefixedOp(op) : op, res.tableAddrs[ins.a!]);
        break;
      case Op.table_copy:
        code.emit(prefixedOp(op), res.tableAddrs[ins.a!], res.tableAddrs[ins.b!]);
        break;
      case Op.table_init:
        code.emit(prefixedOp(op), res.elemAddrs[ins.a!], res.tableAddrs[ins.b!]);
        break;
      case Op.elem_drop:
        code.emit(prefixedOp(op), res.elemAddrs[ins.a!]);
        break;
      case Op.memory_init:
      case Op.data_drop:
        code.emit(prefixedOp(op), res.dataAddrs[ins.a!]);
        break;
      case Op.ref_func:
        code.emit(op, funcRef(res.funcAddrs[ins.a!]));
        break;
      case Op.i64_const:
      case Op.f64_const: {
        const bits = ins.c!;
        code.emit(op, Number(bits & 0xffffffffn) | 0, Number(bits >> 32n) | 0);
        break;
      }
      default:
        if (op >= Op.i32_load && op <= Op.i64_store32) {
          // Loads and stores: a = static offset (u32 stored as int32); alignment is a hint.
          code.emit(op, ins.b! | 0);
        } else if (op >= 0xfc00) {
          code.emit(prefixedOp(op), ins.a ?? 0, ins.b ?? 0);
        } else {
          // local.* index, i32.const value, f32.const bits, ref.null type, plain ops.
          code.emit(op, ins.a ?? 0);
        }
    }
  }
  return entry;
}
