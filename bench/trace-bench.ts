// `npm run build && node dist/bench/trace-bench.js [--quick] [--iterations N]`: the
// cost of random access into a run (vm/state/trace.ts) on the `loop` fixture (600,000
// iterations, about 1.03e8 steps): the checkpointing pass against a plain interpreter
// run (ratio), the time to reach a random step from the nearest snapshot, the time of a
// state hash there, and the snapshots' memory, for several snapshot intervals and the
// default (adaptive) one; then the same extrapolated to 1e9 steps. A second table is
// the worst case for snapshots: 256 MiB of memory (the default limit) with a store to a
// scattered address every 10 steps, so every page changes between snapshots (the pass
// doubles its interval and thins its snapshots to stay in time and memory budgets).
// Prints Markdown.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, cpus, platform } from 'node:os';
import { parseArgs } from 'node:util';
import { createJobMachine, loadJob, type JobInput, type LoadedJob } from '../vm/job.js';
import { DEFAULT_LIMITS, type MachineLimits } from '../vm/exec/limits.js';
import { I32 } from '../vm/syntax/types.js';
import { Trace } from '../vm/state/trace.js';
import { fixturesRoot } from '../test/support/fixtures.js';
import { jobBytes, VOID } from '../test/native/build.js';
import { formatCount, formatMs, formatRatio, markdownTable } from './format.js';

const BILLION = 1e9;

function time<T>(f: () => T): [T, number] {
  const t = performance.now();
  const value = f();
  return [value, performance.now() - t];
}

async function timeAsync<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await f();
  return [value, performance.now() - t];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Stores its counter at a scattered address every 10 steps, forever (as in state-bench). */
const SCATTER = `
  loop
    local.get 0
    local.get 0
    i32.store 2 0
    local.get 0
    i32.const 1048573
    i32.add
    i32.const 0x0ffffffc
    i32.and
    local.set 0
    br 0
  end
  end`;

function plainRun(job: LoadedJob, input: JobInput, limits: MachineLimits = DEFAULT_LIMITS): [number, number] {
  const machine = createJobMachine(job, input, limits);
  const [, ms] = time(() => machine.run());
  return [ms, machine.steps];
}

function mib(bytes: number): string {
  const m = bytes / (1 << 20);
  return m >= 100 ? m.toFixed(0) : m >= 1 ? m.toFixed(1) : m.toFixed(3);
}

/** Deterministic "random" steps for the reach measurements. */
function sampleSteps(length: number, n: number): number[] {
  let x = 0x9e3779b9;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out.push(Math.floor((x / 2 ** 32) * length));
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, iterations: { type: 'string', default: '600000' } },
  });
  const quick = values.quick;
  const wasm = readFileSync(join(fixturesRoot(), 'loop', 'loop.wasm'));
  const job = loadJob(wasm);
  const input: JobInput = { input: new Uint8Array(0), args: ['loop', values.iterations] };
  const log = (line: string): void => { process.stderr.write(`trace-bench: ${line}\n`); };

  plainRun(job, input); // warm-up: the interpreter's loop gets optimized
  const plainTimes: number[] = [];
  let steps = 0;
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    const [ms, n] = plainRun(job, input);
    plainTimes.push(ms);
    steps = n;
  }
  const plainMs = median(plainTimes);
  const rate = steps / plainMs; // steps per ms
  log(`plain run: ${formatCount(steps)} steps in ${formatMs(plainMs)} ms`);

  const intervals: (number | undefined)[] = quick ? [1 << 18, undefined] : [1 << 16, 1 << 18, 1 << 20, 1 << 22, undefined];
  const samples = quick ? 5 : 15;
  const rows: string[][] = [];
  const estimates: string[][] = [];
  let dissection = ['-', '-'];
  for (const interval of intervals) {
    const [trace, recordMs] = await timeAsync(() => Trace.record(job, input, DEFAULT_LIMITS, { interval }));
    const bytes = trace.snapshotBytes();
    const reach: number[] = [];
    const hash: number[] = [];
    for (const i of sampleSteps(trace.length, samples)) {
      const [, reachMs] = time(() => trace.stateAt(i));
      reach.push(reachMs);
      const [, hashMs] = time(() => trace.hashAt(i));
      hash.push(hashMs);
    }
    if (interval === undefined) {
      // One round of a 16-way dissection over the whole run, then over a narrow range.
      const [, wideMs] = time(() => trace.evenlySpaced(0, trace.length, 16));
      const mid = Math.floor(trace.length / 3);
      const [, narrowMs] = time(() => trace.evenlySpaced(mid, mid + 100_000, 16));
      dissection = [formatMs(wideMs), formatMs(narrowMs)];
      log(`evenlySpaced k=16: whole run ${formatMs(wideMs)} ms, 100,000 steps ${formatMs(narrowMs)} ms`);
    }
    const ratio = recordMs / plainMs;
    const name = interval === undefined ? `default (ends at ${formatCount(trace.interval)})` : formatCount(interval);
    log(`interval ${name}: pass ${formatMs(recordMs)} ms (${formatRatio(ratio)}), ${trace.snapshotCount} snapshots, ${mib(bytes)} MiB`);
    rows.push([
      name, formatMs(recordMs), formatRatio(ratio), formatCount(trace.snapshotCount), mib(bytes),
      formatMs(median(reach)), formatMs(Math.max(...reach)), formatMs(median(hash)),
    ]);
    // 1e9 steps: the pass scales with the steps, the snapshot count with steps / interval;
    // per-snapshot bytes as measured (this job's working set); reaching a step does not grow.
    const k = trace.interval;
    const scale = BILLION / steps;
    estimates.push([
      name, formatMs((recordMs * scale) / 1000), formatCount(BILLION / k + 1), mib((bytes / trace.snapshotCount) * (BILLION / k + 1)),
      formatMs(median(reach)),
    ]);
  }

  // Worst case: 256 MiB, every page dirty between snapshots.
  const scatter = loadJob(jobBytes({ memory: { min: 4096, max: 4096 }, funcs: [{ type: VOID, locals: [I32], body: SCATTER }] }));
  const scatterInput: JobInput = { input: new Uint8Array(0), args: ['scatter'] };
  const scatterLimits = { ...DEFAULT_LIMITS, maxSteps: quick ? 10_000_000 : 40_000_000 };
  plainRun(scatter, scatterInput, scatterLimits);
  const [scatterPlainMs] = plainRun(scatter, scatterInput, scatterLimits);
  const [scatterTrace, scatterMs] = await timeAsync(() => Trace.record(scatter, scatterInput, scatterLimits));
  const scatterReach = sampleSteps(scatterTrace.length, 5).map((i) => time(() => scatterTrace.stateAt(i))[1]);
  log(`scatter: plain ${formatMs(scatterPlainMs)} ms, pass ${formatMs(scatterMs)} ms, ${scatterTrace.snapshotCount} snapshots`);

  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  process.stdout.write([
    `### Random access into a run: \`loop\` ${values.iterations} iterations, ${formatCount(steps)} steps (${platform()} ${arch()}, ${cpu}, Node ${process.version})`,
    '',
    `Plain interpreter run: ${formatMs(plainMs)} ms (${(rate / 1000).toFixed(1)} M steps/s, median of ${plainTimes.length}).`,
    `Reach and hash: median / max over ${samples} random trace indices (stateAt restores the nearest snapshot and runs on; hashAt also hashes the state).`,
    '',
    markdownTable(['interval (steps)', 'pass ms', 'pass / plain', 'snapshots', 'snapshot MiB', 'reach ms (median)', 'reach ms (max)', 'hashAt ms'], rows),
    '',
    `One dissection round with the default interval, \`evenlySpaced(start, end, 16)\` (17 hashes): whole run ${dissection[0]} ms, a range of 100,000 steps ${dissection[1]} ms.`,
    '',
    `Estimated for 1e9 steps (same job, same rate):`,
    '',
    markdownTable(['interval (steps)', 'pass s', 'snapshots', 'snapshot MiB', 'reach ms (median)'], estimates),
    '',
    `Worst case for snapshots: 256 MiB memory, every page written between snapshots, ${formatCount(scatterLimits.maxSteps)} steps, default interval:`,
    '',
    markdownTable(['plain ms', 'pass ms', 'pass / plain', 'final interval', 'snapshots', 'snapshot MiB', 'reach ms (median)'], [[
      formatMs(scatterPlainMs), formatMs(scatterMs), formatRatio(scatterMs / scatterPlainMs), formatCount(scatterTrace.interval),
      formatCount(scatterTrace.snapshotCount), mib(scatterTrace.snapshotBytes()), formatMs(median(scatterReach)),
    ]]),
    '',
  ].join('\n'));
}

await main();
