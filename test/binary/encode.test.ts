import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeModule } from '../../vm/binary/decode.js';
import { encodeModule } from '../../vm/binary/encode.js';
import { Writer } from '../../vm/binary/writer.js';
import { Op } from '../../vm/syntax/opcodes.js';
import { EXTERNREF, FUNCREF, I32, I64, type Module } from '../../vm/syntax/types.js';

const SPEC_JSON = fileURLToPath(new URL('../../../shared/wasm-spec/json/', import.meta.url));

/** The module with every byte offset zeroed: the only thing re-encoding may change. */
function withoutOffsets(m: Module): unknown {
  return JSON.parse(
    JSON.stringify(m, (key, value: unknown) => {
      if (key === 'offset' && typeof value === 'number') return 0;
      if (typeof value === 'bigint') return `${value}n`;
      if (value instanceof Uint8Array) return Array.from(value);
      return value;
    }),
  );
}

function specBinaries(): { where: string; bytes: Uint8Array }[] {
  const out: { where: string; bytes: Uint8Array }[] = [];
  for (const file of readdirSync(SPEC_JSON).filter((f) => f.endsWith('.json')).sort()) {
    const script = JSON.parse(readFileSync(SPEC_JSON + file, 'utf8')) as {
      commands: { filename?: string; module_type?: string }[];
    };
    for (const cmd of script.commands) {
      if (cmd.filename === undefined || !cmd.filename.endsWith('.wasm')) continue;
      if (cmd.module_type !== undefined && cmd.module_type !== 'binary') continue;
      out.push({ where: cmd.filename, bytes: new Uint8Array(readFileSync(SPEC_JSON + cmd.filename)) });
    }
  }
  return out;
}

describe('encodeModule', () => {
  it('round-trips every decodable spec-suite binary: decode(encode(decode(b))) = decode(b)', () => {
    let checked = 0;
    for (const { where, bytes } of specBinaries()) {
      let m: Module;
      try {
        m = decodeModule(bytes);
      } catch {
        continue; // malformed on purpose
      }
      const again = decodeModule(encodeModule(m));
      expect(withoutOffsets(again), where).toEqual(withoutOffsets(m));
      checked++;
    }
    expect(checked).toBeGreaterThan(1500);
  });

  it('is canonical: re-encoding its own output gives the same bytes', () => {
    for (const { bytes } of specBinaries().slice(0, 400)) {
      let m: Module;
      try {
        m = decodeModule(bytes);
      } catch {
        continue;
      }
      const once = encodeModule(m);
      expect(encodeModule(decodeModule(once))).toEqual(once);
    }
  });

  it('encodes the element forms and edge immediates a decoder must read back', () => {
    const m: Module = {
      types: [{ params: [I32], results: [I64] }],
      imports: [],
      funcs: [{
        typeIdx: 0,
        locals: [I32, I32, EXTERNREF, I32],
        body: [
          { op: Op.i64_const, offset: 0, c: 0x8000_0000_0000_0000n },
          { op: Op.drop, offset: 0 },
          { op: Op.i32_const, offset: 0, a: -0x8000_0000 },
          { op: Op.drop, offset: 0 },
          { op: Op.f32_const, offset: 0, a: -1 }, // all-ones NaN pattern
          { op: Op.drop, offset: 0 },
          { op: Op.block, offset: 0, bt: { kind: 'type', index: 0 } },
          { op: Op.i64_extend_i32_u, offset: 0 },
          { op: Op.end, offset: 0 },
          { op: Op.end, offset: 0 },
        ],
        offset: 0,
      }],
      tables: [{ elemType: FUNCREF, limits: { min: 2, max: null } }, { elemType: EXTERNREF, limits: { min: 1, max: 5 } }],
      mems: [{ limits: { min: 1, max: 0x10000 } }],
      globals: [],
      exports: [{ name: 'ü', kind: 'func', index: 0 }],
      start: null,
      elems: [
        { type: FUNCREF, init: [[{ op: Op.ref_func, offset: 0, a: 0 }]], mode: { kind: 'active', table: 0, offset: [{ op: Op.i32_const, offset: 0, a: 0 }] } },
        { type: FUNCREF, init: [[{ op: Op.ref_null, offset: 0, a: FUNCREF }]], mode: { kind: 'passive' } },
        { type: EXTERNREF, init: [[{ op: Op.ref_null, offset: 0, a: EXTERNREF }]], mode: { kind: 'active', table: 1, offset: [{ op: Op.i32_const, offset: 0, a: 0 }] } },
        { type: FUNCREF, init: [[{ op: Op.ref_func, offset: 0, a: 0 }]], mode: { kind: 'declarative' } },
      ],
      datas: [{ init: new Uint8Array([1, 2, 3]), mode: { kind: 'passive' } }],
      dataCount: 1,
      customs: [{ name: 'name', data: new Uint8Array([0]) }],
    };
    expect(withoutOffsets(decodeModule(encodeModule(m)))).toEqual(withoutOffsets(m));
  });

  it('refuses an instruction that lacks its immediate, naming it', () => {
    const w = new Writer();
    expect(() => w.u32(-1)).toThrow(/not a u32/);
    const m: Module = {
      types: [{ params: [], results: [] }], imports: [], tables: [], mems: [], globals: [], exports: [],
      start: null, elems: [], datas: [], dataCount: null, customs: [],
      funcs: [{ typeIdx: 0, locals: [], body: [{ op: Op.call, offset: 0x1f }, { op: Op.end, offset: 0 }], offset: 0 }],
    };
    expect(() => encodeModule(m)).toThrow('encode: call at byte 0x1f has no index');
  });
});
