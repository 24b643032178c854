// The hand-built jobs that execute every row opcode of every group and reach every trap
// (numeric ops on ordinary and edge operands: NaNs, -0, extremes; halting by exit /
// proc_exit / out-of-steps). test/proof/opcodes.test.ts proves every step of each and
// compares with the interpreter; test/vectors/proof-vectors.ts turns their steps into
// vectors for the Solidity verifier.

import type { MachineLimits } from '../../vm/exec/limits.js';
import { Op, opName } from '../../vm/syntax/opcodes.js';
import { I32, I64, type FuncType } from '../../vm/syntax/types.js';
import { NUMERIC_OPS } from '../../vm/proof/ops/numeric.js';
import { VOID } from '../native/build.js';
import { BINARY, EDGE, ORDINARY, operandType, TRAPPING } from '../../vm/exec/warmup.js';
import type { ProofJobSpec } from './modules.js';

export const INPUT = { input: new TextEncoder().encode('The quick brown fox jumps over the lazy dog, again and again and again!!'), args: ['prog', 'a', 'bb'] };

// ---- numeric instructions ----

// Operand sets, instruction classes: shared with the interpreter's warm-up program.

function numericBody(values: Record<string, [string, string]>, skipTrapping: boolean): string {
  const lines: string[] = [];
  for (const op of NUMERIC_OPS) {
    if (op === Op.ref_is_null || op === Op.i32_const || op === Op.i64_const || op === Op.f32_const || op === Op.f64_const) continue;
    const wasmOp = op >= 0xe0 ? 0xfc00 | (op - 0xe0) : op;
    const name = opName(wasmOp);
    if (skipTrapping && TRAPPING.test(name)) continue;
    const [a, b] = values[operandType(name)];
    lines.push(a);
    if (BINARY.test(name)) lines.push(b);
    lines.push(name, 'drop');
  }
  return lines.join('\n') + '\nend';
}

// ---- control, variables ----

const I32_TO_I32: FuncType = { params: [I32], results: [I32] };
const PAIR: FuncType = { params: [I32, I32], results: [I32, I32] };

const CONTROL: ProofJobSpec = {
  types: [PAIR],
  globals: [{ type: I32, mutable: true, value: 5 }, { type: I64, mutable: true, value: 9 }],
  table: { min: 4, max: 4, elems: [1, 2, 3] },
  funcs: [
    {
      type: VOID, body: `
        nop
        i32.const 1
        call 1
        i32.const 0
        call 1
        i32.add
        global.get 0
        i32.add
        global.set 0
        i32.const 4
        i32.const 5
        call 3
        i32.sub
        drop
        i32.const 7
        i32.const 0
        call_indirect 2 0
        global.set 0
        call 2
        i32.const 1
        call_indirect 1 0
        i32.const 1
        i32.const 2
        i32.const 2
        call_indirect 0 0
        drop
        drop
        global.get 1
        i64.const 1
        i64.add
        global.set 1
        i32.const 0
        i32.const 1
        i32.const 0
        select
        drop
        end`,
    },
    {
      type: I32_TO_I32, locals: [I32, I32, I32, I32, I32, I32], body: `
        local.get 0
        local.set 6
        block i32
          loop
            local.get 1
            i32.const 1
            i32.add
            local.tee 1
            i32.const 3
            i32.lt_u
            br_if 0
          end
          local.get 0
          if i32
            i32.const 10
          else
            i32.const 20
          end
          local.get 1
          br_table 0 0
        end
        local.get 0
        br_if 0
        i32.const 100
        i32.add
        local.get 0
        i32.eqz
        br_table 0 0
        end`,
    },
    {
      type: VOID, body: `
        block
          i32.const 2
          br_table 0 1 0
        end
        block
          br 0
        end
        i32.const 1
        if
          nop
        end
        i32.const 0
        if
          nop
        else
          nop
        end
        br 0
        end`,
    },
    { type: PAIR, locals: [I32], body: 'local.get 1\nlocal.get 0\nreturn\nend' },
  ],
};

// ---- memory ----

const MEMORY: ProofJobSpec = {
  memory: { min: 1, max: 3 },
  datas: [new Uint8Array(90).map((_, i) => 200 - i)],
  funcs: [{
    type: VOID, body: `
      i32.const 29
      i64.const 0x0102030405060708
      i64.store 3 0
      i32.const 0
      i32.load 2 29
      drop
      i32.const 29
      i64.load 3 0
      drop
      i32.const 29
      f32.load 2 1
      drop
      i32.const 26
      f64.load 3 1
      drop
      i32.const 30
      i32.load8_s 0 0
      drop
      i32.const 30
      i32.load8_u 0 1
      drop
      i32.const 31
      i32.load16_s 1 0
      drop
      i32.const 30
      i32.load16_u 1 1
      drop
      i32.const 30
      i64.load8_s 0 0
      drop
      i32.const 30
      i64.load8_u 0 0
      drop
      i32.const 31
      i64.load16_s 1 0
      drop
      i32.const 31
      i64.load16_u 1 0
      drop
      i32.const 30
      i64.load32_s 2 0
      drop
      i32.const 30
      i64.load32_u 2 0
      drop
      i32.const 62
      i32.const -1
      i32.store 2 0
      i32.const 61
      f32.const 0x7fc00001
      f32.store 2 0
      i32.const 60
      f64.const 0xfff8000000000001
      f64.store 3 0
      i32.const 63
      i32.const 0x1234
      i32.store8 0 0
      i32.const 63
      i32.const 0x1234
      i32.store16 1 0
      i32.const 95
      i64.const -2
      i64.store8 0 0
      i32.const 95
      i64.const -2
      i64.store16 1 0
      i32.const 94
      i64.const -2
      i64.store32 2 0
      memory.size
      drop
      i32.const 1
      memory.grow
      drop
      i32.const 5
      memory.grow
      drop
      i32.const 3
      i32.const 7
      i32.const 100
      memory.fill
      i32.const 3
      i32.const 7
      i32.const 0
      memory.fill
      i32.const 33
      i32.const 9
      i32.const 5
      memory.fill
      i32.const 3
      i32.const 40
      i32.const 100
      memory.copy
      i32.const 40
      i32.const 3
      i32.const 100
      memory.copy
      i32.const 0
      i32.const 64
      i32.const 8
      memory.copy
      i32.const 0
      i32.const 64
      i32.const 0
      memory.copy
      i32.const 200
      i32.const 2
      i32.const 70
      memory.init 0
      i32.const 300
      i32.const 80
      i32.const 10
      memory.init 0
      data.drop 0
      i32.const 0
      i32.const 0
      i32.const 0
      memory.init 0
      end`,
  }],
};

// ---- tables and references ----

const TABLES: ProofJobSpec = {
  table: { min: 4, max: 12, elems: [1, 2] },
  passiveElems: [[1, 2, 1, 2, 1]],
  funcs: [
    {
      type: VOID, body: `
        i32.const 0
        table.get 0
        drop
        i32.const 2
        ref.func 1
        table.set 0
        table.size 0
        drop
        ref.null funcref
        i32.const 1
        table.grow 0
        drop
        ref.func 1
        i32.const 3
        table.grow 0
        drop
        ref.null funcref
        i32.const 100
        table.grow 0
        drop
        i32.const 1
        ref.func 2
        i32.const 3
        table.fill 0
        i32.const 1
        ref.func 2
        i32.const 0
        table.fill 0
        i32.const 0
        i32.const 2
        i32.const 3
        table.copy 0 0
        i32.const 3
        i32.const 1
        i32.const 3
        table.copy 0 0
        i32.const 0
        i32.const 1
        i32.const 3
        table.init 1 0
        elem.drop 1
        ref.null funcref
        ref.is_null
        drop
        ref.func 1
        ref.is_null
        drop
        end`,
    },
    { type: VOID, body: 'end' },
    { type: VOID, body: 'end' },
  ],
};

// ---- WASI ----

const WASI_NAMES = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'fd_read', 'fd_write', 'fd_close',
  'fd_fdstat_get', 'fd_prestat_get', 'fd_prestat_dir_name', 'fd_seek', 'proc_exit', 'sched_yield',
  'clock_time_get', 'random_get',
];
const W = Object.fromEntries(WASI_NAMES.map((n, i) => [n, i]));
const store32 = (addr: number, v: number): string => `i32.const ${addr}\ni32.const ${v}\ni32.store 2 0`;
const call = (name: string, ...args: string[]): string => `${args.join('\n')}\ncall ${W[name]}\ndrop`;
const c = (v: number): string => `i32.const ${v}`;

const WASI: ProofJobSpec = {
  wasi: WASI_NAMES,
  // call_indirect type indices 0 (sched_yield) and 1 (fd_write).
  types: [{ params: [], results: [I32] }, { params: [I32, I32, I32, I32], results: [I32] }],
  memory: { min: 1, max: 1 },
  table: { min: 2, max: 2, elems: [W.sched_yield, W.fd_write] },
  funcs: [{
    type: VOID, body: [
      call('args_sizes_get', c(0), c(4)),
      call('args_get', c(16), c(61)),
      call('environ_get', c(0), c(0)),
      call('environ_sizes_get', c(0), c(4)),
      store32(200, 300), store32(204, 30), store32(208, 400), store32(212, 0), store32(216, 420), store32(220, 60),
      call('fd_read', c(0), c(200), c(3), c(196)),
      call('fd_read', c(5), c(200), c(3), c(196)),
      call('fd_read', c(0), c(200), c(3), c(196)),
      call('fd_read', c(0), c(65530), c(1), c(196)),
      store32(500, 300), store32(504, 40), store32(508, 420), store32(512, 0),
      call('fd_write', c(1), c(500), c(2), c(496)),
      call('fd_write', c(2), c(500), c(2), c(496)),
      call('fd_write', c(9), c(500), c(2), c(496)),
      call('fd_write', c(1), c(65532), c(1), c(496)),
      call('fd_close', c(1)),
      call('fd_close', c(7)),
      call('fd_fdstat_get', c(0), c(600)),
      call('fd_fdstat_get', c(1), c(605)),
      call('fd_fdstat_get', c(5), c(600)),
      call('fd_fdstat_get', c(1), c(65530)),
      call('fd_prestat_get', c(3), c(0)),
      call('fd_prestat_dir_name', c(3), c(0), c(0)),
      call('fd_seek', c(1), 'i64.const 0', c(0), c(0)),
      call('fd_seek', c(9), 'i64.const 0', c(0), c(0)),
      call('sched_yield'),
      call('clock_time_get', c(0), 'i64.const 0', c(640)),
      call('clock_time_get', c(0), 'i64.const 0', c(65535)),
      call('random_get', c(700), c(70)),
      call('random_get', c(700), c(0)),
      call('random_get', c(65530), c(10)),
      call('args_sizes_get', c(65534), c(4)),
      `${c(0)}\ncall_indirect 0 0\ndrop`,
      `${c(1)}\n${c(500)}\n${c(1)}\n${c(496)}\n${c(1)}\ncall_indirect 1 0\ndrop`,
      `${c(3)}\ncall ${W.proc_exit}`,
      'end',
    ].join('\n'),
  }],
};

// ---- traps ----

const body = (text: string): ProofJobSpec => ({ funcs: [{ type: VOID, body: text + '\nend' }] });
const TABLE4 = { min: 4, max: 4, elems: [0] };
const WRITE40 = `${store32(0, 100)}\n${store32(4, 40)}`;

const TRAPS: Array<[string, ProofJobSpec, Partial<MachineLimits>?]> = [
  ['unreachable', body('unreachable')],
  ['i32 divide by zero', body('i32.const 1\ni32.const 0\ni32.div_s\ndrop')],
  ['i32 overflow', body('i32.const -2147483648\ni32.const -1\ni32.div_s\ndrop')],
  ['i64 divide by zero', body('i64.const 1\ni64.const 0\ni64.rem_u\ndrop')],
  ['i64 overflow', body('i64.const -9223372036854775808\ni64.const -1\ni64.div_s\ndrop')],
  ['invalid conversion', body('f32.const 0x7fc00000\ni32.trunc_f32_s\ndrop')],
  ['conversion overflow', body('f64.const 0x43f0000000000000\ni64.trunc_f64_u\ndrop')],
  ['load out of bounds', body('i32.const 65535\ni32.load 2 0\ndrop')],
  ['store out of bounds', body('i32.const 65534\ni32.const 1\ni32.store 2 0')],
  ['memory.fill out of bounds', body('i32.const 65530\ni32.const 0\ni32.const 7\nmemory.fill')],
  ['memory.copy out of bounds', body('i32.const 0\ni32.const 65530\ni32.const 7\nmemory.copy')],
  ['memory.init out of bounds', { datas: [new Uint8Array(8)], ...body('i32.const 0\ni32.const 4\ni32.const 5\nmemory.init 0') }],
  ['table.get out of bounds', { table: TABLE4, ...body('i32.const 4\ntable.get 0\ndrop') }],
  ['table.set out of bounds', { table: TABLE4, ...body('i32.const 9\nref.null funcref\ntable.set 0') }],
  ['table.fill out of bounds', { table: TABLE4, ...body('i32.const 2\nref.null funcref\ni32.const 3\ntable.fill 0') }],
  ['table.copy out of bounds', { table: TABLE4, ...body('i32.const 2\ni32.const 0\ni32.const 3\ntable.copy 0 0') }],
  ['table.init out of bounds', { table: TABLE4, passiveElems: [[0, 0]], ...body('i32.const 0\ni32.const 1\ni32.const 2\ntable.init 1 0') }],
  ['undefined element', { table: TABLE4, ...body('i32.const 4\ncall_indirect 0 0') }],
  ['uninitialized element', { table: TABLE4, ...body('i32.const 1\ncall_indirect 0 0') }],
  ['indirect call type mismatch', { table: TABLE4, types: [{ params: [I32], results: [] }], ...body('i32.const 1\ni32.const 0\ncall_indirect 0 0') }],
  ['call stack exhausted', body('call 0'), { maxStackUnits: 40 }],
  ['output limit exceeded', { wasi: ['fd_write'], funcs: [{ type: VOID, body: `${WRITE40}\n${call('fd_write', c(1), c(0), c(1), c(8)).replace('call 5', 'call 0')}\nend` }] }, { maxOutputBytes: 10 }],
  ['log limit exceeded', { wasi: ['fd_write'], funcs: [{ type: VOID, body: `${WRITE40}\n${call('fd_write', c(2), c(0), c(1), c(8)).replace('call 5', 'call 0')}\nend` }] }, { maxLogBytes: 10 }],
];

export interface OpcodeJob {
  name: string;
  spec: ProofJobSpec;
  /** Overrides of the proof tests' LIMITS (test/proof/support.ts). */
  limits?: Partial<MachineLimits>;
}

/** Every job, in the order the tests prove them. */
export const OPCODE_JOBS: readonly OpcodeJob[] = [
  { name: 'numeric instructions on ordinary operands', spec: body(numericBody(ORDINARY, false).replace(/\nend$/, '')) },
  { name: 'numeric instructions on edge operands (NaN payloads, -0, extremes)', spec: body(numericBody(EDGE, true).replace(/\nend$/, '')) },
  { name: 'control, calls, locals, globals, select', spec: CONTROL },
  { name: 'memory: loads and stores across leaves, size, grow, bulk operations', spec: MEMORY },
  { name: 'tables and references', spec: TABLES },
  { name: 'every WASI function, errors included, and call_indirect into WASI', spec: WASI },
  { name: 'running out of steps', spec: body('loop\nbr 0\nend'), limits: { maxSteps: 25 } },
  ...TRAPS.map(([name, spec, limits]) => ({ name: `trap: ${name}`, spec, limits })),
];
