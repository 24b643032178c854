// `npm run build && node dist/bench/state-bench.js [--quick]`: the cost of the state
// commitment (vm/state/) on a machine with 256 MiB of memory (4096 pages, the default
// limit): the first hash (cold: every nonzero leaf hashed) and later hashes (warm: a few
// steps dirtied a few leaves; the rest of the cost is diffing the arrays against the
// committed copies). Prints a Markdown table.

import { randomFillSync } from 'node:crypto';
import { arch, cpus, platform } from 'node:os';
import { parseArgs } from 'node:util';
import { createJobMachine, loadJob } from '../vm/job.js';
import { DEFAULT_LIMITS } from '../vm/exec/limits.js';
import type { Machine } from '../vm/exec/interpret.js';
import { I32 } from '../vm/syntax/types.js';
import { StateCommitter } from '../vm/state/commit.js';
import { jobBytes, VOID } from '../test/native/build.js';
import { formatMs, markdownTable } from './format.js';

const PAGES = 4096;

/** Stores its counter at a scattered address every 10 steps: one dirty leaf per 10 steps. */
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

function newMachine(): Machine {
  const job = loadJob(jobBytes({ memory: { min: PAGES, max: PAGES }, funcs: [{ type: VOID, locals: [I32], body: SCATTER }] }));
  return createJobMachine(job, { input: new Uint8Array(0), args: ['scatter'] }, DEFAULT_LIMITS);
}

function time(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median time of a hash after running `steps` more steps (~steps/10 dirty memory leaves). */
function warm(machine: Machine, committer: StateCommitter, steps: number, repeats: number): number {
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    if (steps > 0) {
      machine.status = 'running';
      machine.maxSteps = machine.steps + steps;
      machine.run();
    }
    times.push(time(() => committer.stateHash()));
  }
  return median(times);
}

function main(): void {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const repeats = values.quick ? 3 : 9;
  const rows: string[][] = [];
  const row = (what: string, ms: number, note = ''): void => {
    rows.push([what, formatMs(ms), note]);
    process.stderr.write(`state-bench: ${what}: ${formatMs(ms)} ms\n`);
  };

  const machine = newMachine();
  let committer!: StateCommitter;
  row('program commitment (image, input, header)', time(() => { committer = new StateCommitter(machine, DEFAULT_LIMITS); }));
  row('cold hash, 256 MiB memory all zero', time(() => committer.stateHash()), 'first hash of a fresh machine');
  row('warm hash, nothing changed', warm(machine, committer, 0, repeats), 'diff of all arrays only');
  for (const steps of [10, 1000, 100_000]) {
    const leaves = steps / 10;
    row(`warm hash after ${steps.toLocaleString('en-US')} steps`, warm(machine, committer, steps, repeats),
      `~${leaves.toLocaleString('en-US')} dirty memory ${leaves === 1 ? 'leaf' : 'leaves'}`);
  }

  // Worst case: every byte of memory nonzero, so every leaf and node is hashed.
  const memory = machine.store.mems[0].bytes;
  for (let at = 0; at < memory.length; at += 1 << 16) randomFillSync(memory, at, 1 << 16);
  const fresh = new StateCommitter(machine, DEFAULT_LIMITS, committer.program);
  const coldMs = time(() => fresh.stateHash());
  row('cold hash, 256 MiB memory all random', coldMs, `${(256 / (coldMs / 1000)).toFixed(1)} MiB/s; 2^24 keccak calls`);
  row('warm hash after 10 steps (random memory)', warm(machine, fresh, 10, repeats), '~1 dirty memory leaf');
  row('warm hash after 1,000 steps (random memory)', warm(machine, fresh, 1000, repeats), '~100 dirty memory leaves');

  // Another machine of the job (as restored from a snapshot): same memory but ~100 leaves.
  const other = newMachine();
  other.store.mems[0].bytes.set(memory);
  other.maxSteps = 1000;
  other.run();
  row('attach to another machine, then hash', time(() => { fresh.attach(other); fresh.stateHash(); }), 'states differ in ~100 memory leaves');

  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  process.stdout.write([
    `### State commitment (${platform()} ${arch()}, ${cpu}, Node ${process.version}; median of ${repeats} for warm)`,
    '',
    markdownTable(['hash', 'ms', 'note'], rows),
    '',
  ].join('\n'));
}

main();
