// Validation of one function body: the operand/control-stack algorithm of the spec's
// validation appendix (and the spec interpreter's valid.ml), over the flat instruction
// list of `Func.body`. While it type-checks, it records the operand-stack height before
// every instruction and the largest height reached, which the machine needs for its
// static stack-unit budget (docs/machine.md#limits).

import { Op, opName } from '../syntax/opcodes.js';
import {
  EXTERNREF, F32, F64, FUNCREF, I32, I64, WasmError, isRefType, valTypeName,
  type BlockType, type Func, type FuncType, type GlobalType, type Instr, type RefType,
  type TableType, type ValType,
} from '../syntax/types.js';
import { memAccess, numericSignature } from './signatures.js';

export interface FuncInfo {
  /** Largest operand-stack height (values, locals excluded) the body can reach.
   *  Defined as the largest entry of `heights` (dead code included, so an upper bound). */
  maxHeight: number;
  /** Operand-stack height (relative to the frame's operand base) BEFORE each instruction of body (same index as
   *  Func.body). In unreachable code, the height the validator's stack holds there (any value is fine, unused). */
  heights: Int32Array;
}

/** What a body may refer to: the spec's context C, minus locals/labels/return. */
export interface ModuleContext {
  types: readonly FuncType[];
  /** Type of every function, imports first. */
  funcs: readonly FuncType[];
  tables: readonly TableType[];
  memCount: number;
  globals: readonly GlobalType[];
  elemTypes: readonly RefType[];
  dataSegmentCount: number;
  /** Whether the binary had a data count section (memory.init / data.drop need it). */
  hasDataCount: boolean;
  /** C.refs: 1 for each function index a `ref.func` in a body may name. */
  declaredFuncs: Uint8Array;
}

/** The spec's `Unknown`: a value of any type, taken from a stack-polymorphic (dead) stack. */
const UNKNOWN = 0;
type StackType = ValType | typeof UNKNOWN;

/** Frame kind of the function's own outermost block. */
const FUNC_FRAME = -1;

interface CtrlFrame {
  /** Op.block / Op.loop / Op.if / Op.else, or FUNC_FRAME. */
  kind: number;
  params: readonly ValType[];
  results: readonly ValType[];
  /** Operand-stack height when the frame was entered (below its params). */
  height: number;
  /** Set after an unconditional branch: the rest of the frame is stack-polymorphic. */
  unreachable: boolean;
}

const NONE: readonly ValType[] = Object.freeze([]);
const I32x3: readonly ValType[] = Object.freeze([I32, I32, I32]);
const ALL_TYPES: readonly ValType[] = [I32, I64, F32, F64, FUNCREF, EXTERNREF];
/** Block types `[] -> []` and `[] -> [t]`, shared so that blocks allocate nothing. */
const EMPTY_BLOCK: FuncType = { params: [], results: [] };
const VALUE_BLOCK = new Map<ValType, FuncType>(
  ALL_TYPES.map((t): [ValType, FuncType] => [t, { params: [], results: [t] }]),
);

function typeName(t: StackType): string {
  return t === UNKNOWN ? 'unknown' : valTypeName(t);
}

function typesName(ts: readonly ValType[]): string {
  return `[${ts.map(valTypeName).join(' ')}]`;
}

function sameTypes(a: readonly ValType[], b: readonly ValType[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks function bodies against one module context. One instance serves all the
 * functions of a module so that its stacks are allocated once.
 */
export class BodyChecker {
  private vals = new Uint8Array(256);
  private sp = 0;
  private ctrls: CtrlFrame[] = [];
  private depth = 0;
  private locals: readonly ValType[] = NONE;
  private funcIdx = 0;
  private instr: Instr | null = null;

  constructor(private readonly c: ModuleContext) {}

  /** Validates `f` (function index `funcIdx`, imports included) and measures its stack. */
  check(f: Func, funcIdx: number): FuncInfo {
    const type = this.c.funcs[funcIdx];
    this.funcIdx = funcIdx;
    this.locals = type.params.concat(f.locals);
    this.sp = 0;
    this.depth = 0;
    this.instr = null;
    this.pushCtrl(FUNC_FRAME, NONE, type.results);

    // In reachable code an instruction never holds more values than the stack has
    // before it or before the next instruction (the body ends with `end`), so the
    // largest height before an instruction is the largest the body reaches.
    const body = f.body;
    const heights = new Int32Array(body.length);
    let maxHeight = 0;
    for (let i = 0; i < body.length; i++) {
      const ins = body[i];
      this.instr = ins;
      if (this.depth === 0) this.malformed("instructions after the function's final end");
      const height = this.sp;
      heights[i] = height;
      if (height > maxHeight) maxHeight = height;
      this.step(ins);
    }
    if (this.depth !== 0) {
      throw new WasmError('malformed', 'END opcode expected', 'code', funcIdx, f.offset);
    }
    return { maxHeight, heights };
  }

  // ---- errors -------------------------------------------------------------------

  private fail(reason: string): never {
    throw new WasmError('invalid', reason, 'code', this.funcIdx, this.instr?.offset ?? null);
  }

  private malformed(reason: string): never {
    throw new WasmError('malformed', reason, 'code', this.funcIdx, this.instr?.offset ?? null);
  }

  private where(): string {
    return this.instr === null ? 'function' : opName(this.instr.op);
  }

  // ---- operand stack ----------------------------------------------------------------

  private push(t: StackType): void {
    if (this.sp === this.vals.length) {
      const bigger = new Uint8Array(this.vals.length * 2);
      bigger.set(this.vals);
      this.vals = bigger;
    }
    this.vals[this.sp++] = t;
  }

  private pushAll(ts: readonly ValType[]): void {
    for (let i = 0; i < ts.length; i++) this.push(ts[i]);
  }

  /** Pops any value; UNKNOWN when the current frame's stack is exhausted but polymorphic. */
  private popAny(): StackType {
    const frame = this.ctrls[this.depth - 1];
    if (this.sp === frame.height) {
      if (frame.unreachable) return UNKNOWN;
      this.fail(`type mismatch: ${this.where()} expects a value but the stack is empty`);
    }
    return this.vals[--this.sp] as StackType;
  }

  private pop(expected: ValType): StackType {
    const frame = this.ctrls[this.depth - 1];
    if (this.sp === frame.height) {
      if (frame.unreachable) return UNKNOWN;
      this.fail(`type mismatch: ${this.where()} expects ${valTypeName(expected)} but the stack is empty`);
    }
    const actual = this.vals[--this.sp] as StackType;
    if (actual !== expected && actual !== UNKNOWN) {
      this.fail(`type mismatch: ${this.where()} expects ${valTypeName(expected)} but the stack has ${typeName(actual)}`);
    }
    return actual;
  }

  private popAll(ts: readonly ValType[]): void {
    for (let i = ts.length - 1; i >= 0; i--) this.pop(ts[i]);
  }

  /** The type `depthFromTop` values below the top, as a pop would see it (no pop). */
  private peek(depthFromTop: number, expected: ValType): StackType {
    const frame = this.ctrls[this.depth - 1];
    const pos = this.sp - 1 - depthFromTop;
    if (pos < frame.height) {
      if (frame.unreachable) return UNKNOWN;
      this.fail(`type mismatch: ${this.where()} expects ${valTypeName(expected)} but the stack is empty`);
    }
    return this.vals[pos] as StackType;
  }

  // ---- control stack ----------------------------------------------------------------

  private pushCtrl(kind: number, params: readonly ValType[], results: readonly ValType[]): void {
    let frame = this.ctrls[this.depth];
    if (frame === undefined) {
      frame = { kind, params, results, height: this.sp, unreachable: false };
      this.ctrls.push(frame);
    } else {
      frame.kind = kind;
      frame.params = params;
      frame.results = results;
      frame.height = this.sp;
      frame.unreachable = false;
    }
    this.depth++;
    this.pushAll(params);
  }

  private popCtrl(): CtrlFrame {
    const frame = this.ctrls[this.depth - 1];
    this.popAll(frame.results);
    if (this.sp !== frame.height) {
      this.fail(
        `type mismatch: block expects ${typesName(frame.results)} at its end ` +
          `but the stack has ${this.sp - frame.height} more value(s)`,
      );
    }
    this.depth--;
    return frame;
  }

  private labelTypes(frame: CtrlFrame): readonly ValType[] {
    return frame.kind === Op.loop ? frame.params : frame.results;
  }

  private label(depth: number): CtrlFrame {
    if (depth >= this.depth) this.fail(`unknown label ${depth}`);
    return this.ctrls[this.depth - 1 - depth];
  }

  private setUnreachable(): void {
    const frame = this.ctrls[this.depth - 1];
    this.sp = frame.height;
    frame.unreachable = true;
  }

  // ---- context lookups --------------------------------------------------------------

  private imm(value: number | undefined): number {
    if (value === undefined) this.malformed(`${this.where()} is missing an immediate`);
    return value;
  }

  private blockType(bt: BlockType | undefined): FuncType {
    if (bt === undefined) this.malformed(`${this.where()} is missing its block type`);
    switch (bt.kind) {
      case 'empty':
        return EMPTY_BLOCK;
      case 'value': {
        const type = VALUE_BLOCK.get(bt.type);
        if (type === undefined) this.malformed(`malformed value type 0x${(bt.type as number).toString(16)}`);
        return type;
      }
      case 'type':
        return this.type(bt.index);
    }
  }

  private type(idx: number): FuncType {
    if (idx >= this.c.types.length) this.fail(`unknown type ${idx}`);
    return this.c.types[idx];
  }

  private func(idx: number): FuncType {
    if (idx >= this.c.funcs.length) this.fail(`unknown function ${idx}`);
    return this.c.funcs[idx];
  }

  private table(idx: number): TableType {
    if (idx >= this.c.tables.length) this.fail(`unknown table ${idx}`);
    return this.c.tables[idx];
  }

  private elem(idx: number): RefType {
    if (idx >= this.c.elemTypes.length) this.fail(`unknown elem segment ${idx}`);
    return this.c.elemTypes[idx];
  }

  private memory(): void {
    if (this.c.memCount === 0) this.fail('unknown memory 0');
  }

  private data(idx: number): void {
    if (idx >= this.c.dataSegmentCount) this.fail(`unknown data segment ${idx}`);
    // A binary-format rule (the data section follows the code, so bodies may name
    // segments only when their count was announced up front). Checked after the index,
    // as the spec suite expects "unknown data segment" from a module with no segments
    // and no count; the decoder enforces the same rule.
    if (!this.c.hasDataCount) this.malformed('data count section required');
  }

  private local(idx: number): ValType {
    if (idx >= this.locals.length) this.fail(`unknown local ${idx}`);
    return this.locals[idx];
  }

  private global(idx: number): GlobalType {
    if (idx >= this.c.globals.length) this.fail(`unknown global ${idx}`);
    return this.c.globals[idx];
  }

  // ---- instructions -----------------------------------------------------------------

  private step(ins: Instr): void {
    switch (ins.op) {
      case Op.unreachable:
        this.setUnreachable();
        return;
      case Op.nop:
        return;
      case Op.block:
      case Op.loop: {
        const bt = this.blockType(ins.bt);
        this.popAll(bt.params);
        this.pushCtrl(ins.op, bt.params, bt.results);
        return;
      }
      case Op.if: {
        const bt = this.blockType(ins.bt);
        this.pop(I32);
        this.popAll(bt.params);
        this.pushCtrl(Op.if, bt.params, bt.results);
        return;
      }
      case Op.else: {
        if (this.ctrls[this.depth - 1].kind !== Op.if) this.malformed('else without a matching if');
        const frame = this.popCtrl();
        this.pushCtrl(Op.else, frame.params, frame.results);
        return;
      }
      case Op.end: {
        const frame = this.popCtrl();
        // An `if` without `else` has an empty else-arm, which must map params to results.
        if (frame.kind === Op.if && !sameTypes(frame.params, frame.results)) {
          this.fail(
            `type mismatch: if without else must leave ${typesName(frame.params)} ` +
              `but its type requires ${typesName(frame.results)}`,
          );
        }
        this.pushAll(frame.results);
        return;
      }
      case Op.br:
        this.popAll(this.labelTypes(this.label(this.imm(ins.a))));
        this.setUnreachable();
        return;
      case Op.br_if: {
        const types = this.labelTypes(this.label(this.imm(ins.a)));
        this.pop(I32);
        this.popAll(types);
        this.pushAll(types);
        return;
      }
      case Op.br_table:
        this.brTable(ins);
        return;
      case Op.return:
        this.popAll(this.ctrls[0].results);
        this.setUnreachable();
        return;
      case Op.call: {
        const type = this.func(this.imm(ins.a));
        this.popAll(type.params);
        this.pushAll(type.results);
        return;
      }
      case Op.call_indirect: {
        const table = this.table(this.imm(ins.b));
        const type = this.type(this.imm(ins.a));
        if (table.elemType !== FUNCREF) {
          this.fail(`type mismatch: call_indirect needs a funcref table, table ${ins.b} holds ${valTypeName(table.elemType)}`);
        }
        this.pop(I32);
        this.popAll(type.params);
        this.pushAll(type.results);
        return;
      }
      case Op.drop:
        this.popAny();
        return;
      case Op.select:
        this.selectUntyped();
        return;
      case Op.select_t: {
        const types = ins.types;
        if (types === undefined || types.length !== 1) this.fail('invalid result arity: typed select takes exactly one type');
        this.pop(I32);
        this.pop(types[0]);
        this.pop(types[0]);
        this.push(types[0]);
        return;
      }
      case Op.local_get:
        this.push(this.local(this.imm(ins.a)));
        return;
      case Op.local_set:
        this.pop(this.local(this.imm(ins.a)));
        return;
      case Op.local_tee: {
        const t = this.local(this.imm(ins.a));
        this.pop(t);
        this.push(t);
        return;
      }
      case Op.global_get:
        this.push(this.global(this.imm(ins.a)).valType);
        return;
      case Op.global_set: {
        const g = this.global(this.imm(ins.a));
        if (!g.mutable) this.fail(`global is immutable: global.set of global ${ins.a}`);
        this.pop(g.valType);
        return;
      }
      case Op.table_get: {
        const t = this.table(this.imm(ins.a)).elemType;
        this.pop(I32);
        this.push(t);
        return;
      }
      case Op.table_set: {
        const t = this.table(this.imm(ins.a)).elemType;
        this.pop(t);
        this.pop(I32);
        return;
      }
      case Op.memory_size:
        this.memory();
        this.push(I32);
        return;
      case Op.memory_grow:
        this.memory();
        this.pop(I32);
        this.push(I32);
        return;
      case Op.i32_const:
        this.push(I32);
        return;
      case Op.i64_const:
        this.push(I64);
        return;
      case Op.f32_const:
        this.push(F32);
        return;
      case Op.f64_const:
        this.push(F64);
        return;
      case Op.ref_null: {
        const t = this.imm(ins.a);
        if (!isRefType(t as ValType)) this.malformed(`malformed reference type 0x${t.toString(16)}`);
        this.push(t as RefType);
        return;
      }
      case Op.ref_is_null: {
        const t = this.popAny();
        if (t !== UNKNOWN && !isRefType(t)) {
          this.fail(`type mismatch: ref.is_null expects a reference but the stack has ${typeName(t)}`);
        }
        this.push(I32);
        return;
      }
      case Op.ref_func: {
        const idx = this.imm(ins.a);
        this.func(idx);
        if (this.c.declaredFuncs[idx] !== 1) this.fail(`undeclared function reference ${idx}`);
        this.push(FUNCREF);
        return;
      }
      case Op.memory_init:
        this.memory();
        this.data(this.imm(ins.a));
        this.popAll(I32x3);
        return;
      case Op.data_drop:
        this.data(this.imm(ins.a));
        return;
      case Op.memory_copy:
      case Op.memory_fill:
        this.memory();
        this.popAll(I32x3);
        return;
      case Op.table_init: {
        const tableType = this.table(this.imm(ins.b)).elemType;
        const elemType = this.elem(this.imm(ins.a));
        if (tableType !== elemType) {
          this.fail(`type mismatch: elem segment ${ins.a} holds ${valTypeName(elemType)}, table ${ins.b} holds ${valTypeName(tableType)}`);
        }
        this.popAll(I32x3);
        return;
      }
      case Op.elem_drop:
        this.elem(this.imm(ins.a));
        return;
      case Op.table_copy: {
        const dst = this.table(this.imm(ins.a)).elemType;
        const src = this.table(this.imm(ins.b)).elemType;
        if (dst !== src) {
          this.fail(`type mismatch: table.copy from ${valTypeName(src)} table to ${valTypeName(dst)} table`);
        }
        this.popAll(I32x3);
        return;
      }
      case Op.table_grow: {
        const t = this.table(this.imm(ins.a)).elemType;
        this.pop(I32);
        this.pop(t);
        this.push(I32);
        return;
      }
      case Op.table_size:
        this.table(this.imm(ins.a));
        this.push(I32);
        return;
      case Op.table_fill: {
        const t = this.table(this.imm(ins.a)).elemType;
        this.pop(I32);
        this.pop(t);
        this.pop(I32);
        return;
      }
      default:
        this.plain(ins);
    }
  }

  /** Numeric instructions and loads/stores: fixed signatures from a table. */
  private plain(ins: Instr): void {
    const sig = numericSignature(ins.op);
    if (sig !== undefined) {
      if (sig.in2 !== 0) this.pop(sig.in2);
      this.pop(sig.in1);
      this.push(sig.out);
      return;
    }
    const access = memAccess(ins.op);
    if (access === undefined) this.malformed(`illegal opcode 0x${ins.op.toString(16)}`);
    this.memory();
    const align = this.imm(ins.a);
    if (align > access.naturalAlign) {
      this.fail(`alignment must not be larger than natural: ${opName(ins.op)} has 2**${align} > ${1 << access.naturalAlign}`);
    }
    if (access.isStore) {
      this.pop(access.type);
      this.pop(I32);
    } else {
      this.pop(I32);
      this.push(access.type);
    }
  }

  /** `select` without types: both operands of one numeric type (or unknown in dead code). */
  private selectUntyped(): void {
    this.pop(I32);
    const t1 = this.popAny();
    const t2 = this.popAny();
    if (isRefType(t1 as ValType) || isRefType(t2 as ValType)) {
      this.fail('type mismatch: select without a type annotation needs numeric operands');
    }
    if (t1 !== t2 && t1 !== UNKNOWN && t2 !== UNKNOWN) {
      this.fail(`type mismatch: select operands differ (${typeName(t2)} and ${typeName(t1)})`);
    }
    this.push(t1 === UNKNOWN ? t2 : t1);
  }

  /**
   * `br_table`: every target takes the same number of values, and the values on the
   * stack must suit each target's types (checked in place: in dead code a missing value
   * suits any type, as in the appendix's pop-then-push formulation).
   */
  private brTable(ins: Instr): void {
    const labels = ins.labels;
    if (labels === undefined) this.malformed('br_table is missing its labels');
    const defaultTypes = this.labelTypes(this.label(this.imm(ins.a)));
    const arity = defaultTypes.length;
    this.pop(I32);
    for (let i = 0; i < labels.length; i++) {
      const types = this.labelTypes(this.label(labels[i]));
      if (types.length !== arity) {
        this.fail(`type mismatch: br_table target ${labels[i]} takes ${types.length} value(s), the default takes ${arity}`);
      }
      for (let k = 0; k < arity; k++) {
        const expected = types[k];
        const actual = this.peek(arity - 1 - k, expected);
        if (actual !== expected && actual !== UNKNOWN) {
          this.fail(`type mismatch: br_table target ${labels[i]} expects ${valTypeName(expected)} but the stack has ${typeName(actual)}`);
        }
      }
    }
    this.popAll(defaultTypes);
    this.setUnreachable();
  }
}
