// verity result JOB [--out FILE] [--json]: the job's output bytes, checked against the
// output digest of its result on chain. Exits 1 while there is no final result, unless
// --any-state accepts a result still in its challenge period.
import type { Command } from 'commander';
import { networkOptions, parseJobId, type NetworkOptions } from '../network.js';

interface ResultOptions extends NetworkOptions {
  out?: string;
  json?: boolean;
  anyState?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('result')
    .description("print a job's output, checked against the result's on-chain output digest")
    .argument('<job>', 'job id', parseJobId)
    .option('-o, --out <file>', 'write the output bytes to a file instead of stdout')
    .option('--any-state', 'also print a result that is still challengeable (not final yet)')
    .option('--json', 'print one JSON object: state, status, exit code, output (base64), digest');
  networkOptions(command);
  command.action(async (jobId: bigint, opts: ResultOptions) => {
    const { loadDeployment, checkChain } = await import('../network.js');
    const deployment = await loadDeployment(opts);
    await checkChain(deployment);
    const { jobStatus } = await import('../../node/runtime/job-status.js');
    const s = await jobStatus(deployment, jobId);
    if (s.result === null) throw new Error(`job ${jobId} has no result yet (state ${s.state})`);
    if (s.state !== 'Finalized' && !opts.anyState) {
      throw new Error(`job ${jobId}'s result is not final yet (challengeable until ${new Date(s.deadline * 1000).toISOString()}); --any-state shows it anyway`);
    }
    if (s.output === null) throw new Error(`the output of job ${jobId} was not published on chain (only its digest ${s.result.outputDigest} is)`);
    if (opts.json) {
      process.stdout.write(JSON.stringify({
        jobId: s.jobId, state: s.state, status: s.result.status, exitCode: s.result.exitCode, steps: s.result.steps,
        outputDigest: s.result.outputDigest, output: Buffer.from(s.output).toString('base64'),
      }) + '\n');
    } else if (opts.out !== undefined) {
      const { writeFileSync, renameSync } = await import('node:fs');
      writeFileSync(`${opts.out}.tmp`, s.output);
      renameSync(`${opts.out}.tmp`, opts.out);
      process.stderr.write(`wrote ${s.output.length} bytes to ${opts.out} (digest ${s.result.outputDigest} checked)\n`);
    } else {
      process.stdout.write(s.output);
    }
  });
}
