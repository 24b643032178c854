// The state hash of a job machine (docs/machine-state.md#the-state-hash): the header
// (registers, host state, stream commitments and the roots of the mutable regions)
// hashed with the program hash. A StateCommitter follows one machine through its run
// and hashes it incrementally: each region diffs the machine's arrays against what it
// committed last and rehashes only the leaves that changed; stdout and stderr feed their
// hash chains only the bytes appended since.

import { FRAME_WIDTH, type Machine } from '../exec/interpret.js';
import { DEFAULT_LIMITS, type MachineLimits } from '../exec/limits.js';
import { TrapMessage } from '../exec/trap.js';
import { createJobMachine, loadJob, type JobInput } from '../job.js';
import type { ByteLog } from '../host/byte-log.js';
import { commitProgram, jobMemory, sizesCount, type ProgramCommitment } from './image.js';
import { keccak256 } from './keccak.js';
import { RegionTree } from './merkle.js';
import { WordRegion } from './regions.js';
import { StreamChain, streamDigest, toHex } from './stream.js';

export { outputDigest } from './stream.js';

/** Status codes of the header. */
export const STATUS_CODES = { running: 0, exited: 1, trapped: 2, 'out-of-steps': 3 } as const;
export type JobStatus = keyof typeof STATUS_CODES;
const STATUS_NAMES = Object.keys(STATUS_CODES) as JobStatus[];

/** Trap codes of the header: 0 is no trap. */
export const TRAP_CODES: Readonly<Record<string, number>> = Object.freeze({
  [TrapMessage.unreachable]: 1,
  [TrapMessage.divideByZero]: 2,
  [TrapMessage.integerOverflow]: 3,
  [TrapMessage.invalidConversion]: 4,
  [TrapMessage.memoryOutOfBounds]: 5,
  [TrapMessage.tableOutOfBounds]: 6,
  [TrapMessage.undefinedElement]: 7,
  [TrapMessage.uninitializedElement]: 8,
  [TrapMessage.indirectCallTypeMismatch]: 9,
  [TrapMessage.callStackExhausted]: 10,
  [TrapMessage.outputLimit]: 11,
  [TrapMessage.logLimit]: 12,
});
const TRAP_MESSAGES = new Map(Object.entries(TRAP_CODES).map(([message, code]) => [code, message]));

/** A stream's commitment: length, chain over complete 32-byte blocks, pending block. */
export interface StreamCommitment {
  len: number;
  acc: Uint8Array;
  pending: Uint8Array;
}

/** The decoded state header (integers as committed: u32 registers, signed exit code). */
export interface StateHeader {
  programHash: Uint8Array;
  status: number;
  trapCode: number;
  exitCode: number;
  steps: bigint;
  pc: number;
  sp: number;
  fp: number;
  fsp: number;
  /** 0xFFFFFFFF in bootstrap code. */
  fn: number;
  units: number;
  memPages: number;
  inputPos: number;
  regs: [number, number, number, number];
  out: StreamCommitment;
  log: StreamCommitment;
  stackRoot: Uint8Array;
  framesRoot: Uint8Array;
  globalsRoot: Uint8Array;
  memoryRoot: Uint8Array;
  tablesRoot: Uint8Array;
  sizesRoot: Uint8Array;
}

const REGISTERS = ['pc', 'sp', 'fp', 'fsp', 'fn', 'units', 'memPages', 'inputPos'] as const;
const ROOTS = ['stackRoot', 'framesRoot', 'globalsRoot', 'memoryRoot', 'tablesRoot', 'sizesRoot'] as const;

/** programHash, status, trapCode, exitCode, steps, 8 u32, 4 regs, 2 streams, 6 roots. */
export const HEADER_BYTES = 32 + 1 + 1 + 4 + 8 + 8 * 4 + 4 * 4 + 2 * (4 + 32 + 32) + 6 * 32;

export function encodeHeader(h: StateHeader): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  const put32 = (bytes: Uint8Array, at: number, what: string): void => {
    if (bytes.length !== 32) throw new Error(`${what} must be 32 bytes, got ${bytes.length}`);
    out.set(bytes, at);
  };
  put32(h.programHash, 0, 'programHash');
  view.setUint8(32, h.status);
  view.setUint8(33, h.trapCode);
  view.setInt32(34, h.exitCode);
  view.setBigUint64(38, h.steps);
  let at = 46;
  for (const name of REGISTERS) {
    view.setUint32(at, h[name]);
    at += 4;
  }
  for (const r of h.regs) {
    view.setUint32(at, r);
    at += 4;
  }
  for (const [name, s] of [['out', h.out], ['log', h.log]] as const) {
    view.setUint32(at, s.len);
    put32(s.acc, at + 4, `${name}Acc`);
    put32(s.pending, at + 36, `${name}Pending`);
    at += 68;
  }
  for (const name of ROOTS) {
    put32(h[name], at, name);
    at += 32;
  }
  return out;
}

export function decodeHeader(bytes: Uint8Array): StateHeader {
  if (bytes.length !== HEADER_BYTES) throw new Error(`a state header is ${HEADER_BYTES} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const u32 = (at: number): number => view.getUint32(at);
  const stream = (at: number): StreamCommitment => ({
    len: u32(at), acc: bytes.slice(at + 4, at + 36), pending: bytes.slice(at + 36, at + 68),
  });
  const regsAt = 46 + 4 * REGISTERS.length;
  const streamsAt = regsAt + 16;
  const rootsAt = streamsAt + 2 * 68;
  const root = (i: number): Uint8Array => bytes.slice(rootsAt + 32 * i, rootsAt + 32 * (i + 1));
  return {
    programHash: bytes.slice(0, 32),
    status: view.getUint8(32),
    trapCode: view.getUint8(33),
    exitCode: view.getInt32(34),
    steps: view.getBigUint64(38),
    pc: u32(46),
    sp: u32(50),
    fp: u32(54),
    fsp: u32(58),
    fn: u32(62),
    units: u32(66),
    memPages: u32(70),
    inputPos: u32(74),
    regs: [u32(regsAt), u32(regsAt + 4), u32(regsAt + 8), u32(regsAt + 12)],
    out: stream(streamsAt),
    log: stream(streamsAt + 68),
    stackRoot: root(0),
    framesRoot: root(1),
    globalsRoot: root(2),
    memoryRoot: root(3),
    tablesRoot: root(4),
    sizesRoot: root(5),
  };
}

/** What a final-state claim says, read from its header (docs/machine-state.md#final-state-claim). */
export interface Claim {
  /** keccak-256 of the header: the state hash the claim opens. */
  stateHash: string;
  programHash: string;
  status: JobStatus;
  /** The trap message when trapped, else null. */
  trap: string | null;
  /** The exit code when exited, else null. */
  exitCode: number | null;
  steps: bigint;
  /** H(outAcc ‖ outPending ‖ u32 outLen): compare with outputDigest(stdout). */
  outputDigest: string;
  outputLength: number;
}

/** Reads a claim (a state header); throws on a malformed one. */
export function readClaim(headerBytes: Uint8Array): Claim {
  const h = decodeHeader(headerBytes);
  const status = STATUS_NAMES[h.status];
  if (status === undefined) throw new Error(`unknown status code ${h.status}`);
  const trap = h.trapCode === 0 ? null : TRAP_MESSAGES.get(h.trapCode);
  if (trap === undefined) throw new Error(`unknown trap code ${h.trapCode}`);
  if ((status === 'trapped') !== (trap !== null)) throw new Error(`status ${status} with trap code ${h.trapCode}`);
  return {
    stateHash: toHex(keccak256(headerBytes)),
    programHash: toHex(h.programHash),
    status,
    trap,
    exitCode: status === 'exited' ? h.exitCode : null,
    steps: h.steps,
    outputDigest: toHex(streamDigest(h.out.len, h.out.acc, h.out.pending)),
    outputLength: h.out.len,
  };
}

/**
 * Follows a byte log, feeding its chain only the bytes appended since the last look.
 * Logs of one run only grow, and the log of an earlier state is a prefix of a later
 * one's; a log shorter than what the chain has seen is an earlier state: start over.
 */
class LogFollower {
  private chain = new StreamChain();

  constructor(public log: ByteLog) {}

  commitment(): StreamCommitment {
    const length = this.log.length;
    if (length < this.chain.length) this.chain = new StreamChain();
    if (length > this.chain.length) this.chain.append(this.log.bytes(), this.chain.length, length);
    return { len: this.chain.length, acc: this.chain.acc(), pending: this.chain.pending() };
  }
}

/** The header status of a machine; a machine paused below the job's step limit is running. */
function statusOf(machine: Machine, maxSteps: number): JobStatus {
  const s = machine.status;
  if (s === 'out-of-steps') return machine.steps < maxSteps ? 'running' : 'out-of-steps';
  if (s === 'returned') throw new Error('not a job machine: it returned to a host trampoline');
  return s;
}

function trapCodeOf(message: string | null): number {
  const code = message === null ? undefined : TRAP_CODES[message];
  if (code === undefined) throw new Error(`trap without a trap code: ${message}`);
  return code;
}

/** The mutable regions of a job machine and their trees. */
export interface MutableRegions {
  stack: WordRegion;
  frames: WordRegion;
  globals: WordRegion;
  memory: RegionTree;
  tables: WordRegion;
  sizes: WordRegion;
}

/**
 * Hashes the states of a job's machine: call stateHash() whenever the machine is paused;
 * each call costs what changed since the previous one. `attach` moves the committer to
 * another machine of the same run (one restored from a snapshot, say): the next hash
 * then costs what differs between the two states. Committers of several machines of
 * one job can also share one program commitment (commitProgram).
 */
export class StateCommitter {
  readonly program: ProgramCommitment;
  readonly regions: MutableRegions;
  private current: Machine;
  private readonly out: LogFollower;
  private readonly log: LogFollower;
  private readonly sizes: Int32Array;
  /** Stack and frame words synced so far (a prefix of the machine's arrays). */
  private stackWords = 0;
  private frameWords = 0;
  /** Entries of each table synced so far (past them the region holds zeros). */
  private readonly tableEntries: number[];

  constructor(machine: Machine, readonly limits: MachineLimits, program?: ProgramCommitment) {
    this.current = machine;
    this.program = program ?? commitProgram(machine, limits);
    const d = this.program.header.depths;
    this.regions = {
      stack: new WordRegion(d.stack, true),
      frames: new WordRegion(d.frames, false),
      globals: new WordRegion(d.globals, true),
      memory: new RegionTree(d.memory),
      tables: new WordRegion(d.tables, false),
      sizes: new WordRegion(d.sizes, false),
    };
    const host = machine.host;
    if (host === null) throw new Error('not a job machine: it has no WASI host');
    this.out = new LogFollower(host.stdout);
    this.log = new LogFollower(host.stderr);
    this.sizes = new Int32Array(sizesCount(machine.store));
    this.tableEntries = machine.store.tables.map(() => 0);
  }

  /** The machine whose state the next hash describes. */
  get machine(): Machine {
    return this.current;
  }

  /** Follows `machine` from now on: another machine of the same job and run. */
  attach(machine: Machine): void {
    const { store, host } = machine;
    if (host === null) throw new Error('not a job machine: it has no WASI host');
    const layout = this.program.layout;
    if (store.code.length * 16 > layout.funcsBase || store.funcs.length !== layout.nfuncs ||
        store.tables.length !== layout.ntables || sizesCount(store) !== this.sizes.length ||
        machine.maxStackUnits !== this.limits.maxStackUnits) {
      throw new Error('attach: the machine is not one of this job');
    }
    this.current = machine;
    this.out.log = host.stdout;
    this.log.log = host.stderr;
  }

  /** Brings every region up to date with the machine and returns the header fields. */
  headerFields(): StateHeader {
    const m = this.machine;
    const store = m.store;
    const host = m.host!;
    const r = this.regions;

    // Nothing at or above the high-water marks was ever written: diff only below them
    // (and below what this committer synced before, in case the marks moved back).
    this.stackWords = Math.min(m.stack.length, Math.max(this.stackWords, 2 * Math.max(m.maxSp, m.sp)));
    this.frameWords = Math.min(m.frames.length, Math.max(this.frameWords, FRAME_WIDTH * Math.max(m.maxFsp, m.fsp)));
    r.stack.sync(m.stack, this.stackWords);
    r.frames.sync(m.frames, this.frameWords);
    r.globals.sync(store.globals, 2 * store.globalTypes.length);
    const memory = jobMemory(store);
    if (memory) r.memory.update(memory.bytes);
    const placement = this.program.tables;
    store.tables.forEach((t, i) => {
      if (t.size > placement.capacities[i]) {
        throw new Error(`table ${i} holds ${t.size} entries, more than its committed capacity ${placement.capacities[i]}`);
      }
      // A smaller table than last time (an earlier state): the entries past it are zero.
      r.tables.sync(t.elems, t.size, placement.bases[i], placement.bases[i] + Math.max(t.size, this.tableEntries[i]));
      this.tableEntries[i] = t.size;
    });
    const sizes = this.sizes;
    let k = 0;
    for (const t of store.tables) sizes[k++] = t.size;
    for (const d of store.datas) sizes[k++] = d.length;
    for (const e of store.elems) sizes[k++] = e.length;
    r.sizes.sync(sizes, sizes.length);
    for (const region of [r.stack, r.frames, r.globals, r.tables, r.sizes]) region.rehash();

    const status = statusOf(m, this.limits.maxSteps);
    return {
      programHash: this.program.hash,
      status: STATUS_CODES[status],
      trapCode: status === 'trapped' ? trapCodeOf(m.trapMessage) : 0,
      exitCode: status === 'exited' ? m.exitCode ?? 0 : 0,
      steps: BigInt(m.steps),
      pc: m.pc >>> 0,
      sp: m.sp >>> 0,
      fp: m.fp >>> 0,
      fsp: m.fsp >>> 0,
      fn: m.fn >>> 0,
      units: m.units >>> 0,
      memPages: memory?.pages ?? 0,
      inputPos: host.inputPos,
      regs: [m.regs[0] >>> 0, m.regs[1] >>> 0, m.regs[2] >>> 0, m.regs[3] >>> 0],
      out: this.out.commitment(),
      log: this.log.commitment(),
      stackRoot: r.stack.tree.root(),
      framesRoot: r.frames.tree.root(),
      globalsRoot: r.globals.tree.root(),
      memoryRoot: r.memory.root(),
      tablesRoot: r.tables.tree.root(),
      sizesRoot: r.sizes.tree.root(),
    };
  }

  /** The header of the machine's current state (its preimage of the state hash). */
  header(): Uint8Array {
    return encodeHeader(this.headerFields());
  }

  /** keccak-256 of the header, 0x-prefixed. */
  stateHash(): string {
    return toHex(keccak256(this.header()));
  }

  programHeader(): Uint8Array {
    return this.program.headerBytes.slice();
  }

  programHash(): string {
    return toHex(this.program.hash);
  }
}

/** The initial state of a job: its state hash and program hash (0x-prefixed). */
export interface InitialCommitment {
  stateHash: string;
  programHash: string;
}

/** Loads a job (throws WasmError / JobError for a bad module) and commits to its initial state. */
export function initialCommitment(wasm: Uint8Array, input: JobInput, limits: Partial<MachineLimits> = {}): InitialCommitment {
  const full = { ...DEFAULT_LIMITS, ...limits };
  const machine = createJobMachine(loadJob(wasm), input, full);
  const committer = new StateCommitter(machine, full);
  return { stateHash: committer.stateHash(), programHash: committer.programHash() };
}

/** The initial state hash of a job: what a job commits to on chain. */
export function initialStateHash(wasm: Uint8Array, input: JobInput, limits: Partial<MachineLimits> = {}): string {
  return initialCommitment(wasm, input, limits).stateHash;
}
