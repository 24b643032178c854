// The state accessor over a live job Machine: leaves are encoded from (and decoded into)
// the machine's own arrays, the header is read from its registers before a step and
// written back after it. `MachineStepper.step()` applies the step function to the
// machine; the prover wraps its leaves to record proofs (prove.ts).

import { NO_FUNCTION, type Machine, type Status } from '../exec/interpret.js';
import type { Memory } from '../exec/memory.js';
import { TrapMessage } from '../exec/trap.js';
import { TRAP_CODES } from '../state/commit.js';
import type { ProgramCommitment } from '../state/image.js';
import { StreamChain } from '../state/stream.js';
import {
  NULL_FN, Region, STATUS, StepState, be32, put32, type Leaves, type ProgramInfo, type StepHeader,
} from './access.js';
import { step } from './step.js';

const LEAF = 32;

/** The program constants of a committed job. */
export function programInfo(program: ProgramCommitment): ProgramInfo {
  const h = program.header;
  return {
    maxSteps: Number(h.maxSteps), memoryMaxPages: h.memoryMaxPages, maxStackUnits: h.maxStackUnits,
    maxOutputBytes: h.maxOutputBytes, maxLogBytes: h.maxLogBytes, codeBase: h.codeBase, funcsBase: h.funcsBase,
    typesBase: h.typesBase, segsBase: h.segsBase, tablesBase: h.tablesBase, argsBase: h.argsBase,
    ndata: h.ndata, ntables: h.ntables, argc: h.argc, argsLen: h.argsLen, inputLen: h.inputLen,
  };
}

const TRAP_MESSAGES = new Map(Object.entries(TRAP_CODES).map(([m, c]) => [c, m]));

/** Leaves of a machine's regions, read from and written into its arrays. */
export class MachineLeaves implements Leaves {
  constructor(readonly machine: Machine, readonly program: ProgramCommitment) {}

  private get memory(): Memory | null {
    return this.machine.store.mems[0] ?? null;
  }

  read(region: Region, index: number): Uint8Array {
    const m = this.machine;
    const leaf = new Uint8Array(LEAF);
    switch (region) {
      case Region.STACK: encodeSlots(leaf, m.stack, 8 * index); break;
      case Region.GLOBALS: encodeSlots(leaf, m.store.globals, 8 * index); break;
      case Region.FRAMES: for (let q = 0; q < 8; q++) put32(leaf, 4 * q, m.frames[8 * index + q] ?? 0); break;
      case Region.TABLES: for (let q = 0; q < 8; q++) put32(leaf, 4 * q, this.tableEntry(8 * index + q)); break;
      case Region.SIZES: for (let q = 0; q < 8; q++) put32(leaf, 4 * q, this.size(8 * index + q)); break;
      case Region.MEMORY: copyOut(leaf, this.memory?.bytes ?? new Uint8Array(0), LEAF * index); break;
      case Region.PROGRAM: copyOut(leaf, this.program.image, LEAF * index); break;
      case Region.INPUT: copyOut(leaf, m.host!.io.input, LEAF * index); break;
    }
    return leaf;
  }

  write(region: Region, index: number, leaf: Uint8Array): void {
    const m = this.machine;
    switch (region) {
      case Region.STACK: decodeSlots(leaf, m.stack, 8 * index); break;
      case Region.GLOBALS: decodeSlots(leaf, m.store.globals, 8 * index); break;
      case Region.FRAMES: for (let q = 0; q < 8; q++) m.frames[8 * index + q] = be32(leaf, 4 * q); break;
      case Region.TABLES: for (let q = 0; q < 8; q++) this.setTableEntry(8 * index + q, be32(leaf, 4 * q)); break;
      case Region.SIZES: for (let q = 0; q < 8; q++) this.setSize(8 * index + q, be32(leaf, 4 * q) >>> 0); break;
      case Region.MEMORY: {
        const bytes = this.memory?.bytes;
        if (!bytes || LEAF * index + LEAF > bytes.length) throw new Error(`internal: memory leaf ${index} outside memory`);
        bytes.set(leaf, LEAF * index);
        break;
      }
      default: throw new Error(`internal: region ${region} is immutable`);
    }
  }

  appended(stream: 0 | 1, bytes: Uint8Array): void {
    const host = this.machine.host!;
    (stream === 0 ? host.stdout : host.stderr).append(bytes, 0, bytes.length);
  }

  /** Table t and index i of TABLES entry e, or null in padding. */
  private locate(e: number): [number, number] | null {
    const { bases, capacities } = this.program.tables;
    for (let t = 0; t < bases.length; t++) if (e >= bases[t] && e < bases[t] + capacities[t]) return [t, e - bases[t]];
    return null;
  }

  private tableEntry(e: number): number {
    const at = this.locate(e);
    if (at === null) return 0;
    // Entries past the size are zero unless this step is growing the table (it writes
    // the entries before the new size).
    return this.machine.store.tables[at[0]].elems[at[1]] ?? 0;
  }

  private setTableEntry(e: number, v: number): void {
    const at = this.locate(e);
    if (at === null) {
      if (v !== 0) throw new Error(`internal: write of TABLES entry ${e} outside every table`);
      return;
    }
    const table = this.machine.store.tables[at[0]];
    if (at[1] >= table.elems.length) {
      if (v === 0) return;
      reserve(table, at[1] + 1);
    }
    table.elems[at[1]] = v;
  }

  private size(k: number): number {
    const { tables, datas, elems } = this.machine.store;
    if (k < tables.length) return tables[k].size;
    k -= tables.length;
    if (k < datas.length) return datas[k].length;
    k -= datas.length;
    return k < elems.length ? elems[k].length : 0;
  }

  private setSize(k: number, v: number): void {
    if (this.size(k) === v) return;
    const { tables, datas, elems } = this.machine.store;
    if (k < tables.length) {
      reserve(tables[k], v);
      tables[k].size = v;
      return;
    }
    k -= tables.length;
    if (v !== 0) throw new Error(`internal: segment length ${k} can only drop to 0`);
    if (k < datas.length) datas[k] = new Uint8Array(0);
    else elems[k - datas.length] = new Int32Array(0);
  }
}

function reserve(table: { elems: Int32Array }, n: number): void {
  if (n <= table.elems.length) return;
  let capacity = Math.max(4, table.elems.length);
  while (capacity < n) capacity *= 2;
  const next = new Int32Array(capacity);
  next.set(table.elems);
  table.elems = next;
}

function encodeSlots(leaf: Uint8Array, words: Int32Array, at: number): void {
  for (let q = 0; q < 4; q++) {
    put32(leaf, 8 * q, words[at + 2 * q + 1] ?? 0);
    put32(leaf, 8 * q + 4, words[at + 2 * q] ?? 0);
  }
}

function decodeSlots(leaf: Uint8Array, words: Int32Array, at: number): void {
  for (let q = 0; q < 4; q++) {
    words[at + 2 * q + 1] = be32(leaf, 8 * q);
    words[at + 2 * q] = be32(leaf, 8 * q + 4);
  }
}

function copyOut(leaf: Uint8Array, bytes: Uint8Array, at: number): void {
  if (at < bytes.length) leaf.set(bytes.subarray(at, Math.min(at + LEAF, bytes.length)));
}

const STATUS_OF: Record<number, Status> = { 0: 'running', 1: 'exited', 2: 'trapped', 3: 'out-of-steps' };

/** Follows a machine's stdout / stderr with hash chains (the header's stream fields). */
class ChainFollower {
  private chain = new StreamChain();
  constructor(private readonly log: { length: number; bytes(): Uint8Array }) {}

  state(): { len: number; acc: Uint8Array; pending: Uint8Array } {
    const n = this.log.length;
    if (n < this.chain.length) this.chain = new StreamChain();
    if (n > this.chain.length) this.chain.append(this.log.bytes(), this.chain.length, n);
    return { len: this.chain.length, acc: this.chain.acc(), pending: this.chain.pending() };
  }
}

/** Applies the step function to a job machine, one transition per call. */
export class MachineStepper {
  readonly info: ProgramInfo;
  private readonly out: ChainFollower;
  private readonly log: ChainFollower;

  constructor(readonly machine: Machine, readonly program: ProgramCommitment) {
    this.info = programInfo(program);
    this.out = new ChainFollower(machine.host!.stdout);
    this.log = new ChainFollower(machine.host!.stderr);
  }

  /** The machine's registers as a step header. */
  header(): StepHeader {
    const m = this.machine;
    const host = m.host!;
    let status: number = STATUS.running;
    if (m.status === 'exited') status = STATUS.exited;
    else if (m.status === 'trapped') status = STATUS.trapped;
    else if (m.status === 'out-of-steps' && m.steps >= this.info.maxSteps) status = STATUS.outOfSteps;
    else if (m.status === 'returned') throw new Error('not a job machine: it returned to a host trampoline');
    return {
      status,
      trapCode: status === STATUS.trapped ? TRAP_CODES[m.trapMessage ?? ''] ?? 0 : 0,
      exitCode: status === STATUS.exited ? m.exitCode ?? 0 : 0,
      steps: m.steps,
      pc: m.pc >>> 0, sp: m.sp, fp: m.fp, fsp: m.fsp,
      fn: m.fn === NO_FUNCTION ? NULL_FN : m.fn,
      units: m.units,
      memPages: m.store.mems[0]?.pages ?? 0,
      inputPos: host.inputPos,
      regs: Array.from(m.regs, (r) => r >>> 0),
      out: this.out.state(),
      log: this.log.state(),
    };
  }

  /** Writes a step header back into the machine (streams were appended as the step ran). */
  apply(h: StepHeader): void {
    const m = this.machine;
    const host = m.host!;
    m.status = STATUS_OF[h.status];
    m.trapMessage = h.status === STATUS.trapped ? TRAP_MESSAGES.get(h.trapCode) ?? TrapMessage.unreachable : null;
    m.exitCode = h.status === STATUS.exited ? h.exitCode : null;
    m.steps = h.steps;
    m.pc = h.pc;
    m.sp = h.sp;
    m.fp = h.fp;
    m.fsp = h.fsp;
    m.fn = h.fn === NULL_FN ? NO_FUNCTION : h.fn;
    m.units = h.units;
    const mem = m.store.mems[0];
    if (mem) {
      if (h.memPages > mem.pages) mem.grow(h.memPages - mem.pages);
      if (m.fn !== NO_FUNCTION) m.mem = mem;
    }
    // Snapshot high-water marks (interpret.ts enter()): the frame's slots end below fp + units - 1.
    if (m.fsp > 0 && m.fp + m.frames[(m.fsp - 1) * 4 + 3] - 1 > m.maxSp) m.maxSp = m.fp + m.frames[(m.fsp - 1) * 4 + 3] - 1;
    if (m.sp > m.maxSp) m.maxSp = m.sp;
    if (m.fsp > m.maxFsp) m.maxFsp = m.fsp;
    host.inputPos = h.inputPos;
    for (let k = 0; k < 4; k++) m.regs[k] = h.regs[k];
  }

  /** One transition through `leaves` (default: the machine's own). Returns what step() returns. */
  step(leaves: Leaves = new MachineLeaves(this.machine, this.program)): { op: number; header: StepHeader } {
    const header = this.header();
    const op = step(new StepState(header, this.info, leaves));
    this.apply(header);
    return { op, header };
  }
}
