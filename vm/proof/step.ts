// THE step function of the one-step proof system (docs/machine-state.md#transitions):
// one transition of the machine against an abstract state accessor. A halted state maps
// to itself; a running state at maxSteps becomes out-of-steps; otherwise exactly one row
// or one micro-step executes, with the interpreter's semantics (vm/exec/interpret.ts),
// and steps += 1. So a run still going is running at trace index maxSteps and
// out-of-steps from maxSteps + 1 on (docs/machine-state.md#transitions-and-halted-states). A trap leaves pc on the trapping row, keeps whatever the row popped
// before trapping (as the interpreter does) and sets status trapped + trapCode.
//
// The opcode groups (vm/proof/ops/) follow the interpreter's grouping and order:
// control, parametric + variables, memory, constants + numeric, tables + references,
// host calls. The Solidity verifier mirrors them group by group.

import { Trap } from '../exec/trap.js';
import { TRAP_CODES } from '../state/commit.js';
import { STATUS, type StepState } from './access.js';
import type { Row } from './ops/common.js';
import { CONTROL_OPS, execControl } from './ops/control.js';
import { execMemory, MEMORY_OPS } from './ops/memory.js';
import { execNumeric, NUMERIC_OPS } from './ops/numeric.js';
import { execTable, TABLE_OPS } from './ops/table.js';
import { execVariable, VARIABLE_OPS } from './ops/variables.js';
import { execWasi, WASI_OPS } from './ops/wasi.js';

export const OpGroup = {
  control: 1,
  variable: 2,
  memory: 3,
  numeric: 4,
  table: 5,
  wasi: 6,
} as const;
export type OpGroup = (typeof OpGroup)[keyof typeof OpGroup];

export const GROUP_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'control', 2: 'variable', 3: 'memory', 4: 'numeric', 5: 'table', 6: 'wasi',
});

const GROUP_OF = new Uint8Array(256);
for (const [ops, group] of [
  [CONTROL_OPS, OpGroup.control], [VARIABLE_OPS, OpGroup.variable], [MEMORY_OPS, OpGroup.memory],
  [NUMERIC_OPS, OpGroup.numeric], [TABLE_OPS, OpGroup.table], [WASI_OPS, OpGroup.wasi],
] as const) {
  for (const op of ops) {
    if (GROUP_OF[op] !== 0) throw new Error(`internal: opcode 0x${op.toString(16)} in two groups`);
    GROUP_OF[op] = group;
  }
}

/** The group of a row opcode, 0 if no group executes it. */
export function groupOf(op: number): number {
  return op >= 0 && op < 256 ? GROUP_OF[op] : 0;
}

/** What a transition did. */
export const StepKind = { halted: -1, outOfSteps: -2 } as const;

/** Thrown for a state no valid run reaches (a pc on a data row, an unknown opcode). */
export class StepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepError';
  }
}

/**
 * Executes one transition on `st`. Returns the row opcode executed, or StepKind.halted /
 * StepKind.outOfSteps when no row executed.
 */
export function step(st: StepState): number {
  const h = st.h;
  if (h.status !== STATUS.running) return StepKind.halted;
  if (h.steps >= st.p.maxSteps) {
    h.status = STATUS.outOfSteps;
    return StepKind.outOfSteps;
  }
  h.steps++;
  const row = st.readRow(h.pc);
  try {
    execRow(st, row);
  } catch (e) {
    if (!(e instanceof Trap)) throw e;
    const code = TRAP_CODES[e.message];
    if (code === undefined) throw new Error(`internal: trap without a trap code: ${e.message}`);
    h.status = STATUS.trapped;
    h.trapCode = code;
  }
  return row[0];
}

function execRow(st: StepState, row: Row): void {
  switch (groupOf(row[0])) {
    case OpGroup.control: return execControl(st, row);
    case OpGroup.variable: return execVariable(st, row);
    case OpGroup.memory: return execMemory(st, row);
    case OpGroup.numeric: return execNumeric(st, row);
    case OpGroup.table: return execTable(st, row);
    case OpGroup.wasi: return execWasi(st, row);
    default: throw new StepError(`no machine instruction 0x${(row[0] >>> 0).toString(16)} at pc ${st.h.pc}`);
  }
}
