// The binary decoder against the official spec suite (every binary module that must
// decode, every binary assert_malformed that must not), two independent oracles
// (V8's import/export lists, and a round trip through vm/binary/encode.ts), and unit
// tests for LEB128, names, instruction immediates, segments and error reporting.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeModule, MAX_FUNCTION_LOCALS } from '../../vm/binary/decode.js';
import { encodeModule } from '../../vm/binary/encode.js';
import { isValidUtf8, Reader } from '../../vm/binary/reader.js';
import { Op } from '../../vm/syntax/opcodes.js';
import {
  EXTERNREF, F64, FUNCREF, I32, I64, WasmError, type Instr, type Module,
} from '../../vm/syntax/types.js';

// ---- helpers ------------------------------------------------------------------

const SPEC_JSON = fileURLToPath(new URL('../../../shared/wasm-spec/json/', import.meta.url));

interface SpecCommand {
  type: string;
  line: number;
  filename?: string;
  module_type?: string;
  text?: string;
}

interface SpecCase {
  where: string;
  type: string;
  bytes: Uint8Array<ArrayBuffer>;
  text: string;
}

/** Binary modules of the spec suite: those that must decode, and those that must be malformed. */
function loadSpecCases(): { decodable: SpecCase[]; malformed: SpecCase[] } {
  const decodable: SpecCase[] = [];
  const malformed: SpecCase[] = [];
  for (const file of readdirSync(SPEC_JSON).filter((f) => f.endsWith('.json')).sort()) {
    const script = JSON.parse(readFileSync(SPEC_JSON + file, 'utf8')) as { commands: SpecCommand[] };
    for (const cmd of script.commands) {
      if (cmd.filename === undefined || !cmd.filename.endsWith('.wasm')) continue;
      if (cmd.module_type !== undefined && cmd.module_type !== 'binary') continue;
      const c: SpecCase = {
        where: `${file}:${cmd.line} (${cmd.filename})`,
        type: cmd.type,
        bytes: new Uint8Array(readFileSync(SPEC_JSON + cmd.filename)),
        text: cmd.text ?? '',
      };
      // Invalid, unlinkable and uninstantiable modules are well-formed: they fail later.
      if (cmd.type === 'assert_malformed') malformed.push(c);
      else decodable.push(c);
    }
  }
  return { decodable, malformed };
}

function bytesOf(...parts: (number | number[] | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (const b of p) out.push(b);
  }
  return new Uint8Array(out);
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function str(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

function section(id: number, ...content: (number | number[] | Uint8Array)[]): number[] {
  const body = bytesOf(...content);
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const TYPE_VOID = section(1, vec([[0x60, 0x00, 0x00]])); // one type: [] -> []

function moduleOf(...sections: number[][]): Uint8Array {
  return bytesOf(HEADER, ...sections);
}

/** A module with type 0 = [] -> [] and one function per body (locals excluded from `bodies`). */
function moduleWithBodies(bodies: number[][], extra: { before?: number[][]; after?: number[][] } = {}): Uint8Array {
  const code = bodies.map((b) => {
    const entry = [0x00, ...b]; // no locals
    return [...uleb(entry.length), ...entry];
  });
  return moduleOf(
    TYPE_VOID,
    section(3, vec(bodies.map(() => [0x00]))),
    ...(extra.before ?? []),
    section(10, vec(code)),
    ...(extra.after ?? []),
  );
}

function decodeError(bytes: Uint8Array): WasmError {
  try {
    decodeModule(bytes);
  } catch (e) {
    if (e instanceof WasmError) return e;
    throw e;
  }
  throw new Error('decoded without error');
}

function readerError(bytes: number[], read: (r: Reader) => unknown): string {
  try {
    read(new Reader(new Uint8Array(bytes)));
  } catch (e) {
    if (e instanceof WasmError) return e.reason;
    throw e;
  }
  return 'no error';
}

/** Drops byte offsets, which legitimately differ between two encodings of one module. */
function withoutOffsets(m: Module): unknown {
  return JSON.parse(
    JSON.stringify(m, (key, value: unknown) => {
      if (key === 'offset' && typeof value === 'number') return undefined;
      if (typeof value === 'bigint') return `${value}n`;
      if (value instanceof Uint8Array) return Array.from(value);
      return value;
    }),
  );
}

// ---- the spec suite -------------------------------------------------------------

describe('spec suite binary modules', () => {
  it('finds the spec suite', () => {
    expect(existsSync(SPEC_JSON), `missing ${SPEC_JSON}`).toBe(true);
  });

  const { decodable, malformed } = existsSync(SPEC_JSON) ? loadSpecCases() : { decodable: [], malformed: [] };

  it('decodes every module, assert_invalid, assert_unlinkable and assert_uninstantiable module', () => {
    const failures: string[] = [];
    for (const c of decodable) {
      try {
        decodeModule(c.bytes);
      } catch (e) {
        failures.push(`${c.where}: ${(e as Error).message}`);
      }
    }
    console.log(`decoded ${decodable.length - failures.length}/${decodable.length} well-formed spec modules`);
    expect(failures).toEqual([]);
    // 1125 module + 1475 assert_invalid + 83 assert_unlinkable + 34 assert_uninstantiable
    expect(decodable.length).toBe(2717);
  });

  it('refuses every binary assert_malformed module as malformed, with the spec wording', () => {
    const failures: string[] = [];
    let matched = 0;
    for (const c of malformed) {
      try {
        decodeModule(c.bytes);
        failures.push(`${c.where}: decoded, expected "${c.text}"`);
      } catch (e) {
        if (!(e instanceof WasmError) || e.kind !== 'malformed') {
          failures.push(`${c.where}: not a malformed WasmError: ${(e as Error).message}`);
        } else if (!e.reason.startsWith(c.text)) {
          failures.push(`${c.where}: reason "${e.reason}", spec says "${c.text}"`);
        } else {
          matched++;
        }
      }
    }
    console.log(`refused ${matched}/${malformed.length} malformed spec modules with the spec's wording`);
    expect(failures).toEqual([]);
    expect(malformed.length).toBe(736);
  });

  it('agrees with V8 on the imports, exports and custom sections of every spec module', () => {
    let compared = 0;
    for (const c of decodable.filter((x) => x.type === 'module')) {
      const m = decodeModule(c.bytes);
      const v8 = new WebAssembly.Module(c.bytes);
      const imports = m.imports.map((i) => ({ module: i.module, name: i.name, kind: i.desc.kind }));
      const exports = m.exports.map((e) => ({ name: e.name, kind: e.kind }));
      const kind = (k: string) => (k === 'function' ? 'func' : k);
      expect(imports, c.where).toEqual(WebAssembly.Module.imports(v8).map((i) => ({ ...i, kind: kind(i.kind) })));
      expect(exports, c.where).toEqual(WebAssembly.Module.exports(v8).map((e) => ({ ...e, kind: kind(e.kind) })));
      for (const name of new Set(m.customs.map((s) => s.name))) {
        const ours = m.customs.filter((s) => s.name === name).map((s) => Array.from(s.data));
        const theirs = WebAssembly.Module.customSections(v8, name).map((b) => Array.from(new Uint8Array(b)));
        expect(ours, `${c.where} custom section ${name}`).toEqual(theirs);
      }
      compared++;
    }
    expect(compared).toBe(1125);
  });

  it('round-trips every decodable spec module through encodeModule', () => {
    let identical = 0;
    for (const c of decodable) {
      const m = decodeModule(c.bytes);
      const again = encodeModule(m);
      expect(withoutOffsets(decodeModule(again)), c.where).toEqual(withoutOffsets(m));
      if (m.customs.length === 0 && Buffer.compare(Buffer.from(again), Buffer.from(c.bytes)) === 0) identical++;
    }
    // wast2json writes canonical LEB128s, so most modules re-encode byte for byte:
    // the decoder kept every immediate where the encoder expects it.
    console.log(`${identical}/${decodable.length} spec modules re-encode byte-identical`);
    expect(identical).toBeGreaterThan(decodable.length * 0.9);
  });
});

// ---- LEB128 and other primitives ---------------------------------------------------

describe('LEB128', () => {
  const u32 = (b: number[]) => new Reader(new Uint8Array(b)).u32();
  const s32 = (b: number[]) => new Reader(new Uint8Array(b)).s32();
  const s33 = (b: number[]) => new Reader(new Uint8Array(b)).s33();
  const s64 = (b: number[]) => new Reader(new Uint8Array(b)).s64();

  it('u32: values, non-minimal encodings and the position after', () => {
    expect(u32([0x00])).toBe(0);
    expect(u32([0x7f])).toBe(127);
    expect(u32([0x80, 0x01])).toBe(128);
    expect(u32([0xe5, 0x8e, 0x26])).toBe(624485);
    expect(u32([0xff, 0xff, 0xff, 0xff, 0x0f])).toBe(0xffffffff);
    expect(u32([0x80, 0x80, 0x80, 0x80, 0x00])).toBe(0); // padded to 5 bytes: allowed
    const r = new Reader(new Uint8Array([0x83, 0x00, 0x2a]));
    expect(r.u32()).toBe(3);
    expect(r.pos).toBe(2);
  });

  it('u32: too large, too long, truncated', () => {
    expect(readerError([0xff, 0xff, 0xff, 0xff, 0x1f], (r) => r.u32())).toBe('integer too large');
    expect(readerError([0x80, 0x80, 0x80, 0x80, 0x10], (r) => r.u32())).toBe('integer too large');
    expect(readerError([0x80, 0x80, 0x80, 0x80, 0x80, 0x00], (r) => r.u32())).toBe('integer representation too long');
    expect(readerError([0x80, 0x80], (r) => r.u32())).toBe('unexpected end of section or function');
    expect(readerError([], (r) => r.u32())).toBe('unexpected end of section or function');
  });

  it('s32: sign extension and the unused bits of the fifth byte', () => {
    expect(s32([0x7f])).toBe(-1);
    expect(s32([0x3f])).toBe(63);
    expect(s32([0x40])).toBe(-64);
    expect(s32([0x80, 0x7f])).toBe(-128);
    expect(s32([0xff, 0xff, 0xff, 0xff, 0x07])).toBe(0x7fffffff);
    expect(s32([0x80, 0x80, 0x80, 0x80, 0x78])).toBe(-0x80000000);
    expect(s32([0xff, 0xff, 0xff, 0xff, 0x7f])).toBe(-1); // padded -1
    expect(readerError([0xff, 0xff, 0xff, 0xff, 0x0f], (r) => r.s32())).toBe('integer too large');
    expect(readerError([0x80, 0x80, 0x80, 0x80, 0x70], (r) => r.s32())).toBe('integer too large');
    expect(readerError([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], (r) => r.s32())).toBe('integer representation too long');
  });

  it('s33: the full block-type range', () => {
    expect(s33([0x40])).toBe(-64);
    expect(s33([0xff, 0xff, 0xff, 0xff, 0x0f])).toBe(0xffffffff);
    expect(s33([0x80, 0x80, 0x80, 0x80, 0x70])).toBe(-0x100000000);
    expect(readerError([0xff, 0xff, 0xff, 0xff, 0x1f], (r) => r.s33())).toBe('integer too large');
    expect(readerError([0x80, 0x80, 0x80, 0x80, 0x80, 0x00], (r) => r.s33())).toBe('integer representation too long');
  });

  it('s64: extremes, sign extension, ten-byte limit', () => {
    expect(s64([0x7f])).toBe(-1n);
    expect(s64([0x00])).toBe(0n);
    expect(s64([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00])).toBe(2n ** 63n - 1n);
    expect(s64([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f])).toBe(-(2n ** 63n));
    expect(s64([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])).toBe(0n);
    expect(s64([0xe5, 0x8e, 0x26])).toBe(624485n);
    expect(s64([0xc0, 0xbb, 0x78])).toBe(-123456n);
    expect(s64([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40])).toBe(-(2n ** 48n));
    expect(readerError([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], (r) => r.s64()))
      .toBe('integer too large');
    expect(readerError([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], (r) => r.s64()))
      .toBe('integer representation too long');
  });

  it('limits flag: 0 or 1 as a one-bit LEB128', () => {
    expect(new Reader(new Uint8Array([0x01])).u1()).toBe(1);
    expect(readerError([0x02], (r) => r.u1())).toBe('integer too large');
    expect(readerError([0x81, 0x00], (r) => r.u1())).toBe('integer representation too long');
  });

  it('len32: a length cannot exceed what is left of the module', () => {
    expect(new Reader(new Uint8Array([0x02, 0xaa, 0xbb])).len32()).toBe(2);
    // Counted, as in decode.ml, from the length field itself.
    expect(new Reader(new Uint8Array([0x03, 0xaa, 0xbb])).len32()).toBe(3);
    expect(readerError([0x04, 0xaa, 0xbb], (r) => r.len32())).toBe('length out of bounds');
  });
});

describe('names', () => {
  const name = (b: number[]) => new Reader(new Uint8Array([b.length, ...b])).name();

  it('decodes valid UTF-8 and keeps a leading BOM', () => {
    expect(name([0x68, 0xc3, 0xa9])).toBe('hé');
    expect(name([0xef, 0xbb, 0xbf, 0x61])).toBe('\ufeffa');
    expect(name([0xf0, 0x9f, 0x98, 0x80])).toBe('😀');
    expect(name([0xf4, 0x8f, 0xbf, 0xbf])).toBe('\u{10ffff}');
    expect(name([])).toBe('');
  });

  it('refuses overlong forms, surrogates, code points above U+10FFFF and truncation', () => {
    for (const bad of [
      [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x9f, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], // overlong
      [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], // surrogates
      [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff], // too large / invalid lead
      [0x80], [0xe2, 0x82], [0xc3], [0xc3, 0x41], // stray continuation, truncated, bad continuation
    ]) {
      expect(isValidUtf8(new Uint8Array(bad), 0, bad.length), bad.join(',')).toBe(false);
      expect(readerError([bad.length, ...bad], (r) => r.name())).toBe('malformed UTF-8 encoding');
    }
  });
});

// ---- instructions -------------------------------------------------------------------

describe('instructions', () => {
  function body(...code: number[]): Instr[] {
    const m = decodeModule(moduleWithBodies([code], {
      before: [section(4, vec([[0x70, 0x00, 0x01], [0x6f, 0x00, 0x01]])), section(5, vec([[0x00, 0x01]]))],
    }));
    return m.funcs[0].body;
  }
  const shape = (ins: Instr[]) => ins.map(({ op, a, b, c, bt, labels, types }) =>
    Object.fromEntries(Object.entries({ op, a, b, c, bt, labels, types }).filter(([, v]) => v !== undefined)));

  it('decodes control instructions with all block type forms, keeping the final end', () => {
    const ins = body(
      0x02, 0x40, // block (empty)
      0x03, 0x7f, 0x41, 0x01, 0x0b, // loop (result i32) i32.const 1 end
      0x1a, // drop
      0x41, 0x00, 0x04, 0x00, 0x05, 0x0b, // i32.const 0, if (type 0) else end
      0x0c, 0x00, 0x0d, 0x01, // br 0, br_if 1
      0x0e, 0x02, 0x00, 0x01, 0x02, // br_table [0 1] 2
      0x0b, // end of block
      0x0f, // return
      0x0b, // end of function
    );
    expect(shape(ins)).toEqual([
      { op: Op.block, bt: { kind: 'empty' } },
      { op: Op.loop, bt: { kind: 'value', type: I32 } },
      { op: Op.i32_const, a: 1 },
      { op: Op.end },
      { op: Op.drop },
      { op: Op.i32_const, a: 0 },
      { op: Op.if, bt: { kind: 'type', index: 0 } },
      { op: Op.else },
      { op: Op.end },
      { op: Op.br, a: 0 },
      { op: Op.br_if, a: 1 },
      { op: Op.br_table, labels: [0, 1], a: 2 },
      { op: Op.end },
      { op: Op.return },
      { op: Op.end },
    ]);
    expect(ins.map((i) => i.offset).every((o, k, all) => k === 0 || o > all[k - 1])).toBe(true);
  });

  it('wraps a multi-byte negative s33 block type to an (unknown) u32 type index, as decode.ml does', () => {
    const ins = body(0x02, 0xc0, 0x7f, 0x0b, 0x0b);
    expect(ins[0].bt).toEqual({ kind: 'type', index: 0xffffffc0 });
  });

  it('decodes constants as documented in types.ts', () => {
    const ins = body(
      0x41, 0x7f, // i32.const -1
      0x42, 0x7f, // i64.const -1
      0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, // i64.const -2^63
      0x43, 0x00, 0x00, 0xc0, 0xff, // f32.const bits 0xffc00000
      0x44, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f, // f64.const bits 0x7ff8000000000001
      0x0b,
    );
    expect(shape(ins.slice(0, 5))).toEqual([
      { op: Op.i32_const, a: -1 },
      { op: Op.i64_const, c: 0xffffffffffffffffn },
      { op: Op.i64_const, c: 0x8000000000000000n },
      { op: Op.f32_const, a: 0xffc00000 | 0 },
      { op: Op.f64_const, c: 0x7ff8000000000001n },
    ]);
  });

  it('decodes variable, table, memory, reference and parametric immediates', () => {
    const ins = body(
      0x20, 0x05, 0x23, 0x81, 0x01, // local.get 5, global.get 129
      0x25, 0x01, 0x26, 0x00, // table.get 1, table.set 0
      0x28, 0x02, 0x10, // i32.load align=4 offset=16
      0x3e, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, // i64.store32 align=4 offset=2^32-1
      0x3f, 0x00, 0x40, 0x00, // memory.size, memory.grow
      0x11, 0x03, 0x01, // call_indirect type 3 table 1
      0x10, 0x07, // call 7
      0xd0, 0x70, 0xd0, 0x6f, 0xd1, 0xd2, 0x02, // ref.null func, ref.null extern, ref.is_null, ref.func 2
      0x1b, 0x1c, 0x01, 0x7c, // select, select (result f64)
      0x0b,
    );
    expect(shape(ins.slice(0, -1))).toEqual([
      { op: Op.local_get, a: 5 }, { op: Op.global_get, a: 129 },
      { op: Op.table_get, a: 1 }, { op: Op.table_set, a: 0 },
      { op: Op.i32_load, a: 2, b: 16 },
      { op: Op.i64_store32, a: 2, b: 0xffffffff },
      { op: Op.memory_size }, { op: Op.memory_grow },
      { op: Op.call_indirect, a: 3, b: 1 },
      { op: Op.call, a: 7 },
      { op: Op.ref_null, a: FUNCREF }, { op: Op.ref_null, a: EXTERNREF }, { op: Op.ref_is_null },
      { op: Op.ref_func, a: 2 },
      { op: Op.select }, { op: Op.select_t, types: [F64] },
    ]);
  });

  it('decodes every 0xFC instruction, sub-opcodes as LEB128', () => {
    const ins = decodeModule(moduleWithBodies([[
      0xfc, 0x00, 0xfc, 0x01, 0xfc, 0x02, 0xfc, 0x03, 0xfc, 0x04, 0xfc, 0x05, 0xfc, 0x06, 0xfc, 0x87, 0x00,
      0xfc, 0x08, 0x01, 0x00, // memory.init data 1
      0xfc, 0x09, 0x02, // data.drop 2
      0xfc, 0x0a, 0x00, 0x00, // memory.copy
      0xfc, 0x0b, 0x00, // memory.fill
      0xfc, 0x0c, 0x04, 0x01, // table.init elem 4 table 1
      0xfc, 0x0d, 0x03, // elem.drop 3
      0xfc, 0x0e, 0x01, 0x02, // table.copy dst 1 src 2
      0xfc, 0x0f, 0x01, 0xfc, 0x10, 0x02, 0xfc, 0x11, 0x03, // table.grow 1, table.size 2, table.fill 3
      0x0b,
    ]], { before: [section(12, 0x03)], after: [section(11, vec([[0x01, 0x00], [0x01, 0x00], [0x01, 0x00]]))] }))
      .funcs[0].body;
    expect(shape(ins)).toEqual([
      { op: Op.i32_trunc_sat_f32_s }, { op: Op.i32_trunc_sat_f32_u }, { op: Op.i32_trunc_sat_f64_s },
      { op: Op.i32_trunc_sat_f64_u }, { op: Op.i64_trunc_sat_f32_s }, { op: Op.i64_trunc_sat_f32_u },
      { op: Op.i64_trunc_sat_f64_s }, { op: Op.i64_trunc_sat_f64_u },
      { op: Op.memory_init, a: 1 }, { op: Op.data_drop, a: 2 }, { op: Op.memory_copy }, { op: Op.memory_fill },
      { op: Op.table_init, a: 4, b: 1 }, { op: Op.elem_drop, a: 3 }, { op: Op.table_copy, a: 1, b: 2 },
      { op: Op.table_grow, a: 1 }, { op: Op.table_size, a: 2 }, { op: Op.table_fill, a: 3 },
      { op: Op.end },
    ]);
  });

  it('refuses illegal opcodes, nonzero reserved bytes, misplaced else and big alignments', () => {
    expect(decodeError(moduleWithBodies([[0x06, 0x0b]])).reason).toBe('illegal opcode 06');
    expect(decodeError(moduleWithBodies([[0xfc, 0x12, 0x0b]])).reason).toBe('illegal opcode fc 12');
    expect(decodeError(moduleWithBodies([[0xfd, 0x00, 0x0b]])).reason).toBe('illegal opcode fd');
    expect(decodeError(moduleWithBodies([[0x3f, 0x01, 0x1a, 0x0b]])).reason).toBe('zero byte expected');
    expect(decodeError(moduleWithBodies([[0xfc, 0x0a, 0x00, 0x01, 0x0b]])).reason).toBe('zero byte expected');
    expect(decodeError(moduleWithBodies([[0x02, 0x40, 0x05, 0x0b, 0x0b]])).reason).toMatch(/^END opcode expected/);
    expect(decodeError(moduleWithBodies([[0x41, 0x00, 0x04, 0x40, 0x05, 0x05, 0x0b, 0x0b]])).reason)
      .toMatch(/^END opcode expected/);
    expect(decodeError(moduleWithBodies([[0x28, 0x21, 0x00, 0x0b]])).reason).toMatch(/^malformed memop flags/);
    expect(decodeError(moduleWithBodies([[0x02, 0x40, 0x0b]])).reason).toBe('unexpected end of section or function');
  });
});

// ---- module structure ---------------------------------------------------------------

describe('module structure', () => {
  it('decodes every section of a module', () => {
    const m = decodeModule(moduleOf(
      section(0, str('first'), 0x01, 0x02),
      section(1, vec([[0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7c], [0x60, 0x00, 0x00]])),
      section(2, vec([
        [...str('wasi'), ...str('f'), 0x00, 0x01],
        [...str('m'), ...str('t'), 0x01, 0x6f, 0x00, 0x02],
        [...str('m'), ...str('mem'), 0x02, 0x01, 0x01, 0x02],
        [...str('m'), ...str('g'), 0x03, 0x7e, 0x01],
      ])),
      section(3, vec([[0x01], [0x00]])),
      section(4, vec([[0x70, 0x01, 0x00, 0x0a]])),
      section(6, vec([[0x7f, 0x00, 0x41, 0x2a, 0x0b]])),
      section(7, vec([[...str('run'), 0x00, 0x01], [...str('mem'), 0x02, 0x00]])),
      section(8, 0x01),
      section(12, 0x01),
      section(0, str('middle')),
      section(10, vec([[0x02, 0x00, 0x0b], [0x06, 0x02, 0x02, 0x7f, 0x01, 0x7e, 0x0b]])),
      section(11, vec([[0x01, 0x02, 0xaa, 0xbb]])),
    ));
    expect(m.types).toEqual([{ params: [I32, I64], results: [F64] }, { params: [], results: [] }]);
    expect(m.imports.map((i) => i.desc)).toEqual([
      { kind: 'func', typeIdx: 1 },
      { kind: 'table', type: { elemType: EXTERNREF, limits: { min: 2, max: null } } },
      { kind: 'memory', type: { limits: { min: 1, max: 2 } } },
      { kind: 'global', type: { valType: I64, mutable: true } },
    ]);
    expect(m.funcs.map((f) => [f.typeIdx, f.locals])).toEqual([[1, []], [0, [I32, I32, I64]]]);
    expect(m.tables).toEqual([{ elemType: FUNCREF, limits: { min: 0, max: 10 } }]);
    expect(m.globals[0].init.map((i) => [i.op, i.a])).toEqual([[Op.i32_const, 42]]);
    expect(m.exports).toEqual([{ name: 'run', kind: 'func', index: 1 }, { name: 'mem', kind: 'memory', index: 0 }]);
    expect(m.start).toBe(1);
    expect(m.dataCount).toBe(1);
    expect(m.datas).toEqual([{ init: new Uint8Array([0xaa, 0xbb]), mode: { kind: 'passive' } }]);
    expect(m.customs).toEqual([
      { name: 'first', data: new Uint8Array([1, 2]) },
      { name: 'middle', data: new Uint8Array([]) },
    ]);
    // Func.offset is the code entry's size field.
    const bytes = encodeModule(m);
    expect(bytes[decodeModule(bytes).funcs[1].offset]).toBe(0x06);
  });

  it('decodes the eight element segment encodings and the three data segment encodings', () => {
    const offset = [0x41, 0x03, 0x0b]; // i32.const 3
    const m = decodeModule(moduleOf(
      TYPE_VOID,
      section(3, vec([[0x00]])),
      section(4, vec([[0x70, 0x00, 0x01], [0x70, 0x00, 0x01]])),
      section(5, vec([[0x00, 0x01]])),
      section(9, vec([
        [0x00, ...offset, ...vec([[0x00]])],
        [0x01, 0x00, ...vec([[0x00]])],
        [0x02, 0x01, ...offset, 0x00, ...vec([[0x00]])],
        [0x03, 0x00, ...vec([[0x00]])],
        [0x04, ...offset, ...vec([[0xd2, 0x00, 0x0b], [0xd0, 0x70, 0x0b]])],
        [0x05, 0x6f, ...vec([[0xd0, 0x6f, 0x0b]])],
        [0x06, 0x01, ...offset, 0x70, ...vec([[0xd2, 0x00, 0x0b]])],
        [0x07, 0x70, ...vec([[0xd2, 0x00, 0x0b]])],
      ])),
      section(10, vec([[0x02, 0x00, 0x0b]])),
      section(11, vec([
        [0x00, ...offset, 0x01, 0x61],
        [0x01, 0x01, 0x62],
        [0x02, 0x00, ...offset, 0x01, 0x63],
      ])),
    ));
    const konst = (e: Instr[]) => e.map((i) => [i.op, i.a]);
    const off = [[Op.i32_const, 3]];
    expect(m.elems.map((e) => ({
      type: e.type,
      mode: e.mode.kind === 'active' ? { table: e.mode.table, offset: konst(e.mode.offset) } : e.mode.kind,
      init: e.init.map(konst),
    }))).toEqual([
      { type: FUNCREF, mode: { table: 0, offset: off }, init: [[[Op.ref_func, 0]]] },
      { type: FUNCREF, mode: 'passive', init: [[[Op.ref_func, 0]]] },
      { type: FUNCREF, mode: { table: 1, offset: off }, init: [[[Op.ref_func, 0]]] },
      { type: FUNCREF, mode: 'declarative', init: [[[Op.ref_func, 0]]] },
      { type: FUNCREF, mode: { table: 0, offset: off }, init: [[[Op.ref_func, 0]], [[Op.ref_null, FUNCREF]]] },
      { type: EXTERNREF, mode: 'passive', init: [[[Op.ref_null, EXTERNREF]]] },
      { type: FUNCREF, mode: { table: 1, offset: off }, init: [[[Op.ref_func, 0]]] },
      { type: FUNCREF, mode: 'declarative', init: [[[Op.ref_func, 0]]] },
    ]);
    expect(m.datas.map((d) => ({
      bytes: Array.from(d.init),
      mode: d.mode.kind === 'active' ? { memory: d.mode.memory, offset: konst(d.mode.offset) } : d.mode.kind,
    }))).toEqual([
      { bytes: [0x61], mode: { memory: 0, offset: off } },
      { bytes: [0x62], mode: 'passive' },
      { bytes: [0x63], mode: { memory: 0, offset: off } },
    ]);
    expect(decodeError(moduleOf(section(9, vec([[0x08]])))).reason).toMatch(/^malformed elements segment kind/);
    expect(decodeError(moduleOf(section(11, vec([[0x03]])))).reason).toMatch(/^malformed data segment kind/);
    expect(decodeError(moduleOf(section(9, vec([[0x01, 0x01, 0x00]])))).reason).toMatch(/^malformed element kind/);
  });

  it('enforces section order, uniqueness and the cross-section counts', () => {
    const dup = decodeError(moduleOf(TYPE_VOID, TYPE_VOID));
    expect(dup.reason).toBe('unexpected content after last section: duplicate type section');
    const order = decodeError(moduleOf(section(3, vec([])), TYPE_VOID));
    expect(order.reason).toBe('unexpected content after last section: type section must come before the function section');
    // The data count section sits between element and code.
    expect(decodeModule(moduleOf(section(9, vec([])), section(12, 0x00), section(10, vec([])))).dataCount).toBe(0);
    expect(decodeError(moduleOf(section(10, vec([])), section(12, 0x00))).reason)
      .toMatch(/^unexpected content after last section/);
    expect(decodeError(moduleOf(section(13))).reason).toMatch(/^malformed section id/);
    expect(decodeError(moduleOf(TYPE_VOID, section(3, vec([[0x00]])))).reason)
      .toMatch(/^function and code section have inconsistent lengths/);
    expect(decodeError(moduleOf(section(12, 0x02), section(11, vec([[0x01, 0x00]])))).reason)
      .toMatch(/^data count and data section have inconsistent lengths/);
    expect(decodeError(moduleOf(TYPE_VOID, section(1, 0x00))).section).toBe('type');
  });

  it('requires the data count section for memory.init / data.drop when the module has data segments', () => {
    const dataDrop = [0xfc, 0x09, 0x00, 0x0b];
    const e = decodeError(moduleWithBodies([[0x01, 0x0b], dataDrop], { after: [section(11, vec([[0x01, 0x00]]))] }));
    expect(e.reason).toMatch(/^data count section required/);
    expect([e.section, e.func]).toEqual(['code', 1]);
    // Without data segments the index is out of range anyway: the validator refuses it.
    expect(decodeModule(moduleWithBodies([dataDrop])).funcs[0].body[0].op).toBe(Op.data_drop);
  });

  it('checks section and body sizes', () => {
    expect(decodeError(moduleOf(section(1, vec([[0x60, 0x00, 0x00]]), 0x00))).reason).toBe('section size mismatch');
    const bodyTooShort = moduleOf(TYPE_VOID, section(3, vec([[0x00]])), section(10, 0x01, 0x01, 0x00, 0x0b));
    expect(decodeError(bodyTooShort).reason).toMatch(/^section size mismatch/);
    expect(decodeError(moduleOf([0x01, 0x05, 0x01])).reason).toBe('length out of bounds');
    expect(decodeError(bytesOf(0x00, 0x61, 0x73)).reason).toBe('unexpected end of section or function');
    expect(decodeError(bytesOf(0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00)).reason).toBe('magic header not detected');
    expect(decodeError(bytesOf(0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00)).reason).toBe('unknown binary version');
  });

  it(`limits each function to ${MAX_FUNCTION_LOCALS} locals (implementation limit)`, () => {
    const withLocals = (groups: [number, number][]) => {
      const entry = [...vec(groups.map(([n, t]) => [...uleb(n), t])), 0x0b];
      return moduleOf(TYPE_VOID, section(3, vec([[0x00]])), section(10, vec([[...uleb(entry.length), ...entry]])));
    };
    expect(decodeModule(withLocals([[MAX_FUNCTION_LOCALS - 1, I32], [1, I64]])).funcs[0].locals.length)
      .toBe(MAX_FUNCTION_LOCALS);
    expect(decodeError(withLocals([[MAX_FUNCTION_LOCALS, I32], [1, I64]])).reason).toMatch(/^too many locals/);
    expect(decodeError(withLocals([[0xffffffff, I32], [1, I64]])).reason).toMatch(/^too many locals/);
  });
});

// ---- errors ---------------------------------------------------------------------------

describe('error messages', () => {
  it('name the section, the function (index space, imports first) and the byte offset', () => {
    const bytes = moduleOf(
      TYPE_VOID,
      section(2, vec([[...str('m'), ...str('f'), 0x00, 0x00]])),
      section(3, vec([[0x00], [0x00]])),
      section(10, vec([[0x02, 0x00, 0x0b], [0x04, 0x00, 0x01, 0xff, 0x0b]])),
    );
    const badAt = bytes.indexOf(0xff);
    const e = decodeError(bytes);
    expect(e.kind).toBe('malformed');
    expect([e.section, e.func, e.byteOffset]).toEqual(['code', 2, badAt]);
    expect(e.message).toBe(`malformed module: code section, function 2, at byte 0x${badAt.toString(16)}: illegal opcode ff`);
  });

  it('report header and import errors with their position', () => {
    const e = decodeError(moduleOf(section(2, vec([[...str('m'), ...str('f'), 0x04]]))));
    expect(e.message).toBe('malformed module: import section, at byte 0xf: malformed import kind 0x04');
  });
});

// ---- performance ----------------------------------------------------------------------

describe('performance', () => {
  it('decodes a ~200 KB module in a few milliseconds', () => {
    // 1000 functions of ~200 bytes of typical code: locals, consts, loads, arithmetic, branches.
    const pattern = [0x20, 0x00, 0x41, 0xe5, 0x8e, 0x26, 0x6a, 0x28, 0x02, 0x10, 0x21, 0x01,
      0x02, 0x40, 0x20, 0x01, 0x0d, 0x00, 0x0b, 0x42, 0x7f, 0x1a];
    const code: number[] = [];
    for (let k = 0; k < 9; k++) code.push(...pattern);
    code.push(0x0b);
    const entry = [...vec([[0x02, I32]]), ...code];
    const bodies = Array.from({ length: 1000 }, () => [...uleb(entry.length), ...entry]);
    const bytes = moduleOf(
      TYPE_VOID, section(3, vec(bodies.map(() => [0x00]))), section(5, vec([[0x00, 0x01]])), section(10, vec(bodies)),
    );
    expect(bytes.length).toBeGreaterThan(200_000);
    for (let i = 0; i < 5; i++) decodeModule(bytes); // warm up
    const runs = 10;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) decodeModule(bytes);
    const ms = (performance.now() - t0) / runs;
    console.log(`decoded ${bytes.length} bytes in ${ms.toFixed(2)} ms`);
    expect(decodeModule(bytes).funcs.length).toBe(1000);
    expect(ms).toBeLessThan(50); // generous for a loaded CI machine; typically a few ms
  });
});
