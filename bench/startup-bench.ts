// Whole-process wall time of the CLI, as a user sees it: spawn, run, exit. `node -e 0` is
// the baseline (Node's own startup, measured in the same run). The rows in between split
// the difference: `verity --version` loads the CLI without the VM; importing vm/run.js
// loads the modules `verity run` loads; the interpreter row runs the same job without the
// native engine's instrumentation and compilation.

import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Fixture } from '../test/support/fixtures.js';
import { median, minimum } from './stats.js';

export interface StartupRow {
  label: string;
  minMs: number;
  medianMs: number;
  runs: number;
}

interface Command {
  label: string;
  args: string[];
  /** The exit status the command must end with, or the run is reported as a problem. */
  status: number;
}

export interface StartupBench {
  rows: StartupRow[];
  problems: string[];
}

/** Times each command `runs` times, taking turns so that load from elsewhere hits all alike. */
export function benchStartup(exitCodeFixture: Fixture, runs: number): StartupBench {
  const root = dirname(dirname(exitCodeFixture.dir));
  const verity = join(root, 'bin', 'verity.js');
  const wasm = join(exitCodeFixture.dir, `${exitCodeFixture.name}.wasm`);
  const runVm = pathToFileURL(join(root, 'dist', 'vm', 'run.js')).href;
  // The fixture's own argv; argv[0] is the module's file name either way.
  const jobArgs = ['--', ...exitCodeFixture.args.slice(1)];
  const jobStatus = exitCodeFixture.expected.exitCode ?? -1;
  const commands: Command[] = [
    { label: 'node -e 0', args: ['-e', '0'], status: 0 },
    { label: 'verity --version', args: [verity, '--version'], status: 0 },
    { label: 'node: import dist/vm/run.js', args: ['--input-type=module', '-e', `await import(${JSON.stringify(runVm)})`], status: 0 },
    { label: `verity run --engine interp ${exitCodeFixture.name}`, args: [verity, 'run', '--engine', 'interp', wasm, ...jobArgs], status: jobStatus },
    { label: `verity run ${exitCodeFixture.name}`, args: [verity, 'run', wasm, ...jobArgs], status: jobStatus },
  ];
  const samples = commands.map((): number[] => []);
  const problems: string[] = [];
  for (let round = 0; round < runs; round++) {
    commands.forEach((command, i) => {
      const start = performance.now();
      const child = spawnSync(process.execPath, command.args, { cwd: root, stdio: 'pipe' });
      samples[i].push(performance.now() - start);
      if (child.status !== command.status) {
        problems.push(`startup: \`${command.label}\` exited ${child.status}, expected ${command.status}: ${child.stderr.toString().trim()}`);
      }
    });
  }
  const rows = commands.map((command, i) => ({
    label: command.label,
    minMs: minimum(samples[i]),
    medianMs: median(samples[i]),
    runs,
  }));
  // One message per failing command is enough.
  return { rows, problems: [...new Set(problems)] };
}
