// verity deploy --rpc URL [--key K] [--deployment FILE] [--degree K] [--clock-budget S]
//   [--burn-bps B] [--bootstrap MULTIADDR ...] [--json]
//
// Deploys the verifier (six opcode-group contracts and OneStepVerifier) and a JobMarket
// on any EVM chain, from the given key, and writes the deployment file every other
// command reads. Contracts are built first if out/ lacks them (forge, solc-js).
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseIndex, parseSeconds, parseUrl } from '../network.js';
import { collect } from '../run-node.js';

interface DeployOptions {
  rpc: string;
  key?: string;
  deployment: string;
  degree: number;
  clockBudget: number;
  burnBps: number;
  bootstrap?: string[];
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('deploy')
    .description('deploy the verifier and the job market on any EVM chain and write the deployment file')
    .requiredOption('--rpc <url>', 'JSON-RPC endpoint of the chain', parseUrl)
    .option('--key <hex>', 'private key of the deployer (or env VERITY_KEY); pays the gas')
    .option('--deployment <file>', 'where to write the deployment file', '.verity/deployment.json')
    .option('--degree <k>', 'segments per dissection, 2..64', parseIndex('--degree'), 16)
    .option('--clock-budget <s>', "each party's time for its moves over a whole game", parseSeconds('--clock-budget'), 3 * 24 * 3600)
    .option('--burn-bps <n>', 'share of a forfeited bond that is burned, in basis points', parseIndex('--burn-bps'), 5_000)
    .option('--bootstrap <multiaddr>', 'p2p peer for nodes to dial first (repeatable)', collect)
    .option('--json', 'print the deployment as one JSON object')
    .action(async (opts: DeployOptions) => {
      const key = opts.key ?? process.env.VERITY_KEY;
      if (key === undefined || !/^(0x)?[0-9a-fA-F]{64}$/.test(key)) throw new UsageError('--key (or VERITY_KEY) must be a 32-byte hex private key');
      if (opts.degree < 2 || opts.degree > 64) throw new UsageError(`--degree must be from 2 to 64, got ${opts.degree}`);
      if (opts.burnBps > 10_000) throw new UsageError(`--burn-bps must be at most 10000, got ${opts.burnBps}`);
      const [{ Wallet }, { connectProvider, describeChainError }, { deployNetwork, writeDeployment }] = await Promise.all([
        import('ethers'), import('../../node/chain/market.js'), import('../../node/chain/deployment.js'),
      ]);
      const provider = connectProvider(opts.rpc);
      try {
        const wallet = new Wallet(key.startsWith('0x') ? key : `0x${key}`, provider);
        let deployed;
        try {
          deployed = await deployNetwork(wallet, opts.rpc, { degree: opts.degree, clockBudget: opts.clockBudget, burnBps: opts.burnBps });
        } catch (e) {
          throw new Error(`deployment failed: ${describeChainError(e)}`);
        }
        const deployment = { ...deployed, bootstrap: opts.bootstrap ?? [] };
        writeDeployment(opts.deployment, deployment);
        if (opts.json) process.stdout.write(JSON.stringify(deployment) + '\n');
        else {
          process.stdout.write(`deployed on chain ${deployment.chainId} from ${wallet.address}\n` +
            `  market   ${deployment.market}\n  verifier ${deployment.verifier}\n` +
            `  wrote ${opts.deployment}\n`);
        }
      } finally {
        provider.destroy();
      }
    });
}
