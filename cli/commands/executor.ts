// verity executor [--key K | --account N] [--fault MODE] [--jobs 1,2] [--store DIR] [--json]
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { keyOptions, networkOptions } from '../network.js';
import { nodeOptions, type NodeCommandOptions } from '../run-node.js';

interface ExecutorOptions extends NodeCommandOptions {
  fault?: string;
  jobs?: string;
  reopenedOnly?: boolean;
}

function parseJobList(value: string): Set<string> {
  const ids = value.split(',').map((s) => s.trim());
  if (ids.some((id) => !/^[1-9]\d*$/.test(id))) throw new UsageError(`--jobs must be comma-separated job ids, got '${value}'`);
  return new Set(ids);
}

export function register(program: Command): void {
  const command = program
    .command('executor')
    .description('run an executor node: claim jobs, run them, post results with a bond, defend them (until Ctrl-C)')
    .option('--fault <mode>', 'LIE, for tests and demos: wrong-output, wrong-final or wrong-state:<trace index>')
    .option('--jobs <ids>', 'take only these job ids (comma-separated)');
  nodeOptions(command, 'executor');
  networkOptions(command);
  keyOptions(command, 2, 'executor');
  command.action(async (opts: ExecutorOptions) => {
    const [{ parseFault }, { ExecutorNode }, { runNodeCommand }] = await Promise.all([
      import('../../node/game/oracle.js'), import('../../executor/node.js'), import('../run-node.js'),
    ]);
    let fault = null;
    if (opts.fault !== undefined) {
      try {
        fault = parseFault(opts.fault);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const only = opts.jobs === undefined ? null : parseJobList(opts.jobs);
    await runNodeCommand('executor', 2, opts, (config) => new ExecutorNode({
      ...config, fault, ...(only ? { accept: (jobId: bigint) => only.has(jobId.toString()) } : {}),
    }));
  });
}
