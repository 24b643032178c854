// A/B of two builds of the interpreter in ONE process: alternating runs of each fixture,
// so that this machine's process-to-process noise (5-8%) cancels out and a 1-2% change
// shows. Usage, from the repository root:
//
//   cp -r dist distA            # the baseline build
//   (change the code) && npm run build && cp -r dist distB
//   node dist/bench/interp-ab.js distA distB floats32,sort,nbody,loop 30
//
// Both directories must lie inside the repository (their imports resolve node_modules and
// fixtures from there). Run it in both orders (A B, then B A) before believing a result:
// the build that runs first in a round can be favoured or penalised by the other's garbage.
// Prints per fixture the minimum and first quartile of each build and their ratios.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Build {
  loadFixture(name: string): { wasm: Uint8Array; input: unknown; args: unknown };
  loadJob(wasm: Uint8Array): unknown;
  runLoaded(job: unknown, input: unknown, options: { engine: 'interp' }): Promise<unknown>;
}

async function loadBuild(dir: string): Promise<Build> {
  const url = (path: string): string => pathToFileURL(resolve(dir, path)).href;
  const fixtures = await import(url('test/support/fixtures.js'));
  const job = await import(url('vm/job.js'));
  const run = await import(url('vm/run.js'));
  return { loadFixture: fixtures.loadFixture, loadJob: job.loadJob, runLoaded: run.runLoaded };
}

function quartile(sorted: number[]): number {
  return sorted[sorted.length >> 2];
}

async function main(): Promise<void> {
  const [dirA, dirB, list = 'floats32,sort,nbody,loop', roundsArg = '30'] = process.argv.slice(2);
  if (dirA === undefined || dirB === undefined) {
    console.error('usage: node dist/bench/interp-ab.js DIR_A DIR_B [fixtures] [rounds]');
    process.exit(2);
  }
  const rounds = Number(roundsArg);
  if (!Number.isInteger(rounds) || rounds < 4) {
    console.error(`rounds must be an integer of at least 4, not ${roundsArg}`);
    process.exit(2);
  }
  const a = await loadBuild(dirA);
  const b = await loadBuild(dirB);
  for (const name of list.split(',')) {
    const runner = (build: Build): (() => Promise<unknown>) => {
      const f = build.loadFixture(name);
      const job = build.loadJob(f.wasm);
      const input = { input: f.input, args: f.args };
      return () => build.runLoaded(job, input, { engine: 'interp' });
    };
    const runA = runner(a);
    const runB = runner(b);
    for (let i = 0; i < 3; i++) { await runA(); await runB(); } // both optimized before timing
    const timesA: number[] = [];
    const timesB: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      await runA();
      timesA.push(performance.now() - t);
      t = performance.now();
      await runB();
      timesB.push(performance.now() - t);
    }
    timesA.sort((x, y) => x - y);
    timesB.sort((x, y) => x - y);
    const ms = (x: number): string => x.toFixed(2).padStart(7);
    console.log(`${name.padEnd(10)} A min ${ms(timesA[0])} q1 ${ms(quartile(timesA))} | B min ${ms(timesB[0])} q1 ${ms(quartile(timesB))}` +
      ` | B/A min ${(timesB[0] / timesA[0]).toFixed(3)} q1 ${(quartile(timesB) / quartile(timesA)).toFixed(3)}`);
  }
}

await main();
