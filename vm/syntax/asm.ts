// A one-instruction-per-line assembler for function bodies, in the text format's
// instruction names (`i32.const 1`, `br_table 0 1 0`, `block (type 1)`, `i32.load 2 8`
// = align, offset). Used to build small modules in code: the interpreter's warm-up
// program (vm/exec/warmup.ts) and the hand-built test modules.

import { Op, opName } from './opcodes.js';
import { F32, F64, FUNCREF, EXTERNREF, I32, I64, type BlockType, type Instr, type ValType } from './types.js';

const OPS = new Map<string, number>();
for (const op of Object.values(Op)) OPS.set(opName(op), op);
OPS.set('select', Op.select); // not select_t, which shares the text name

const VALTYPES: Record<string, ValType> = { i32: I32, i64: I64, f32: F32, f64: F64, funcref: FUNCREF, externref: EXTERNREF };

function int(s: string | undefined, line: string): number {
  if (s === undefined || !/^-?(0x[0-9a-f]+|\d+)$/i.test(s)) throw new Error(`asm: bad integer in "${line}"`);
  return s.startsWith('-') ? -Number(s.slice(1)) : Number(s);
}

function blockType(rest: string[], line: string): BlockType {
  if (rest.length === 0) return { kind: 'empty' };
  const m = /^\(type (\d+)\)$/.exec(rest.join(' '));
  if (m) return { kind: 'type', index: Number(m[1]) };
  const t = VALTYPES[rest[0]];
  if (t === undefined) throw new Error(`asm: bad block type in "${line}"`);
  return { kind: 'value', type: t };
}

/** Parses one instruction per line; `;;` starts a comment. */
export function assemble(text: string): Instr[] {
  const out: Instr[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/;;.*$/, '').trim();
    if (line === '') continue;
    const [name, ...rest] = line.split(/\s+/);
    const op = OPS.get(name);
    if (op === undefined) throw new Error(`asm: unknown instruction "${name}"`);
    const ins: Instr = { op, offset: 0 };
    switch (op) {
      case Op.block: case Op.loop: case Op.if:
        ins.bt = blockType(rest, line);
        break;
      case Op.br_table: {
        const labels = rest.map((r) => int(r, line));
        ins.a = labels.pop();
        ins.labels = labels;
        break;
      }
      case Op.i64_const:
        ins.c = BigInt.asUintN(64, BigInt(rest[0]));
        break;
      case Op.f64_const:
        ins.c = BigInt(rest[0]); // the bit pattern
        break;
      case Op.i32_const:
      case Op.f32_const: // the bit pattern
        ins.a = int(rest[0], line) | 0;
        break;
      case Op.ref_null:
        ins.a = VALTYPES[rest[0]];
        break;
      default:
        if (op >= Op.i32_load && op <= Op.i64_store32) {
          ins.a = rest[0] === undefined ? 0 : int(rest[0], line);
          ins.b = rest[1] === undefined ? 0 : int(rest[1], line);
        } else {
          if (rest[0] !== undefined) ins.a = int(rest[0], line);
          if (rest[1] !== undefined) ins.b = int(rest[1], line);
        }
    }
    out.push(ins);
  }
  return out;
}
