// Rewrites the generated opcode-number block of vm/exec/interpret.ts (see
// test/support/opcode-enums.ts). Run after `npm run build`.
import { readFileSync, writeFileSync } from 'node:fs';
import { regenerate } from '../dist/test/support/opcode-enums.js';

const path = new URL('../vm/exec/interpret.ts', import.meta.url);
const source = readFileSync(path, 'utf8');
const next = regenerate(source);
if (next === source) console.log('vm/exec/interpret.ts: opcode numbers up to date');
else {
  writeFileSync(path, next);
  console.log('vm/exec/interpret.ts: opcode numbers rewritten');
}
