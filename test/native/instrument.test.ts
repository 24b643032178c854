// The native engine against docs/machine.md and against the interpreter.
// Step counts below are counted by hand from docs/machine.md#steps; every case is also
// run on the interpreter, which must agree on everything.

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeModule } from '../../vm/binary/decode.js';
import { encodeModule } from '../../vm/binary/encode.js';
import { prologueSteps, DEFAULT_LIMITS, type MachineLimits } from '../../vm/exec/limits.js';
import { TrapMessage } from '../../vm/exec/trap.js';
import { jobIO, loadJob, runInterpreted, type JobInput, type RunResult } from '../../vm/job.js';
import { attemptNative, runNative, type NativeAttempt } from '../../vm/native/engine.js';
import { instrumentJob, MEMORY_EXPORT, segmentLeaders } from '../../vm/native/instrument.js';
import { nanBitsUnobservable, observedNaNResults } from '../../vm/native/nan-bits.js';
import { Op } from '../../vm/syntax/opcodes.js';
import { validateModule } from '../../vm/valid/validate.js';
import { F32, F64, I32, type Module, FUNCREF, EXTERNREF } from '../../vm/syntax/types.js';
import { loadFixtures, TRAP_KINDS } from '../support/fixtures.js';
import { code, jobBytes, jobModule, VOID, type JobSpec } from './build.js';

const NO_INPUT: JobInput = { input: new Uint8Array(0), args: ['job'] };

function limitsWith(over: Partial<MachineLimits> = {}): MachineLimits {
  return { ...DEFAULT_LIMITS, ...over };
}

async function native(wasm: Uint8Array, limits = limitsWith(), input = NO_INPUT): Promise<NativeAttempt> {
  return attemptNative(loadJob(wasm), jobIO(input, limits), limits);
}

function interpreted(wasm: Uint8Array, limits = limitsWith(), input = NO_INPUT): RunResult {
  return runInterpreted(loadJob(wasm), input, limits);
}

/** Runs natively (which must not fall back) and on the interpreter; they must agree. */
async function agreed(wasm: Uint8Array, limits = limitsWith(), input = NO_INPUT): Promise<RunResult> {
  const attempt = await native(wasm, limits, input);
  if (!attempt.ok) throw new Error(`native fell back: ${attempt.reason}: ${attempt.detail}`);
  expect(attempt.result).toEqual(interpreted(wasm, limits, input));
  return attempt.result;
}

/** Steps of startOnly's LOCALS prologue row (two declared locals). */
const STARTONLY_PROLOGUE = prologueSteps(2);

/** A job whose `_start` body is `body` (locals: i32, f32), with proc_exit as import 0 (so `_start` is function 1). */
function startOnly(body: string, extra: Partial<JobSpec> = {}): Uint8Array {
  return jobBytes({ wasi: ['proc_exit'], funcs: [{ type: VOID, locals: [I32, F32], body }], ...extra });
}

describe('step counts of control-flow shapes (docs/machine.md#steps)', () => {
  const shapes: { name: string; body: string; steps: number; spec?: Partial<JobSpec> }[] = [
    { name: 'empty _start: call, end, exit', body: 'end', steps: 3 },
    { name: 'br out of a block skips its end', body: 'block\nbr 0\nend\nend', steps: 5 },
    { name: 'a block left by falling through runs its end', body: 'block\nnop\nend\nend', steps: 6 },
    { name: 'br_if not taken', body: 'block\ni32.const 0\nbr_if 0\nnop\nend\nend', steps: 8 },
    { name: 'br_if taken', body: 'block\ni32.const 1\nbr_if 0\nnop\nend\nend', steps: 6 },
    { name: 'code after br is dead', body: 'block\nbr 0\nnop\nnop\nend\nend', steps: 5 },
    {
      name: 'loop: re-entry skips the loop instruction',
      body: 'i32.const 3\nlocal.set 0\nloop\nlocal.get 0\ni32.const 1\ni32.sub\nlocal.tee 0\nbr_if 0\nend\nend',
      steps: 22,
    },
    { name: 'if true with else: else jumps past end', body: 'i32.const 1\nif\nnop\nelse\nnop\nnop\nend\nend', steps: 7 },
    { name: 'if false with else: else-arm then end', body: 'i32.const 0\nif\nnop\nelse\nnop\nnop\nend\nend', steps: 8 },
    { name: 'if false without else skips end', body: 'i32.const 0\nif\nnop\nend\nend', steps: 5 },
    { name: 'if true without else runs end', body: 'i32.const 1\nif\nnop\nend\nend', steps: 7 },
    { name: 'br_table to the outer block', body: 'block\nblock\ni32.const 1\nbr_table 0 1 0\nend\nnop\nend\nend', steps: 7 },
    { name: 'br_table to the inner block', body: 'block\nblock\ni32.const 0\nbr_table 0 1 0\nend\nnop\nend\nend', steps: 9 },
    { name: 'br_table default', body: 'block\nblock\ni32.const 7\nbr_table 1 1 0\nend\nnop\nend\nend', steps: 9 },
    { name: 'return skips the rest and the final end', body: 'nop\nreturn\nnop\nend', steps: 4 },
    { name: 'br to the function label', body: 'block\nblock\nbr 2\nend\nend\nend', steps: 5 },
    { name: 'br_if to the function label', body: 'block\ni32.const 1\nbr_if 1\nend\nnop\nend', steps: 5 },
    {
      name: 'call: callee steps, then back after the call',
      body: 'call 2\nend',
      steps: 6,
      spec: { funcs: [{ type: VOID, body: 'end' }, { type: VOID, body: 'nop\nend' }] },
    },
    {
      name: 'call_indirect',
      body: 'i32.const 0\ncall_indirect 1 0\nend', // type 1 = [] -> []
      steps: 7,
      spec: { funcs: [{ type: VOID, body: 'end' }, { type: VOID, body: 'nop\nend' }], table: { min: 1, max: null, elems: [2] } },
    },
    {
      name: 'multi-value block with params',
      body: 'i32.const 1\ni32.const 2\nblock (type 0)\ni32.add\nend\ndrop\nend',
      steps: 9,
      spec: { types: [{ params: [I32, I32], results: [I32] }] },
    },
    {
      name: 'multi-value loop carrying its parameter',
      body: 'i32.const 3\nloop (type 0)\ni32.const 1\ni32.sub\nlocal.tee 0\nlocal.get 0\nbr_if 0\nend\ndrop\nend',
      steps: 22,
      spec: { types: [{ params: [I32], results: [I32] }] },
    },
  ];

  for (const s of shapes) {
    it(s.name, async () => {
      const spec: JobSpec = { wasi: ['proc_exit'], funcs: [{ type: VOID, locals: [I32], body: s.body }], ...s.spec };
      if (s.spec?.funcs) spec.funcs[0] = { type: VOID, locals: [I32], body: s.body };
      const result = await agreed(jobBytes(spec));
      expect(result.status).toBe('exited');
      // The hand counts above are of the instructions; `_start` declares one local, so its
      // LOCALS prologue row adds prologueSteps(1) = 1 step.
      expect(result.steps).toBe(s.steps + prologueSteps(1));
    });
  }

  it('recursion with results: native and interpreter agree on the count', async () => {
    // fib(n) = n < 2 ? n : fib(n-1) + fib(n-2); exit code fib(12) = 144
    const fib = 'local.get 0\ni32.const 2\ni32.lt_u\nif i32\nlocal.get 0\nelse\nlocal.get 0\ni32.const 1\ni32.sub\n' +
      'call 2\nlocal.get 0\ni32.const 2\ni32.sub\ncall 2\ni32.add\nend\nend';
    const wasm = jobBytes({
      wasi: ['proc_exit'],
      funcs: [{ type: VOID, body: 'i32.const 12\ncall 2\ncall 0\nend' }, { type: { params: [I32], results: [I32] }, body: fib }],
    });
    const result = await agreed(wasm);
    expect(result.exitCode).toBe(144);
  });

  it('proc_exit is one step and skips the exit 0', async () => {
    const result = await agreed(startOnly('i32.const 42\ncall 0\nend'));
    expect(result).toMatchObject({ status: 'exited', exitCode: 42, steps: 3 + STARTONLY_PROLOGUE });
  });

  it('a start function costs one more step, and runs before _start', async () => {
    const wasm = jobBytes({
      wasi: ['proc_exit'],
      funcs: [{ type: VOID, body: 'nop\nend' }, { type: VOID, body: 'nop\nend' }],
      start: 1,
    });
    expect((await agreed(wasm)).steps).toBe(1 + 2 + 1 + 2 + 1);
    // start exits: _start never runs
    const exits = jobBytes({
      wasi: ['proc_exit'],
      funcs: [{ type: VOID, body: 'unreachable\nend' }, { type: VOID, body: 'i32.const 5\ncall 0\nend' }],
      start: 1,
    });
    expect(await agreed(exits)).toMatchObject({ exitCode: 5, steps: 3 });
  });

  it('segment leaders: a targeted block end starts a segment, an untargeted one does not', () => {
    const leaders = (text: string): number[] =>
      segmentLeaders(code(text)).flatMap((l, k) => (l ? [k] : []));
    expect(leaders('block\nnop\nend\nnop\nend')).toEqual([0]);
    expect(leaders('block\nbr 0\nend\nnop\nend')).toEqual([0, 3]);
    expect(leaders('loop\nnop\nend\nend')).toEqual([0]);
    expect(leaders('loop\nbr 0\nend\nend')).toEqual([0, 1]);
    expect(leaders('i32.const 1\nif\nnop\nelse\nnop\nend\nend')).toEqual([0, 2, 4, 6]);
    expect(leaders('call 0\ni32.const 0\nbr_if 0\nnop\nend')).toEqual([0, 1, 3]);
  });
});

describe('NaN rule', () => {
  it('f32.div 0/0 gives the canonical 0x7fc00000', async () => {
    const wasm = startOnly('f32.const 0\nf32.const 0\nf32.div\ni32.reinterpret_f32\ncall 0\nend');
    expect(await agreed(wasm)).toMatchObject({ exitCode: 0x7fc00000, steps: 6 + STARTONLY_PROLOGUE });
  });

  it('f64.add of a payload NaN gives the canonical NaN', async () => {
    const wasm = startOnly(
      'f64.const 0x7ff4000000000001\nf64.const 0x3ff0000000000000\nf64.add\ni64.reinterpret_f64\n' +
      'i64.const 0x7ff8000000000000\ni64.eq\ncall 0\nend',
    );
    expect((await agreed(wasm)).exitCode).toBe(1);
  });

  it('demote, promote, sqrt, min and nearest canonicalise; neg and copysign keep the bits', async () => {
    const canonical32 = (expr: string): string => `${expr}\ni32.reinterpret_f32\ni32.const 0x7fc00000\ni32.eq\n`;
    const wasm = startOnly(
      canonical32('f64.const 0xfff0000000000abc\nf32.demote_f64') +
      canonical32('f32.const 0xbf800000\nf32.sqrt') + // sqrt(-1)
      canonical32('f32.const 0x7fa00001\nf32.const 0\nf32.min') +
      canonical32('f32.const 0xffc00001\nf32.nearest') +
      'f32.const 0xffc00001\nf64.promote_f32\ni64.reinterpret_f64\ni64.const 0x7ff8000000000000\ni64.eq\n' +
      'f32.const 0x7fc00000\nf32.neg\ni32.reinterpret_f32\ni32.const 0xffc00000\ni32.eq\n' +
      'f32.const 0x7fa00001\nf32.const -1\nf32.copysign\ni32.reinterpret_f32\ni32.const 0xffa00001\ni32.eq\n' +
      'i32.add\ni32.add\ni32.add\ni32.add\ni32.add\ni32.add\ncall 0\nend',
    );
    expect((await agreed(wasm)).exitCode).toBe(7);
  });

  it('NaN bits stay canonical through chains, memory, locals and copysign', async () => {
    const isCanonical32 = 'i32.const 0x7fc00000\ni32.eq\n';
    const wasm = startOnly(
      // a chain of arithmetic: only the last result is visible
      'f32.const 0\nf32.const 0\nf32.div\nf32.const 1\nf32.add\nf32.sqrt\ni32.reinterpret_f32\n' + isCanonical32 +
      // stored to memory and loaded back
      'i32.const 64\nf32.const 0\nf32.const 0\nf32.div\nf32.store\ni32.const 64\ni32.load\n' + isCanonical32 +
      // through a local
      'f32.const 0\nf32.const 0\nf32.div\nlocal.set 1\nlocal.get 1\ni32.reinterpret_f32\n' + isCanonical32 +
      // the sign of a NaN reaches copysign: canonical NaN is positive, so copysign(1, 0/0) = 1
      'f32.const 0x3f800000\nf32.const 0\nf32.const 0\nf32.div\nf32.copysign\ni32.reinterpret_f32\n' +
      'i32.const 0x3f800000\ni32.eq\n' +
      // comparisons see any NaN the same: 0/0 != 0/0
      'f32.const 0\nf32.const 0\nf32.div\nf32.const 0\nf32.const 0\nf32.div\nf32.ne\n' +
      'i32.add\ni32.add\ni32.add\ni32.add\ncall 0\nend',
    );
    expect((await agreed(wasm)).exitCode).toBe(5);
  });

  it('canonicalises only where a consumer can see NaN bits', () => {
    const seen = (text: string): boolean => !nanBitsUnobservable(code(text), 0);
    expect(seen('f32.add\nf32.mul')).toBe(false);
    expect(seen('f32.add\nf32.const 1\nf32.mul')).toBe(false); // second operand of mul
    expect(seen('f64.add\nf64.const 1\nf64.lt')).toBe(false);
    expect(seen('f64.add\ni32.trunc_f64_s')).toBe(false);
    expect(seen('f64.add\ndrop')).toBe(false);
    expect(seen('f32.add\nf32.store')).toBe(true);
    // a tee'd local later read by a store: its bits escape
    expect(seen('f32.add\nlocal.tee 0\nf32.mul\ndrop\ni32.const 0\nlocal.get 0\nf32.store')).toBe(true);
    expect(seen('f32.add\ni32.reinterpret_f32')).toBe(true);
    expect(seen('f32.add\nf32.neg\nf32.add')).toBe(true);
    expect(seen('f32.add\nf32.const 1\nf32.copysign')).toBe(true);
    expect(seen('f32.add\nend')).toBe(true);
    expect(seen('f32.add\ncall 0')).toBe(true);
  });

  describe('a result kept in a local: canonicalised when some later read of it sees bits', () => {
    /** Whether the first float arithmetic instruction of `text` is canonicalised. */
    const seen = (text: string): boolean => {
      const body = code(text);
      const k = body.findIndex((ins) => ins.op === Op.f64_sub);
      expect(k).toBeGreaterThanOrEqual(0);
      return observedNaNResults(body)[k];
    };
    const sub = 'local.get 0\nlocal.get 0\nf64.sub\n';
    it('read only by arithmetic, in a loop (nbody\'s dx): not canonicalised', () => {
      expect(seen(`loop\n${sub}local.set 1\nlocal.get 1\nlocal.get 1\nf64.mul\ndrop\nlocal.get 2\nbr_if 0\nend\nend`)).toBe(false);
    });
    it('written again before a store reads it: not canonicalised', () => {
      expect(seen(`${sub}local.set 1\nf64.const 1\nlocal.set 1\ni32.const 0\nlocal.get 1\nf64.store\nend`)).toBe(false);
    });
    it('stored after a branch', () => {
      expect(seen(`${sub}local.set 1\nlocal.get 2\nbr_if 0\ni32.const 0\nlocal.get 1\nf64.store\nend`)).toBe(true);
    });
    it('stored on one arm of an if', () => {
      expect(seen(`${sub}local.set 1\nlocal.get 2\nif\nf64.const 1\nlocal.set 1\nelse\nnop\nend\ni32.const 0\nlocal.get 1\nf64.store\nend`)).toBe(true);
      expect(seen(`${sub}local.set 1\nlocal.get 2\nif\nf64.const 1\nlocal.set 1\nelse\nf64.const 2\nlocal.set 1\nend\ni32.const 0\nlocal.get 1\nf64.store\nend`)).toBe(false);
    });
    it('stored at the top of the loop, reached through the back edge', () => {
      expect(seen(`loop\ni32.const 0\nlocal.get 1\nf64.store\n${sub}local.set 1\nlocal.get 2\nbr_if 0\nend\nend`)).toBe(true);
    });
    it('stored after a br out of a block', () => {
      expect(seen(`block\n${sub}local.set 1\nbr 0\nf64.const 1\nlocal.set 1\nend\ni32.const 0\nlocal.get 1\nf64.store\nend`)).toBe(true);
    });
    it('copied to another local (a copy counts as seen)', () => {
      expect(seen(`${sub}local.set 1\nlocal.get 1\nlocal.set 3\nend`)).toBe(true);
    });
    it('past 2000 instructions every such local counts as seen (the analysis is skipped)', () => {
      const body = `${sub}local.set 1\nlocal.get 1\nlocal.get 1\nf64.mul\ndrop\n`;
      expect(seen(`${body}end`)).toBe(false);
      expect(seen(`${body}${'nop\n'.repeat(2000)}end`)).toBe(true);
    });
    it('tee: the value left on the stack counts too', () => {
      expect(seen(`${sub}local.tee 1\nf64.neg\ndrop\nend`)).toBe(true);
      expect(seen(`${sub}local.tee 1\nf64.sqrt\ndrop\nlocal.get 1\nf64.abs\ndrop\nend`)).toBe(true);
      expect(seen(`${sub}local.tee 1\nf64.sqrt\ndrop\nlocal.get 1\nf64.sqrt\ndrop\nend`)).toBe(false);
    });
  });

  it('a NaN kept in a local across a loop: read by arithmetic, then observed, on both engines', async () => {
    // local 1 (f32) gets 0/0 in a loop that only adds it up; after the loop its bits are read.
    const wasm = startOnly('loop\nf32.const 0\nf32.const 0\nf32.div\nlocal.set 1\nlocal.get 1\nlocal.get 1\nf32.add\ndrop\n' +
      'local.get 0\ni32.const 1\ni32.add\nlocal.tee 0\ni32.const 3\ni32.lt_u\nbr_if 0\nend\n' +
      'local.get 1\ni32.reinterpret_f32\ncall 0\nend');
    expect(await agreed(wasm)).toMatchObject({ status: 'exited', exitCode: 0x7fc00000 });
  });

  it('a NaN kept in a local: canonical when its bits are later observed, on both engines', async () => {
    // local 1 (f32) holds 0/0, is read by an add (blind) and by a reinterpret (observed)
    const wasm = startOnly('f32.const 0\nf32.const 0\nf32.div\nlocal.set 1\nlocal.get 1\nf32.const 1\nf32.add\n' +
      'local.set 1\nlocal.get 1\ni32.reinterpret_f32\ncall 0\nend');
    expect(await agreed(wasm)).toMatchObject({ status: 'exited', exitCode: 0x7fc00000 });
  });

  it('is needed: uninstrumented V8 answers differently on this machine', async () => {
    // The same 0/0 without the instrumentation: x86-64 produces the negative default NaN.
    const raw = jobModule({ funcs: [{ type: { params: [], results: [I32] }, body: 'f32.const 0\nf32.const 0\nf32.div\ni32.reinterpret_f32\nend', export: 'f' }] });
    const { instance } = await WebAssembly.instantiate(encodeModule(raw));
    const bits = (instance.exports.f as () => number)() >>> 0;
    if (process.arch === 'x64') expect(bits).toBe(0xffc00000);
    else expect(bits & 0x7fc00000).toBe(0x7fc00000);
  });
});

describe('bulk operations: micro-steps', () => {
  // Each case: call + its three operand consts + the op's micro-steps + end + exit.
  const base = 1 + 3 + 1 + 1;
  const cases: { name: string; op: string; steps: number; spec?: Partial<JobSpec> }[] = [
    { name: 'memory.fill over 3 leaves', op: 'i32.const 30\ni32.const 7\ni32.const 40\nmemory.fill', steps: base + 3 },
    { name: 'memory.fill n = 0', op: 'i32.const 30\ni32.const 7\ni32.const 0\nmemory.fill', steps: base + 1 },
    { name: 'memory.fill of one aligned leaf', op: 'i32.const 32\ni32.const 7\ni32.const 32\nmemory.fill', steps: base + 1 },
    { name: 'memory.fill of 2 bytes across a boundary', op: 'i32.const 31\ni32.const 7\ni32.const 2\nmemory.fill', steps: base + 2 },
    { name: 'memory.copy backward', op: 'i32.const 100\ni32.const 10\ni32.const 64\nmemory.copy', steps: base + 3 },
    { name: 'memory.copy forward', op: 'i32.const 10\ni32.const 100\ni32.const 64\nmemory.copy', steps: base + 3 },
    {
      name: 'memory.init',
      op: 'i32.const 60\ni32.const 0\ni32.const 40\nmemory.init 0',
      steps: base + 3,
      spec: { datas: [new Uint8Array(40).fill(9)] },
    },
    {
      name: 'table.fill of 5',
      op: 'i32.const 2\nref.null funcref\ni32.const 5\ntable.fill 0',
      steps: base + 5,
      spec: { table: { min: 10, max: null } },
    },
    {
      name: 'table.copy n = 0',
      op: 'i32.const 0\ni32.const 1\ni32.const 0\ntable.copy 0 0',
      steps: base + 1,
      spec: { table: { min: 10, max: null } },
    },
    {
      name: 'table.init of 3',
      op: 'i32.const 4\ni32.const 0\ni32.const 3\ntable.init 0 0',
      steps: base + 3,
      spec: { table: { min: 10, max: null }, passiveElems: [[1, 1, 1]] },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const result = await agreed(startOnly(`${c.op}\nend`, c.spec));
      expect(result.steps).toBe(c.steps + STARTONLY_PROLOGUE);
    });
  }

  it('the operations take effect', async () => {
    const wasm = startOnly(
      'i32.const 30\ni32.const 7\ni32.const 40\nmemory.fill\n' +
      'i32.const 200\ni32.const 40\ni32.const 40\nmemory.copy\n' +
      'i32.const 200\ni32.load8_u\ni32.const 240\ni32.load8_u\ni32.add\ncall 0\nend',
    );
    expect((await agreed(wasm)).exitCode).toBe(7);
  });

  it('an out-of-bounds bulk operation falls back and the interpreter reports the trap', async () => {
    const wasm = startOnly('i32.const 65530\ni32.const 0\ni32.const 7\nmemory.fill\nend');
    const attempt = await native(wasm);
    expect(attempt).toMatchObject({ ok: false, reason: 'trap' });
    const limits = limitsWith();
    const job = loadJob(wasm);
    const result = await runNative(job, jobIO(NO_INPUT, limits), limits, () => runInterpreted(job, NO_INPUT, limits));
    expect(result).toMatchObject({ status: 'trapped', trap: TrapMessage.memoryOutOfBounds, steps: 5 + STARTONLY_PROLOGUE });
  });
});

describe('table.grow: micro-steps', () => {
  // Each case: call + init + n + the grow's micro-steps + drop + end + exit.
  const base = 1 + 2 + 1 + 1 + 1;
  const grow = (init: string, n: number): string => `${init}\ni32.const ${n}\ntable.grow 0\ndrop`;
  const table = { min: 2, max: 400, elems: [1] };
  const cases: { name: string; op: string; steps: number }[] = [
    { name: 'non-null init, n = 1', op: grow('ref.func 1', 1), steps: base + 1 },
    { name: 'non-null init, n = 5', op: grow('ref.func 1', 5), steps: base + 5 },
    { name: 'non-null init, n = 100', op: grow('ref.func 1', 100), steps: base + 100 },
    { name: 'non-null init, n = 0', op: grow('ref.func 1', 0), steps: base + 1 },
    { name: 'null init, n = 100', op: grow('ref.null funcref', 100), steps: base + 1 },
    { name: 'a failing grow (past the maximum)', op: grow('ref.func 1', 399), steps: base + 1 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const result = await agreed(startOnly(`${c.op}\nend`, { table }));
      expect(result.steps).toBe(c.steps + STARTONLY_PROLOGUE);
    });
  }

  it('the new entries hold the init: call_indirect through the last one', async () => {
    // table.grow returns the old size 2; entry 2 + 5 - 1 = 6 calls _start's sibling, which exits 42.
    const wasm = jobBytes({
      wasi: ['proc_exit'],
      table: { ...table, elems: [2] },
      funcs: [
        { type: VOID, body: 'ref.func 2\ni32.const 5\ntable.grow 0\ni32.const 4\ni32.add\ncall_indirect 1 0\nend' }, // type 1 = [] -> []
        { type: VOID, body: 'i32.const 42\ncall 0\nend' },
      ],
    });
    const result = await agreed(wasm);
    expect(result.exitCode).toBe(42);
  });

  it('a budget that ends inside the grow: native falls back, the interpreter is out of steps', async () => {
    const wasm = startOnly(`${grow('ref.func 1', 100)}\nend`, { table });
    const limits = limitsWith({ maxSteps: STARTONLY_PROLOGUE + 1 + 2 + 50 });
    expect(await native(wasm, limits)).toMatchObject({ ok: false, reason: 'out-of-steps' });
    expect(interpreted(wasm, limits)).toMatchObject({ status: 'out-of-steps', steps: limits.maxSteps });
  });
});

describe('limits', () => {
  const growTwice = 'i32.const 1\nmemory.grow\ndrop\ni32.const 1\nmemory.grow\ncall 0\nend';

  it('memory.grow stops at maxMemoryPages when the module has no maximum', async () => {
    const wasm = startOnly(growTwice, { memory: { min: 1, max: null } });
    expect((await agreed(wasm, limitsWith({ maxMemoryPages: 2 }))).exitCode).toBe(-1);
    expect((await agreed(wasm, limitsWith({ maxMemoryPages: 3 }))).exitCode).toBe(2);
    const m = loadJob(wasm);
    expect(instrumentJob(m.module, m.info, limitsWith({ maxMemoryPages: 2 })).module.mems[0].limits.max).toBe(2);
  });

  it('memory.grow stops at the module maximum below the limit', async () => {
    const wasm = startOnly(growTwice, { memory: { min: 1, max: 1 } });
    expect((await agreed(wasm, limitsWith({ maxMemoryPages: 8 }))).exitCode).toBe(-1);
  });

  it('a run of exactly maxSteps completes; one step less is out-of-steps', async () => {
    const wasm = startOnly('i32.const 3\nlocal.set 0\nloop\nlocal.get 0\ni32.const 1\ni32.sub\nlocal.tee 0\nbr_if 0\nend\nend');
    const exact = 22 + STARTONLY_PROLOGUE;
    expect((await agreed(wasm, limitsWith({ maxSteps: exact }))).status).toBe('exited');
    const attempt = await native(wasm, limitsWith({ maxSteps: exact - 1 }));
    expect(attempt).toMatchObject({ ok: false, reason: 'out-of-steps' });
    expect(interpreted(wasm, limitsWith({ maxSteps: exact - 1 }))).toMatchObject({ status: 'out-of-steps', steps: exact - 1 });
  });

  it('an infinite loop hits the budget and falls back to the interpreter', async () => {
    const wasm = startOnly('loop\nbr 0\nend\nend');
    const limits = limitsWith({ maxSteps: 1000 });
    expect(await native(wasm, limits)).toMatchObject({ ok: false, reason: 'out-of-steps' });
    const job = loadJob(wasm);
    const result = await runNative(job, jobIO(NO_INPUT, limits), limits, () => runInterpreted(job, NO_INPUT, limits));
    expect(result).toMatchObject({ status: 'out-of-steps', steps: 1000 });
  });

  it('the compilation cache keys on the limits baked into the module', async () => {
    const wasm = startOnly('i32.const 100\nlocal.set 0\nloop\nlocal.get 0\ni32.const 1\ni32.sub\nlocal.tee 0\nbr_if 0\nend\nend');
    expect((await native(wasm)).ok).toBe(true);
    expect(await native(wasm, limitsWith({ maxSteps: 100 }))).toMatchObject({ ok: false, reason: 'out-of-steps' });
    expect((await native(wasm)).ok).toBe(true);
  });

  describe('stack units', () => {
    // f(n) = n ? f(n-1) : (); F(f) = 1 + 1 param + max height 2 = 4; F(_start) = 1 + 1 = 2.
    const recurse = (n: number): Uint8Array => jobBytes({
      wasi: ['proc_exit'],
      funcs: [
        { type: VOID, body: `i32.const ${n}\ncall 2\nend` },
        { type: { params: [I32], results: [] }, body: 'local.get 0\nif\nlocal.get 0\ni32.const 1\ni32.sub\ncall 2\nend\nend' },
      ],
    });

    it('the deepest call that fits runs natively; one unit less exhausts in both engines', async () => {
      const fits = 2 + 4 * 11; // _start + f(10..0)
      expect((await agreed(recurse(10), limitsWith({ maxStackUnits: fits }))).status).toBe('exited');
      const tight = limitsWith({ maxStackUnits: fits - 1 });
      expect(await native(recurse(10), tight)).toMatchObject({ ok: false, reason: 'stack-units' });
      expect(interpreted(recurse(10), tight)).toMatchObject({ status: 'trapped', trap: TrapMessage.callStackExhausted });
    });

    it('units are given back on return: many shallow calls fit', async () => {
      const wasm = jobBytes({
        wasi: ['proc_exit'],
        funcs: [
          { type: VOID, body: 'i32.const 1\ncall 2\ni32.const 1\ncall 2\ni32.const 1\ncall 2\nend' },
          { type: { params: [I32], results: [] }, body: 'local.get 0\nif\nlocal.get 0\ni32.const 1\ni32.sub\ncall 2\nend\nend' },
        ],
      });
      expect((await agreed(wasm, limitsWith({ maxStackUnits: 2 + 4 * 2 }))).status).toBe('exited');
    });

    it("V8's own stack overflowing first is a fallback, not a result", async () => {
      const attempt = await native(recurse(1_000_000), limitsWith({ maxStackUnits: 10_000_000 }));
      expect(attempt).toMatchObject({ ok: false, reason: 'engine-stack' });
    });
  });
});

describe('WASI through the shared host', () => {
  // iovec {ptr 16, len 3} at 0, "hi\n" at 16; fd_write(1, iovs 0, 1, nwritten 8)
  const hello = 'i32.const 0\ni32.const 16\ni32.store\ni32.const 4\ni32.const 3\ni32.store\n' +
    'i32.const 16\ni32.const 0x0a6968\ni32.store\n' +
    'i32.const 1\ni32.const 0\ni32.const 1\ni32.const 8\ncall 1\n';
  const wasm = jobBytes({ wasi: ['proc_exit', 'fd_write'], funcs: [{ type: VOID, body: `${hello}call 0\nend` }] });

  it('fd_write: output, errno, and its micro-steps counted', async () => {
    const result = await agreed(wasm);
    expect(Buffer.from(result.stdout).toString()).toBe('hi\n');
    expect(result.exitCode).toBe(0); // the errno, passed to proc_exit
    expect(result.steps).toBeGreaterThan(1 + 9 + 5 + 1);
  });

  it('the output limit is a trap reported natively with the exact count', async () => {
    const limits = limitsWith({ maxOutputBytes: 2 });
    const attempt = await native(wasm, limits);
    expect(attempt.ok).toBe(true);
    const result = await agreed(wasm, limits);
    expect(result).toMatchObject({ status: 'trapped', trap: TrapMessage.outputLimit });
  });

  it('WASI sees exactly the memory the program has, after a grow, exported as memory or not', async () => {
    // grow 1 -> 3 pages, then fd_write with its iovec array at page 3 + 100: in bounds only after the grow
    const body = (at: number): string => 'i32.const 2\nmemory.grow\ndrop\n' +
      `i32.const 1\ni32.const ${at}\ni32.const 1\ni32.const 8\ncall 1\ncall 0\nend`;
    for (const exportMemory of [true, false]) {
      const inside = jobBytes({ wasi: ['proc_exit', 'fd_write'], funcs: [{ type: VOID, body: body(2 * 65536 + 100) }], exportMemory });
      expect((await agreed(inside)).exitCode).toBe(0);
      const outside = jobBytes({ wasi: ['proc_exit', 'fd_write'], funcs: [{ type: VOID, body: body(3 * 65536 + 100) }], exportMemory });
      expect((await agreed(outside)).exitCode).toBe(21); // EFAULT
    }
  });

  it('clock_time_get answers the step count, also after a call of many micro-steps', async () => {
    // fd_write (several micro-steps), then clock_time_get(0, 0, 32), then proc_exit(low word of the time)
    const clock = jobBytes({
      wasi: ['proc_exit', 'fd_write', 'clock_time_get'],
      funcs: [{ type: VOID, body: `${hello}drop\ni32.const 0\ni64.const 0\ni32.const 32\ncall 2\ndrop\ni32.const 32\ni32.load\ncall 0\nend` }],
    });
    const result = await agreed(clock);
    // The answer: the steps before the clock call; after it come drop, i32.const, i32.load and proc_exit.
    expect(result.exitCode).toBe(result.steps - 5);
    expect(result.exitCode).toBeGreaterThan(1 + 9 + 5 + 1);
  });

  it('a start function may call WASI (it runs after instantiation, with the memory)', async () => {
    const withStart = jobBytes({
      wasi: ['proc_exit', 'fd_write'],
      funcs: [{ type: VOID, body: 'end' }, { type: VOID, body: `${hello}drop\nend` }],
      start: 1,
    });
    const result = await agreed(withStart);
    expect(Buffer.from(result.stdout).toString()).toBe('hi\n');
  });
});

describe('instrumented modules are valid', () => {
  const SPEC_JSON = fileURLToPath(new URL('../../../shared/wasm-spec/json/', import.meta.url));

  it('for every valid spec-suite module (all instructions), V8 and our validator accept the rewrite', () => {
    let checked = 0;
    for (const file of readdirSync(SPEC_JSON).filter((f) => f.endsWith('.wasm'))) {
      const bytes = new Uint8Array(readFileSync(SPEC_JSON + file));
      let m: Module;
      let info;
      try {
        m = decodeModule(bytes);
        info = validateModule(m);
      } catch {
        continue;
      }
      if (!WebAssembly.validate(bytes)) continue; // beyond what V8 takes (e.g. huge locals)
      const rewritten = instrumentJob(m, info, DEFAULT_LIMITS).module;
      expect(WebAssembly.validate(encodeModule(rewritten)), file).toBe(true);
      // Our decoder takes no shared memory (jobs may not declare one): check the rest.
      validateModule(decodeModule(encodeModule({ ...rewritten, mems: rewritten.mems.map((mt) => ({ ...mt, shared: false })) })));
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('memory is shared, so that its growth detaches no ArrayBuffer (which would slow typed arrays process-wide)', async () => {
    const m = jobModule({ funcs: [{ type: VOID, body: 'end' }] });
    const rewritten = instrumentJob(m, validateModule(m), DEFAULT_LIMITS).module;
    expect(rewritten.mems.map((mt) => mt.shared)).toEqual([true]);
    const { instance } = await WebAssembly.instantiate(encodeModule(rewritten), {
      wasi_snapshot_preview1: { proc_exit: () => undefined },
    });
    const memory = instance.exports[MEMORY_EXPORT] as WebAssembly.Memory;
    const before = memory.buffer;
    expect(memory.grow(1)).toBe(m.mems[0].limits.min);
    expect(before.byteLength).toBe(m.mems[0].limits.min * 65536); // not detached
    expect(memory.buffer.byteLength).toBe((m.mems[0].limits.min + 1) * 65536);
  });

  it('float arithmetic gains exactly one canonicalisation each', () => {
    const m = jobModule({ funcs: [{ type: VOID, locals: [F64], body: 'local.get 0\nf64.sqrt\nf64.neg\ndrop\nend' }] });
    const info = validateModule(m);
    const body = instrumentJob(m, info, DEFAULT_LIMITS).module.funcs[0].body;
    expect(body.filter((ins) => ins.op === 0x44 /* f64.const */ && ins.c === 0x7ff8000000000000n)).toHaveLength(1);
  });
});

describe('fixtures', () => {
  const fixtures = loadFixtures();

  it('every non-trapping fixture runs natively to its expected output', async () => {
    for (const f of fixtures.filter((x) => !x.expected.trapped)) {
      const attempt = await native(f.wasm, limitsWith(), { input: f.input, args: f.args });
      if (!attempt.ok) throw new Error(`${f.name}: fell back: ${attempt.reason}`);
      expect(attempt.result.exitCode, f.name).toBe(f.expected.exitCode);
      expect(Buffer.from(attempt.result.stdout).equals(Buffer.from(f.expected.stdout)), f.name).toBe(true);
      expect(Buffer.from(attempt.result.stderr).equals(Buffer.from(f.expected.stderr)), f.name).toBe(true);
    }
  });

  it('agree with the interpreter, step for step', async () => {
    for (const f of fixtures.filter((x) => !x.expected.trapped)) {
      await agreed(f.wasm, limitsWith(), { input: f.input, args: f.args });
    }
  });

  it('every trap of the trap fixture is a fallback to the interpreter', async () => {
    const f = fixtures.find((x) => x.name === 'trap');
    if (f === undefined) throw new Error('no trap fixture');
    const limits = limitsWith();
    for (const kind of Object.keys(TRAP_KINDS)) {
      const input = { input: f.input, args: ['trap', kind] };
      const attempt = await native(f.wasm, limits, input);
      expect(attempt, kind).toMatchObject({ ok: false, reason: 'trap' });
    }
    const job = loadJob(f.wasm);
    const input = { input: f.input, args: f.args };
    let fellBack = 0;
    const result = await runNative(job, jobIO(input, limits), limits, () => {
      fellBack++;
      return runInterpreted(job, input, limits);
    });
    expect(fellBack).toBe(1);
    expect(result).toMatchObject({ status: 'trapped', trap: f.expected.trapMessage });
    expect(Buffer.from(result.stdout).equals(Buffer.from(f.expected.stdout))).toBe(true);
  });
});

describe('the LOCALS prologue (docs/machine.md#steps)', () => {
  it('zeroes declared locals LOCALS_PER_STEP per step, counted alike by both engines', async () => {
    // nine declared locals: ceil(9 / 4) = 3 prologue steps, then local.get 8, call proc_exit
    const wasm = jobBytes({
      wasi: ['proc_exit'],
      funcs: [{ type: VOID, locals: Array(9).fill(I32), body: 'local.get 8\ncall 0\nend' }],
    });
    expect(prologueSteps(9)).toBe(3);
    expect(await agreed(wasm)).toMatchObject({ status: 'exited', exitCode: 0, steps: 1 + 3 + 2 });
  });

  it('reference-typed locals start null (null is the zero slot)', async () => {
    const wasm = jobBytes({
      wasi: ['proc_exit'],
      funcs: [{ type: VOID, locals: [FUNCREF, EXTERNREF], body: 'local.get 0\nref.is_null\nlocal.get 1\nref.is_null\ni32.add\ncall 0\nend' }],
    });
    expect(await agreed(wasm)).toMatchObject({ status: 'exited', exitCode: 2 });
  });

  it('stale slots from an earlier call are zeroed for the next one', async () => {
    // f leaves 7 in its local's slot and returns nothing; g's local occupies the same
    // slot and must read 0 (a missing zeroing would exit with 7).
    const wasm = jobBytes({
      wasi: ['proc_exit'],
      funcs: [
        { type: VOID, body: 'call 2\ncall 3\ncall 0\nend' },
        { type: VOID, locals: [I32], body: 'i32.const 7\nlocal.set 0\nend' },
        { type: { params: [], results: [I32] }, locals: [I32], body: 'local.get 0\nend' },
      ],
    });
    expect(await agreed(wasm)).toMatchObject({ status: 'exited', exitCode: 0 });
  });
});
