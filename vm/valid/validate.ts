// Module validation, WebAssembly 2.0 without SIMD (spec chapter 3; the spec
// interpreter's valid/valid.ml). Function bodies are checked by body.ts; this file
// builds the context C and checks everything around the bodies: imports, limits,
// constant expressions, segments, start function and exports.

import { Op, opName } from '../syntax/opcodes.js';
import {
  F32, F64, FUNCREF, I32, I64, WasmError, isRefType, valTypeName,
  type ConstExpr, type FuncType, type GlobalType, type Limits, type MemType, type Module,
  type TableType, type ValType,
} from '../syntax/types.js';
import { BodyChecker, type FuncInfo, type ModuleContext } from './body.js';

export type { FuncInfo } from './body.js';

export interface ModuleInfo {
  /** One per defined function (Module.funcs), in order. */
  funcs: FuncInfo[];
}

/** Largest memory, in 64 KiB pages (4 GiB). */
const MAX_MEMORY_PAGES = 0x1_0000;
const MAX_TABLE_SIZE = 0xffff_ffff;

function invalid(reason: string, section: string, byteOffset: number | null = null): never {
  throw new WasmError('invalid', reason, section, null, byteOffset);
}

/**
 * Validates `m`. Returns, for each defined function, its operand-stack heights.
 * Throws WasmError('invalid', ...) naming the section (and, for bodies, the function
 * index in the function index space, imports included, and the instruction's byte offset).
 */
export function validateModule(m: Module): ModuleInfo {
  const funcs: FuncType[] = [];
  const tables: TableType[] = [];
  const globals: GlobalType[] = [];
  let memCount = 0;

  for (const im of m.imports) {
    const desc = im.desc;
    switch (desc.kind) {
      case 'func':
        funcs.push(lookupType(m, desc.typeIdx, 'import'));
        break;
      case 'table':
        checkTableType(desc.type, 'import');
        tables.push(desc.type);
        break;
      case 'memory':
        checkMemType(desc.type, 'import');
        memCount++;
        break;
      case 'global':
        globals.push(desc.type);
        break;
    }
  }
  const importedFuncs = funcs.length;
  const importedGlobals = globals.length;

  for (const f of m.funcs) funcs.push(lookupType(m, f.typeIdx, 'function'));
  for (const t of m.tables) {
    checkTableType(t, 'table');
    tables.push(t);
  }
  for (const mem of m.mems) {
    checkMemType(mem, 'memory');
    memCount++;
  }
  if (memCount > 1) invalid(`multiple memories are not allowed (${memCount})`, 'memory');

  const declaredFuncs = collectDeclaredFuncs(m, funcs.length);
  const constCtx: ConstContext = { funcs: funcs.length, globals: globals.slice(0, importedGlobals) };

  for (const g of m.globals) {
    checkConst(g.init, g.type.valType, constCtx, 'global');
    globals.push(g.type);
  }

  for (const seg of m.elems) {
    for (const item of seg.init) checkConst(item, seg.type, constCtx, 'elem');
    if (seg.mode.kind === 'active') {
      const { table, offset } = seg.mode;
      if (table >= tables.length) invalid(`unknown table ${table}`, 'elem', offset[0]?.offset ?? null);
      const tableType = tables[table].elemType;
      if (tableType !== seg.type) {
        invalid(
          `type mismatch: elem segment of ${valTypeName(seg.type)} for table ${table} of ${valTypeName(tableType)}`,
          'elem',
          offset[0]?.offset ?? null,
        );
      }
      checkConst(offset, I32, constCtx, 'elem');
    }
  }

  for (const seg of m.datas) {
    if (seg.mode.kind === 'active') {
      const { memory, offset } = seg.mode;
      if (memory >= memCount) invalid(`unknown memory ${memory}`, 'data', offset[0]?.offset ?? null);
      checkConst(offset, I32, constCtx, 'data');
    }
  }

  const ctx: ModuleContext = {
    types: m.types,
    funcs,
    tables,
    memCount,
    globals,
    elemTypes: m.elems.map((seg) => seg.type),
    dataSegmentCount: m.datas.length,
    hasDataCount: m.dataCount !== null,
    declaredFuncs,
  };
  const checker = new BodyChecker(ctx);
  const infos = m.funcs.map((f, i) => checker.check(f, importedFuncs + i));

  if (m.start !== null) {
    if (m.start >= funcs.length) invalid(`unknown function ${m.start}`, 'start');
    const type = funcs[m.start];
    if (type.params.length !== 0 || type.results.length !== 0) {
      invalid(`start function must not have parameters or results (function ${m.start})`, 'start');
    }
  }

  checkExports(m, funcs.length, tables.length, memCount, globals.length);
  return { funcs: infos };
}

function lookupType(m: Module, idx: number, section: string): FuncType {
  if (idx >= m.types.length) invalid(`unknown type ${idx}`, section);
  return m.types[idx];
}

function checkLimits(limits: Limits, range: number, rangeMessage: string, section: string): void {
  if (limits.min > range) invalid(rangeMessage, section);
  if (limits.max !== null) {
    if (limits.max > range) invalid(rangeMessage, section);
    if (limits.min > limits.max) {
      invalid(`size minimum must not be greater than maximum (${limits.min} > ${limits.max})`, section);
    }
  }
}

function checkTableType(t: TableType, section: string): void {
  checkLimits(t.limits, MAX_TABLE_SIZE, 'table size must be at most 2^32-1', section);
}

function checkMemType(t: MemType, section: string): void {
  checkLimits(t.limits, MAX_MEMORY_PAGES, 'memory size must be at most 65536 pages (4GiB)', section);
}

/**
 * C.refs: the functions a `ref.func` in a body may name, namely those referenced
 * anywhere in the module outside function bodies and the start section (element
 * segments, exports, global initializers, segment offsets).
 */
function collectDeclaredFuncs(m: Module, funcCount: number): Uint8Array {
  const declared = new Uint8Array(funcCount);
  const scan = (expr: ConstExpr): void => {
    for (const ins of expr) {
      if (ins.op === Op.ref_func && ins.a !== undefined && ins.a < funcCount) declared[ins.a] = 1;
    }
  };
  for (const g of m.globals) scan(g.init);
  for (const seg of m.elems) {
    seg.init.forEach(scan);
    if (seg.mode.kind === 'active') scan(seg.mode.offset);
  }
  for (const seg of m.datas) if (seg.mode.kind === 'active') scan(seg.mode.offset);
  for (const ex of m.exports) if (ex.kind === 'func' && ex.index < funcCount) declared[ex.index] = 1;
  return declared;
}

/** What a constant expression may see: all functions, but only the imported globals. */
interface ConstContext {
  funcs: number;
  globals: readonly GlobalType[];
}

/**
 * A constant expression: only constants, `ref.null`, `ref.func` and `global.get` of an
 * immutable imported global, leaving exactly one value of type `expected`.
 */
function checkConst(expr: ConstExpr, expected: ValType, c: ConstContext, section: string): void {
  const at = expr[0]?.offset ?? null;
  const types: ValType[] = [];
  for (const ins of expr) {
    const fail = (reason: string): never => invalid(reason, section, ins.offset);
    switch (ins.op) {
      case Op.i32_const: types.push(I32); break;
      case Op.i64_const: types.push(I64); break;
      case Op.f32_const: types.push(F32); break;
      case Op.f64_const: types.push(F64); break;
      case Op.ref_null: {
        const t = ins.a as ValType;
        if (!isRefType(t)) fail(`type mismatch: ref.null of non-reference type 0x${(ins.a ?? 0).toString(16)}`);
        types.push(t);
        break;
      }
      case Op.ref_func: {
        const idx = ins.a ?? -1;
        if (idx < 0 || idx >= c.funcs) fail(`unknown function ${idx}`);
        types.push(FUNCREF);
        break;
      }
      case Op.global_get: {
        const idx = ins.a ?? -1;
        if (idx < 0 || idx >= c.globals.length) fail(`unknown global ${idx}`);
        const g = c.globals[idx];
        if (g.mutable) fail(`constant expression required: global.get of mutable global ${idx}`);
        types.push(g.valType);
        break;
      }
      default:
        fail(`constant expression required: ${opName(ins.op)} is not constant`);
    }
  }
  if (types.length !== 1 || types[0] !== expected) {
    invalid(
      `type mismatch: constant expression must give [${valTypeName(expected)}] ` +
        `but gives [${types.map(valTypeName).join(' ')}]`,
      section,
      at,
    );
  }
}

function checkExports(m: Module, funcs: number, tables: number, mems: number, globals: number): void {
  const names = new Set<string>();
  for (const ex of m.exports) {
    const count = ex.kind === 'func' ? funcs : ex.kind === 'table' ? tables : ex.kind === 'memory' ? mems : globals;
    if (ex.index >= count) {
      invalid(`unknown ${ex.kind === 'func' ? 'function' : ex.kind} ${ex.index}`, 'export');
    }
    if (names.has(ex.name)) invalid(`duplicate export name ${JSON.stringify(ex.name)}`, 'export');
    names.add(ex.name);
  }
}

