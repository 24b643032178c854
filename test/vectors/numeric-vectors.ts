// Differential vectors for the Solidity numeric core (contracts/src/verifier/numerics/):
// every numeric wasm op, run by the TypeScript interpreter itself on edge values crossed,
// seeded random values and the operands of the spec's numeric scripts. The expected
// results are whatever the interpreter computes (it passes the spec suite), so NaN
// results carry the machine's canonical bits and traps carry docs/machine-state.md codes.
//
// Each op is one exported function `(param a [b]) (result r)` of a generated module whose
// body is `local.get 0 [local.get 1] <op>`: the interpreter's real dispatch (inline cases,
// binaryOp/unaryOp, the float writers) computes every expected value.
//
// Output: one file per Solidity library (group int, f32, f64, convert),
// contracts/test/vectors/numerics-<group>.json = { format, group, ops: { <op name>: {
// opcode, count, data } } }. One file per group keeps each forge test's memory small (EVM
// memory costs grow with its square, and a test holds the whole file). `data` is
// self-describing, so that a reader needs one JSON query per op: a 5-byte header
// `opcode (2) | a | b | r` giving the byte widths of the operands and the result (4 for
// i32/f32, 8 for i64/f64, b = 0 for unary ops), then `count` records `a | b | r | trap`,
// big-endian, trap one byte (0 none, else the trap code). A trapping record has r = 0.

import { readFileSync } from 'node:fs';
import { decodeModule } from '../../vm/binary/decode.js';
import { Machine } from '../../vm/exec/interpret.js';
import { invoke } from '../../vm/exec/invoke.js';
import { DEFAULT_LIMITS } from '../../vm/exec/limits.js';
import { instantiate, Store } from '../../vm/exec/store.js';
import { Trap } from '../../vm/exec/trap.js';
import { TRAP_CODES } from '../../vm/state/commit.js';
import { Op, type OpName } from '../../vm/syntax/opcodes.js';
import { validateModule } from '../../vm/valid/validate.js';

type NumType = 'i32' | 'i64' | 'f32' | 'f64';

export interface OpSpec {
  /** wasm name with a dot, e.g. `f64.add` */
  name: string;
  opcode: number;
  params: NumType[];
  result: NumType;
}

export interface OpVectors {
  opcode: number;
  count: number;
  data: string;
}

export type Group = 'int' | 'f32' | 'f64' | 'convert';

export interface NumericVectors {
  format: string;
  groups: Record<Group, Record<string, OpVectors>>;
}

export const FORMAT =
  'data = header opcode(2) | a | b | r (byte widths; b = 0: unary), then records a | b | r | trap, big-endian; trap 0 = none, else the docs/machine-state.md trap code';

/** The Solidity library that implements an op: conversions, else by operand type. */
export function groupOf(op: OpSpec): Group {
  if (CONVERSION.test(op.name.replace('.', '_'))) return 'convert';
  const type = op.params[0];
  return type === 'i32' || type === 'i64' ? 'int' : type;
}

// ---------------------------------------------------------------------------------------
// The ops and their signatures, derived from their names.

const INT_BINARY = ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
const INT_COMPARE = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
const INT_UNARY = ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'extend32_s'];
const FLOAT_BINARY = ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'];
const FLOAT_COMPARE = ['eq', 'ne', 'lt', 'gt', 'le', 'ge'];
const FLOAT_UNARY = ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt'];
const CONVERSION = /^(i32|i64|f32|f64)_[a-z_]+?_(i32|i64|f32|f64)(_[su])?$/;

function signature(key: string): { params: NumType[]; result: NumType } | null {
  const conversion = CONVERSION.exec(key);
  if (conversion) return { params: [conversion[2] as NumType], result: conversion[1] as NumType };
  const [t, ...rest] = key.split('_');
  if (t !== 'i32' && t !== 'i64' && t !== 'f32' && t !== 'f64') return null;
  const type = t as NumType;
  const name = rest.join('_');
  const isInt = type[0] === 'i';
  if (isInt && name === 'eqz') return { params: [type], result: 'i32' };
  if ((isInt ? INT_BINARY : FLOAT_BINARY).includes(name)) return { params: [type, type], result: type };
  if ((isInt ? INT_COMPARE : FLOAT_COMPARE).includes(name)) return { params: [type, type], result: 'i32' };
  if ((isInt ? INT_UNARY : FLOAT_UNARY).includes(name)) return { params: [type], result: type };
  return null; // loads, stores, consts
}

/** Every numeric op of the machine, in opcode order. */
export function numericOps(): OpSpec[] {
  const ops: OpSpec[] = [];
  for (const [key, opcode] of Object.entries(Op) as Array<[OpName, number]>) {
    const sig = signature(key);
    if (sig) ops.push({ name: key.replace('_', '.'), opcode, ...sig });
  }
  return ops.sort((x, y) => x.opcode - y.opcode);
}

// ---------------------------------------------------------------------------------------
// A module with one function per op, encoded by hand (only the sections it needs).

const VALTYPE: Record<NumType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

function opBytes(opcode: number): number[] {
  return opcode > 0xff ? [0xfc, ...uleb(opcode & 0xff)] : [opcode];
}

export function buildModule(ops: OpSpec[]): Uint8Array {
  const types = ops.map((op) => [0x60, ...vec(op.params.map((p) => [VALTYPE[p]])), ...vec([[VALTYPE[op.result]]])]);
  const funcs = ops.map((_, i) => uleb(i));
  const exports = ops.map((op, i) => [...name(op.name), 0x00, ...uleb(i)]);
  const bodies = ops.map((op) => {
    const code = [0x00]; // no locals
    op.params.forEach((_, i) => code.push(0x20, i)); // local.get i
    code.push(...opBytes(op.opcode), 0x0b);
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec(funcs)),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

// ---------------------------------------------------------------------------------------
// Operand values

/** Deterministic PRNG (mulberry32), 32 random bits as an unsigned number. */
function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const WIDTH: Record<NumType, 32n | 64n> = { i32: 32n, i64: 64n, f32: 32n, f64: 64n };

function bitsOfF64(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

function bitsOfF32(x: number): bigint {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  return BigInt(view.getUint32(0));
}

function intEdges(width: bigint): bigint[] {
  const out = new Set<bigint>();
  const add = (v: bigint): void => void out.add(BigInt.asUintN(Number(width), v));
  const top = 1n << (width - 1n);
  for (const v of [0n, 1n, -1n, top, top - 1n, 2n, -2n, top + 1n, 0x80n, 0xffn, 0x8000n, 0x5555555555555555n]) add(v);
  if (width === 64n) for (const v of [0x80000000n, 0x7fffffffn, 0xffffffffn, 0x100000000n, -0x80000000n]) add(v);
  for (const v of [3n, 5n, 7n, 31n, 32n, 33n, 63n, 64n, 65n, 0x7fn, 0x7fffn, 0xffffn]) {
    add(v);
    add(-v);
  }
  return [...out];
}

/** Float edge values as numbers (the f32 set is rounded to binary32 below). */
function floatEdgeNumbers(): number[] {
  const ulp1 = 2 ** -52;
  return [
    1, 0.5, 1.5, 2.5, 3, 0.49999999999999994, 1 + ulp1, 1 - ulp1 / 2, Math.PI, 1e-300, 1e300, 0.1,
    2 ** 23 - 0.5, 2 ** 24 + 2, 2 ** 52 + 1, 2 ** 53 - 1,
    2 ** 31, 2 ** 31 - 0.5, 2 ** 32, 2 ** 32 - 1, 2 ** 63, 2 ** 64, 2 ** 63 * (1 - ulp1 / 2), 2 ** 64 * (1 - ulp1 / 2),
    0.9999999, 2 ** 31 + 0.5, 3.5, 2 ** -126, 2 ** -1022,
  ];
}

function floatEdges(type: 'f32' | 'f64'): bigint[] {
  const out = new Set<bigint>();
  const fromNumber = type === 'f32' ? bitsOfF32 : bitsOfF64;
  const sign = type === 'f32' ? 0x80000000n : 0x8000000000000000n;
  const raw =
    type === 'f32'
      ? [0n, 0x7f800000n, 0x7fc00000n, 0x7fa00001n, 1n, 0x3f800000n, // 0, inf, NaN, sNaN, min subnormal, 1
        0x7f7fffffn, 0x800000n, 0x7fffffn, 0x7fffffffn, 0x00400000n, 0x4b000001n, 0x3f7fffffn]
      : [0n, 0x7ff0000000000000n, 0x7ff8000000000000n, 0x7ff4000000000001n, 1n, 0x3ff0000000000000n,
        0x7fefffffffffffffn, 0x10000000000000n, 0xfffffffffffffn, 0x7fffffffffffffffn, 0x0008000000000000n,
        0x4330000000000001n, 0x3fefffffffffffffn];
  for (const v of raw) {
    out.add(v);
    out.add(v | sign);
  }
  for (const x of floatEdgeNumbers()) {
    out.add(fromNumber(x));
    out.add(fromNumber(-x));
  }
  return [...out];
}

function randomBits(next: () => number, width: bigint): bigint {
  const v = (BigInt(next()) << 32n) | BigInt(next());
  return BigInt.asUintN(Number(width), v);
}

/** A random float: raw bits, or a "reasonable" magnitude, or a small integer-ish value. */
function randomFloat(next: () => number, type: 'f32' | 'f64'): bigint {
  const width = WIDTH[type];
  const f = type === 'f32' ? 23n : 52n;
  const bias = type === 'f32' ? 127n : 1023n;
  const sign = BigInt(next() & 1) << (width - 1n);
  const frac = randomBits(next, f);
  switch (next() % 4) {
    case 0:
      return randomBits(next, width);
    case 1: // |x| in [2^-8, 2^40): the range of most programs' values
      return sign | ((bias - 8n + BigInt(next() % 48)) << f) | frac;
    case 2: // around 1 and the integers: exercises nearest/ceil/trunc and integer conversions
      return sign | ((bias + BigInt(next() % Number(f + 2n))) << f) | (frac & ~((1n << BigInt(next() % Number(f))) - 1n));
    default: // tiny: subnormals and the smallest normals
      return sign | (BigInt(next() % 3) << f) | frac;
  }
}

function randomValue(next: () => number, type: NumType): bigint {
  if (type === 'f32' || type === 'f64') return randomFloat(next, type);
  const width = WIDTH[type];
  const v = randomBits(next, width);
  // a random bit length, so that small and wide operands (division paths, shifts) occur
  return next() % 2 === 0 ? v : BigInt.asUintN(Number(width), v >> BigInt(next() % Number(width)));
}

function edges(type: NumType): bigint[] {
  return type === 'f32' || type === 'f64' ? floatEdges(type) : intEdges(WIDTH[type]);
}

/** Pairs of floats with nearby exponents: cancellation in add/sub, ties in mul/div. */
function nearbyPair(next: () => number, type: 'f32' | 'f64'): [bigint, bigint] {
  const a = randomFloat(next, type);
  const f = type === 'f32' ? 23n : 52n;
  const delta = BigInt(next() % 64) << f >> BigInt(next() % 8);
  const b = (a + (next() % 2 === 0 ? delta : -delta) + BigInt(next() % 3) - 1n) & ((1n << WIDTH[type]) - 1n);
  return [a, b ^ (BigInt(next() & 1) << (WIDTH[type] - 1n))];
}

/**
 * How hard an op is tested. `light`: ops that move bits without arithmetic (bitwise,
 * equality, sign ops, reinterpretations, sign extension); `heavy`: the rounding float
 * ops and the float <-> integer conversions, where correctly rounded results and range
 * checks are easy to get wrong; `normal`: the rest. The file stays a few MB.
 */
type Effort = 'light' | 'normal' | 'heavy';

const LIGHT = /\.(and|or|xor|eq|ne|eqz|abs|neg|copysign|reinterpret_\w+|extend\w*|wrap_i64)$/;
const HEAVY = /^f(32|64)\.(add|sub|mul|div|sqrt|ceil|floor|trunc|nearest|convert_\w+|demote_f64|promote_f32)$|^i(32|64)\.trunc_/;

function effortOf(op: OpSpec): Effort {
  if (LIGHT.test(op.name)) return 'light';
  return HEAVY.test(op.name) ? 'heavy' : 'normal';
}

/** Edge values crossed (binary) or listed (unary), and how many random operands follow. */
const PLAN: Record<Effort, { edges: number; binaryRandom: number; unaryRandom: number }> = {
  light: { edges: 12, binaryRandom: 100, unaryRandom: 100 },
  normal: { edges: 26, binaryRandom: 300, unaryRandom: 600 },
  heavy: { edges: 56, binaryRandom: 800, unaryRandom: 1200 },
};

function operands(op: OpSpec, seed: number): bigint[][] {
  const next = prng(seed);
  const plan = PLAN[effortOf(op)];
  const [ta, tb] = op.params;
  const out: bigint[][] = [];
  if (tb === undefined) {
    for (const a of edges(ta)) out.push([a]);
    for (let n = 0; n < plan.unaryRandom; n++) out.push([randomValue(next, ta)]);
    return out;
  }
  // edge lists start with the most telling values (zeros, smallest, largest, inf, NaN)
  for (const a of edges(ta).slice(0, plan.edges)) for (const b of edges(tb).slice(0, plan.edges)) out.push([a, b]);
  for (let n = 0; n < plan.binaryRandom; n++) {
    if (ta[0] === 'f' && n % 2 === 0) out.push(nearbyPair(next, ta as 'f32' | 'f64'));
    else out.push([randomValue(next, ta), randomValue(next, tb)]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Operands from the spec's numeric scripts

interface SpecCommand {
  type: string;
  action?: { type: string; field: string; args: Array<{ type: string; value?: string }> };
}

/** The scripts whose exports are single ops: export name -> op name. */
const SPEC_SCRIPTS: Array<[string, (field: string) => string | null]> = [
  ['i32', (f) => `i32.${f}`],
  ['i64', (f) => `i64.${f}`],
  ['f32', (f) => `f32.${f}`],
  ['f64', (f) => `f64.${f}`],
  ['f32_cmp', (f) => `f32.${f}`],
  ['f64_cmp', (f) => `f64.${f}`],
  ['f32_bitwise', (f) => `f32.${f}`],
  ['f64_bitwise', (f) => `f64.${f}`],
  ['float_misc', (f) => f],
  ['conversions', (f) => f],
  // int_exprs and float_exprs export compositions of ops (x + 1 < y + 1, x * 6 / 6, ...):
  // their arguments still make good operands for the ops of their type, see below
];

const COMPOSITION_SCRIPTS = ['int_exprs', 'float_exprs'];

function specNaN(type: string, value: string): string {
  if (value === 'nan:canonical' || value === 'nan:arithmetic') return type === 'f32' ? '2143289344' : '9221120237041090560';
  return value;
}

/** Operand lists per op name from the spec scripts in `specDir`. */
export function specOperands(specDir: string, ops: OpSpec[]): Map<string, bigint[][]> {
  const byName = new Map(ops.map((op) => [op.name, op]));
  const out = new Map<string, bigint[][]>();
  const push = (op: string, args: bigint[]): void => {
    if (!out.has(op)) out.set(op, []);
    out.get(op)!.push(args);
  };
  const commands = (file: string): SpecCommand[] =>
    (JSON.parse(readFileSync(`${specDir}/${file}.json`, 'utf8')) as { commands: SpecCommand[] }).commands.filter(
      (c) => (c.type === 'assert_return' || c.type === 'assert_trap') && c.action?.type === 'invoke',
    );
  const argsOf = (c: SpecCommand): bigint[] => c.action!.args.map((a) => BigInt(specNaN(a.type, a.value ?? '0')));
  for (const [file, opOf] of SPEC_SCRIPTS) {
    for (const c of commands(file)) {
      const name = opOf(c.action!.field);
      const op = name === null ? undefined : byName.get(name);
      if (op === undefined) throw new Error(`${file}.json: no op for export ${c.action!.field}`);
      if (c.action!.args.length !== op.params.length) throw new Error(`${file}.json: ${name} takes ${op.params.length} operands`);
      push(op.name, argsOf(c));
    }
  }
  // Compositions: their arguments (of one type, in order) feed that type's binary
  // arithmetic ops, where they exercise the rounding cases the scripts were written for.
  for (const file of COMPOSITION_SCRIPTS) {
    for (const c of commands(file)) {
      const args = c.action!.args;
      if (args.length !== 2 || args[0].type !== args[1].type) continue;
      const t = args[0].type as NumType;
      const targets = t[0] === 'f' ? ['add', 'sub', 'mul', 'div'] : ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u'];
      for (const target of targets) push(`${t}.${target}`, argsOf(c));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Running the ops

function hexWord(v: bigint, bytes: number): string {
  return v.toString(16).padStart(bytes * 2, '0');
}

const BYTES: Record<NumType, number> = { i32: 4, i64: 8, f32: 4, f64: 8 };

/** Generates the vectors: every op on its edge, random and spec operands. */
export function generateNumericVectors(specDir: string): NumericVectors {
  const ops = numericOps();
  const bytes = buildModule(ops);
  const module = decodeModule(bytes);
  const info = validateModule(module);
  const store = new Store(DEFAULT_LIMITS.maxMemoryPages);
  const machine = new Machine(store, null, Infinity, DEFAULT_LIMITS.maxStackUnits);
  const instance = instantiate(store, module, info, () => undefined);
  const fromSpec = specOperands(specDir, ops);

  const result: NumericVectors = { format: FORMAT, groups: { int: {}, f32: {}, f64: {}, convert: {} } };
  for (const op of ops) {
    const [ta, tb] = op.params;
    const a = BYTES[ta];
    const b = tb === undefined ? 0 : BYTES[tb];
    const r = BYTES[op.result];
    const seen = new Set<string>();
    const chunks: string[] = [hexWord(BigInt(op.opcode), 2) + hexWord(BigInt(a), 1) + hexWord(BigInt(b), 1) + hexWord(BigInt(r), 1)];
    for (const args of [...operands(op, op.opcode), ...(fromSpec.get(op.name) ?? [])]) {
      const operandsHex = hexWord(args[0], a) + (tb === undefined ? '' : hexWord(args[1], b));
      if (seen.has(operandsHex)) continue;
      seen.add(operandsHex);
      let value = 0n;
      let trap = 0;
      try {
        [value] = invoke(machine, instance.exports.get(op.name)!.addr, args);
      } catch (e) {
        if (!(e instanceof Trap)) throw e;
        trap = TRAP_CODES[e.message];
        if (trap === undefined) throw new Error(`${op.name}: trap "${e.message}" has no code`);
      }
      chunks.push(operandsHex + hexWord(value, r) + hexWord(BigInt(trap), 1));
    }
    const group = result.groups[groupOf(op)];
    group[op.name.replace('.', '_')] = { opcode: op.opcode, count: chunks.length - 1, data: `0x${chunks.join('')}` };
  }
  return result;
}

export const GROUPS: readonly Group[] = ['int', 'f32', 'f64', 'convert'];

/** The path of group `group`'s file, relative to the repository root. */
export function vectorsFile(group: Group): string {
  return `contracts/test/vectors/numerics-${group}.json`;
}

/** A group file's text: one op per line, so that diffs stay readable. */
export function serializeGroup(vectors: NumericVectors, group: Group): string {
  const lines = Object.entries(vectors.groups[group]).map(([key, v]) => `    ${JSON.stringify(key)}: ${JSON.stringify(v)}`);
  return `{\n  "format": ${JSON.stringify(vectors.format)},\n  "group": ${JSON.stringify(group)},\n  "ops": {\n${lines.join(',\n')}\n  }\n}\n`;
}
