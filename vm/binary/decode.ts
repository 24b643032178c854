// Binary decoder: module bytes -> Module (vm/syntax/types.ts).
//
// Follows the WebAssembly 2.0 core spec, chapter 5 "Binary Format", without SIMD,
// and its reference implementation interpreter/binary/decode.ml, whose error
// wording it reuses (each reason starts with the spec's text; detail may follow
// after a colon). Map to the spec:
//   5.1 Conventions, 5.2 Values (bytes, LEB128 integers, floats, names)
//                                  -> reader.ts
//   5.3 Types (value, result, function, limits, memory, table, global types)
//                                  -> readValType, readRefType, readFuncType, readLimits, ...
//   5.4 Instructions (control, reference, parametric, variable, table, memory,
//       numeric, 0xFC-prefixed; expressions)
//                                  -> readInstrs (flat, see Instr in types.ts)
//   5.5 Modules: 5.5.2 sections and their order, 5.5.3 custom, 5.5.4 type,
//       5.5.5 import, 5.5.6 function, 5.5.7 table, 5.5.8 memory, 5.5.9 global,
//       5.5.10 export, 5.5.11 start, 5.5.12 element, 5.5.13 code, 5.5.14 data,
//       5.5.15 data count, 5.5.16 modules
//                                  -> decodeModule and the read*Section functions
//
// Where decode.ml and the prose differ, decode.ml is followed:
//  - reads are bounded by the module's end, not the section's; a section or body
//    that overruns its size fails "section size mismatch" afterwards (or on
//    whatever the overrun hits first);
//  - a multi-byte negative s33 block type is wrapped to u32 (an index that the
//    validator then rejects as unknown) rather than refused here;
//  - memarg alignment above 32 is "malformed memop flags".
// And one deviation the spec suite demands: "data count section required" only
// when the module has data segments (see checkCounts).
// Implementation limit: a function may declare at most MAX_FUNCTION_LOCALS
// locals (the spec allows 2^32-1); more is refused as "too many locals".
//
// Every error is WasmError('malformed', reason, section, function, byteOffset).
// Function indices in errors are in the function index space (imports first).

import { Op } from '../syntax/opcodes.js';
import {
  EXTERNREF, F32, F64, FUNCREF, I32, I64,
  type BlockType, type ConstExpr, type CustomSection, type DataSegment, type ElemSegment,
  type Export, type ExternKind, type Func, type FuncType, type Global, type GlobalType,
  type Import, type ImportDesc, type Instr, type Limits, type MemType, type Module,
  type RefType, type TableType, type ValType,
} from '../syntax/types.js';
import { Reader, wrapU32 } from './reader.js';

/** Locals one function may declare (params excluded). Implementation limit; see header. */
export const MAX_FUNCTION_LOCALS = 50_000;

const MAGIC = 0x6d736100; // "\0asm" read as a little-endian u32
const VERSION = 1;

const SECTION_NAMES = [
  'custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export',
  'start', 'element', 'code', 'data', 'data count',
] as const;

/** Position of each non-custom section id in the required order (data count sits before code). */
const SECTION_RANK: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10];

/** Decodes a binary module. Throws WasmError('malformed', ...) on any malformed input. */
export function decodeModule(bytes: Uint8Array): Module {
  const r = new Reader(bytes);
  readHeader(r);
  const m: Module = {
    types: [], imports: [], funcs: [], tables: [], mems: [], globals: [], exports: [],
    start: null, elems: [], datas: [], dataCount: null, customs: [],
  };
  const state: DecodeState = { funcTypeIdxs: [], codes: [], dataIndexUse: null };
  let lastId = 0;
  while (!r.atEnd()) {
    r.section = null;
    r.func = null;
    const idAt = r.pos;
    const id = r.u8();
    if (id >= SECTION_NAMES.length) r.fail(`malformed section id ${id}`, idAt);
    r.section = SECTION_NAMES[id];
    if (id !== 0) {
      checkSectionOrder(r, id, lastId, idAt);
      lastId = id;
    }
    const size = r.len32();
    const start = r.pos;
    readSection(r, id, start + size, m, state);
    r.func = null;
    if (r.pos !== start + size) r.fail('section size mismatch', start);
  }
  r.section = null;
  r.func = null;
  checkCounts(r, m, state);
  m.funcs = state.codes.map((code, i) => ({ typeIdx: state.funcTypeIdxs[i], ...code }));
  return m;
}

interface DecodeState {
  /** Function section: the type index of each defined function. */
  funcTypeIdxs: number[];
  /** Code section: each defined function without its type. */
  codes: Omit<Func, 'typeIdx'>[];
  /** First memory.init / data.drop in a function body (needs a data count section). */
  dataIndexUse: { func: number; offset: number } | null;
}

function readHeader(r: Reader): void {
  if (r.u32le() !== MAGIC) r.fail('magic header not detected', 0);
  if (r.u32le() !== VERSION) r.fail('unknown binary version', 4);
}

function checkSectionOrder(r: Reader, id: number, lastId: number, at: number): void {
  if (SECTION_RANK[id] > SECTION_RANK[lastId]) return;
  const detail = id === lastId
    ? `duplicate ${SECTION_NAMES[id]} section`
    : `${SECTION_NAMES[id]} section must come before the ${SECTION_NAMES[lastId]} section`;
  r.fail(`unexpected content after last section: ${detail}`, at);
}

/** The module-level consistency checks of decode.ml, made once every section is read. */
function checkCounts(r: Reader, m: Module, state: DecodeState): void {
  const end = r.length;
  const funcs = state.funcTypeIdxs.length;
  const codes = state.codes.length;
  if (funcs !== codes) {
    r.fail(`function and code section have inconsistent lengths: ${funcs} functions, ${codes} bodies`, end);
  }
  if (m.dataCount !== null && m.dataCount !== m.datas.length) {
    r.fail(
      `data count and data section have inconsistent lengths: count ${m.dataCount}, ${m.datas.length} segments`,
      end,
    );
  }
  // decode.ml requires the data count section for any memory.init / data.drop.
  // The suite's binaries (wast2json) omit it when there are no data segments and
  // then expect "invalid" (unknown data segment / memory), so it is required only
  // when segments exist: with none, every data index is out of range and the
  // validator refuses the module anyway.
  const use = state.dataIndexUse;
  if (m.dataCount === null && use !== null && m.datas.length > 0) {
    r.section = 'code';
    r.func = use.func;
    r.fail('data count section required: memory.init and data.drop need one', use.offset);
  }
}

function readSection(r: Reader, id: number, end: number, m: Module, state: DecodeState): void {
  switch (id) {
    case 0: m.customs.push(readCustomSection(r, end)); return;
    case 1: m.types = readVec(r, readFuncType); return;
    case 2: m.imports = readVec(r, readImport); return;
    case 3: state.funcTypeIdxs = readVec(r, readU32); return;
    case 4: m.tables = readVec(r, readTableType); return;
    case 5: m.mems = readVec(r, readMemType); return;
    case 6: m.globals = readVec(r, readGlobal); return;
    case 7: m.exports = readVec(r, readExport); return;
    case 8: m.start = r.u32(); return;
    case 9: m.elems = readVec(r, readElemSegment); return;
    case 10: readCodeSection(r, m, state); return;
    case 11: m.datas = readVec(r, readDataSegment); return;
    case 12: m.dataCount = r.u32(); return;
  }
}

function readVec<T>(r: Reader, readItem: (r: Reader) => T): T[] {
  const n = r.len32();
  const items: T[] = new Array<T>(n);
  for (let i = 0; i < n; i++) items[i] = readItem(r);
  return items;
}

function readU32(r: Reader): number {
  return r.u32();
}

// ---- 5.5.3 Custom section ---------------------------------------------------

function readCustomSection(r: Reader, end: number): CustomSection {
  const name = r.name();
  // The name may run past the section (the reader is bounded by the module only).
  if (r.pos > end || end > r.length) r.unexpectedEnd(Math.min(end, r.length));
  const data = r.bytes.slice(r.pos, end);
  r.pos = end;
  return { name, data };
}

// ---- 5.3 Types --------------------------------------------------------------

/** A value type: one byte, read like the spec's s7 (so a set high bit is "too long"). */
function readValType(r: Reader): ValType {
  const at = r.pos;
  const b = r.u8();
  switch (b) {
    case I32: case I64: case F32: case F64: case FUNCREF: case EXTERNREF:
      return b;
  }
  if (b & 0x80) r.fail('integer representation too long', r.pos);
  if (b === 0x7b) r.fail('malformed vector type: v128 (SIMD) is not supported', at);
  if (b > 0x70 && b < 0x7c) r.fail(`malformed vector type 0x${hex2(b)}`, at);
  return r.fail(`malformed reference type 0x${hex2(b)}`, at);
}

function readRefType(r: Reader): RefType {
  const at = r.pos;
  const b = r.u8();
  if (b === FUNCREF || b === EXTERNREF) return b;
  if (b & 0x80) r.fail('integer representation too long', r.pos);
  return r.fail(`malformed reference type 0x${hex2(b)}`, at);
}

function readFuncType(r: Reader): FuncType {
  const at = r.pos;
  const form = r.u8();
  if (form & 0x80) r.fail('integer representation too long', r.pos);
  if (form !== 0x60) r.fail(`malformed function type 0x${hex2(form)}`, at);
  const params = readVec(r, readValType);
  const results = readVec(r, readValType);
  return { params, results };
}

function readLimits(r: Reader): Limits {
  const hasMax = r.u1();
  const min = r.u32();
  const max = hasMax ? r.u32() : null;
  return { min, max };
}

function readTableType(r: Reader): TableType {
  const elemType = readRefType(r);
  return { elemType, limits: readLimits(r) };
}

function readMemType(r: Reader): MemType {
  return { limits: readLimits(r) };
}

function readGlobalType(r: Reader): GlobalType {
  const valType = readValType(r);
  const at = r.pos;
  const mut = r.u8();
  if (mut > 1) r.fail(`malformed mutability 0x${hex2(mut)}`, at);
  return { valType, mutable: mut === 1 };
}

// ---- 5.5.5 Imports, 5.5.9 globals, 5.5.10 exports ---------------------------

function readImport(r: Reader): Import {
  const module = r.name();
  const name = r.name();
  return { module, name, desc: readImportDesc(r) };
}

function readImportDesc(r: Reader): ImportDesc {
  const at = r.pos;
  const kind = r.u8();
  switch (kind) {
    case 0x00: return { kind: 'func', typeIdx: r.u32() };
    case 0x01: return { kind: 'table', type: readTableType(r) };
    case 0x02: return { kind: 'memory', type: readMemType(r) };
    case 0x03: return { kind: 'global', type: readGlobalType(r) };
  }
  return r.fail(`malformed import kind 0x${hex2(kind)}`, at);
}

function readGlobal(r: Reader): Global {
  const type = readGlobalType(r);
  return { type, init: readConstExpr(r) };
}

const EXTERN_KINDS: readonly ExternKind[] = ['func', 'table', 'memory', 'global'];

function readExport(r: Reader): Export {
  const name = r.name();
  const at = r.pos;
  const kind = r.u8();
  if (kind >= EXTERN_KINDS.length) r.fail(`malformed export kind 0x${hex2(kind)}`, at);
  return { name, kind: EXTERN_KINDS[kind], index: r.u32() };
}

// ---- 5.5.12 Element segments, 5.5.14 data segments --------------------------

/**
 * The flags field's three bits: bit 0 passive-or-declarative, bit 1 explicit
 * table index (active) or declarative (otherwise), bit 2 expressions instead of
 * function indices.
 */
function readElemSegment(r: Reader): ElemSegment {
  const at = r.pos;
  const flags = r.u32();
  if (flags > 7) r.fail(`malformed elements segment kind ${flags}`, at);
  const usesExprs = (flags & 4) !== 0;
  let mode: ElemSegment['mode'];
  if (flags & 1) {
    mode = flags & 2 ? { kind: 'declarative' } : { kind: 'passive' };
  } else {
    const table = flags & 2 ? r.u32() : 0;
    mode = { kind: 'active', table, offset: readConstExpr(r) };
  }
  // Flags 0 and 4 imply funcref; the others spell out an elemkind (indices) or reftype (exprs).
  let type: RefType = FUNCREF;
  if (flags & 3) type = usesExprs ? readRefType(r) : readElemKind(r);
  const init = usesExprs ? readVec(r, readConstExpr) : readVec(r, readFuncIndexAsExpr);
  return { type, init, mode };
}

function readElemKind(r: Reader): RefType {
  const at = r.pos;
  const kind = r.u8();
  if (kind !== 0x00) r.fail(`malformed element kind 0x${hex2(kind)}`, at);
  return FUNCREF;
}

/** An element given as a bare function index, as the expression `ref.func x`. */
function readFuncIndexAsExpr(r: Reader): ConstExpr {
  const ins = newInstr(Op.ref_func, r.pos);
  ins.a = r.u32();
  return [ins];
}

function readDataSegment(r: Reader): DataSegment {
  const at = r.pos;
  const flags = r.u32();
  let mode: DataSegment['mode'];
  switch (flags) {
    case 0: mode = { kind: 'active', memory: 0, offset: readConstExpr(r) }; break;
    case 1: mode = { kind: 'passive' }; break;
    case 2: {
      const memory = r.u32();
      mode = { kind: 'active', memory, offset: readConstExpr(r) };
      break;
    }
    default: return r.fail(`malformed data segment kind ${flags}`, at);
  }
  const n = r.len32();
  return { init: r.bytesCopy(n), mode };
}

// ---- 5.5.13 Code section ----------------------------------------------------

function readCodeSection(r: Reader, m: Module, state: DecodeState): void {
  const n = r.len32();
  let importedFuncs = 0;
  for (const imp of m.imports) if (imp.desc.kind === 'func') importedFuncs++;
  const codes: Omit<Func, 'typeIdx'>[] = new Array(n);
  for (let i = 0; i < n; i++) {
    r.func = importedFuncs + i;
    const offset = r.pos;
    const size = r.len32();
    const start = r.pos;
    const locals = readLocals(r);
    const body = readInstrs(r, false, state);
    if (r.pos !== start + size) r.fail('section size mismatch: function body', start);
    codes[i] = { locals, body, offset };
  }
  state.codes = codes;
}

function readLocals(r: Reader): ValType[] {
  const at = r.pos;
  const groups = r.len32();
  const counts: number[] = [];
  const types: ValType[] = [];
  let total = 0;
  for (let g = 0; g < groups; g++) {
    counts.push(r.u32());
    types.push(readValType(r));
    total += counts[g];
  }
  if (total >= 2 ** 32) r.fail(`too many locals: ${total}`, at);
  if (total > MAX_FUNCTION_LOCALS) {
    r.fail(`too many locals: ${total} declared, the implementation limit is ${MAX_FUNCTION_LOCALS}`, at);
  }
  const locals: ValType[] = new Array(total);
  let k = 0;
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < counts[g]; j++) locals[k++] = types[g];
  }
  return locals;
}

// ---- 5.4 Instructions -------------------------------------------------------

/** Every Instr gets all fields so that consumers see one object shape. */
function newInstr(op: number, offset: number): Instr {
  return { op, offset, a: undefined, b: undefined, c: undefined, bt: undefined, labels: undefined, types: undefined };
}

/** An expression in a global, segment offset or element: its instructions up to the final `end`, excluded. */
function readConstExpr(r: Reader): ConstExpr {
  return readInstrs(r, true, null);
}

const FRAME_BLOCK = 0; // function, const expr, block, loop: `else` is not allowed
const FRAME_IF = 1; // `if` before its `else`
const FRAME_ELSE = 2; // `if` after its `else`

const EMPTY_BLOCK: BlockType = Object.freeze({ kind: 'empty' });
const VALUE_BLOCKS = new Map<ValType, BlockType>(
  ([I32, I64, F32, F64, FUNCREF, EXTERNREF] as const).map((t): [ValType, BlockType] => [
    t,
    Object.freeze({ kind: 'value', type: t }),
  ]),
);

/**
 * Instructions up to and including the `end` that closes the outermost level,
 * as a flat list in binary order. The final `end` is kept for function bodies
 * and dropped for constant expressions. Structure is checked as decode.ml does:
 * an `else` outside an `if` (or a second one) is "END opcode expected".
 */
function readInstrs(r: Reader, isConst: boolean, state: DecodeState | null): Instr[] {
  const bytes = r.bytes;
  const out: Instr[] = [];
  const frames: number[] = [FRAME_BLOCK];
  for (;;) {
    const at = r.pos;
    if (at >= bytes.length) r.unexpectedEnd();
    const op = bytes[at];
    r.pos = at + 1;
    // Plain numeric instructions (no immediates) are the bulk of any body.
    if ((op >= 0x45 && op <= 0xc4) || op === 0x00 || op === 0x01 || op === 0x0f || op === 0x1a
      || op === 0x1b || op === 0xd1) {
      out.push(newInstr(op, at));
      continue;
    }
    const ins = newInstr(op, at);
    switch (op) {
      case 0x02: case 0x03:
        ins.bt = readBlockType(r);
        frames.push(FRAME_BLOCK);
        break;
      case 0x04:
        ins.bt = readBlockType(r);
        frames.push(FRAME_IF);
        break;
      case 0x05:
        if (frames[frames.length - 1] !== FRAME_IF) r.fail('END opcode expected: misplaced else', at);
        frames[frames.length - 1] = FRAME_ELSE;
        break;
      case 0x0b:
        frames.pop();
        if (frames.length === 0) {
          if (!isConst) out.push(ins);
          return out;
        }
        break;
      case 0x0c: case 0x0d: case 0x10:
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
      case 0xd2:
        ins.a = r.u32();
        break;
      case 0x0e: {
        const n = r.len32();
        const labels: number[] = new Array(n);
        for (let i = 0; i < n; i++) labels[i] = r.u32();
        ins.labels = labels;
        ins.a = r.u32();
        break;
      }
      case 0x11:
        ins.a = r.u32();
        ins.b = r.u32();
        break;
      case 0x1c:
        ins.types = readVec(r, readValType);
        break;
      case 0x3f: case 0x40:
        r.expect(0x00, 'zero byte expected');
        break;
      case 0x41:
        ins.a = r.s32();
        break;
      case 0x42:
        ins.c = BigInt.asUintN(64, r.s64());
        break;
      case 0x43:
        ins.a = r.u32le() | 0;
        break;
      case 0x44:
        ins.c = r.u64le();
        break;
      case 0xd0:
        ins.a = readRefType(r);
        break;
      case 0xfc:
        readPrefixedFC(r, ins, at, state);
        break;
      default:
        if (op >= 0x28 && op <= 0x3e) {
          readMemArg(r, ins);
          break;
        }
        r.fail(`illegal opcode ${hex2(op)}`, at);
    }
    out.push(ins);
  }
}

function readBlockType(r: Reader): BlockType {
  const b = r.peek();
  if (b === 0x40) {
    r.pos++;
    return EMPTY_BLOCK;
  }
  // A one-byte negative s33 is a value type; anything else is a type index.
  if (b >= 0 && (b & 0xc0) === 0x40) {
    const t = readValType(r);
    return VALUE_BLOCKS.get(t) as BlockType;
  }
  return { kind: 'type', index: wrapU32(r.s33()) };
}

function readMemArg(r: Reader, ins: Instr): void {
  const align = r.u32();
  if (align > 32) r.fail(`malformed memop flags: alignment 2^${align}`, r.pos - 1);
  ins.a = align;
  ins.b = r.u32();
}

function readPrefixedFC(r: Reader, ins: Instr, at: number, state: DecodeState | null): void {
  const sub = r.u32();
  ins.op = 0xfc00 | (sub & 0xff);
  switch (sub) {
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
      return; // trunc_sat
    case 0x08: // memory.init dataidx 0x00
      ins.a = r.u32();
      r.expect(0x00, 'zero byte expected');
      noteDataIndexUse(r, at, state);
      return;
    case 0x09: // data.drop dataidx
      ins.a = r.u32();
      noteDataIndexUse(r, at, state);
      return;
    case 0x0a: // memory.copy 0x00 0x00
      r.expect(0x00, 'zero byte expected');
      r.expect(0x00, 'zero byte expected');
      return;
    case 0x0b: // memory.fill 0x00
      r.expect(0x00, 'zero byte expected');
      return;
    case 0x0c: // table.init elemidx tableidx
    case 0x0e: // table.copy dst src
      ins.a = r.u32();
      ins.b = r.u32();
      return;
    case 0x0d: case 0x0f: case 0x10: case 0x11: // elem.drop, table.grow/size/fill
      ins.a = r.u32();
      return;
  }
  r.fail(`illegal opcode fc ${sub.toString(16).padStart(2, '0')}`, at);
}

/** memory.init / data.drop in a function body require the data count section (checked at the end). */
function noteDataIndexUse(r: Reader, at: number, state: DecodeState | null): void {
  if (state !== null && state.dataIndexUse === null && r.func !== null) {
    state.dataIndexUse = { func: r.func, offset: at };
  }
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}
