// The official WebAssembly spec suite on the interpreter and on the native engine
// (through test/spec/harness.ts, the runner behind `npm run spec`), the two engines
// compared with each other, and checks that the harness itself can fail.

import { describe, expect, it } from 'vitest';
import { differentialEngine } from './differential.js';
import {
  defaultSpecDir, interpreterEngine, listScripts, runCommands, runSuite,
  type ScriptCommand, type ScriptResult, type SpecEngine, type SuiteResult,
} from './harness.js';
import { nativeEngine } from './native-engine.js';

const SPEC_DIR = defaultSpecDir();

/** Every assert_* command of the 90 scripts except the 567 text-format assert_malformed. */
const BINARY_ASSERTIONS = 26_058;
const TEXT_ASSERTIONS = 567;
/** Of those, the assert_return / assert_trap / assert_uninstantiable / assert_unlinkable. */
const NATIVE_ASSERTIONS = 23_832;
/** assert_malformed, assert_invalid (no engine runs code) and assert_exhaustion. */
const NOT_NATIVE = 2_226;
/**
 * Traps V8 words alike for several of ours, matched by kind family: "null function or
 * function signature mismatch" (uninitialized element / indirect call type mismatch),
 * "float unrepresentable in integer range" (invalid conversion / integer overflow),
 * "table index is out of bounds" (undefined element / out of bounds table access).
 */
const NATIVE_LOOSE_TRAPS = 1_952;

function failuresOf(suite: SuiteResult): string[] {
  return suite.scripts.flatMap((s) => s.failures.map((f) => `${s.name}.wast:${f.line}: ${f.command}: ${f.reason}`));
}

describe('spec suite', () => {
  it('passes every binary-relevant assertion on the interpreter', () => {
    const scripts = listScripts(SPEC_DIR);
    expect(scripts).toHaveLength(90);
    const suite = runSuite(interpreterEngine, scripts);
    expect(failuresOf(suite)).toEqual([]);
    expect(suite.failed).toBe(0);
    expect(suite.passed).toBe(BINARY_ASSERTIONS);
    expect(suite.skippedText).toBe(TEXT_ASSERTIONS);
  });

  it('passes every assert_return and assert_trap on the native engine', () => {
    const suite = runSuite(nativeEngine, listScripts(SPEC_DIR));
    expect(failuresOf(suite)).toEqual([]);
    expect(suite.failed).toBe(0);
    expect(suite.passed).toBeGreaterThan(20_000);
    expect(suite.passed).toBe(NATIVE_ASSERTIONS);
    expect(suite.skippedEngine).toBe(NOT_NATIVE);
    expect(suite.looseTraps).toBe(NATIVE_LOOSE_TRAPS);
  });

  it('gets the same bits and traps from both engines on every command', () => {
    const suite = runSuite(differentialEngine(interpreterEngine, nativeEngine), listScripts(SPEC_DIR));
    expect(failuresOf(suite)).toEqual([]);
    expect(suite.passed).toBe(NATIVE_ASSERTIONS);
  });
});

// f32_bitwise.0.wasm exports abs, neg, copysign (bit-level: NaN payloads pass through).
const f32Module: ScriptCommand = { type: 'module', line: 1, filename: 'f32_bitwise.0.wasm' };

function f32Call(field: string, argBits: number, expected: string | undefined, line = 2): ScriptCommand {
  return {
    type: 'assert_return', line,
    action: { type: 'invoke', field, args: [{ type: 'f32', value: String(argBits) }] },
    expected: [{ type: 'f32', value: expected }],
  };
}

function run(commands: ScriptCommand[], engine: SpecEngine<unknown> = interpreterEngine as SpecEngine<unknown>): ScriptResult {
  return runCommands(engine, SPEC_DIR, 'probe', commands);
}

function f32Add(a: number, b: number, expected: string, line: number): ScriptCommand {
  const arg = (bits: number) => ({ type: 'f32', value: String(bits) });
  return {
    type: 'assert_return', line,
    action: { type: 'invoke', field: 'add', args: [arg(a), arg(b)] },
    expected: [{ type: 'f32', value: expected }],
  };
}

describe('harness', () => {
  it('compares results bit for bit', () => {
    const ok = run([f32Module, f32Call('neg', 0x3f800000, String(0xbf800000))]);
    expect([ok.passed, ok.failed]).toEqual([1, 0]);
    const wrong = run([f32Module, f32Call('neg', 0x3f800000, String(0xbf800001), 7)]);
    expect([wrong.passed, wrong.failed]).toEqual([0, 1]);
    expect(wrong.failures[0]).toMatchObject({ line: 7, command: 'assert_return' });
    expect(wrong.failures[0].reason).toContain('f32:0xbf800000');
  });

  it('tells canonical from arithmetic NaNs', () => {
    const canonical = 0x7fc00000;
    const negCanonical = 0xffc00000;
    const payload = 0x7fc00001; // quiet, with a payload: arithmetic, not canonical
    const signaling = 0x7fa00000; // quiet bit clear: neither
    const r = run([
      f32Module,
      f32Call('abs', canonical, 'nan:canonical'),
      f32Call('neg', canonical, 'nan:canonical'), // -> 0xffc00000: the sign does not matter
      f32Call('abs', negCanonical, 'nan:arithmetic'),
      f32Call('abs', payload, 'nan:arithmetic'),
      f32Call('abs', payload, 'nan:canonical', 10),
      f32Call('abs', signaling, 'nan:arithmetic', 11),
      f32Call('abs', signaling, 'nan:canonical', 12),
    ]);
    expect(r.passed).toBe(4);
    expect(r.failures.map((f) => f.line)).toEqual([10, 11, 12]);
  });

  it('needs the trap message to start with the expected text', () => {
    const divide = (text: string, line: number): ScriptCommand => ({
      type: 'assert_trap', line, text,
      action: { type: 'invoke', field: 'div_s', args: [{ type: 'i32', value: '1' }, { type: 'i32', value: '0' }] },
      expected: [{ type: 'i32' }],
    });
    const r = run([
      { type: 'module', line: 1, filename: 'i32.0.wasm' },
      divide('integer divide by zero', 2),
      divide('integer divide', 3),
      divide('integer overflow', 4),
      divide('integer divide by zero 1', 5), // operands are ignored only in element traps
    ]);
    expect(r.passed).toBe(2);
    expect(r.failures.map((f) => f.line)).toEqual([4, 5]);
  });

  it('checks the kind of a rejected module', () => {
    const r = run([
      // binary.4.wasm is malformed ("unexpected end"), select.1.wasm decodes but is invalid.
      { type: 'assert_malformed', line: 1, filename: 'binary.4.wasm', text: 'unexpected end', module_type: 'binary' },
      { type: 'assert_invalid', line: 2, filename: 'select.1.wasm', text: 'type mismatch', module_type: 'binary' },
      { type: 'assert_invalid', line: 3, filename: 'binary.4.wasm', text: 'type mismatch', module_type: 'binary' },
      { type: 'assert_malformed', line: 4, filename: 'select.1.wasm', text: 'type mismatch', module_type: 'binary' },
      { type: 'assert_invalid', line: 5, filename: 'f32_bitwise.0.wasm', text: 'type mismatch', module_type: 'binary' },
      { type: 'assert_malformed', line: 6, filename: 'address.1.wat', text: 'unknown operator', module_type: 'text' },
    ]);
    expect(r.passed).toBe(2);
    expect(r.skippedText).toBe(1);
    expect(r.failures.map((f) => f.line)).toEqual([3, 4, 5]);
    expect(r.failures[2].reason).toMatch(/^module was accepted/);
  });

  it('fails a module that does not instantiate, and what depends on it', () => {
    const r = run([
      { type: 'module', line: 1, filename: 'select.1.wasm' },
      f32Call('abs', 0, '0', 2),
    ]);
    expect(r.passed).toBe(0);
    expect(r.failures.map((f) => [f.line, f.command])).toEqual([[1, 'module'], [2, 'assert_return']]);
    expect(r.failures[1].reason).toBe('no current module');
  });

  it('checks argument types and export names', () => {
    const r = run([
      f32Module,
      { type: 'assert_return', line: 2, action: { type: 'invoke', field: 'abs', args: [{ type: 'i32', value: '0' }] }, expected: [{ type: 'f32', value: '0' }] },
      { type: 'assert_return', line: 3, action: { type: 'invoke', field: 'nope', args: [] }, expected: [] },
    ]);
    expect(r.failures.map((f) => f.line)).toEqual([2, 3]);
    expect(r.failures[0].reason).toMatch(/^wrong number or types of arguments/);
    expect(r.failures[1].reason).toBe('unknown export "nope"');
  });
});

describe('native engine', () => {
  const native = nativeEngine as SpecEngine<unknown>;

  it('passes float bits through exactly and follows the NaN rule', () => {
    const signaling = 0x7fa00001;
    const r = run([
      f32Module,
      f32Call('abs', signaling, String(signaling), 2), // a JS number would not keep these bits
      f32Call('neg', 0x3f800000, String(0xbf800000), 3),
      f32Call('neg', 0x3f800000, String(0xbf800001), 4),
      { type: 'module', line: 5, filename: 'f32.0.wasm' },
      // -0 + (negative signaling NaN): V8 alone gives 0xffe00000, the NaN rule 0x7fc00000.
      f32Add(0x80000000, 0xffa00000, String(0x7fc00000), 6),
      f32Add(0x80000000, 0xffa00000, String(0xffe00000), 7),
    ], native);
    expect(r.passed).toBe(3);
    expect(r.failures.map((f) => f.line)).toEqual([4, 7]);
    expect(r.failures[0].reason).toContain('f32:0xbf800000');
  });

  it('matches a trap V8 cannot name exactly by kind family, and counts it', () => {
    const trunc = (text: string, line: number): ScriptCommand => ({
      type: 'assert_trap', line, text,
      action: { type: 'invoke', field: 'i32.trunc_f32_s', args: [{ type: 'f32', value: String(0x7fc00000) }] },
      expected: [{ type: 'i32' }],
    });
    const divide: ScriptCommand = {
      type: 'assert_trap', line: 5, text: 'integer divide by zero',
      action: { type: 'invoke', field: 'div_s', args: [{ type: 'i32', value: '1' }, { type: 'i32', value: '0' }] },
      expected: [{ type: 'i32' }],
    };
    const r = run([
      { type: 'module', line: 1, filename: 'conversions.0.wasm' },
      trunc('invalid conversion to integer', 2),
      trunc('integer overflow', 3), // V8 words both alike
      trunc('integer divide by zero', 4),
      { type: 'module', line: 5, filename: 'i32.0.wasm' },
      divide, // named exactly: not loose
    ], native);
    expect(r.passed).toBe(3);
    expect(r.looseTraps).toBe(2);
    expect(r.failures.map((f) => f.line)).toEqual([4]);
  });

  it('is not scored on assertions it does not run', () => {
    const r = run([
      { type: 'assert_malformed', line: 1, filename: 'binary.4.wasm', text: 'unexpected end', module_type: 'binary' },
      { type: 'assert_invalid', line: 2, filename: 'select.1.wasm', text: 'type mismatch', module_type: 'binary' },
    ], native);
    expect([r.passed, r.failed, r.skippedEngine]).toEqual([0, 0, 2]);
  });

  it('is reported when it disagrees with the interpreter', () => {
    // An engine one bit off: every result differs, though each still looks like a value.
    const offByOne: SpecEngine<unknown> = {
      name: 'off-by-one',
      newSession: () => {
        const inner = interpreterEngine.newSession();
        return {
          instantiate: (bytes, m, info) => inner.instantiate(bytes, m, info),
          register: (name, inst) => inner.register(name, inst as never),
          invoke: (inst, field, args) => inner.invoke(inst as never, field, args).map((v) => ({ ...v, bits: v.bits ^ 1n })),
          getGlobal: (inst, field) => inner.getGlobal(inst as never, field),
        };
      },
    };
    const r = run([f32Module, f32Call('abs', 0x7fc00000, 'nan:arithmetic', 2)], differentialEngine(interpreterEngine, offByOne) as SpecEngine<unknown>);
    expect(r.failures.map((f) => f.line)).toEqual([2]);
    expect(r.failures[0].reason).toMatch(/^engines disagree: \(f32:0x7fc00000\) vs \(f32:0x7fc00001\)/);
  });
});
