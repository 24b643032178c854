// verity watch [--key K | --account N] [--store DIR] [--json]
import type { Command } from 'commander';
import { keyOptions, networkOptions } from '../network.js';
import { nodeOptions, type NodeCommandOptions } from '../run-node.js';

export function register(program: Command): void {
  const command = program
    .command('watch')
    .description('run a watcher: re-execute every result, challenge wrong ones, play the game, collect bounties (until Ctrl-C)');
  nodeOptions(command, 'watcher');
  networkOptions(command);
  keyOptions(command, 3, 'watcher');
  command.action(async (opts: NodeCommandOptions) => {
    const [{ WatcherNode }, { runNodeCommand }] = await Promise.all([import('../../challenger/node.js'), import('../run-node.js')]);
    await runNodeCommand('watcher', 3, opts, (config) => new WatcherNode(config));
  });
}
