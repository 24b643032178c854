// The reference verifier: `verifyStep(preStateHash, proof) -> postStateHash` from its
// arguments alone. It parses the state header and the program header, checks their
// hashes, then runs THE step function against a REPLAYING accessor that takes the
// proof's accesses in order, checks each leaf against its region's current root and
// recomputes the root on writes. Any inconsistency throws ProofError with a reason.

import { decodeHeader, encodeHeader, HEADER_BYTES, type StateHeader } from '../state/commit.js';
import { decodeProgramHeader, PROGRAM_HEADER_BYTES, type ProgramHeader } from '../state/image.js';
import { keccak256 } from '../state/keccak.js';
import { rootWithLeaf } from '../state/merkle.js';
import { toHex } from '../state/stream.js';
import { Region, REGION_NAMES, StepState, type Leaves, type ProgramInfo, type StepHeader } from './access.js';
import { step } from './step.js';

export type ProofErrorReason =
  | 'malformed'
  | 'state hash mismatch'
  | 'program hash mismatch'
  | 'truncated'
  | 'leaf index out of range'
  | 'leaf not in region'
  | 'write to immutable region'
  | 'trailing bytes'
  | 'invalid state';

export class ProofError extends Error {
  constructor(readonly reason: ProofErrorReason, detail: string) {
    super(`${reason}: ${detail}`);
    this.name = 'ProofError';
  }
}

const LEAF = 32;

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Consumes the proof's accesses; tracks the current root of every region. */
class ReplayingLeaves implements Leaves {
  private pos: number;
  /** The previous access: its leaf as it stands now and its siblings (an access of the same leaf reuses them). */
  private last: { region: Region; index: number; leaf: Uint8Array; siblings: Uint8Array[] } | null = null;

  constructor(
    private readonly proof: Uint8Array,
    start: number,
    readonly roots: Uint8Array[],
    private readonly depths: number[],
  ) {
    this.pos = start;
  }

  read(region: Region, index: number): Uint8Array {
    this.checkIndex(region, index);
    const last = this.last;
    if (last !== null && last.region === region && last.index === index) return last.leaf.slice();
    const leaf = this.take(LEAF);
    const siblings = this.siblings(region);
    this.check(region, index, leaf, siblings);
    this.last = { region, index, leaf, siblings };
    return leaf.slice();
  }

  write(region: Region, index: number, leaf: Uint8Array): void {
    if (region === Region.PROGRAM || region === Region.INPUT) {
      throw new ProofError('write to immutable region', REGION_NAMES[region]);
    }
    this.checkIndex(region, index);
    const last = this.last;
    let siblings: Uint8Array[];
    if (last !== null && last.region === region && last.index === index) siblings = last.siblings;
    else {
      const old = this.take(LEAF);
      siblings = this.siblings(region);
      this.check(region, index, old, siblings);
    }
    this.last = { region, index, leaf: leaf.slice(), siblings };
    this.roots[region] = rootWithLeaf(this.depths[region], index, leaf, siblings);
  }

  /** Throws unless the whole proof was consumed. */
  finish(): void {
    if (this.pos !== this.proof.length) {
      throw new ProofError('trailing bytes', `${this.proof.length - this.pos} bytes after the last access`);
    }
  }

  private checkIndex(region: Region, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** this.depths[region]) {
      throw new ProofError('leaf index out of range', `${REGION_NAMES[region]} leaf ${index} (depth ${this.depths[region]})`);
    }
  }

  private check(region: Region, index: number, leaf: Uint8Array, siblings: Uint8Array[]): void {
    if (!equal(rootWithLeaf(this.depths[region], index, leaf, siblings), this.roots[region])) {
      throw new ProofError('leaf not in region', `${REGION_NAMES[region]} leaf ${index}`);
    }
  }

  private siblings(region: Region): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let h = 0; h < this.depths[region]; h++) out.push(this.take(32));
    return out;
  }

  private take(n: number): Uint8Array {
    if (this.pos + n > this.proof.length) throw new ProofError('truncated', `access data ends at byte ${this.proof.length}`);
    const out = this.proof.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function programInfoOf(p: ProgramHeader): ProgramInfo {
  return {
    maxSteps: Number(p.maxSteps), memoryMaxPages: p.memoryMaxPages, maxStackUnits: p.maxStackUnits,
    maxOutputBytes: p.maxOutputBytes, maxLogBytes: p.maxLogBytes, codeBase: p.codeBase, funcsBase: p.funcsBase,
    typesBase: p.typesBase, segsBase: p.segsBase, tablesBase: p.tablesBase, argsBase: p.argsBase,
    ndata: p.ndata, ntables: p.ntables, argc: p.argc, argsLen: p.argsLen, inputLen: p.inputLen,
  };
}

function stepHeaderOf(s: StateHeader): StepHeader {
  if (s.steps > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProofError('malformed', `steps ${s.steps} beyond 2^53`);
  return {
    status: s.status, trapCode: s.trapCode, exitCode: s.exitCode, steps: Number(s.steps),
    pc: s.pc, sp: s.sp, fp: s.fp, fsp: s.fsp, fn: s.fn, units: s.units, memPages: s.memPages, inputPos: s.inputPos,
    regs: [...s.regs],
    out: { len: s.out.len, acc: s.out.acc.slice(), pending: s.out.pending.slice() },
    log: { len: s.log.len, acc: s.log.acc.slice(), pending: s.log.pending.slice() },
  };
}

/** Verifies a one-step proof; returns the post-state hash (0x-prefixed hex). */
export function verifyStep(preStateHash: string, proof: Uint8Array): string {
  if (proof.length < HEADER_BYTES + PROGRAM_HEADER_BYTES) {
    throw new ProofError('truncated', `${proof.length} bytes, less than the two headers`);
  }
  const headerBytes = proof.subarray(0, HEADER_BYTES);
  if (toHex(keccak256(headerBytes)) !== preStateHash.toLowerCase()) {
    throw new ProofError('state hash mismatch', `the header does not hash to ${preStateHash}`);
  }
  const programBytes = proof.subarray(HEADER_BYTES, HEADER_BYTES + PROGRAM_HEADER_BYTES);
  const pre = decodeHeader(headerBytes.slice());
  if (!equal(keccak256(programBytes), pre.programHash)) {
    throw new ProofError('program hash mismatch', 'the program header does not hash to the header\'s programHash');
  }
  const program = decodeProgramHeader(programBytes.slice());
  const d = program.depths;
  const depths: number[] = [];
  depths[Region.STACK] = d.stack;
  depths[Region.FRAMES] = d.frames;
  depths[Region.GLOBALS] = d.globals;
  depths[Region.MEMORY] = d.memory;
  depths[Region.TABLES] = d.tables;
  depths[Region.SIZES] = d.sizes;
  depths[Region.PROGRAM] = d.program;
  depths[Region.INPUT] = d.input;
  for (const depth of depths) if (depth > 32) throw new ProofError('malformed', `region depth ${depth} > 32`);
  const roots: Uint8Array[] = [];
  roots[Region.STACK] = pre.stackRoot;
  roots[Region.FRAMES] = pre.framesRoot;
  roots[Region.GLOBALS] = pre.globalsRoot;
  roots[Region.MEMORY] = pre.memoryRoot;
  roots[Region.TABLES] = pre.tablesRoot;
  roots[Region.SIZES] = pre.sizesRoot;
  roots[Region.PROGRAM] = program.programRoot;
  roots[Region.INPUT] = program.inputRoot;

  const leaves = new ReplayingLeaves(proof, HEADER_BYTES + PROGRAM_HEADER_BYTES, roots, depths);
  const h = stepHeaderOf(pre);
  try {
    step(new StepState(h, programInfoOf(program), leaves));
  } catch (e) {
    if (e instanceof ProofError) throw e;
    throw new ProofError('invalid state', e instanceof Error ? e.message : String(e));
  }
  leaves.finish();
  const post: StateHeader = {
    programHash: pre.programHash,
    status: h.status, trapCode: h.trapCode, exitCode: h.exitCode, steps: BigInt(h.steps),
    pc: h.pc >>> 0, sp: h.sp >>> 0, fp: h.fp >>> 0, fsp: h.fsp >>> 0, fn: h.fn >>> 0, units: h.units >>> 0,
    memPages: h.memPages >>> 0, inputPos: h.inputPos >>> 0,
    regs: [h.regs[0] >>> 0, h.regs[1] >>> 0, h.regs[2] >>> 0, h.regs[3] >>> 0],
    out: h.out, log: h.log,
    stackRoot: roots[Region.STACK], framesRoot: roots[Region.FRAMES], globalsRoot: roots[Region.GLOBALS],
    memoryRoot: roots[Region.MEMORY], tablesRoot: roots[Region.TABLES], sizesRoot: roots[Region.SIZES],
  };
  return toHex(keccak256(encodeHeader(post)));
}
