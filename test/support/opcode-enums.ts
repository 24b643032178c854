// The generated `const enum` block of vm/exec/interpret.ts: the opcode numbers its cases
// use, as literals. V8 compiles a switch whose case labels are all integer literals to a
// jump table, and one over property loads (`case Op.local_get`) to a chain of
// comparisons; tsc and esbuild (vitest) both inline a const enum declared in the same
// file. The numbers themselves come from vm/syntax/opcodes.ts, vm/exec/code.ts and
// vm/exec/fuse.ts; `node scripts/gen-opcode-enums.mjs` rewrites the block and
// test/exec/opcode-enums.test.ts fails when it is stale.

import { IOp } from '../../vm/exec/code.js';
import { fusedOpcodes } from '../../vm/exec/fuse.js';
import { Op } from '../../vm/syntax/opcodes.js';

export const BLOCK_START = '// ---- opcode numbers (generated: node scripts/gen-opcode-enums.mjs) ----';
export const BLOCK_END = '// ---- end of opcode numbers ----';

/** The block for `source` (interpret.ts): each enum lists exactly the members used. */
export function renderOpcodeEnums(source: string): string {
  const body = withoutBlock(source);
  const enumOf = (name: string, table: Record<string, number>): string => {
    const used = [...new Set([...body.matchAll(new RegExp(`\\b${name}\\.(\\w+)`, 'g'))].map((m) => m[1]))];
    const members = used
      .map((member) => {
        const value = table[member];
        if (value === undefined) throw new Error(`opcode-enums: ${name}.${member} is not an opcode`);
        return [member, value] as const;
      })
      .sort((a, b) => a[1] - b[1])
      .map(([member, value]) => `${member} = 0x${value.toString(16)},`);
    const lines: string[] = [];
    for (let i = 0; i < members.length; i += 5) lines.push('  ' + members.slice(i, i + 5).join(' '));
    return `const enum ${name} {\n${lines.join('\n')}\n}`;
  };
  return [
    BLOCK_START,
    '// Literal case labels: see test/support/opcode-enums.ts. Do not edit by hand.',
    enumOf('Op', Op),
    enumOf('IOp', IOp),
    enumOf('F', Object.fromEntries(fusedOpcodes())),
    BLOCK_END,
  ].join('\n');
}

/** `source` with its block replaced by a freshly rendered one. */
export function regenerate(source: string): string {
  const [before, after] = split(source);
  return before + renderOpcodeEnums(source) + after;
}

/** The block currently in `source`. */
export function currentBlock(source: string): string {
  const [before, after] = split(source);
  return source.slice(before.length, source.length - after.length);
}

function withoutBlock(source: string): string {
  const [before, after] = split(source);
  return before + after;
}

function split(source: string): [string, string] {
  const start = source.indexOf(BLOCK_START);
  const end = source.indexOf(BLOCK_END);
  if (start < 0 || end < start) throw new Error('opcode-enums: no generated block in the source');
  return [source.slice(0, start), source.slice(end + BLOCK_END.length)];
}
