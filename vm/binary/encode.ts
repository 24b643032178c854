// Module AST -> binary (spec chapter 5, interpreter/binary/encode.ml): the inverse of
// decode.ts. decodeModule(encodeModule(m)) equals m up to byte offsets; custom
// sections are written last (the AST does not record where they stood).
// The native engine encodes its instrumented copy of a job with it.

import { Op, opName } from '../syntax/opcodes.js';
import type {
  BlockType, ConstExpr, DataSegment, ElemSegment, Export, Func, FuncType, Global, GlobalType,
  Import, Instr, Limits, MemType, Module, TableType, ValType,
} from '../syntax/types.js';
import { FUNCREF } from '../syntax/types.js';
import { Writer } from './writer.js';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const VERSION = [0x01, 0x00, 0x00, 0x00];

const SectionId = {
  Custom: 0, Type: 1, Import: 2, Function: 3, Table: 4, Memory: 5, Global: 6,
  Export: 7, Start: 8, Element: 9, Code: 10, Data: 11, DataCount: 12,
} as const;
type SectionId = (typeof SectionId)[keyof typeof SectionId];

export function encodeModule(m: Module): Uint8Array<ArrayBuffer> {
  const w = new Writer();
  for (const b of MAGIC) w.byte(b);
  for (const b of VERSION) w.byte(b);
  section(w, SectionId.Type, m.types, (s, t) => funcType(s, t));
  section(w, SectionId.Import, m.imports, importEntry);
  section(w, SectionId.Function, m.funcs, (s, f) => s.u32(f.typeIdx));
  section(w, SectionId.Table, m.tables, tableType);
  section(w, SectionId.Memory, m.mems, (s, mt) => memType(s, mt));
  section(w, SectionId.Global, m.globals, globalEntry);
  section(w, SectionId.Export, m.exports, exportEntry);
  if (m.start !== null) sectionBody(w, SectionId.Start, (s) => s.u32(m.start as number));
  section(w, SectionId.Element, m.elems, elemSegment);
  if (m.dataCount !== null) sectionBody(w, SectionId.DataCount, (s) => s.u32(m.dataCount as number));
  section(w, SectionId.Code, m.funcs, codeEntry);
  section(w, SectionId.Data, m.datas, dataSegment);
  for (const c of m.customs) {
    sectionBody(w, SectionId.Custom, (s) => {
      s.name(c.name);
      s.bytes(c.data);
    });
  }
  return w.finish();
}

/** A section holding a vector; omitted when the vector is empty. */
function section<T>(w: Writer, id: SectionId, items: T[], item: (s: Writer, x: T) => void): void {
  if (items.length === 0) return;
  sectionBody(w, id, (s) => {
    s.u32(items.length);
    for (const x of items) item(s, x);
  });
}

function sectionBody(w: Writer, id: SectionId, body: (s: Writer) => void): void {
  const s = new Writer();
  body(s);
  w.byte(id);
  w.u32(s.length);
  w.bytes(s.finish());
}

// ---- Types ----------------------------------------------------------------

function valTypes(w: Writer, ts: ValType[]): void {
  w.u32(ts.length);
  for (const t of ts) w.byte(t);
}

function funcType(w: Writer, t: FuncType): void {
  w.byte(0x60);
  valTypes(w, t.params);
  valTypes(w, t.results);
}

function limits(w: Writer, l: Limits): void {
  if (l.max === null) {
    w.byte(0x00);
    w.u32(l.min);
  } else {
    w.byte(0x01);
    w.u32(l.min);
    w.u32(l.max);
  }
}

function memType(w: Writer, t: MemType): void {
  if (t.shared !== true) return limits(w, t.limits);
  if (t.limits.max === null) throw new Error('encodeModule: a shared memory needs a maximum');
  w.byte(0x03);
  w.u32(t.limits.min);
  w.u32(t.limits.max);
}

function tableType(w: Writer, t: TableType): void {
  w.byte(t.elemType);
  limits(w, t.limits);
}

function globalType(w: Writer, t: GlobalType): void {
  w.byte(t.valType);
  w.byte(t.mutable ? 0x01 : 0x00);
}

function blockType(w: Writer, bt: BlockType): void {
  switch (bt.kind) {
    case 'empty': w.byte(0x40); return;
    case 'value': w.byte(bt.type); return;
    case 'type': w.s33(bt.index); return;
  }
}

// ---- Sections ---------------------------------------------------------------

function importEntry(w: Writer, im: Import): void {
  w.name(im.module);
  w.name(im.name);
  const d = im.desc;
  switch (d.kind) {
    case 'func': w.byte(0x00); w.u32(d.typeIdx); return;
    case 'table': w.byte(0x01); tableType(w, d.type); return;
    case 'memory': w.byte(0x02); memType(w, d.type); return;
    case 'global': w.byte(0x03); globalType(w, d.type); return;
  }
}

function globalEntry(w: Writer, g: Global): void {
  globalType(w, g.type);
  constExpr(w, g.init);
}

const EXPORT_KIND = { func: 0x00, table: 0x01, memory: 0x02, global: 0x03 } as const;

function exportEntry(w: Writer, e: Export): void {
  w.name(e.name);
  w.byte(EXPORT_KIND[e.kind]);
  w.u32(e.index);
}

/** The function index of a `ref.func i` element expression, or null for any other expression. */
function refFuncIndex(e: ConstExpr): number | null {
  return e.length === 1 && e[0].op === Op.ref_func ? need(e[0], e[0].a, 'funcidx') : null;
}

/**
 * Picks the most compact of the eight element encodings that decodes back to `seg`:
 * function-index vectors (flags 0-3) when every item is `ref.func`, expressions (4-7) otherwise.
 */
function elemSegment(w: Writer, seg: ElemSegment): void {
  const indices = seg.init.map(refFuncIndex);
  const asIndices = seg.type === FUNCREF && indices.every((i) => i !== null);
  const mode = seg.mode;
  const implicitTable = mode.kind === 'active' && mode.table === 0 && seg.type === FUNCREF;
  const flags =
    (mode.kind === 'passive' ? 0x01 : mode.kind === 'declarative' ? 0x03 : implicitTable ? 0x00 : 0x02) |
    (asIndices ? 0x00 : 0x04);
  w.u32(flags);
  if (mode.kind === 'active') {
    if (!implicitTable) w.u32(mode.table);
    constExpr(w, mode.offset);
  }
  if (!implicitTable) {
    // elemkind 0x00 (funcref) in the index forms, the reference type in the expression forms
    w.byte(asIndices ? 0x00 : seg.type);
  }
  if (asIndices) {
    w.u32(indices.length);
    for (const i of indices) w.u32(i as number);
  } else {
    w.u32(seg.init.length);
    for (const e of seg.init) constExpr(w, e);
  }
}

function dataSegment(w: Writer, seg: DataSegment): void {
  const mode = seg.mode;
  if (mode.kind === 'passive') {
    w.u32(0x01);
  } else if (mode.memory === 0) {
    w.u32(0x00);
    constExpr(w, mode.offset);
  } else {
    w.u32(0x02);
    w.u32(mode.memory);
    constExpr(w, mode.offset);
  }
  w.u32(seg.init.length);
  w.bytes(seg.init);
}

function codeEntry(w: Writer, f: Func): void {
  const body = new Writer();
  // Consecutive locals of one type share an entry.
  const runs: { count: number; type: ValType }[] = [];
  for (const t of f.locals) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.type === t) last.count++;
    else runs.push({ count: 1, type: t });
  }
  body.u32(runs.length);
  for (const r of runs) {
    body.u32(r.count);
    body.byte(r.type);
  }
  for (const ins of f.body) instr(body, ins);
  w.u32(body.length);
  w.bytes(body.finish());
}

function constExpr(w: Writer, e: ConstExpr): void {
  for (const ins of e) instr(w, ins);
  w.byte(Op.end);
}

// ---- Instructions -----------------------------------------------------------

function need<T>(ins: Instr, value: T | undefined, what: string): T {
  if (value === undefined) {
    throw new Error(`encode: ${opName(ins.op)} at byte 0x${ins.offset.toString(16)} has no ${what}`);
  }
  return value;
}

function memArg(w: Writer, ins: Instr): void {
  w.u32(need(ins, ins.a, 'alignment'));
  w.u32(need(ins, ins.b, 'offset'));
}

function instr(w: Writer, ins: Instr): void {
  const op = ins.op;
  if (op >= 0xfc00) {
    w.byte(0xfc);
    w.u32(op & 0xff);
    prefixedImmediates(w, ins);
    return;
  }
  w.byte(op);
  switch (op) {
    case Op.block: case Op.loop: case Op.if:
      blockType(w, need(ins, ins.bt, 'block type'));
      return;
    case Op.br: case Op.br_if:
    case Op.call:
    case Op.local_get: case Op.local_set: case Op.local_tee:
    case Op.global_get: case Op.global_set:
    case Op.table_get: case Op.table_set:
    case Op.ref_func:
      w.u32(need(ins, ins.a, 'index'));
      return;
    case Op.br_table: {
      const labels = need(ins, ins.labels, 'labels');
      w.u32(labels.length);
      for (const l of labels) w.u32(l);
      w.u32(need(ins, ins.a, 'default label'));
      return;
    }
    case Op.call_indirect:
      w.u32(need(ins, ins.a, 'type index'));
      w.u32(need(ins, ins.b, 'table index'));
      return;
    case Op.select_t:
      valTypes(w, need(ins, ins.types, 'types'));
      return;
    case Op.memory_size: case Op.memory_grow:
      w.byte(0x00);
      return;
    case Op.i32_const:
      w.s32(need(ins, ins.a, 'value'));
      return;
    case Op.i64_const:
      w.s64(need(ins, ins.c, 'value'));
      return;
    case Op.f32_const:
      w.u32le(need(ins, ins.a, 'bits'));
      return;
    case Op.f64_const:
      w.u64le(need(ins, ins.c, 'bits'));
      return;
    case Op.ref_null:
      w.byte(need(ins, ins.a, 'reference type'));
      return;
    default:
      if (op >= Op.i32_load && op <= Op.i64_store32) memArg(w, ins);
      // every other instruction has no immediate
      return;
  }
}

function prefixedImmediates(w: Writer, ins: Instr): void {
  switch (ins.op) {
    case Op.memory_init:
      w.u32(need(ins, ins.a, 'data index'));
      w.byte(0x00);
      return;
    case Op.data_drop: case Op.elem_drop:
    case Op.table_grow: case Op.table_size: case Op.table_fill:
      w.u32(need(ins, ins.a, 'index'));
      return;
    case Op.memory_copy:
      w.byte(0x00);
      w.byte(0x00);
      return;
    case Op.memory_fill:
      w.byte(0x00);
      return;
    case Op.table_init: case Op.table_copy:
      w.u32(need(ins, ins.a, 'index'));
      w.u32(need(ins, ins.b, 'index'));
      return;
    default:
      // saturating truncations: no immediate
      return;
  }
}
