// Limits that belong to the machine definition and to each job (docs/machine.md#limits).

export interface MachineLimits {
  /** The run ends with status `out-of-steps` after this many steps. */
  maxSteps: number;
  /** `memory.grow` beyond this many 64 KiB pages returns -1. */
  maxMemoryPages: number;
  /** Call-stack budget in stack units (see frameUnits). */
  maxStackUnits: number;
  /** stdout beyond this traps. */
  maxOutputBytes: number;
  /** stderr beyond this traps. */
  maxLogBytes: number;
}

export const DEFAULT_LIMITS: Readonly<MachineLimits> = Object.freeze({
  maxSteps: 10_000_000_000,
  maxMemoryPages: 4096,
  maxStackUnits: 262_144,
  maxOutputBytes: 16 * 1024 * 1024,
  maxLogBytes: 1024 * 1024,
});

/**
 * Stack units one frame of a function costs: the frame itself, its params and locals,
 * and the most operand slots its body can hold at once (from validation).
 * The same static number in every engine makes call-stack exhaustion deterministic.
 */
export function frameUnits(params: number, locals: number, maxOperandHeight: number): number {
  return 1 + params + locals + maxOperandHeight;
}

export const PAGE_SIZE = 65536;
/** Aligned block of linear memory that bulk operations write per micro-step. */
export const LEAF_SIZE = 32;

/** Declared locals a function's LOCALS prologue row zeroes per micro-step. */
export const LOCALS_PER_STEP = 4;

/** Steps of a function's LOCALS prologue: 0 without declared locals. */
export function prologueSteps(locals: number): number {
  return Math.ceil(locals / LOCALS_PER_STEP);
}
