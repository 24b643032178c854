// The heaviest one-step proofs of the Part 3 gas bench, made for the purpose: tiny jobs
// whose steps are the expensive kinds the proof vectors do not single out. Loads and
// stores whose bytes straddle two 32-byte memory leaves, memory.copy micro-steps whose
// source straddles two leaves, and WASI fd_read micro-steps that copy 32 input bytes of a
// 1 MiB input (the iovec record itself straddling two leaves). Every step of each job is
// proven (vm/proof/prove.ts) and checked with the reference verifier (vm/proof/verify.ts);
// each proof carries the labels of what its step really does, read off the machine
// before the step (the row, the operands on the stack) and after it (input consumed).

import { DEFAULT_LIMITS, type MachineLimits } from '../vm/exec/limits.js';
import type { Machine } from '../vm/exec/interpret.js';
import { WASI_FUNCTIONS } from '../vm/host/wasi.js';
import { createJobMachine, loadJob } from '../vm/job.js';
import { proveStep } from '../vm/proof/prove.js';
import { verifyStep } from '../vm/proof/verify.js';
import { StateCommitter } from '../vm/state/commit.js';
import { opName } from '../vm/syntax/opcodes.js';
import { proofJobBytes, type ProofJobSpec } from '../test/proof/modules.js';
import { VOID } from '../test/native/build.js';

export interface LabelledProof {
  /** The job the step belongs to. */
  job: string;
  /** The heaviest-case labels this step counts under (may be none). */
  labels: string[];
  /** What this instance is, specifically (address, bytes, leaves). */
  detail: string;
  preStateHash: string;
  /** 0x-prefixed hex. */
  proof: string;
  postStateHash: string;
}

const LEAF = 32;
const INPUT_BYTES = 1 << 20;
/** Memory up to the default limit (4096 pages): the deepest MEMORY tree a job has by default. */
const MEMORY = { min: 1, max: null };

/** Labels of the bench's heaviest-case table (bench/verifier-gas-bench.ts orders them). */
export const CROSSING = (op: string): string => `${op} across two memory leaves`;
export const WITHIN = (op: string): string => `${op} within one memory leaf`;
export const COPY_CROSSING = (direction: 'forward' | 'backward'): string =>
  `memory.copy micro-step, source across two leaves (${direction})`;
export const FD_READ_COPY = `fd_read micro-step copying 32 input bytes (${INPUT_BYTES >> 20} MiB input)`;
export const WASI_CALL = (name: string): string => `WASI ${name} (any micro-step)`;

const store32 = (addr: number, v: number): string => `i32.const ${addr}\ni32.const ${v}\ni32.store 2 0`;

/**
 * Loads and stores at addresses whose bytes straddle two leaves (and aligned ones to
 * compare); memory.copy forward (d <= s) and backward (d > s) with source and destination
 * offsets that differ mod 32, so that each micro-step's source piece straddles two leaves.
 */
const MEMORY_JOB: ProofJobSpec = {
  memory: MEMORY,
  funcs: [{
    type: VOID, body: `
      i32.const 28
      i64.const 0x0102030405060708
      i64.store 3 0
      i32.const 32
      i64.const 0x1112131415161718
      i64.store 3 0
      i32.const 28
      i64.load 3 0
      drop
      i32.const 32
      i64.load 3 0
      drop
      i32.const 62
      i32.const -1
      i32.store 2 0
      i32.const 62
      i32.load 2 0
      drop
      i32.const 92
      f64.const 0x400921fb54442d18
      f64.store 3 0
      i32.const 92
      f64.load 3 0
      drop
      i32.const 256
      i32.const 300
      i32.const 96
      memory.copy
      i32.const 301
      i32.const 260
      i32.const 96
      memory.copy
      end`,
  }],
};

/**
 * fd_read of two iovecs (the first one's record at 92..99 straddles leaves 2 and 3) into
 * aligned buffers from the start of a 1 MiB input: 32-byte chunks; nread at 126..129
 * (straddling too). `pad` values below the arguments shift them across stack leaves.
 */
function fdReadJob(pad: number): ProofJobSpec {
  const padding = Array.from({ length: pad }, () => 'i32.const 0').join('\n');
  return {
    wasi: ['fd_read'],
    memory: MEMORY,
    funcs: [{
      type: VOID, body: [
        store32(92, 1024), store32(96, 256), store32(100, 2048), store32(104, 64),
        padding,
        'i32.const 0', 'i32.const 92', 'i32.const 2', 'i32.const 126', 'call 0', 'drop',
        ...Array.from({ length: pad }, () => 'drop'),
        'end',
      ].filter((l) => l !== '').join('\n'),
    }],
  };
}

interface Job {
  name: string;
  spec: ProofJobSpec;
  input: Uint8Array;
}

function jobs(): Job[] {
  const input = new Uint8Array(INPUT_BYTES).map((_, i) => (i * 131 + 7) & 0xff);
  return [
    { name: 'leaf-crossing loads, stores, memory.copy', spec: MEMORY_JOB, input: new Uint8Array(0) },
    ...[0, 1, 2, 3].map((pad) => ({ name: `fd_read, 1 MiB input (stack offset ${pad})`, spec: fdReadJob(pad), input })),
  ];
}

const LOAD_WIDTH: Readonly<Record<number, number>> = { 0x28: 4, 0x29: 8, 0x2a: 4, 0x2b: 8 };
const STORE_WIDTH: Readonly<Record<number, number>> = { 0x36: 4, 0x37: 8, 0x38: 4, 0x39: 8 };
const MEMORY_COPY = 0xea;
const HOST_CALL = 0xf4;

const leafOf = (a: number): number => Math.floor(a / LEAF);

/** A slot's low word as u32. */
function slotU32(m: Machine, i: number): number {
  return m.stack[2 * i] >>> 0;
}

/** What the machine's next step is, as labels (and a detail), read before the step. */
function classify(m: Machine): { labels: string[]; detail: string; fdRead: boolean } {
  const words = m.store.code.words;
  const op = words[4 * m.pc];
  const offset = words[4 * m.pc + 1] >>> 0;
  const memBytes = m.store.mems[0]?.bytes.length ?? 0;
  const access = (addr: number, width: number, name: string): { labels: string[]; detail: string; fdRead: boolean } => {
    if (addr + width > memBytes) return { labels: [], detail: `${name} out of bounds`, fdRead: false };
    const first = leafOf(addr);
    const last = leafOf(addr + width - 1);
    // within one leaf: only the 64-bit accesses, the baseline of the crossing ones
    const labels = first !== last ? [CROSSING(name)] : width === 8 ? [WITHIN(name)] : [];
    return { labels, detail: `address ${addr} (${addr % LEAF} mod 32), ${width} bytes, leaf ${first}${last === first ? '' : ` and ${last}`}`, fdRead: false };
  };
  if (LOAD_WIDTH[op] !== undefined) return access(slotU32(m, m.sp - 1) + offset, LOAD_WIDTH[op], opName(op));
  if (STORE_WIDTH[op] !== undefined) return access(slotU32(m, m.sp - 2) + offset, STORE_WIDTH[op], opName(op));
  if (op === MEMORY_COPY) {
    const [d, s, n] = [slotU32(m, m.sp - 3), slotU32(m, m.sp - 2), slotU32(m, m.sp - 1)];
    if (n === 0) return { labels: [], detail: 'memory.copy, nothing left', fdRead: false };
    // this micro-step's piece (vm/proof/ops/memory.ts copy): one destination leaf
    let from: number;
    let len: number;
    let direction: 'forward' | 'backward' = 'forward';
    if (leafOf(d) === leafOf(d + n - 1)) [from, len] = [s, n];
    else if (d <= s) [from, len] = [s, Math.min(n, LEAF - (d % LEAF))];
    else {
      len = Math.min(n, ((d + n - 1) % LEAF) + 1);
      from = s + n - len;
      direction = 'backward';
    }
    const crosses = leafOf(from) !== leafOf(from + len - 1);
    return {
      labels: crosses ? [COPY_CROSSING(direction)] : [],
      detail: `${len} bytes from ${from} (leaf ${leafOf(from)}${crosses ? ` and ${leafOf(from + len - 1)}` : ''}) to ${d <= s || leafOf(d) === leafOf(d + n - 1) ? d : d + n - len}`,
      fdRead: false,
    };
  }
  if (op === HOST_CALL) {
    const f = m.store.funcs[words[4 * m.pc + 1]];
    const name = f.kind === 'wasi' ? WASI_FUNCTIONS[f.wasiId].name : 'host';
    let detail = `${name} micro-step, r0..r3 = ${[...m.regs].map((r) => r >>> 0).join(', ')}`;
    if (name === 'fd_read' && m.regs[3] === 0) {
      // fd_read(fd, iovs, iovs_len, nread): with r3 = 0 it reads iovec r0 next, or, past
      // the last one, writes nread (vm/proof/ops/wasi.ts fdRead)
      const arg = (j: number): number => slotU32(m, m.sp - 4 + j);
      const leaves = (at: number, n: number): string =>
        `leaf ${leafOf(at)}${leafOf(at + n - 1) === leafOf(at) ? '' : ` and ${leafOf(at + n - 1)}`}`;
      const r0 = m.regs[0] >>> 0;
      if (r0 < arg(2)) detail += `; iovec ${r0} at ${arg(1) + 8 * r0} (${leaves(arg(1) + 8 * r0, 8)})`;
      else detail += `; nread at ${arg(3)} (${leaves(arg(3), 4)})`;
    }
    return { labels: [WASI_CALL(name)], detail, fdRead: name === 'fd_read' };
  }
  return { labels: [], detail: opName(op), fdRead: false };
}

/**
 * Proves and verifies every step of each purpose-built job; throws if the reference
 * verifier disagrees with the prover on any of them.
 */
export function heavyCaseProofs(limits: MachineLimits = DEFAULT_LIMITS): LabelledProof[] {
  const out: LabelledProof[] = [];
  for (const job of jobs()) {
    const machine = createJobMachine(loadJob(proofJobBytes(job.spec)), { input: job.input, args: ['job'] }, limits);
    const committer = new StateCommitter(machine, limits);
    for (;;) {
      const halted = machine.status !== 'running';
      const before = classify(machine);
      const inputPos = machine.host!.inputPos;
      const p = proveStep(machine, committer);
      const checked = verifyStep(p.preStateHash, p.proof);
      if (checked !== p.postStateHash) {
        throw new Error(`${job.name}, step ${machine.steps}: verify.ts gives ${checked}, the prover ${p.postStateHash}`);
      }
      const labels = [...before.labels];
      let detail = before.detail;
      const copied = machine.host!.inputPos - inputPos;
      if (before.fdRead && copied > 0) {
        detail = `${detail}; ${copied} input bytes from ${inputPos} copied`;
        if (copied === LEAF) labels.push(FD_READ_COPY);
      }
      out.push({
        job: job.name, labels, detail, preStateHash: p.preStateHash,
        proof: '0x' + Buffer.from(p.proof).toString('hex'), postStateHash: p.postStateHash,
      });
      if (halted) break;
    }
    if (machine.status !== 'exited' || machine.exitCode !== 0) {
      throw new Error(`${job.name} ended ${machine.status} (exit ${machine.exitCode}, trap ${machine.trapMessage})`);
    }
  }
  return out;
}

const HEADER = 422;
const PROGRAM_HEADER = 156;

/**
 * The WASI function of a HOST_CALL step's proof: its second access is the function's
 * record FUNC(row.a) (vm/proof/ops/wasi.ts execWasi), whose last word is the wasiId.
 */
export function wasiFunctionOfProof(proof: Uint8Array): string | null {
  const depth = proof[HEADER + 68];
  const at = HEADER + PROGRAM_HEADER + 32 + 32 * depth;
  if (proof.length < at + 32) return null;
  const view = new DataView(proof.buffer, proof.byteOffset + at, 32);
  const kind = view.getUint32(0);
  const wasiId = view.getUint32(28);
  return kind === 1 && wasiId < WASI_FUNCTIONS.length ? WASI_FUNCTIONS[wasiId].name : null;
}
