// The abstract syntax of a WebAssembly 2.0 module (no SIMD), as produced by the
// binary decoder and consumed by the validator, the code lowering and the native
// instrumenter. Mirrors the spec's `syntax/types.ml` + `syntax/ast.ml`.

/** Value types, by their binary encoding. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const FUNCREF = 0x70;
export const EXTERNREF = 0x6f;

export type NumType = typeof I32 | typeof I64 | typeof F32 | typeof F64;
export type RefType = typeof FUNCREF | typeof EXTERNREF;
export type ValType = NumType | RefType;

export function isRefType(t: ValType): t is RefType {
  return t === FUNCREF || t === EXTERNREF;
}

export function valTypeName(t: ValType): string {
  switch (t) {
    case I32: return 'i32';
    case I64: return 'i64';
    case F32: return 'f32';
    case F64: return 'f64';
    case FUNCREF: return 'funcref';
    case EXTERNREF: return 'externref';
  }
}

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Limits {
  min: number;
  /** null when the module gives no maximum. */
  max: number | null;
}

export interface TableType {
  elemType: RefType;
  limits: Limits;
}

export interface MemType {
  limits: Limits;
  /**
   * Shared (threads proposal; needs a maximum). Never decoded: a job cannot declare it.
   * Only the native rewrite sets it (vm/native/instrument.ts says why).
   */
  shared?: boolean;
}

export interface GlobalType {
  valType: ValType;
  mutable: boolean;
}

/**
 * Block type of `block`/`loop`/`if`:
 * empty (0x40), a single value type, or an index into the type section.
 */
export type BlockType =
  | { kind: 'empty' }
  | { kind: 'value'; type: ValType }
  | { kind: 'type'; index: number };

/**
 * One instruction. The body of a function is a flat list in binary order:
 * structured instructions appear as `block`/`loop`/`if`, `else`, `end` markers,
 * exactly as in the binary format, so that the list can be re-encoded unchanged.
 *
 * `op` is the opcode byte; for 0xFC-prefixed instructions it is 0xFC00 | subopcode
 * (see `Op` in opcodes.ts). Immediates, by instruction:
 *  - block/loop/if: `bt`
 *  - br/br_if: `a` = label depth; br_table: `labels` + `a` = default depth
 *  - call: `a` = funcidx; call_indirect: `a` = typeidx, `b` = tableidx
 *  - local.*, global.*: `a` = index
 *  - table.get/set/size/grow/fill: `a` = tableidx; table.copy: `a` = dst, `b` = src;
 *    table.init: `a` = elemidx, `b` = tableidx; elem.drop: `a` = elemidx
 *  - loads/stores: `a` = align (log2), `b` = offset (u32, 0..2^32-1)
 *  - memory.size/grow/fill: none (memory 0); memory.copy: none; memory.init: `a` = dataidx;
 *    data.drop: `a` = dataidx
 *  - i32.const: `a` (signed 32-bit); f32.const: `a` = bit pattern as signed 32-bit int
 *  - i64.const: `c` (64-bit pattern, as an unsigned bigint 0..2^64-1);
 *    f64.const: `c` = bit pattern (unsigned bigint)
 *  - ref.null: `a` = reftype; ref.func: `a` = funcidx
 *  - select with types (0x1C): `types`
 *
 * `offset` is the byte offset of the instruction's opcode in the module binary
 * (used in error messages).
 */
export interface Instr {
  op: number;
  offset: number;
  a?: number;
  b?: number;
  c?: bigint;
  bt?: BlockType;
  labels?: number[];
  types?: ValType[];
}

/** A constant expression (global initializers, segment offsets, element items). */
export type ConstExpr = Instr[]; // without the terminating `end`

export interface Func {
  typeIdx: number;
  /** Declared locals, expanded (one entry per local, params excluded). */
  locals: ValType[];
  /** Body including the function's final `end` (which executes as the return step). */
  body: Instr[];
  /** Byte offset of the function's code entry (its size field) in the binary. */
  offset: number;
}

export type ImportDesc =
  | { kind: 'func'; typeIdx: number }
  | { kind: 'table'; type: TableType }
  | { kind: 'memory'; type: MemType }
  | { kind: 'global'; type: GlobalType };

export interface Import {
  module: string;
  name: string;
  desc: ImportDesc;
}

export type ExternKind = 'func' | 'table' | 'memory' | 'global';

export interface Export {
  name: string;
  kind: ExternKind;
  index: number;
}

export interface Global {
  type: GlobalType;
  init: ConstExpr;
}

export type ElemMode =
  | { kind: 'passive' }
  | { kind: 'declarative' }
  | { kind: 'active'; table: number; offset: ConstExpr };

export interface ElemSegment {
  type: RefType;
  /** One constant expression per element (`ref.func i` / `ref.null t` / `global.get`). */
  init: ConstExpr[];
  mode: ElemMode;
}

export type DataMode =
  | { kind: 'passive' }
  | { kind: 'active'; memory: number; offset: ConstExpr };

export interface DataSegment {
  init: Uint8Array;
  mode: DataMode;
}

export interface CustomSection {
  name: string;
  data: Uint8Array;
}

export interface Module {
  types: FuncType[];
  imports: Import[];
  /** Functions defined by the module (imported functions come first in the index space). */
  funcs: Func[];
  tables: TableType[];
  mems: MemType[];
  globals: Global[];
  exports: Export[];
  start: number | null;
  elems: ElemSegment[];
  datas: DataSegment[];
  /** Value of the data count section, when present. */
  dataCount: number | null;
  customs: CustomSection[];
}

/** Why a module was refused, in the spec's vocabulary. */
export type WasmErrorKind = 'malformed' | 'invalid' | 'unlinkable' | 'uninstantiable';

/**
 * A decoding / validation / linking error that names where it happened.
 * `message` is one line: "<kind> module: <section> section[, function N][, at byte 0x..]: <reason>".
 */
export class WasmError extends Error {
  constructor(
    readonly kind: WasmErrorKind,
    readonly reason: string,
    readonly section: string | null = null,
    readonly func: number | null = null,
    readonly byteOffset: number | null = null,
  ) {
    super(formatWasmError(kind, reason, section, func, byteOffset));
    this.name = 'WasmError';
  }
}

function formatWasmError(
  kind: WasmErrorKind,
  reason: string,
  section: string | null,
  func: number | null,
  byteOffset: number | null,
): string {
  const where: string[] = [];
  if (section !== null) where.push(`${section} section`);
  if (func !== null) where.push(`function ${func}`);
  if (byteOffset !== null) where.push(`at byte 0x${byteOffset.toString(16)}`);
  return `${kind} module${where.length ? ': ' + where.join(', ') : ''}: ${reason}`;
}
