// verity state-hash MODULE.wasm [--input FILE] [--max-steps N] [--json] [-- ARGS...]
import type { Command } from 'commander';
import { parseCount, readJobFiles } from '../job-files.js';

export function register(program: Command): void {
  program
    .command('state-hash')
    .description("print a job's initial state hash: what the job commits to on chain")
    .argument('<module>', 'the job: a WASI command module (.wasm)')
    .argument('[args...]', 'arguments for the job (after --); argv[0] is the module file name')
    .option('-i, --input <file>', 'the job input, read by the job on stdin')
    .option('--max-steps <n>', 'step budget of the job (part of the hash)', parseCount('--max-steps'))
    .option('--json', 'print one JSON object: stateHash, programHash')
    .addHelpText('after', `
The hash covers the module, the input, argv and the limits (docs/machine-state.md):
the same job gives the same hash on every machine.`)
    .action(async (module: string, args: string[], opts: { input?: string; maxSteps?: number; json?: boolean }) => {
      const files = readJobFiles(module, opts.input, args);
      const { initialCommitment } = await import('../../vm/state/commit.js');
      const commitment = initialCommitment(files.wasm, { input: files.input, args: files.args },
        opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps });
      process.stdout.write(opts.json ? JSON.stringify(commitment) + '\n' : commitment.stateHash + '\n');
    });
}
