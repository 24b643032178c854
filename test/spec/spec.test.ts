// The official WebAssembly spec suite on the interpreter (through test/spec/harness.ts,
// the runner behind `npm run spec`), and checks that the harness itself can fail.

import { describe, expect, it } from 'vitest';
import {
  defaultSpecDir, interpreterEngine, listScripts, runCommands, runSuite,
  type ScriptCommand, type ScriptResult,
} from './harness.js';

const SPEC_DIR = defaultSpecDir();

/** Every assert_* command of the 90 scripts except the 567 text-format assert_malformed. */
const BINARY_ASSERTIONS = 26_058;
const TEXT_ASSERTIONS = 567;

describe('spec suite', () => {
  it('passes every binary-relevant assertion on the interpreter', () => {
    const scripts = listScripts(SPEC_DIR);
    expect(scripts).toHaveLength(90);
    const suite = runSuite(interpreterEngine, scripts);
    const failures = suite.scripts.flatMap((s) => s.failures.map((f) => `${s.name}.wast:${f.line}: ${f.command}: ${f.reason}`));
    expect(failures).toEqual([]);
    expect(suite.failed).toBe(0);
    expect(suite.passed).toBe(BINARY_ASSERTIONS);
    expect(suite.skippedText).toBe(TEXT_ASSERTIONS);
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

function run(commands: ScriptCommand[]): ScriptResult {
  return runCommands(interpreterEngine, SPEC_DIR, 'probe', commands);
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
