// One fixture on the three engines: V8 through node:wasi (the baseline), Verity's native
// engine and Verity's interpreter, each with the fixture's own input and argv.
// Every engine's first result is checked against the fixture's expected files (and the
// step counts against each other): a bench that timed a wrong answer would mislead.

import type { Fixture, FixtureExpectation } from '../test/support/fixtures.js';
import { jobIO, loadJob, type JobInput, type LoadedJob, type RunResult } from '../vm/job.js';
import { attemptNative, clearNativeCache } from '../vm/native/engine.js';
import { runLoaded, withDefaults } from '../vm/run.js';
import { minimum, timed } from './stats.js';
import { V8Baseline, type V8Run } from './v8-baseline.js';

export interface RepeatPlan {
  /** Warm runs of V8 and of the native engine, each. */
  fastRuns: number;
  /** Warm runs of the interpreter, after its first run (which warms up its JIT code). */
  interpRuns: number;
  /** After the first warm run, none starts once this much interpreter time is spent on a fixture. */
  interpBudgetMs: number;
  /** Untimed interpreter runs before the timed ones, for V8 to finish optimizing it (settleInterpreter). */
  interpSettleMs?: number;
}

export interface FixtureBench {
  name: string;
  steps: number;
  v8: V8Summary & {
    /** compile + setup + run of the first instance. */
    firstMs: number;
  };
  native: {
    /** The first run after clearing the cache: instrumentation, encoding, compilation, run. */
    firstMs: number;
    /** Best warm run (compiled module cached; instantiation and host included). */
    warmMs: number;
    runs: number;
    /** Why the native engine hands this job to the interpreter; null when it finishes it. */
    fallback: string | null;
  };
  interp: {
    /** The first run: V8 has not yet optimised the interpreter for this module's instruction mix. */
    firstMs: number;
    /** Best warm run. */
    ms: number;
    runs: number;
  };
  /** Wrong results or disagreeing step counts; empty when all is well. */
  problems: string[];
}

interface Outcome {
  exitCode: number | null;
  trapped: boolean;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/** The interpreter's part of a fixture's bench: run before any V8 or native run (see below). */
export interface InterpBench {
  /** The first run: V8 has not yet optimised the interpreter for this module's instruction mix. */
  firstMs: number;
  /** Best warm run. */
  ms: number;
  runs: number;
  steps: number;
  problems: string[];
}

/** The first interpreter run of a fixture in this process (JIT warm-up included), checked. */
export interface InterpFirst {
  ms: number;
  steps: number;
  problems: string[];
}

export async function interpreterFirstRun(fixture: Fixture): Promise<InterpFirst> {
  const first = await timed(() => runLoaded(loadJob(fixture.wasm), { input: fixture.input, args: fixture.args }, { engine: 'interp' }));
  const problems = mismatches(`${fixture.name}: interp`, fromResult(first.value), fixture.expected);
  return { ms: first.ms, steps: first.value.steps, problems };
}

/**
 * Untimed interpreter runs over `fixtures`, in turn, for at least `ms`: V8 compiles the
 * interpreter's loop in the background (0.1-0.3 s here for a function its size), and a
 * fixture measured before that finishes would time the unoptimized loop.
 */
export async function settleInterpreter(fixtures: readonly Fixture[], ms: number): Promise<void> {
  const jobs = fixtures.map((f) => ({ job: loadJob(f.wasm), input: { input: f.input, args: f.args } }));
  const start = performance.now();
  for (let k = 0; jobs.length > 0 && performance.now() - start < ms; k++) {
    const { job, input } = jobs[k % jobs.length];
    await runLoaded(job, input, { engine: 'interp' });
  }
}

/**
 * The interpreter's warm runs on one fixture. The bench runs these for every fixture before
 * it runs V8 or the native engine at all: node:wasi's memory.grow detaches an ArrayBuffer,
 * and the first detach in a process makes V8 add a detached-buffer check to every
 * typed-array and DataView access of optimized code from then on (12-20% off the
 * interpreter, for good). Verity's own processes never detach one (the native engine's
 * memory is shared for that reason, vm/native/instrument.ts), so measuring after node:wasi
 * would not show how the interpreter runs there.
 */
export async function benchInterpreter(fixture: Fixture, plan: RepeatPlan, first: InterpFirst): Promise<InterpBench> {
  const job = loadJob(fixture.wasm);
  const input: JobInput = { input: fixture.input, args: fixture.args };
  const ms: number[] = [];
  let spent = 0;
  while (ms.length === 0 || (ms.length < plan.interpRuns && spent < plan.interpBudgetMs)) {
    const run = await timed(() => runLoaded(job, input, { engine: 'interp' }));
    ms.push(run.ms);
    spent += run.ms;
  }
  return { firstMs: first.ms, ms: minimum(ms), runs: ms.length, steps: first.steps, problems: first.problems };
}

/** V8 and the native engine on one fixture, joined with the interpreter's part. */
export async function benchFixture(fixture: Fixture, plan: RepeatPlan, interp: InterpBench): Promise<FixtureBench> {
  const job = loadJob(fixture.wasm);
  const input: JobInput = { input: fixture.input, args: fixture.args };
  const problems: string[] = [...interp.problems];
  const check = (engine: string, outcome: Outcome): void => {
    problems.push(...mismatches(`${fixture.name}: ${engine}`, outcome, fixture.expected));
  };

  const { baseline, compileMs } = await V8Baseline.create(fixture.wasm, fixture.input, fixture.args);
  try {
    const v8First = await baseline.run();
    check('V8', v8First);

    clearNativeCache();
    const nativeFirst = await timed(() => runNative(job, input));
    check('native', fromResult(nativeFirst.value));
    if (interp.steps !== nativeFirst.value.steps) {
      problems.push(`${fixture.name}: steps differ: native ${nativeFirst.value.steps}, interp ${interp.steps}`);
    }
    const fallback = await nativeFallback(job, input);
    const { v8Runs, nativeMs } = await alternateV8AndNative(baseline, job, input, plan.fastRuns);
    return {
      name: fixture.name,
      steps: nativeFirst.value.steps,
      v8: { firstMs: compileMs + v8First.setupMs + v8First.runMs, ...summarizeV8(v8Runs) },
      native: { firstMs: nativeFirst.ms, warmMs: minimum(nativeMs), runs: nativeMs.length, fallback },
      interp: { firstMs: interp.firstMs, ms: interp.ms, runs: interp.runs },
      problems,
    };
  } finally {
    baseline.dispose();
  }
}

/**
 * The best of the warm runs, each part on its own: the machine is shared (other engineers'
 * test runs, two cores), and another process can only ever add time to a run.
 */
export interface V8Summary {
  /** Best setup, best run alone, best setup + run. */
  setupMs: number;
  runMs: number;
  totalMs: number;
  runs: number;
}

export function summarizeV8(runs: readonly V8Run[]): V8Summary {
  return {
    setupMs: minimum(runs.map((r) => r.setupMs)),
    runMs: minimum(runs.map((r) => r.runMs)),
    totalMs: minimum(runs.map((r) => r.setupMs + r.runMs)),
    runs: runs.length,
  };
}

/**
 * `rounds` warm runs of V8 and of the native engine, taking turns so that a burst of load
 * from another process slows both alike instead of skewing their ratio.
 */
async function alternateV8AndNative(
  baseline: V8Baseline,
  job: LoadedJob,
  input: JobInput,
  rounds: number,
): Promise<{ v8Runs: V8Run[]; nativeMs: number[] }> {
  const v8Runs: V8Run[] = [];
  const nativeMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    v8Runs.push(await baseline.run());
    nativeMs.push((await timed(() => runNative(job, input))).ms);
  }
  return { v8Runs, nativeMs };
}

export function runNative(job: LoadedJob, input: JobInput): Promise<RunResult> {
  return runLoaded(job, input, { engine: 'native' });
}

/** Asks the native engine directly (untimed) whether it finishes this job or falls back. */
export async function nativeFallback(job: LoadedJob, input: JobInput): Promise<string | null> {
  const limits = withDefaults();
  const attempt = await attemptNative(job, jobIO(input, limits), limits);
  return attempt.ok ? null : attempt.reason;
}

function fromResult(r: RunResult): Outcome {
  return { exitCode: r.exitCode, trapped: r.status === 'trapped', stdout: r.stdout, stderr: r.stderr };
}

function mismatches(label: string, got: Outcome, expected: FixtureExpectation): string[] {
  const found: string[] = [];
  if (got.trapped !== expected.trapped || got.exitCode !== expected.exitCode) {
    const describe = (o: { trapped: boolean; exitCode: number | null }): string =>
      o.trapped ? 'trapped' : `exit ${o.exitCode}`;
    found.push(`${label} ended with ${describe(got)}, expected ${describe(expected)}`);
  }
  if (!sameBytes(got.stdout, expected.stdout)) found.push(`${label} stdout differs from expected`);
  if (!sameBytes(got.stderr, expected.stderr)) found.push(`${label} stderr differs from expected`);
  return found;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
