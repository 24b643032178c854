// verity prove MODULE.wasm [--input FILE] --step I [--max-steps N] [--progress] [--json] [-- ARGS...]
//
// Runs the job on the interpreter to trace index I (docs/machine-state.md#transitions)
// and prints the one-step proof of the transition from I to I + 1
// (docs/machine-state.md#one-step-proofs): what the last round of the bisection game
// submits to the verifier.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseCount, readJobFiles } from '../job-files.js';
import { progressReporter } from '../progress.js';

/** Parses `--step`: a non-negative integer. */
export function parseStep(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--step must be a step index (a non-negative integer), got '${value}'`);
  }
  return Number(value);
}

interface ProveOptions {
  input?: string;
  step: number;
  maxSteps?: number;
  progress?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('prove')
    .description('print the one-step proof of the transition from a trace index to the next')
    .argument('<module>', 'the job: a WASI command module (.wasm)')
    .argument('[args...]', 'arguments for the job (after --); argv[0] is the module file name')
    .option('-i, --input <file>', 'the job input, read by the job on stdin')
    .requiredOption('--step <i>', 'the trace index whose transition to prove', parseStep)
    .option('--max-steps <n>', 'step budget: the run ends as out-of-steps after n steps', parseCount('--max-steps'))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--json', 'print one JSON object: step, opcode, preStateHash, postStateHash, proof (0x hex)')
    .addHelpText('after', `
"opcode" is the machine row executed (docs/machine.md#machine-code): the wasm opcode,
0xE0 + x for 0xFC x, or negative for a halted state (-1) and the out-of-steps transition (-2).`)
    .action(async (module: string, args: string[], opts: ProveOptions) => {
      const files = readJobFiles(module, opts.input, args);
      const [{ createJobMachine, loadJob }, { withDefaults }, { runToIndex }, { StateCommitter }, { proveStep }] = await Promise.all([
        import('../../vm/job.js'), import('../../vm/run.js'), import('../../vm/state/trace.js'),
        import('../../vm/state/commit.js'), import('../../vm/proof/prove.js'),
      ]);
      const job = loadJob(files.wasm);
      const limits = withDefaults(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps });
      const machine = createJobMachine(job, { input: files.input, args: files.args }, limits);
      const committer = new StateCommitter(machine, limits); // commits the program before the run
      const progress = progressReporter(opts.progress === true || process.stderr.isTTY === true, 'running');
      await runToIndex(machine, opts.step, limits, progress.onProgress);
      progress.done();
      const p = proveStep(machine, committer);
      const proof = '0x' + Buffer.from(p.proof).toString('hex');
      const report = { step: opts.step, opcode: p.opcode, preStateHash: p.preStateHash, postStateHash: p.postStateHash, proof };
      if (opts.json) {
        process.stdout.write(JSON.stringify(report) + '\n');
        return;
      }
      process.stdout.write(`step ${report.step}\nopcode ${report.opcode}\npre ${report.preStateHash}\npost ${report.postStateHash}\n` +
        `proof ${p.proof.length} bytes\n${proof}\n`);
    });
}
