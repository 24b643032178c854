// A whole local network for `verity devnet`, the demo and the end-to-end tests: anvil
// (mining each transaction at once, and an empty block every `blockTime` seconds so
// deadlines pass), the verifier and market deployed from anvil's account 0, and a seed
// p2p node that every node dials first and that keeps every announced job's blobs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { startAnvil, type Anvil } from '../chain/anvil.js';
import { anvilAccount, deployNetwork, writeDeployment, type Deployment, type MarketParams } from '../chain/deployment.js';
import { connectProvider } from '../chain/market.js';
import { startP2P, type P2PNode } from '../p2p/node.js';
import { openStore, type NodeStore } from '../store/store.js';
import { fetchAnnouncedBlobs } from './announce.js';

export interface DevnetOptions {
  /** Written when given (atomically), removed again on close. */
  deploymentFile?: string;
  blockTime?: number;
  clockBudget?: number;
  degree?: number;
  burnBps?: number;
  /** Funded accounts listed in the deployment (anvil has 10). */
  accounts?: number;
  /** Start the seed p2p node (default true). */
  seed?: boolean;
}

export interface Devnet {
  deployment: Deployment;
  anvil: Anvil;
  seed: P2PNode | null;
  close(): Promise<void>;
}

export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const anvil = await startAnvil({ blockTime: options.blockTime ?? 1 });
  let seedStore: NodeStore | null = null;
  let seed: P2PNode | null = null;
  const seedDir = mkdtempSync(join(tmpdir(), 'verity-seed-'));
  try {
    const provider = connectProvider(anvil.rpcUrl);
    const params: MarketParams = {
      degree: options.degree ?? 16, clockBudget: options.clockBudget ?? 300, burnBps: options.burnBps ?? 5_000,
    };
    const deployed = await deployNetwork(new Wallet(anvilAccount(0).privateKey, provider), anvil.rpcUrl, params);
    provider.destroy();
    if (options.seed ?? true) {
      seedStore = await openStore(seedDir);
      seed = await startP2P({ blobs: seedStore.blobs, onError: () => {} });
      fetchAnnouncedBlobs(seed);
    }
    const deployment: Deployment = {
      ...deployed,
      bootstrap: seed?.addrs ?? [],
      accounts: Array.from({ length: options.accounts ?? 10 }, (_, i) => anvilAccount(i)),
    };
    if (options.deploymentFile) writeDeployment(options.deploymentFile, deployment);
    const file = options.deploymentFile;
    const openSeed = seed;
    const openStoreOfSeed = seedStore;
    return {
      deployment, anvil, seed,
      close: async () => {
        await openSeed?.close();
        await openStoreOfSeed?.close();
        await anvil.close();
        rmSync(seedDir, { recursive: true, force: true });
        if (file) rmSync(file, { force: true });
      },
    };
  } catch (e) {
    await seed?.close();
    await seedStore?.close();
    await anvil.close();
    rmSync(seedDir, { recursive: true, force: true });
    throw e;
  }
}
