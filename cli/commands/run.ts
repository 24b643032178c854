// verity run MODULE.wasm [--input FILE] [--engine interp|native] [--max-steps N] [--json] [-- ARGS...]
import { Option, type Command } from 'commander';
import { parseCount, readJobFiles } from '../job-files.js';

/** Exit code of `verity run` when the job trapped or ran out of steps (sysexits EX_SOFTWARE). */
export const EXIT_JOB_FAILED = 70;

export function register(program: Command): void {
  program
    .command('run')
    .description('run a WASI job deterministically and report its result')
    .argument('<module>', 'the job: a WASI command module (.wasm)')
    .argument('[args...]', 'arguments for the job (after --); argv[0] is the module file name')
    .option('-i, --input <file>', 'the job input, read by the job on stdin')
    .addOption(new Option('-e, --engine <engine>', 'execution engine').choices(['interp', 'native']).default('native'))
    .option('--max-steps <n>', 'step budget: the run ends as out-of-steps after n steps', parseCount('--max-steps'))
    .option('--json', 'print one JSON object: status, exitCode, trap, steps, stdout, stderr (base64), outputHash')
    .addHelpText('after', `
Plain mode passes the job's stdout and stderr through and exits with the job's exit code;
a job that traps or runs out of steps prints one line on stderr and exits ${EXIT_JOB_FAILED}.`)
    .action(async (module: string, args: string[], opts: { input?: string; engine: 'interp' | 'native'; maxSteps?: number; json?: boolean }) => {
      const files = readJobFiles(module, opts.input, args);
      const { runJob, runReport } = await import('../../vm/run.js');
      const result = await runJob(files.wasm, { input: files.input, args: files.args }, {
        engine: opts.engine,
        limits: opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps },
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify(runReport(result)) + '\n');
        return;
      }
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      if (result.status === 'exited') {
        process.exitCode = (result.exitCode ?? 0) & 0xff;
      } else {
        const why = result.status === 'trapped' ? `trapped: ${result.trap}` : 'ran out of steps';
        process.stderr.write(`verity: job ${why} after ${result.steps} steps\n`);
        process.exitCode = EXIT_JOB_FAILED;
      }
    });
}
