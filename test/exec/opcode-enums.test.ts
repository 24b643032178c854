// The interpreter's generated opcode-number block (test/support/opcode-enums.ts) must
// match the opcode tables it is generated from: a stale block would dispatch a row to
// the wrong case.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentBlock, renderOpcodeEnums } from '../support/opcode-enums.js';

const source = readFileSync(new URL('../../vm/exec/interpret.ts', import.meta.url), 'utf8');

describe('vm/exec/interpret.ts opcode numbers', () => {
  it('are the ones generated from vm/syntax/opcodes.ts, vm/exec/code.ts and vm/exec/fuse.ts (node scripts/gen-opcode-enums.mjs)', () => {
    expect(currentBlock(source)).toBe(renderOpcodeEnums(source));
  });

  it('a wrong number would be caught', () => {
    const tampered = source.replace(/local_get = 0x20,/, 'local_get = 0x21,');
    expect(tampered).not.toBe(source);
    expect(currentBlock(tampered)).not.toBe(renderOpcodeEnums(tampered));
  });
});
