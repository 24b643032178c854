// Proof sizes per opcode group, collected by the proof tests and printed at the end.

import { afterAll } from 'vitest';
import { GROUP_NAMES, groupOf, StepKind } from '../../vm/proof/step.js';

const sizes = new Map<string, number[]>();

export function recordSize(opcode: number, bytes: number): void {
  const group = opcode === StepKind.halted ? 'halted' : opcode === StepKind.outOfSteps ? 'out-of-steps'
    : GROUP_NAMES[groupOf(opcode)] ?? 'unknown';
  let list = sizes.get(group);
  if (!list) sizes.set(group, (list = []));
  list.push(bytes);
}

export function sizeReport(): string[] {
  const lines: string[] = [];
  for (const [group, list] of [...sizes].sort()) {
    const sorted = [...list].sort((a, b) => a - b);
    lines.push(`${group}: n=${sorted.length} median=${sorted[sorted.length >> 1]} max=${sorted[sorted.length - 1]}`);
  }
  return lines;
}

afterAll(() => {
  if (sizes.size > 0) console.log(`proof sizes (bytes) per opcode group:\n  ${sizeReport().join('\n  ')}`);
});
