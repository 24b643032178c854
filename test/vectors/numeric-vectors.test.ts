// The committed vectors of the Solidity numeric core (contracts/test/vectors/numerics-*.json)
// are exactly what the interpreter computes today, cover every numeric op and every
// operand of the spec's numeric scripts, and decode to known results.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSpecDir } from '../spec/harness.js';
import { repositoryRoot } from './gen-numeric-vectors.js';
import {
  generateNumericVectors, GROUPS, groupOf, numericOps, serializeGroup, specOperands, vectorsFile,
  type Group, type NumericVectors,
} from './numeric-vectors.js';

interface Record {
  a: bigint;
  b: bigint | null;
  r: bigint;
  trap: number;
}

/** Decodes an op's data: the 5-byte header, then `a | b | r | trap` records. */
function decode(data: string): { opcode: number; records: Record[] } {
  const bytes = Buffer.from(data.slice(2), 'hex');
  const opcode = bytes.readUInt16BE(0);
  const [wa, wb, wr] = [bytes[2], bytes[3], bytes[4]];
  const read = (at: number, width: number): bigint => (width === 0 ? 0n : BigInt(`0x${bytes.subarray(at, at + width).toString('hex')}`));
  const size = wa + wb + wr + 1;
  expect((bytes.length - 5) % size).toBe(0);
  const records: Record[] = [];
  for (let at = 5; at < bytes.length; at += size) {
    records.push({ a: read(at, wa), b: wb === 0 ? null : read(at + wa, wb), r: read(at + wa + wb, wr), trap: bytes[at + size - 1] });
  }
  return { opcode, records };
}

describe('numeric vectors', () => {
  let vectors: NumericVectors;
  const committed = new Map<Group, string>();

  beforeAll(() => {
    vectors = generateNumericVectors(defaultSpecDir());
    for (const group of GROUPS) committed.set(group, readFileSync(join(repositoryRoot(), vectorsFile(group)), 'utf8'));
  });

  it('the committed files are what the interpreter computes (else run gen-numeric-vectors)', () => {
    for (const group of GROUPS) expect(serializeGroup(vectors, group) === committed.get(group), vectorsFile(group)).toBe(true);
  });

  it('cover every numeric op, each in its library group, with its opcode in the header', () => {
    const ops = numericOps();
    expect(ops.length).toBe(136); // 0x45..0xc4 (128) and the 8 trunc_sat ops
    for (const op of ops) {
      const entry = vectors.groups[groupOf(op)][op.name.replace('.', '_')];
      expect(entry, op.name).toBeDefined();
      expect(decode(entry.data).opcode).toBe(op.opcode);
      expect(entry.count).toBeGreaterThan(100);
    }
    expect(groupOf(ops.find((op) => op.name === 'i64.extend32_s')!)).toBe('int');
    expect(groupOf(ops.find((op) => op.name === 'i64.extend_i32_s')!)).toBe('convert');
    expect(groupOf(ops.find((op) => op.name === 'f64.lt')!)).toBe('f64');
  });

  it('contain every operand of the spec numeric scripts', () => {
    const fromSpec = specOperands(defaultSpecDir(), numericOps());
    let checked = 0;
    for (const op of numericOps()) {
      const present = new Set(decode(vectors.groups[groupOf(op)][op.name.replace('.', '_')].data).records.map((r) => `${r.a},${r.b}`));
      for (const args of fromSpec.get(op.name) ?? []) {
        expect(present.has(`${args[0]},${args[1] ?? null}`), `${op.name}(${args.join(', ')})`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('decode to known results: rounding, the NaN rule, traps', () => {
    const find = (group: Group, name: string, a: bigint, b: bigint | null = null): Record => {
      const found = decode(vectors.groups[group][name].data).records.find((r) => r.a === a && r.b === b);
      if (!found) throw new Error(`${name}(${a}, ${b}) is not among the vectors`);
      return found;
    };
    const one = 0x3ff0000000000000n;
    const inf = 0x7ff0000000000000n;
    // 1 / 1.5 (the 1.5 edge) = 0.666..., rounded to nearest
    expect(find('f64', 'f64_div', one, 0x3ff8000000000000n)).toEqual({ a: one, b: 0x3ff8000000000000n, r: 0x3fe5555555555555n, trap: 0 });
    expect(find('f64', 'f64_sub', inf, inf).r).toBe(0x7ff8000000000000n); // inf - inf: canonical NaN
    expect(find('f32', 'f32_add', 0x7fa00001n, 0x3f800000n).r).toBe(0x7fc00000n); // sNaN payload dropped
    expect(find('f32', 'f32_neg', 0x7fa00001n).r).toBe(0xffa00001n); // bit op keeps the payload
    expect(find('int', 'i32_div_s', 0x80000000n, 0xffffffffn)).toEqual({ a: 0x80000000n, b: 0xffffffffn, r: 0n, trap: 3 });
    expect(find('int', 'i64_rem_u', 5n, 0n).trap).toBe(2);
    expect(find('convert', 'i64_trunc_f64_s', 0x7ff8000000000000n).trap).toBe(4);
    expect(find('convert', 'i32_trunc_f32_u', 0xff800000n).trap).toBe(3); // -inf
    expect(find('convert', 'i32_trunc_sat_f32_u', 0xff800000n)).toEqual({ a: 0xff800000n, b: null, r: 0n, trap: 0 });
    expect(find('convert', 'f64_promote_f32', 0x7fa00001n).r).toBe(0x7ff8000000000000n);
  });
});
