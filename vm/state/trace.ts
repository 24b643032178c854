// Random access into a run (docs/machine-state.md#random-access): one pass of the
// interpreter that keeps a snapshot every `interval` steps, then the state at any trace
// index from the nearest snapshot below it. This is what a party of the bisection game
// needs: the state hashes at the k + 1 boundaries of the disputed range, round after
// round, and finally the machine just before the disputed step.
//
// Trace index i is the state after i transitions (docs/machine-state.md#transitions):
// for i <= maxSteps a running state has executed exactly i steps, so the state at i is
// the machine paused with the budget i (or halted earlier, which maps to itself); past
// the job's maxSteps only the final state is left. `length` is the index of the final
// state: the step count of a halted run, maxSteps + 1 for a run that ran out of steps
// (index maxSteps is the running state with steps = maxSteps, maxSteps + 1 the
// out-of-steps one).

import type { Machine, Status } from '../exec/interpret.js';
import { DEFAULT_LIMITS, type MachineLimits } from '../exec/limits.js';
import { restoreMachine, snapshotBytes, snapshotMachine, type MachineSnapshot } from '../exec/snapshot.js';
import { createJobMachine, type JobInput, type LoadedJob } from '../job.js';
import { proveStep, type StepProof } from '../proof/prove.js';
import { StateCommitter } from './commit.js';
import { commitProgram, type ProgramCommitment } from './image.js';

/** Hashes the states of one machine; each call hashes its current state (incrementally as it runs on). */
export type MachineHasher = () => string;

/** Hashes states of the machines of one job. */
export interface StateHashing {
  follow(machine: Machine): MachineHasher;
}

/** Makes the hashing of a job's states from its machine before the first step. */
export type HashingFactory = (initial: Machine, limits: MachineLimits) => StateHashing;

/**
 * Steps between snapshots unless chosen: about 7 ms of interpreter time, so reaching any
 * step costs at most that, while a snapshot of a job with a few MiB of memory (a memcmp
 * of memory, a copy of the pages that changed) costs far less; bigger memories double
 * the interval as needed (docs/machine-state.md#random-access).
 */
export const DEFAULT_INTERVAL = 1 << 18;

/** Snapshot memory the recording pass keeps at most (by thinning out snapshots). */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 1 << 30;

/** With the default interval: a snapshot may cost this share of the interval's run time. */
const SNAPSHOT_TIME_SHARE = 0.1;

export interface TraceOptions {
  /** Fixed steps between snapshots; by default DEFAULT_INTERVAL, doubled while snapshots cost too much time. */
  interval?: number;
  /** When the snapshots hold more than this, every other one is dropped and the interval doubles. */
  maxSnapshotBytes?: number;
  /** How states are hashed; the state commitment (StateCommitter) by default. */
  hashing?: HashingFactory;
  /** Called after each interval with the steps executed so far. */
  onProgress?: (steps: number) => void;
}

export interface BoundaryHash {
  index: number;
  hash: string;
}

function checkIndex(what: string, i: number): void {
  if (!Number.isSafeInteger(i) || i < 0) throw new RangeError(`${what} must be a non-negative integer, got ${i}`);
}

export class Trace {
  private readonly hashing: StateHashing;
  private finalHash: string | null = null;
  private program: ProgramCommitment | null = null;
  /** The machine hashesAt runs forward, with its hasher. */
  private cursor: { machine: Machine; hasher: MachineHasher } | null = null;
  /** Time of the last restore with its first hash; 0 until measured (restore first). */
  private restoreMs = 0;

  private constructor(
    readonly limits: MachineLimits,
    /** Snapshots of running states, ascending; the first is the initial state. */
    private readonly snapshots: MachineSnapshot[],
    /** The final state (at trace index `length`). */
    private readonly last: MachineSnapshot,
    /** Steps between snapshots at the end of the pass. */
    readonly interval: number,
    /** Interpreter time per step, measured by the pass. */
    private readonly msPerStep: number,
    hashing: HashingFactory | undefined,
  ) {
    this.hashing = hashing?.(restoreMachine(snapshots[0]), limits) ?? {
      follow: (machine) => {
        const committer = this.committerOf(machine);
        return () => committer.stateHash();
      },
    };
  }

  /** Runs the job once on the interpreter, keeping snapshots. */
  static async record(
    job: LoadedJob,
    input: JobInput,
    limits: MachineLimits = DEFAULT_LIMITS,
    options: TraceOptions = {},
  ): Promise<Trace> {
    const adaptive = options.interval === undefined;
    let interval = options.interval ?? DEFAULT_INTERVAL;
    if (!Number.isSafeInteger(interval) || interval < 1) throw new RangeError(`interval must be a positive integer, got ${interval}`);
    const maxBytes = options.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
    const machine = createJobMachine(job, input, limits);
    const passStarted = performance.now();
    let snapshots = [snapshotMachine(machine)];
    let bytes = totalBytes(snapshots);
    let previousExcess = 0; // the last snapshot's time over its allowance
    for (;;) {
      const started = performance.now();
      machine.maxSteps = Math.min(machine.steps + interval, limits.maxSteps);
      machine.run();
      machine.maxSteps = limits.maxSteps;
      if (machine.status !== 'out-of-steps' || machine.steps >= limits.maxSteps) break;
      machine.status = 'running'; // paused below the job's limit: a running state
      const ran = performance.now();
      const snapshot = snapshotMachine(machine, snapshots[snapshots.length - 1]);
      snapshots.push(snapshot);
      bytes += snapshotBytes(snapshot, new Set(previousArrays(snapshots[snapshots.length - 2])));
      if (adaptive) {
        // Snapshot time over its allowance; acted on when two in a row are over (one
        // garbage collection during a snapshot should not count), by the smaller excess.
        const excess = (performance.now() - ran) / (SNAPSHOT_TIME_SHARE * Math.max(ran - started, 0.01));
        if (excess > 1 && previousExcess > 1) {
          interval *= 2 ** Math.ceil(Math.log2(Math.min(excess, previousExcess)));
          previousExcess = 0;
        } else previousExcess = excess;
      }
      if (bytes > maxBytes && snapshots.length > 2) {
        snapshots = thin(snapshots);
        bytes = totalBytes(snapshots);
        interval *= 2;
      }
      options.onProgress?.(machine.steps);
      await new Promise((resolve) => setImmediate(resolve)); // let progress output and signals through
    }
    options.onProgress?.(machine.steps);
    const last = snapshotMachine(machine, snapshots[snapshots.length - 1]);
    const msPerStep = (performance.now() - passStarted) / Math.max(machine.steps, 1);
    return new Trace(limits, snapshots, last, interval, msPerStep, options.hashing);
  }

  /** Trace index of the final state. */
  get length(): number {
    return this.last.status === 'out-of-steps' ? this.last.steps + 1 : this.last.steps;
  }

  /** Steps the run executed in all. */
  get steps(): number {
    return this.last.steps;
  }

  get snapshotCount(): number {
    return this.snapshots.length + 1;
  }

  /** Bytes held by the snapshots (shared pages counted once). */
  snapshotBytes(): number {
    return totalBytes([...this.snapshots, this.last]);
  }

  /** The machine at trace index `i` (a fresh copy; past the end, the final state). */
  stateAt(i: number): Machine {
    checkIndex('trace index', i);
    if (i >= this.length) return restoreMachine(this.last);
    const machine = restoreMachine(this.snapshots[this.snapshotBelow(i)]);
    this.advance(machine, i);
    return machine;
  }

  hashAt(i: number): string {
    return this.hashesAt([i])[0];
  }

  /**
   * State hashes at `indices` (any order, repeats allowed). Indices are visited in
   * ascending order on one hashing cursor (a machine and its incremental hasher, kept
   * between calls): from index to index it runs forward, or restores the nearest
   * snapshot when that is cheaper than running to it. A restore costs a first, full hash
   * of the restored machine, which grows with its memory, so it is measured and weighed
   * against the measured time per step.
   */
  hashesAt(indices: readonly number[]): string[] {
    indices.forEach((i) => checkIndex('trace index', i));
    const order = [...new Set(indices)].sort((a, b) => a - b);
    const hashes = new Map<number, string>();
    for (const i of order) {
      if (i >= this.length) {
        hashes.set(i, this.finalStateHash());
        continue;
      }
      const snapshot = this.snapshots[this.snapshotBelow(i)];
      let cursor = this.cursor;
      const behind = cursor === null || cursor.machine.steps > i;
      if (behind || (snapshot.steps - cursor!.machine.steps) * this.msPerStep > this.restoreMs) {
        const started = performance.now();
        const machine = restoreMachine(snapshot);
        const hasher = this.hashing.follow(machine);
        hasher(); // the full first hash: part of the cost of a restore
        this.restoreMs = performance.now() - started;
        cursor = { machine, hasher };
        this.cursor = cursor;
      }
      this.advance(cursor!.machine, i);
      hashes.set(i, cursor!.hasher());
    }
    return indices.map((i) => hashes.get(i)!);
  }

  /**
   * The k + 1 boundaries of a k-way dissection of [start, end]: indices
   * start + floor((end - start) * j / k) for j = 0..k, with their state hashes.
   */
  evenlySpaced(start: number, end: number, k: number): BoundaryHash[] {
    checkIndex('start', start);
    checkIndex('end', end);
    if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    if (end - start < k) throw new RangeError(`cannot split [${start}, ${end}] into ${k} parts of at least one step`);
    const indices: number[] = [];
    for (let j = 0; j <= k; j++) indices.push(start + Math.floor(((end - start) * j) / k));
    const hashes = this.hashesAt(indices);
    return indices.map((index, j) => ({ index, hash: hashes[j] }));
  }

  /**
   * The one-step proof of the transition from trace index `i` to `i + 1`
   * (docs/machine-state.md#one-step-proofs): its pre-state hash is hashAt(i), its
   * post-state hash hashAt(i + 1). Always against the state commitment.
   */
  proofAt(i: number): StepProof {
    const machine = this.stateAt(i);
    return proveStep(machine, this.committerOf(machine));
  }

  /** A StateCommitter following `machine`, with the job's program committed once. */
  private committerOf(machine: Machine): StateCommitter {
    this.program ??= commitProgram(restoreMachine(this.snapshots[0]), this.limits);
    return new StateCommitter(machine, this.limits, this.program);
  }

  /** The final state's header: the final-state claim a result posts (its keccak is hashAt(length)). */
  finalHeader(): Uint8Array {
    return this.committerOf(restoreMachine(this.last)).header();
  }

  private finalStateHash(): string {
    this.finalHash ??= this.hashing.follow(restoreMachine(this.last))();
    return this.finalHash;
  }

  /** Position of the last snapshot at or below running trace index `i`. */
  private snapshotBelow(i: number): number {
    const s = this.snapshots;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid].steps <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Runs a running machine at an index <= i < length on to index i. */
  private advance(machine: Machine, i: number): void {
    machine.maxSteps = i;
    machine.run();
    machine.maxSteps = this.limits.maxSteps;
    // At i the run is either paused (a running state, even at i = maxSteps) or halted at i.
    if (machine.status === 'out-of-steps') machine.status = 'running';
    if (machine.steps !== i) throw new Error(`internal: trace index ${i} reached at step ${machine.steps}`);
  }
}

/** Steps per run() while reaching an index directly (progress is reported in between). */
const REACH_CHUNK = 1 << 24;

/**
 * Runs a job machine from trace index `machine.steps` (a running state) on to trace
 * index `i` without snapshots: what a single proof needs. Past the final state it stops
 * there; past maxSteps a machine still running becomes out-of-steps.
 */
export async function runToIndex(
  machine: Machine, i: number, limits: MachineLimits, onProgress?: (steps: number) => void,
): Promise<void> {
  checkIndex('trace index', i);
  const target = Math.min(i, limits.maxSteps);
  while (machine.status === 'running' && machine.steps < target) {
    machine.maxSteps = Math.min(target, machine.steps + REACH_CHUNK);
    machine.run();
    machine.maxSteps = limits.maxSteps;
    if ((machine.status as Status) === 'out-of-steps') machine.status = 'running';
    onProgress?.(machine.steps);
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Still running at maxSteps: the next transition makes it out-of-steps.
  if (i > limits.maxSteps && (machine.status as Status) === 'running') machine.status = 'out-of-steps';
}

/** Drops every other snapshot but the first and the last. */
function thin(snapshots: MachineSnapshot[]): MachineSnapshot[] {
  const last = snapshots.length - 1;
  return snapshots.filter((_, i) => i % 2 === 0 || i === last);
}

function totalBytes(snapshots: readonly MachineSnapshot[]): number {
  const seen = new Set<ArrayBufferView>();
  return snapshots.reduce((sum, s) => sum + snapshotBytes(s, seen), 0);
}

/** The arrays a snapshot holds, so that the next one's accounting counts only new ones. */
function previousArrays(s: MachineSnapshot): ArrayBufferView[] {
  return [s.globals, ...s.tables.map((t) => t.elems), ...s.mems.flatMap((m) => m.pages)];
}
