// Sustained runs: some fixtures' modules with a larger argv or input, so that V8 runs for
// tens of milliseconds instead of one. On the committed fixtures V8 finishes most jobs in
// under a millisecond, where per-run setup (node:wasi's WASI object, instantiation, the
// host) outweighs execution and the ratio says little about the native engine itself.
// A third run, the original module with Verity's host (verity-host-baseline.ts), splits
// native's distance from V8 into the host's share and the instrumentation's share.
// No interpreter: it would take minutes here. There are no expected files for these
// inputs, so the other runs' outputs are checked against V8's.

import type { Fixture } from '../test/support/fixtures.js';
import { jobIO, loadJob, type JobInput } from '../vm/job.js';
import { withDefaults } from '../vm/run.js';
import { nativeFallback, runNative, summarizeV8, type V8Summary } from './fixture-bench.js';
import { minimum, timed } from './stats.js';
import { runWithVerityHost, type HostRun } from './verity-host-baseline.js';
import { V8Baseline, type V8Run } from './v8-baseline.js';

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
  /** The original module on V8 with Verity's WASI host, nothing counted: best warm run. */
  verityHostMs: number;
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
  const io = jobIO(input, withDefaults());
  const hostRun = (): Promise<HostRun> => runWithVerityHost(baseline.module, io);
  try {
    // First runs (cold) are the output cross-check; they are not timed.
    const v8First = await baseline.run();
    const hostFirst = await hostRun();
    const nativeFirst = await runNative(job, input);
    const problems: string[] = [];
    const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
    if (v8First.trapped || v8First.exitCode !== 0) problems.push(`${label}: V8 did not exit 0`);
    if (nativeFirst.status !== 'exited' || nativeFirst.exitCode !== v8First.exitCode || !same(nativeFirst.stdout, v8First.stdout)) {
      problems.push(`${label}: native and V8 disagree on the result`);
    }
    if (hostFirst.trapped || hostFirst.exitCode !== v8First.exitCode || !same(hostFirst.stdout, v8First.stdout)) {
      problems.push(`${label}: V8 with Verity's host and V8 with node:wasi disagree on the result`);
    }
    const fallback = await nativeFallback(job, input);

    // The three take turns, so that load from elsewhere slows them alike.
    const v8Runs: V8Run[] = [];
    const hostMs: number[] = [];
    const nativeMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      v8Runs.push(await baseline.run());
      hostMs.push((await timed(hostRun)).ms);
      nativeMs.push((await timed(() => runNative(job, input))).ms);
    }
    return {
      label,
      steps: nativeFirst.steps,
      v8: summarizeV8(v8Runs),
      verityHostMs: minimum(hostMs),
      native: { warmMs: minimum(nativeMs), runs: nativeMs.length, fallback },
      problems,
    };
  } finally {
    baseline.dispose();
  }
}
