// One-step proof vectors for the Solidity verifier (contracts/test/verifier/): for every
// step of the hand-built all-opcode jobs (test/proof/opcode-jobs.ts) and of short windows
// of fixture runs, {preStateHash, proof, postStateHash, opcode, group} as
// vm/proof/prove.ts proves it and vm/proof/verify.ts verifies it (at most PER_OPCODE
// vectors of one opcode per run). Split by
// opcode group (one JSON file each, a few hundred KB) because forge copies a JSON file
// into every cheatcode call that parses it.

import { DEFAULT_LIMITS, type MachineLimits } from '../../vm/exec/limits.js';
import { createJobMachine, loadJob, type JobInput, type LoadedJob } from '../../vm/job.js';
import { proveStep } from '../../vm/proof/prove.js';
import { GROUP_NAMES, groupOf, OpGroup, StepKind } from '../../vm/proof/step.js';
import { verifyStep } from '../../vm/proof/verify.js';
import { StateCommitter } from '../../vm/state/commit.js';
import { toHex } from '../../vm/state/stream.js';
import { loadFixture } from '../support/fixtures.js';
import { proofJobBytes } from '../proof/modules.js';
import { INPUT, OPCODE_JOBS } from '../proof/opcode-jobs.js';
import { specJobBytes, specJobs } from '../proof/spec-jobs.js';
import { defaultSpecDir } from '../spec/harness.js';

export interface ProofVector {
  preStateHash: string;
  proof: string;
  postStateHash: string;
  /** Row opcode, or StepKind.halted (-1) / StepKind.outOfSteps (-2). */
  opcode: number;
  group: string;
}

/** Files: one per opcode group, plus `transition` for halted and out-of-steps proofs. */
export const PROOF_GROUPS = ['control', 'variable', 'memory', 'numeric', 'table', 'wasi', 'transition'] as const;
export type ProofGroup = (typeof PROOF_GROUPS)[number];

/** The file of a group, or of the spec float cases (SPEC_FLOATS). */
export function proofVectorsFile(group: ProofGroup | typeof SPEC_FLOATS): string {
  return `contracts/test/vectors/proofs-${group}.json`;
}

/**
 * The float cases of the spec suite, stepped through: invocations of these scripts run
 * as jobs (test/proof/spec-jobs.ts), evenly sampled, and of each run the numeric steps
 * that are not constants (the op under test and whatever the function computes).
 */
export const SPEC_FLOATS = 'spec-floats';
const SPEC_FLOAT_SCRIPTS = [
  'f32', 'f64', 'f32_cmp', 'f64_cmp', 'f32_bitwise', 'f64_bitwise', 'conversions', 'float_exprs', 'float_misc',
];
const SPEC_JOBS_PER_SCRIPT = 120;
const SPEC_LIMITS: MachineLimits = { ...DEFAULT_LIMITS, maxSteps: 2_000, maxStackUnits: 1024 };
const CONSTS: readonly number[] = [0x41, 0x42, 0x43, 0x44];

const LIMITS: MachineLimits = { ...DEFAULT_LIMITS, maxStackUnits: 65_536 };
/** Per source run, at most this many vectors of one opcode (keeps the files small). */
const PER_OPCODE = 12;
/** Groups whose vectors from the all-opcode jobs are not capped (one opcode, many micro-steps). */
const UNCAPPED: readonly ProofGroup[] = ['memory', 'table', 'wasi'];

/** A run to take vectors from: a fixture, or an all-opcode job. */
interface Window {
  fixture?: string;
  job?: number;
  /** Steps [from, from + count) are proven (and a halted state's fixed point after it). */
  from: number | 'end';
  count: number;
  maxSteps?: number;
}

const WINDOWS: Window[] = [
  ...OPCODE_JOBS.map((_, job): Window => ({ job, from: 0, count: 100_000 })),
  { fixture: 'exit_code', from: 0, count: 400 },
  { fixture: 'exit_code', from: 'end', count: 200 },
  { fixture: 'cat_iov', from: 0, count: 600 },
  { fixture: 'cat_iov', from: 'end', count: 200 },
  { fixture: 'memops', from: 0, count: 600 },
  { fixture: 'memops', from: 'end', count: 200 },
  { fixture: 'floats32', from: 3000, count: 1500 },
  { fixture: 'nbody', from: 20_000, count: 1500 },
  { fixture: 'sha256', from: 5000, count: 800 },
  { fixture: 'sort', from: 5000, count: 800 },
  { fixture: 'trap', from: 'end', count: 120 },
  { fixture: 'loop', from: 0, count: 60, maxSteps: 50 },
];

function groupName(opcode: number): ProofGroup {
  if (opcode === StepKind.halted || opcode === StepKind.outOfSteps) return 'transition';
  return GROUP_NAMES[groupOf(opcode)] as ProofGroup;
}

/** Every vector, deterministic. Each one is checked with the TypeScript verifier. */
export function generateProofVectors(): Record<ProofGroup, ProofVector[]> {
  const out = Object.fromEntries(PROOF_GROUPS.map((g) => [g, [] as ProofVector[]])) as Record<ProofGroup, ProofVector[]>;
  for (const w of WINDOWS) {
    const { job, input, limits } = source(w);
    let from = w.from;
    if (from === 'end') {
      const probe = createJobMachine(job, input, limits);
      probe.run();
      from = Math.max(0, probe.steps - w.count + 20);
    }
    const m = createJobMachine(job, input, limits);
    const committer = new StateCommitter(m, limits);
    if (from > 0) {
      m.maxSteps = from;
      m.run();
      if ((m.status as string) === 'out-of-steps') m.status = 'running';
      m.maxSteps = limits.maxSteps;
    }
    const taken = new Map<number, number>();
    for (let k = 0; k < w.count; k++) {
      const halted = m.status !== 'running';
      const p = proveStep(m, committer);
      const hex = toHex(p.proof);
      if (verifyStep(p.preStateHash, p.proof) !== p.postStateHash) {
        throw new Error(`${w.fixture ?? OPCODE_JOBS[w.job!].name} step ${m.steps}: the TypeScript verifier disagrees with the prover`);
      }
      const n = taken.get(p.opcode) ?? 0;
      const group = groupName(p.opcode);
      // the all-opcode jobs keep every micro-step of memory, table and WASI rows; every run
      // keeps the step that halts it (a trap, an exit) and the fixed point after it
      const halts = m.status !== 'running';
      if (n < PER_OPCODE || halts || (w.job !== undefined && UNCAPPED.includes(group))) {
        taken.set(p.opcode, n + 1);
        out[group].push({ preStateHash: p.preStateHash, proof: hex, postStateHash: p.postStateHash, opcode: p.opcode, group });
      }
      if (halted) break;
    }
  }
  return out;
}

function source(w: Window): { job: LoadedJob; input: JobInput; limits: MachineLimits } {
  if (w.job !== undefined) {
    const j = OPCODE_JOBS[w.job];
    return { job: loadJob(proofJobBytes(j.spec)), input: INPUT, limits: { ...LIMITS, ...j.limits } };
  }
  const fx = loadFixture(w.fixture!);
  const limits = w.maxSteps === undefined ? LIMITS : { ...LIMITS, maxSteps: w.maxSteps };
  return { job: loadJob(fx.wasm), input: { input: fx.input, args: fx.args }, limits };
}

/** Vectors of the spec suite's float invocations (see SPEC_FLOATS); each checked with verify.ts. */
export function generateSpecFloatVectors(): ProofVector[] {
  const out: ProofVector[] = [];
  const input = { input: new Uint8Array(0), args: ['spec'] };
  for (const script of SPEC_FLOAT_SCRIPTS) {
    const { jobs } = specJobs(defaultSpecDir(), script);
    const every = Math.max(1, Math.ceil(jobs.length / SPEC_JOBS_PER_SCRIPT));
    for (let j = 0; j < jobs.length; j += every) {
      const limits = { ...SPEC_LIMITS, maxMemoryPages: Math.max(jobs[j].minMemoryPages, 2) };
      const m = createJobMachine(loadJob(specJobBytes(jobs[j])), input, limits);
      const committer = new StateCommitter(m, limits);
      while (m.status === 'running') {
        const p = proveStep(m, committer);
        if (groupOf(p.opcode) !== OpGroup.numeric || CONSTS.includes(p.opcode)) continue;
        if (verifyStep(p.preStateHash, p.proof) !== p.postStateHash) {
          throw new Error(`${jobs[j].name}: the TypeScript verifier disagrees with the prover`);
        }
        out.push({ preStateHash: p.preStateHash, proof: toHex(p.proof), postStateHash: p.postStateHash, opcode: p.opcode, group: 'numeric' });
      }
    }
  }
  return out;
}

export function serializeProofVectors(vectors: ProofVector[]): string {
  return `${JSON.stringify({ vectors }, null, 1)}\n`;
}
