// Host-driven invocation of an exported function (spec 4.5.5), used by the spec-test
// runner and by tests: arguments are pushed, a two-row trampoline `call f; HALT` runs,
// and the results are popped. Jobs do not use this: they start from their bootstrap.

import { Op } from '../syntax/opcodes.js';
import { IOp } from './code.js';
import { Machine, NO_FUNCTION, type Status } from './interpret.js';
import { refToMachine, wordsToBits, bitsToWords } from './store.js';
import { isRefType } from '../syntax/types.js';
import { Trap } from './trap.js';

const trampolines = new WeakMap<Machine, Map<number, number>>();

function trampoline(machine: Machine, addr: number): number {
  let cache = trampolines.get(machine);
  if (!cache) trampolines.set(machine, (cache = new Map()));
  let pc = cache.get(addr);
  if (pc === undefined) {
    const code = machine.store.code;
    pc = code.emit(machine.store.funcs[addr].kind === 'wasm' ? Op.call : IOp.HOST_CALL, addr);
    code.emit(IOp.HALT);
    cache.set(addr, pc);
  }
  return pc;
}

/**
 * Calls function `addr` with `args` (64-bit patterns; references as 32-bit values with
 * null = 0xFFFFFFFF, converted to and from the machine's encoding here)
 * and returns its results. Throws Trap; the machine is reset for the next call either way.
 * With `slice`, the machine pauses every `slice` steps and resumes (same result).
 */
export function invoke(machine: Machine, addr: number, args: bigint[], slice?: number): bigint[] {
  const f = machine.store.funcs[addr];
  machine.pc = trampoline(machine, addr);
  machine.sp = 0;
  machine.fp = 0;
  machine.fsp = 0;
  machine.fn = NO_FUNCTION;
  machine.units = 0;
  machine.status = 'running';
  machine.trapMessage = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [lo, hi] = isRefType(f.type.params[i]) ? [refToMachine(a), 0] : bitsToWords(a);
    machine.stack[machine.sp * 2] = lo;
    machine.stack[machine.sp * 2 + 1] = hi;
    machine.sp++;
  }
  if (slice === undefined) machine.run();
  else runSliced(machine, slice);
  const status = machine.status as Status; // run() changed it; TS keeps the narrowing above
  machine.status = 'running';
  if (status === 'trapped') throw new Trap(machine.trapMessage ?? 'trap');
  if (status !== 'returned') throw new Error(`internal: invocation ended ${status}`);
  return f.type.results.map((t, i) => wordsToBits(machine.stack[i * 2], machine.stack[i * 2 + 1], t));
}

function runSliced(machine: Machine, slice: number): void {
  const maxSteps = machine.maxSteps;
  for (;;) {
    machine.maxSteps = Math.min(maxSteps, machine.steps + slice);
    machine.run();
    if ((machine.status as Status) !== 'out-of-steps' || machine.maxSteps === maxSteps) break;
    machine.status = 'running';
  }
  machine.maxSteps = maxSteps;
}
