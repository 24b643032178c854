// The interpreter's warm-up: once per process, before the first job, a small program
// runs through (nearly) every case of the step loop.
//
// Why: V8 optimizes runChunk with the type feedback gathered so far. A case that no job
// has reached yet has none, so the optimized code deoptimizes the first time a later job
// reaches it ("insufficient type feedback"), and after a few such rounds V8 can leave the
// loop running only through on-stack-replacement entries, about 3x slower, for the rest
// of the process (measured: the sort fixture at 80 instead of 250 Msteps/s after another
// fixture ran first). A node runs many different jobs in one process, so instead of
// depending on which job comes first, every case gets feedback before any is optimized.
// Operands include edge values (negative, 2^31, NaN, -0), so the feedback is general.
//
// The program is built in code (no file to ship) and runs in its own store: it cannot
// touch any job's state. About 25k steps; a few milliseconds.

import { Op, opName } from '../syntax/opcodes.js';
import { assemble } from '../syntax/asm.js';
import { F64, FUNCREF, I32, I64, type FuncType, type Module } from '../syntax/types.js';
import { validateModule } from '../valid/validate.js';
import { invoke } from './invoke.js';
import { Machine } from './interpret.js';
import { instantiate, Store } from './store.js';
import { Trap } from './trap.js';

let warmed = false;

/** Runs the warm-up program once per process; later calls return at once. */
export function warmInterpreter(): void {
  if (warmed) return;
  warmed = true;
  const store = new Store(4);
  const m = warmupModule();
  const instance = instantiate(store, m, validateModule(m), (_, name) =>
    name === 'host' ? { kind: 'func', addr: store.allocHostFunc(I32_TO_I32, (args) => args) } : undefined);
  const machine = new Machine(store, null, 1e10, 1 << 14);
  const exported = (name: string): number => instance.exports.get(name)!.addr;
  // V8 optimizes with the feedback gathered by then, so every path runs before the loop
  // can get hot: one pass over the program in one call (too short for V8 to optimize
  // during it), then one paused every few steps, which runs the loop's paths at the end of
  // a step budget (every chunk of every job ends there), then more passes.
  invoke(machine, exported('main'), [0n]);
  // Paused every 3 steps, no fused entry fits the budget: every row runs as itself once
  // (a row that some fused sequence always covers in the passes above included).
  invoke(machine, exported('main'), [0n], 3);
  invoke(machine, exported('main'), [0n], 7);
  for (let round = 1; round < 3; round++) invoke(machine, exported('main'), [BigInt(round)]);
  try {
    invoke(machine, exported('trap'), []);
  } catch (e) {
    if (!(e instanceof Trap)) throw e;
  }
}

const I32_TO_I32: FuncType = { params: [I32], results: [I32] };
const VOID: FuncType = { params: [], results: [] };

// Operand sets per value type: ordinary values, and edge values (also used by the proof
// tests' opcode jobs, test/proof/opcode-jobs.ts).
export const ORDINARY: Record<string, [string, string]> = {
  i32: ['i32.const 7', 'i32.const 3'],
  i64: ['i64.const 0x123456789', 'i64.const 3'],
  f32: ['f32.const 0x3fc00000', 'f32.const 0x40100000'], // 1.5, 2.25
  f64: ['f64.const 0x3ff8000000000000', 'f64.const 0x4002000000000000'],
};
export const EDGE: Record<string, [string, string]> = {
  i32: ['i32.const -2147483648', 'i32.const 33'],
  i64: ['i64.const -1', 'i64.const 65'],
  f32: ['f32.const 0x7fa00001', 'f32.const 0x80000000'], // a NaN with payload, -0
  f64: ['f64.const 0x7ff4000000000001', 'f64.const 0x8000000000000000'],
};
// Equal operands (where eq/ne short-circuit on the low words differently).
const EQUAL: Record<string, [string, string]> = {
  i32: ['i32.const 5', 'i32.const 5'],
  i64: ['i64.const 0x100000005', 'i64.const 0x200000005'],
  f32: ['f32.const 0x3fc00000', 'f32.const 0x3fc00000'],
  f64: ['f64.const 0x3ff8000000000000', 'f64.const 0x3ff8000000000000'],
};
// The same high word, different low words: i64 comparisons decide on the low words.
const SAME_HIGH: Record<string, [string, string]> = {
  i32: ['i32.const 3', 'i32.const 7'],
  i64: ['i64.const 0x100000005', 'i64.const 0x1fffffffe'],
  f32: ['f32.const 0x40100000', 'f32.const 0x3fc00000'],
  f64: ['f64.const 0x4002000000000000', 'f64.const 0x3ff8000000000000'],
};
// Wide shifts (i64 counts of 32 and more take another path), zero and a NaN.
const WIDE: Record<string, [string, string]> = {
  i32: ['i32.const 0', 'i32.const 31'],
  i64: ['i64.const 0x123456789abcdef', 'i64.const 40'],
  f32: ['f32.const 0x7fc00000', 'f32.const 0'],
  f64: ['f64.const 0', 'f64.const 0x7ff8000000000000'],
};
// Divisions by nonzero divisors with operands that are wide as unsigned numbers: the
// interpreter's written-out divisions see uint32 and 2^32-scaled intermediates beyond
// V8's small integers (without these, the first such value deoptimized the loop: "lost
// precision"). Each pair is a dividend and a divisor; TRAPPING keeps them out of EDGE.
const WIDE_DIVISIONS: Array<[string, string, string]> = [
  ['i32', 'i32.const -7', 'i32.const 3'],
  ['i32', 'i32.const -7', 'i32.const -3'],
  ['i64', 'i64.const -1', 'i64.const 10'],
  ['i64', 'i64.const 0x8000000080000001', 'i64.const 1000'],
  ['i64', 'i64.const -1', 'i64.const 0x300000'], // a divisor of 2^21 and more
  ['i64', 'i64.const -1', 'i64.const 0x100000003'],
];

function divisions(): string[] {
  const lines: string[] = [];
  for (const [type, a, b] of WIDE_DIVISIONS) {
    for (const op of ['div_s', 'div_u', 'rem_s', 'rem_u']) lines.push(a, b, 'nop', `${type}.${op}`, 'drop');
  }
  // In range for the truncations, and beyond int32 for the unsigned one.
  for (const [x, op] of [['0x41efffffffe00000', 'i32.trunc_f64_u'], ['0xc1dfffffffc00000', 'i32.trunc_f64_s']]) {
    lines.push(`f64.const ${x}`, 'nop', op, 'drop');
  }
  return lines;
}

/** Text names of the binary numeric instructions (the rest take one operand). */
export const BINARY = /\.(add|sub|mul|div|div_[su]|rem_[su]|and|or|xor|shl|shr_[su]|rotl|rotr|eq|ne|lt|gt|le|ge|lt_[su]|gt_[su]|le_[su]|ge_[su]|min|max|copysign)$/;
/** Numeric instructions that can trap (division, float-to-int truncation). */
export const TRAPPING = /(div_[su]|rem_[su]|\.trunc_f(32|64)_[su])$/;

/** Every numeric instruction (no constants), by its text name. */
function numericNames(): string[] {
  const names: string[] = [];
  for (const op of Object.values(Op)) {
    const name = opName(op);
    if (/^(i32|i64|f32|f64)\./.test(name) && !/\.(const|load|store)/.test(name)) names.push(name);
  }
  return names;
}

/** The operand type of numeric instruction `name` (i64 for i32.wrap_i64, f32 for i32.trunc_f32_s). */
export function operandType(name: string): string {
  const m = /_(i32|i64|f32|f64)(_[su])?$/.exec(name);
  return m ? m[1] : name.slice(0, 3);
}

function numeric(values: Record<string, [string, string]>, skipTrapping: boolean, only = /./): string[] {
  const lines: string[] = [];
  for (const name of numericNames()) {
    if ((skipTrapping && TRAPPING.test(name)) || !only.test(name)) continue;
    const [a, b] = values[operandType(name)];
    // The `nop` keeps the operator unfused: fused() warms the fused forms.
    lines.push(a, ...(BINARY.test(name) ? [b] : []), 'nop', name, 'drop');
  }
  return lines;
}

function memory(): string[] {
  const lines: string[] = [];
  const value: Record<string, string> = { i32: 'i32.const -5', i64: 'i64.const -5', f32: 'f32.const 0x3fc00000', f64: 'f64.const 0x3ff8000000000000' };
  for (const op of Object.values(Op)) {
    const name = opName(op);
    if (/\.load/.test(name)) lines.push('i32.const 8', `${name} 0 4`, 'drop');
    // Aligned and not: the interpreter stores through an Int32Array when it can.
    if (/\.store/.test(name)) lines.push('i32.const 8', value[name.slice(0, 3)], `${name} 0 4`, 'i32.const 9', value[name.slice(0, 3)], `${name} 0 4`);
  }
  lines.push('memory.size', 'drop', 'i32.const 0', 'memory.grow', 'drop');
  lines.push('i32.const 0', 'i32.const 7', 'i32.const 40', 'memory.fill');
  lines.push('i32.const 64', 'i32.const 0', 'i32.const 40', 'memory.copy', 'i32.const 0', 'i32.const 8', 'i32.const 40', 'memory.copy');
  lines.push('i32.const 100', 'i32.const 0', 'i32.const 16', 'memory.init 0');
  return lines;
}

function tablesAndReferences(): string[] {
  return [
    'table.size 0', 'drop', 'i32.const 0', 'table.get 0', 'ref.is_null', 'drop',
    'i32.const 1', 'ref.func 1', 'table.set 0', 'ref.null funcref', 'i32.const 0', 'table.grow 0', 'drop',
    'i32.const 2', 'ref.func 1', 'i32.const 1', 'table.fill 0', 'i32.const 3', 'i32.const 0', 'i32.const 1', 'table.copy 0 0',
    'i32.const 2', 'i32.const 0', 'i32.const 1', 'table.init 1 0',
  ];
}

/** Blocks, branches of every kind (taken and not), calls, select, globals. */
function control(): string[] {
  const lines = ['nop', 'block', 'local.get 0', 'br_if 0', 'i32.const 1', 'br_if 0', 'end'];
  for (const index of [0, 1, 2, 9, -1]) {
    lines.push('block', 'block', 'block', `i32.const ${index}`, 'br_table 0 1 2', 'end', 'end', 'end');
  }
  lines.push('local.get 0', 'if', 'nop', 'else', 'nop', 'end', 'i32.const 1', 'if', 'nop', 'else', 'nop', 'end');
  lines.push('block', 'br 0', 'end', 'loop', 'end');
  lines.push('i32.const 5', 'call 2', 'i32.const 0', 'call 2', 'i32.add', 'i32.const 9', 'call 0', 'drop');
  lines.push('i32.const 6', 'i32.const 0', 'call_indirect 0 0', 'drop');
  lines.push('i32.const 1', 'i32.const 2', 'local.get 0', 'select', 'i32.const 1', 'i32.const 2', 'i32.const 1', 'select', 'i32.add');
  lines.push('global.get 0', 'i32.add', 'global.set 0', 'global.get 1', 'i64.const 1', 'i64.add', 'global.set 1', 'drop');
  return lines;
}

/**
 * The sequences the interpreter fuses (vm/exec/fuse.ts), each family member once. A `nop`
 * (never fused) starts each, so that no overlapping sequence before it takes its rows.
 */
function fused(): string[] {
  const lines: string[] = [];
  for (const op of ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl']) {
    for (const second of ['i32.const 31', 'local.get 3']) {
      lines.push('nop', 'local.get 2', second, `i32.${op}`, 'drop');
      lines.push('nop', 'local.get 2', second, `i32.${op}`, 'local.set 3');
      lines.push('nop', 'local.get 2', second, `i32.${op}`, 'local.tee 3', 'drop');
    }
    lines.push('nop', 'local.get 3', 'i32.eqz', 'i32.const 5', `i32.${op}`, 'local.set 3');
  }
  for (const op of ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u']) {
    for (const second of ['i32.const -1', 'local.get 2', 'i32.const 5']) lines.push('block', 'nop', 'local.get 2', second, `i32.${op}`, 'br_if 0', 'end');
    for (const c of ['i32.const -1', 'i32.const 5']) lines.push('block', 'local.get 2', 'nop', c, `i32.${op}`, 'br_if 0', 'end');
  }
  for (const op of ['eqz', 'eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u']) {
    for (const taken of [false, true]) {
      lines.push('block', 'local.get 2', ...(op === 'eqz' ? [] : [taken ? 'local.get 2' : 'i32.const -1']));
      lines.push('nop', `i32.${op}`, 'br_if 0', 'end');
    }
  }
  for (const op of ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl']) {
    lines.push('nop', 'local.get 3', 'i32.eqz', 'local.get 2', `i32.${op}`, 'local.set 3');
  }
  for (const op of ['add', 'sub', 'mul']) {
    for (const x of ['f64.const 0x3ff8000000000000', 'f64.const 0x7ff4000000000001']) lines.push('nop', x, 'local.get 4', `f64.${op}`, 'drop');
    lines.push('nop', 'local.get 4', 'local.get 4', `f64.${op}`, 'drop');
  }
  lines.push('nop', 'local.get 4', 'local.get 4', 'f64.mul', 'local.get 4', 'f64.mul', 'drop');
  for (const load of ['i32.load', 'i32.load8_s', 'i32.load8_u', 'f64.load']) {
    lines.push('nop', 'i32.const 4', 'i32.const 4', 'nop', 'i32.add', `${load} 0 4`, 'drop');
    lines.push('nop', 'local.get 5', `${load} 0 4`, 'drop');
    lines.push('nop', 'local.get 5', 'i32.const 4', 'i32.add', `${load} 0 4`, 'drop');
    lines.push('nop', 'local.get 5', 'i32.eqz', 'i32.const 4', 'i32.add', `${load} 0 4`, 'drop');
    lines.push('nop', 'local.get 2', 'local.get 5', `${load} 0 4`, 'drop', 'drop');
    lines.push('nop', 'i32.const 4', `${load} 0 4`, 'drop');
  }
  for (const load of ['i32.load', 'i32.load8_s', 'i32.load8_u']) {
    for (const op of ['i32.mul', 'i32.add']) {
      lines.push('nop', 'i32.const 3', 'local.get 5', 'nop', `${load} 0 4`, op, 'drop');
      lines.push('nop', 'i32.const 3', 'i32.const 4', 'i32.const 4', 'nop', 'i32.add', `${load} 0 4`, op, 'drop');
      lines.push('nop', 'i32.const 3', 'nop', 'local.get 5', `${load} 0 4`, op, 'drop');
      lines.push('nop', 'i32.const 3', 'nop', 'local.get 5', 'i32.const 4', 'i32.add', `${load} 0 4`, op, 'drop');
      lines.push('nop', 'i32.const 3', 'local.get 5', 'nop', 'i32.const 4', 'i32.add', `${load} 0 4`, op, 'drop');
    }
  }
  for (const op of ['add', 'sub', 'mul']) {
    lines.push('nop', 'local.get 5', 'f64.const 0x3ff8000000000000', 'f64.const 0x4002000000000000', 'nop', `f64.${op}`, 'f64.store 0 8');
    lines.push('nop', 'i32.const 9', 'f64.const 0x3ff8000000000000', 'f64.const 0x4002000000000000', 'nop', `f64.${op}`, 'f64.store 0 8');
  }
  lines.push('nop', 'local.get 2', 'i32.eqz', 'local.get 3', 'i32.eqz', 'nop', 'i32.add', 'local.set 3');
  lines.push('nop', 'local.get 2', 'i32.eqz', 'local.get 3', 'i32.eqz', 'nop', 'i32.add', 'local.tee 3', 'drop');
  for (const then of ['xor', 'add', 'and', 'or']) {
    for (const op of ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl']) {
      lines.push('local.get 3', 'nop', 'local.get 2', 'i32.const 7', `i32.${op}`, `i32.${then}`, 'drop');
    }
  }
  lines.push('nop', 'local.get 2', 'local.set 3', 'local.get 3', 'local.set 2', 'local.get 2', 'drop');
  for (const mask of ['i32.const 0', 'i32.const -1']) {
    lines.push('block', 'nop', 'local.get 2', mask, 'i32.and', 'br_if 0', 'end');
    lines.push('block', 'nop', 'local.get 2', mask, 'i32.and', 'i32.eqz', 'br_if 0', 'end');
  }
  lines.push('nop', 'i32.const 7', 'local.set 3', 'nop', 'local.get 2', 'local.set 3');
  lines.push('nop', 'local.get 2', 'local.get 3', 'drop', 'drop', 'nop', 'local.get 2', 'i32.const 4', 'drop', 'drop');
  lines.push('nop', 'local.get 2', 'local.tee 3', 'local.get 2', 'i32.add', 'local.set 2', 'nop', 'local.get 3', 'local.set 2', 'local.get 2', 'drop');
  return lines;
}

function warmupModule(): Module {
  // main (param k) (result i32): locals 1 = loop counter (k + 1 passes), 2..3 = i32 scratch, 4 = f64,
  // 5 = an address (16).
  const main = [
    'local.get 0', 'i32.const 1', 'i32.add', 'local.set 1', // main(k) runs the loop k + 1 times
    // f64 operands that are not integers: V8's feedback for a+b on small integers would
    // make the optimized loop deoptimize ("lost precision") on the first real double.
    'f64.const 0x3ff8000000000000', 'local.set 4', 'i32.const -123456789', 'local.set 2', 'i32.const 16', 'local.set 5',
    'loop',
    ...numeric(ORDINARY, false), ...numeric(EDGE, true), ...numeric(EQUAL, true), ...numeric(SAME_HIGH, true, /^i64\.(lt|gt|le|ge)_[su]$/), ...numeric(WIDE, true), ...divisions(), ...memory(), ...tablesAndReferences(), ...control(), ...fused(),
    'local.get 1', 'i32.const 1', 'i32.sub', 'local.tee 1', 'br_if 0',
    'end',
    'local.get 0',
  ].join('\n');
  // callee (param i32) (result i32) with declared locals (a LOCALS prologue) and a return.
  const callee = 'local.get 0\nif\nlocal.get 0\nreturn\nend\nlocal.get 2\ni64.const 1\ni64.add\nlocal.set 2\nlocal.get 1';
  const refFunc = (k: number) => [{ op: Op.ref_func, offset: 0, a: k }];
  return {
    types: [I32_TO_I32, VOID],
    imports: [{ module: 'verity', name: 'host', desc: { kind: 'func', typeIdx: 0 } }],
    funcs: [
      { typeIdx: 0, locals: [I32, I32, I32, F64, I32], body: [...assemble(main), { op: Op.end, offset: 0 }], offset: 0 },
      { typeIdx: 0, locals: [I32, I64, F64], body: [...assemble(callee), { op: Op.end, offset: 0 }], offset: 0 },
      { typeIdx: 1, locals: [], body: [...assemble('unreachable'), { op: Op.end, offset: 0 }], offset: 0 },
    ],
    tables: [{ elemType: FUNCREF, limits: { min: 4, max: null } }],
    mems: [{ limits: { min: 1, max: 2 } }],
    globals: [
      { type: { valType: I32, mutable: true }, init: [{ op: Op.i32_const, offset: 0, a: 5 }] },
      { type: { valType: I64, mutable: true }, init: [{ op: Op.i64_const, offset: 0, c: 9n }] },
    ],
    exports: [{ name: 'main', kind: 'func', index: 1 }, { name: 'trap', kind: 'func', index: 3 }],
    start: null,
    elems: [
      { type: FUNCREF, init: [refFunc(2)], mode: { kind: 'active', table: 0, offset: [{ op: Op.i32_const, offset: 0, a: 0 }] } },
      { type: FUNCREF, init: [refFunc(2), refFunc(1)], mode: { kind: 'passive' } },
    ],
    datas: [{ init: new Uint8Array(64).map((_, i) => i * 7), mode: { kind: 'passive' } }],
    dataCount: 1,
    customs: [],
  };
}
