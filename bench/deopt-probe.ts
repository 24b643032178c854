// Does V8 throw away the interpreter's optimized loop while jobs run? A deoptimization of
// runChunk is silent and can leave the loop slower for the rest of the process (a
// written-out i64.div_u that saw its first wide dividend did: about 35% in some processes).
// The warm-up (vm/exec/warmup.ts) exists to prevent it; this probe checks that it does.
//
// The parent spawns this file under `node --trace-deopt` with fixture names; the child
// runs each fixture's job on the interpreter a few times, straight and in slices, and the
// parent counts the bailouts V8 reports for runChunk.

import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Fixture } from '../test/support/fixtures.js';

export interface DeoptProbe {
  /** One line per deoptimization of runChunk: V8's reason and the source position. */
  deopts: string[];
  problems: string[];
}

const RUNS = 3;

/** Runs `fixtures` on the interpreter in a child process under --trace-deopt. */
export function probeDeopts(fixtures: readonly Fixture[]): DeoptProbe {
  const child = spawnSync(process.execPath, ['--trace-deopt-verbose', childScript(), ...fixtures.map((f) => f.name)], {
    stdio: 'pipe',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (child.status !== 0) {
    return { deopts: [], problems: [`deopt probe: the child exited ${child.status}: ${child.stderr.toString().trim().split('\n').pop()}`] };
  }
  const lines = child.stdout.toString().split('\n');
  const deopts: string[] = [];
  lines.forEach((line, k) => {
    if (!/^\[bailout .*<JSFunction runChunk/.test(line)) return;
    const reason = /reason: ([^)]*)\)/.exec(line)?.[1] ?? 'unknown reason';
    const at = lines.slice(k + 1, k + 6).find((l) => l.includes('deoptimize at'));
    const position = at === undefined ? '' : ` at ${/<([^>]*)>/.exec(at)?.[1]?.replace(/^.*\/dist\//, 'dist/') ?? ''}`;
    deopts.push(`${reason}${position}`);
  });
  return {
    deopts,
    problems: deopts.map((d) => `the interpreter loop (runChunk) was deoptimized: ${d}; a case lacks warm-up feedback (vm/exec/warmup.ts)`),
  };
}

/** This file as built JavaScript: the child runs dist/, also when a test imports the TypeScript source. */
function childScript(): string {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.js')) return self;
  return join(dirname(dirname(self)), 'dist', 'bench', basename(self).replace(/\.ts$/, '.js'));
}

async function child(names: string[]): Promise<void> {
  const { loadFixture } = await import('../test/support/fixtures.js');
  const { loadJob, createJobMachine } = await import('../vm/job.js');
  const { runLoaded } = await import('../vm/run.js');
  for (const name of names) {
    const fixture = loadFixture(name);
    const job = loadJob(fixture.wasm);
    const input = { input: fixture.input, args: fixture.args };
    for (let i = 0; i < RUNS; i++) await runLoaded(job, input, { engine: 'interp' });
    // In slices too: the loop's paths at the end of a budget.
    const machine = createJobMachine(job, input);
    const maxSteps = machine.maxSteps;
    while (machine.status === 'running' || (machine.status === 'out-of-steps' && machine.steps < maxSteps)) {
      machine.status = 'running';
      machine.maxSteps = Math.min(maxSteps, machine.steps + 9_999);
      machine.run();
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await child(process.argv.slice(2));
}
