// verity status JOB [--json]: the job's state on chain, its result and its games.
import type { Command } from 'commander';
import { networkOptions, parseJobId, type NetworkOptions } from '../network.js';

export function register(program: Command): void {
  const command = program
    .command('status')
    .description("show a job's state, result and dispute games")
    .argument('<job>', 'job id', parseJobId)
    .option('--json', 'print one JSON object');
  networkOptions(command);
  command.action(async (jobId: bigint, opts: NetworkOptions & { json?: boolean }) => {
    const { loadDeployment, checkChain } = await import('../network.js');
    const deployment = await loadDeployment(opts);
    await checkChain(deployment);
    const { jobStatus, formatJobStatus } = await import('../../node/runtime/job-status.js');
    const status = await jobStatus(deployment, jobId);
    process.stdout.write(opts.json ? JSON.stringify(status) + '\n' : formatJobStatus(status));
  });
}
