// Running a node from the command line (`verity executor`, `verity watch`): the host
// (key, store, p2p) opened from the deployment, the node's reports printed one line each
// (or as JSON lines), and a clean stop on Ctrl-C or SIGTERM.
import { UsageError } from './errors.js';
import type { Command } from 'commander';
import { checkChain, loadDeployment, parseIndex, resolveKey, untilSignal, type KeyOptions, type NetworkOptions } from './network.js';
import type { ChainNode, NodeConfig, NodeEvent } from '../node/runtime/node-base.js';

export interface NodeCommandOptions extends NetworkOptions, KeyOptions {
  store?: string;
  listen?: string;
  peer?: string[];
  p2p?: boolean;
  poll: number;
  json?: boolean;
}

export function printEvent(json: boolean): (e: NodeEvent) => void {
  return (e) => {
    if (json) {
      process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...e }, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
      return;
    }
    const time = new Date().toISOString().slice(11, 19);
    const gas = e.gasUsed === undefined ? '' : `  [${e.gasUsed.toLocaleString('en-US')} gas]`;
    process.stdout.write(`${time} ${e.node} ${e.kind === 'error' ? 'ERROR ' : ''}${e.message}${gas}\n`);
  };
}

export async function runNodeCommand(
  role: 'executor' | 'watcher', defaultAccount: number, opts: NodeCommandOptions,
  makeNode: (config: NodeConfig) => ChainNode,
): Promise<void> {
  const deployment = await loadDeployment(opts);
  const key = resolveKey(deployment, opts, defaultAccount);
  await checkChain(deployment);
  const [{ Wallet }, { openHost }, { join }] = await Promise.all([
    import('ethers'), import('../node/runtime/host.js'), import('node:path'),
  ]);
  const address = new Wallet(key).address;
  const storeDir = opts.store ?? join('.verity', `${role}-${address.slice(2, 10).toLowerCase()}`);
  let host;
  try {
    host = await openHost({
      deployment, privateKey: key, storeDir, listen: opts.p2p === false ? null : opts.listen, peers: opts.peer ?? [],
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const node = makeNode({
    name: role, market: host.market, store: host.store, p2p: host.p2p, pollMs: opts.poll, log: printEvent(opts.json === true),
  });
  try {
    await node.start();
    if (!opts.json && host.p2p) process.stdout.write(`p2p ${host.p2p.addrs[0] ?? '-'}; store ${storeDir}\n`);
    await untilSignal();
    await node.stop();
  } finally {
    await host.close();
  }
}

/** The options `verity executor` and `verity watch` share: store, p2p, polling, output. */
export function nodeOptions(command: Command, role: string): Command {
  return command
    .option('--store <dir>', `where the node keeps its state (default .verity/${role}-<address>)`)
    .option('--listen <multiaddr>', 'p2p listen address (default /ip4/127.0.0.1/tcp/0)')
    .option('--peer <multiaddr>', 'p2p peer to dial (repeatable), besides the deployment bootstrap', collect)
    .option('--no-p2p', 'no p2p: fetch blobs only from the chain')
    .option('--poll <ms>', 'milliseconds between chain polls', parseIndex('--poll'), 500)
    .option('--json', 'print each report as a JSON line');
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
