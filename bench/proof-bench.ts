// Part 2 targets, measured (docs/benchmarks.md): the proof of a random step of a long
// job after one checkpointing pass, against a plain interpreter run of the same job
// measured in the same process; and proof sizes over random steps of every fixture.
//
//   node dist/bench/proof-bench.js [--iterations N] [--samples K]
// `loop` with N iterations runs about 172 N steps (5,800,000 -> ~1e9).

import { loadJob, runInterpreted } from '../vm/job.js';
import { DEFAULT_LIMITS } from '../vm/exec/limits.js';
import { Trace } from '../vm/state/trace.js';
import { verifyStep } from '../vm/proof/verify.js';
import { loadFixtures } from '../test/support/fixtures.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Deterministic sample of step indices in [0, n). */
function sampleIndices(n: number, k: number, seed: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(Math.floor((x / 2 ** 32) * n));
  }
  return out;
}

async function longJob(iterations: number, samples: number): Promise<void> {
  const fx = loadFixtures().find((f) => f.name === 'loop')!;
  const job = loadJob(fx.wasm);
  const input = { input: fx.input, args: ['loop', String(iterations)] };
  let t = performance.now();
  const plain = runInterpreted(job, input, DEFAULT_LIMITS);
  const plainMs = performance.now() - t;
  t = performance.now();
  const trace = await Trace.record(job, input, DEFAULT_LIMITS);
  const passMs = performance.now() - t;
  console.log(`loop ${iterations}: ${plain.steps.toLocaleString()} steps; plain interpreter ${(plainMs / 1000).toFixed(1)} s; ` +
    `checkpointing pass ${(passMs / 1000).toFixed(1)} s = ${(passMs / plainMs).toFixed(2)}x; ${trace.snapshotCount} snapshots, ` +
    `${(trace.snapshotBytes() / 2 ** 20).toFixed(1)} MiB`);
  const times: number[] = [];
  for (const i of sampleIndices(trace.length, samples, 7)) {
    t = performance.now();
    const p = trace.proofAt(i);
    const ms = performance.now() - t;
    if (verifyStep(p.preStateHash, p.proof) !== p.postStateHash) throw new Error(`proof at ${i} does not verify`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  console.log(`proof of a random step (${samples} samples, verified): median ${quantile(times, 0.5).toFixed(0)} ms, ` +
    `max ${times[times.length - 1].toFixed(0)} ms`);
}

async function sizes(samplesPerFixture: number): Promise<void> {
  const all: number[] = [];
  let largest = { bytes: 0, where: '' };
  for (const fx of loadFixtures()) {
    const job = loadJob(fx.wasm);
    const trace = await Trace.record(job, { input: fx.input, args: fx.args }, DEFAULT_LIMITS);
    for (const i of sampleIndices(trace.length, samplesPerFixture, 11)) {
      const p = trace.proofAt(i);
      all.push(p.proof.length);
      if (p.proof.length > largest.bytes) largest = { bytes: p.proof.length, where: `${fx.name} step ${i} (opcode 0x${p.opcode.toString(16)})` };
    }
  }
  all.sort((a, b) => a - b);
  console.log(`proof sizes over ${all.length} random steps of ${loadFixtures().length} fixtures: median ${quantile(all, 0.5)} B, ` +
    `p90 ${quantile(all, 0.9)} B, max ${largest.bytes} B (${largest.where})`);
}

await sizes(arg('--samples', 200));
await longJob(arg('--iterations', 5_800_000), 20);
