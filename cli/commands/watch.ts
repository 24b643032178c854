// verity watch [--key K | --account N] [--store DIR] [--json]
import type { Command } from 'commander';
import { keyOptions, networkOptions, parseIndex } from '../network.js';
import { collect, type NodeCommandOptions } from '../run-node.js';

export function register(program: Command): void {
  const command = program
    .command('watch')
    .description('run a watcher: re-execute every result, challenge wrong ones, play the game, collect bounties (until Ctrl-C)')
    .option('--store <dir>', 'where the node keeps its state (default .verity/watcher-<address>)')
    .option('--listen <multiaddr>', 'p2p listen address (default /ip4/127.0.0.1/tcp/0)')
    .option('--peer <multiaddr>', 'p2p peer to dial (repeatable), besides the deployment bootstrap', collect)
    .option('--no-p2p', 'no p2p: fetch blobs only from the chain')
    .option('--poll <ms>', 'milliseconds between chain polls', parseIndex('--poll'), 500)
    .option('--json', 'print each report as a JSON line');
  networkOptions(command);
  keyOptions(command, 3, 'watcher');
  command.action(async (opts: NodeCommandOptions) => {
    const [{ WatcherNode }, { runNodeCommand }] = await Promise.all([import('../../challenger/node.js'), import('../run-node.js')]);
    await runNodeCommand('watcher', 3, opts, (config) => new WatcherNode(config));
  });
}
