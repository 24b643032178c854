// verity trace MODULE.wasm [--input FILE] --at I,J,... [--max-steps N] [--interval K] [--progress] [--json] [-- ARGS...]
//
// Runs the job once on the interpreter, keeping snapshots (vm/state/trace.ts), and
// prints the state hashes at trace indices I, J, ... (docs/machine-state.md#transitions):
// what a party of the bisection game posts for the boundaries of a round.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseCount, readJobFiles } from '../job-files.js';
import { progressReporter } from '../progress.js';

/** Parses `--at`: comma-separated non-negative integers, in the order given. */
export function parseSteps(value: string): number[] {
  const parts = value.split(',');
  if (!parts.every((p) => /^\d+$/.test(p) && Number.isSafeInteger(Number(p)))) {
    throw new UsageError(`--at must be a comma-separated list of step indices, got '${value}'`);
  }
  return parts.map(Number);
}

interface TraceOptions {
  input?: string;
  at: number[];
  maxSteps?: number;
  interval?: number;
  progress?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('trace')
    .description('print the state hashes of a job at the given steps (trace indices)')
    .argument('<module>', 'the job: a WASI command module (.wasm)')
    .argument('[args...]', 'arguments for the job (after --); argv[0] is the module file name')
    .option('-i, --input <file>', 'the job input, read by the job on stdin')
    .requiredOption('--at <steps>', 'comma-separated trace indices; past the end means the final state', parseSteps)
    .option('--max-steps <n>', 'step budget: the run ends as out-of-steps after n steps', parseCount('--max-steps'))
    .option('--interval <k>', 'steps between snapshots (default: chosen by the pass)', parseCount('--interval'))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--json', 'print one JSON object: {"steps": n, "hashes": [{"step": i, "stateHash": "0x.."}]}')
    .addHelpText('after', `
Trace index i is the state after i transitions (docs/machine-state.md): the state after i
steps while the job runs; a halted state stays as it is. "steps" is the run's step count.`)
    .action(async (module: string, args: string[], opts: TraceOptions) => {
      const files = readJobFiles(module, opts.input, args);
      const [{ loadJob }, { withDefaults }, { Trace }] = await Promise.all([
        import('../../vm/job.js'), import('../../vm/run.js'), import('../../vm/state/trace.js'),
      ]);
      const job = loadJob(files.wasm);
      const limits = withDefaults(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps });
      const progress = progressReporter(opts.progress === true || process.stderr.isTTY === true, 'tracing');
      const trace = await Trace.record(job, { input: files.input, args: files.args }, limits, {
        interval: opts.interval,
        onProgress: progress.onProgress,
      });
      progress.done();
      const hashes = trace.hashesAt(opts.at);
      if (opts.json) {
        const report = { steps: trace.steps, hashes: opts.at.map((step, k) => ({ step, stateHash: hashes[k] })) };
        process.stdout.write(JSON.stringify(report) + '\n');
        return;
      }
      process.stdout.write(`steps ${trace.steps}\n`);
      opts.at.forEach((step, k) => process.stdout.write(`${step} ${hashes[k]}\n`));
    });
}
