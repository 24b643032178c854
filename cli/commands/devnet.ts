// verity devnet [--deployment FILE] [--block-time S] [--clock-budget S] [--json]
//
// A local Verity network in one process: an embedded anvil, the verifier and the market
// deployed on it, and a seed p2p node (the bootstrap peer, which keeps every announced
// job's blobs). Writes the deployment file the other commands read; runs until Ctrl-C.
import type { Command } from 'commander';
import { parseSeconds } from '../network.js';

interface DevnetOptions {
  deployment: string;
  blockTime: number;
  clockBudget: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('devnet')
    .description('start a local chain with Verity deployed, a p2p seed node and funded keys (until Ctrl-C)')
    .option('--deployment <file>', 'where to write the deployment file', '.verity/deployment.json')
    .option('--block-time <s>', 'seconds between empty blocks (chain time moves on)', parseSeconds('--block-time'), 1)
    .option('--clock-budget <s>', "each party's time for its moves over a whole dispute game", parseSeconds('--clock-budget'), 300)
    .option('--json', 'print the deployment as one JSON object')
    .action(async (opts: DevnetOptions) => {
      const { startDevnet } = await import('../../node/runtime/devnet.js');
      const { untilSignal } = await import('../network.js');
      const devnet = await startDevnet({ deploymentFile: opts.deployment, blockTime: opts.blockTime, clockBudget: opts.clockBudget });
      const d = devnet.deployment;
      if (opts.json) process.stdout.write(JSON.stringify(d) + '\n');
      else {
        process.stdout.write([
          `Verity devnet on ${d.rpcUrl} (chain ${d.chainId})`,
          `  market    ${d.market}`,
          `  verifier  ${d.verifier}`,
          `  p2p seed  ${d.bootstrap[0] ?? '-'}`,
          `  deployment file: ${opts.deployment}`,
          `  game: k = ${d.params.degree}, clock ${d.params.clockBudget} s per party, ${d.params.burnBps / 100}% of lost bonds burned`,
          'Funded accounts (10,000 ETH each; public keys, devnet only):',
          ...(d.accounts ?? []).map((a, i) => `  ${i}  ${a.address}  ${a.privateKey}`),
          'Try: verity submit fixtures/sha256/sha256.wasm --input fixtures/sha256/input.bin   (in another terminal)',
          'Ctrl-C stops the devnet.',
        ].join('\n') + '\n');
      }
      await untilSignal();
      await devnet.close();
    });
}
