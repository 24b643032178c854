// Sustained runs: some fixtures' modules with a larger argv or input, so that V8 runs for
// tens of milliseconds instead of one. On the committed fixtures V8 finishes most jobs in
// under a millisecond, where per-run setup (node:wasi's WASI object, instantiation, the
// host) outweighs execution and the ratio says little about the native engine's
// instrumentation. Native and V8 only: the interpreter would take minutes here. There are
// no expected files for these inputs, so native's output is checked against V8's.

import type { Fixture } from '../test/support/fixtures.js';
import { loadJob, type JobInput } from '../vm/job.js';
import {
  alternateV8AndNative, nativeFallback, runNative, summarizeV8, type V8Summary,
} from './fixture-bench.js';
import { minimum } from './stats.js';
import { V8Baseline } from './v8-baseline.js';

export interface SustainedWorkload {
  fixture: string;
  /** argv replacing the fixture's, argv[0] included. */
  args?: string[];
  /** The fixture's input repeated this many times. */
  inputRepeat?: number;
}

export const SUSTAINED_WORKLOADS: readonly SustainedWorkload[] = [
  { fixture: 'loop', args: ['loop', '3000000'] }, // integer and table work, 5x the fixture
  { fixture: 'nbody', args: ['nbody', '1000000'] }, // f64 arithmetic and sqrt, 333x
  { fixture: 'sha256', inputRepeat: 200 }, // i32 bit operations and memory, 200x
];

export interface SustainedBench {
  label: string;
  steps: number;
  v8: V8Summary;
  native: { warmMs: number; runs: number; fallback: string | null };
  problems: string[];
}

export function workloadLabel(w: SustainedWorkload, fixture: Fixture): string {
  if (w.args !== undefined) return `${fixture.name} ${w.args.slice(1).join(' ')}`;
  if (w.inputRepeat !== undefined) return `${fixture.name} (input x${w.inputRepeat})`;
  return fixture.name;
}

function workloadInput(w: SustainedWorkload, fixture: Fixture): JobInput {
  const repeat = w.inputRepeat ?? 1;
  const input = new Uint8Array(fixture.input.length * repeat);
  for (let i = 0; i < repeat; i++) input.set(fixture.input, i * fixture.input.length);
  return { input, args: w.args ?? fixture.args };
}

export async function benchSustained(w: SustainedWorkload, fixture: Fixture, rounds: number): Promise<SustainedBench> {
  const label = workloadLabel(w, fixture);
  const job = loadJob(fixture.wasm);
  const input = workloadInput(w, fixture);
  const { baseline } = await V8Baseline.create(fixture.wasm, input.input, input.args);
  try {
    // First runs (cold) are the output cross-check; they are not timed.
    const v8First = await baseline.run();
    const nativeFirst = await runNative(job, input);
    const problems: string[] = [];
    const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
    if (v8First.trapped || nativeFirst.status !== 'exited' || v8First.exitCode !== nativeFirst.exitCode ||
        !same(v8First.stdout, nativeFirst.stdout)) {
      problems.push(`${label}: native and V8 disagree on the result`);
    }
    const fallback = await nativeFallback(job, input);
    const { v8Runs, nativeMs } = await alternateV8AndNative(baseline, job, input, rounds);
    return {
      label,
      steps: nativeFirst.steps,
      v8: summarizeV8(v8Runs),
      native: { warmMs: minimum(nativeMs), runs: nativeMs.length, fallback },
      problems,
    };
  } finally {
    baseline.dispose();
  }
}
