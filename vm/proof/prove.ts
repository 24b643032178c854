// The prover: one step of a job machine with a RECORDING accessor. The step function runs
// against the machine's own leaves (so the step is applied to the machine as it runs);
// every access appends, in order, the leaf (for a write: its old content) and its
// siblings bottom-up, taken from the committer's region trees, which follow each write
// so that later accesses of the same step prove against the updated roots. An access of
// the same leaf of the same region as the access just before it carries nothing.

import type { Machine } from '../exec/interpret.js';
import type { StateCommitter } from '../state/commit.js';
import { keccak256 } from '../state/keccak.js';
import type { RegionTree } from '../state/merkle.js';
import { toHex } from '../state/stream.js';
import { Region, type Leaves } from './access.js';
import { MachineLeaves, MachineStepper } from './machine-access.js';

export interface StepProof {
  /** header ‖ programHeader ‖ accesses (docs/machine-state.md#one-step-proofs). */
  proof: Uint8Array;
  /** Row opcode executed, or StepKind.halted / StepKind.outOfSteps (vm/proof/step.ts). */
  opcode: number;
  preStateHash: string;
  postStateHash: string;
}

/** The committer's tree of each region, indexed by Region. */
function regionTrees(committer: StateCommitter): RegionTree[] {
  const r = committer.regions;
  const trees: RegionTree[] = [];
  trees[Region.STACK] = r.stack.tree;
  trees[Region.FRAMES] = r.frames.tree;
  trees[Region.GLOBALS] = r.globals.tree;
  trees[Region.MEMORY] = r.memory;
  trees[Region.TABLES] = r.tables.tree;
  trees[Region.SIZES] = r.sizes.tree;
  trees[Region.PROGRAM] = committer.program.programTree;
  trees[Region.INPUT] = committer.program.inputTree;
  return trees;
}

/** Leaves that record a proof of every access and keep the region trees current. */
class RecordingLeaves implements Leaves {
  readonly chunks: Uint8Array[] = [];
  /** The leaf of the previous access: an access of the same leaf carries nothing. */
  private last: { region: Region; index: number } | null = null;

  constructor(private readonly inner: MachineLeaves, private readonly trees: RegionTree[]) {}

  read(region: Region, index: number): Uint8Array {
    const leaf = this.inner.read(region, index);
    if (!this.repeats(region, index)) this.record(region, index, leaf);
    this.last = { region, index };
    return leaf;
  }

  write(region: Region, index: number, leaf: Uint8Array): void {
    if (!this.repeats(region, index)) this.record(region, index, this.inner.read(region, index));
    this.last = { region, index };
    this.inner.write(region, index, leaf);
    const tree = this.trees[region];
    tree.leafWords(index).set(new Int32Array(leaf.slice().buffer));
    tree.markDirty(index);
    tree.rehash();
  }

  appended(stream: 0 | 1, bytes: Uint8Array): void {
    this.inner.appended(stream, bytes);
  }

  private repeats(region: Region, index: number): boolean {
    return this.last !== null && this.last.region === region && this.last.index === index;
  }

  private record(region: Region, index: number, leaf: Uint8Array): void {
    this.chunks.push(leaf.slice());
    for (const sibling of this.trees[region].proof(index)) this.chunks.push(sibling);
  }
}

const steppers = new WeakMap<StateCommitter, MachineStepper>();

/**
 * Proves the machine's next transition and applies it to the machine. `committer` must
 * follow this machine (created before it ran); the machine must be single-stepped from
 * then on (or paused anywhere: the committer resyncs before each proof).
 */
export function proveStep(machine: Machine, committer: StateCommitter): StepProof {
  if (committer.machine !== machine) throw new Error('the committer follows another machine');
  let stepper = steppers.get(committer);
  if (stepper === undefined) {
    stepper = new MachineStepper(machine, committer.program);
    steppers.set(committer, stepper);
  }
  const header = committer.header();
  const recording = new RecordingLeaves(new MachineLeaves(machine, committer.program), regionTrees(committer));
  const { op } = stepper.step(recording);
  const postStateHash = committer.stateHash();
  const programHeader = committer.program.headerBytes;
  let size = header.length + programHeader.length;
  for (const c of recording.chunks) size += c.length;
  const proof = new Uint8Array(size);
  proof.set(header, 0);
  proof.set(programHeader, header.length);
  let at = header.length + programHeader.length;
  for (const c of recording.chunks) {
    proof.set(c, at);
    at += c.length;
  }
  return { proof, opcode: op, preStateHash: toHex(keccak256(header)), postStateHash };
}
