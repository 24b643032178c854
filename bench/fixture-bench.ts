// One fixture on the three engines: V8 through node:wasi (the baseline), Verity's native
// engine and Verity's interpreter. The engines take turns round by round, so a burst of
// load from another process slows all three alike instead of skewing one ratio.
// Every engine's first result is checked against the fixture's expected files (and the
// step counts against each other): a bench that timed a wrong answer would mislead.

import type { Fixture, FixtureExpectation } from '../test/support/fixtures.js';
import { jobIO, loadJob, type JobInput, type LoadedJob, type RunResult } from '../vm/job.js';
import { attemptNative, clearNativeCache } from '../vm/native/engine.js';
import { runLoaded, withDefaults } from '../vm/run.js';
import { median, timed } from './stats.js';
import { V8Baseline, type V8Run } from './v8-baseline.js';

export interface RepeatPlan {
  /** Warm runs of V8 and of the native engine, each. */
  fastRuns: number;
  /** Runs of the interpreter (the first one included: it has nothing to compile). */
  interpRuns: number;
  /** No further interpreter run starts once this much interpreter time is spent on a fixture. */
  interpBudgetMs: number;
}

export interface FixtureBench {
  name: string;
  steps: number;
  v8: {
    /** compile + setup + run of the first instance. */
    firstMs: number;
    /** Medians over the warm runs: setup, and setup + run. */
    setupMs: number;
    totalMs: number;
    runs: number;
  };
  native: {
    /** The first run after clearing the cache: instrumentation, encoding, compilation, run. */
    firstMs: number;
    /** Median of the warm runs (compiled module cached; instantiation and host included). */
    warmMs: number;
    runs: number;
    /** Why the native engine hands this job to the interpreter; null when it finishes it. */
    fallback: string | null;
  };
  interp: { ms: number; runs: number };
  /** Wrong results or disagreeing step counts; empty when all is well. */
  problems: string[];
}

interface Outcome {
  exitCode: number | null;
  trapped: boolean;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

export async function benchFixture(fixture: Fixture, plan: RepeatPlan): Promise<FixtureBench> {
  const job = loadJob(fixture.wasm);
  const input: JobInput = { input: fixture.input, args: fixture.args };
  const problems: string[] = [];
  const check = (engine: string, outcome: Outcome): void =>
    problems.push(...mismatches(`${fixture.name}: ${engine}`, outcome, fixture.expected));

  const { baseline, compileMs } = await V8Baseline.create(fixture.wasm, fixture.input, fixture.args);
  try {
    const v8First = await baseline.run();
    check('V8', v8First);

    clearNativeCache();
    const nativeFirst = await timed(() => runNative(job, input));
    check('native', fromResult(nativeFirst.value));
    const fallback = await nativeFallback(job, input);

    const interpFirst = await timed(() => runLoaded(job, input, { engine: 'interp' }));
    check('interp', fromResult(interpFirst.value));
    if (interpFirst.value.steps !== nativeFirst.value.steps) {
      problems.push(`${fixture.name}: steps differ: native ${nativeFirst.value.steps}, interp ${interpFirst.value.steps}`);
    }

    const v8Runs: V8Run[] = [];
    const nativeMs: number[] = [];
    const interpMs = [interpFirst.ms];
    const interpSpent = (): number => interpMs.reduce((a, b) => a + b, 0);
    for (let round = 0; round < plan.fastRuns; round++) {
      v8Runs.push(await baseline.run());
      nativeMs.push((await timed(() => runNative(job, input))).ms);
      if (interpMs.length < plan.interpRuns && interpSpent() < plan.interpBudgetMs) {
        interpMs.push((await timed(() => runLoaded(job, input, { engine: 'interp' }))).ms);
      }
    }
    return {
      name: fixture.name,
      steps: nativeFirst.value.steps,
      v8: {
        firstMs: compileMs + v8First.setupMs + v8First.runMs,
        setupMs: median(v8Runs.map((r) => r.setupMs)),
        totalMs: median(v8Runs.map((r) => r.setupMs + r.runMs)),
        runs: v8Runs.length,
      },
      native: { firstMs: nativeFirst.ms, warmMs: median(nativeMs), runs: nativeMs.length, fallback },
      interp: { ms: median(interpMs), runs: interpMs.length },
      problems,
    };
  } finally {
    baseline.dispose();
  }
}

function runNative(job: LoadedJob, input: JobInput): Promise<RunResult> {
  return runLoaded(job, input, { engine: 'native' });
}

/** Asks the native engine directly (untimed) whether it finishes this job or falls back. */
async function nativeFallback(job: LoadedJob, input: JobInput): Promise<string | null> {
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
