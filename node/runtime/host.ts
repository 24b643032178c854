// Everything a node process holds open: its chain client (one key), its store and its p2p
// host, opened together and closed together. The p2p identity is kept in the store, so a
// restarted node keeps its peer id.
import type { Deployment } from '../chain/deployment.js';
import { MarketClient } from '../chain/market.js';
import { newIdentity, startP2P, type P2PNode } from '../p2p/node.js';
import { openStore, type NodeStore } from '../store/store.js';

export interface HostOptions {
  deployment: Deployment;
  privateKey: string;
  storeDir: string;
  /** p2p listen multiaddr (default: loopback, any port); null: no p2p at all. */
  listen?: string | null;
  /** Peers to dial besides the deployment's bootstrap list. */
  peers?: string[];
  onServed?: (hash: string, peer: string) => void;
}

export interface Host {
  market: MarketClient;
  store: NodeStore;
  p2p: P2PNode | null;
  close(): Promise<void>;
}

export async function openHost(options: HostOptions): Promise<Host> {
  const store = await openStore(options.storeDir);
  let p2p: P2PNode | null = null;
  try {
    const market = MarketClient.withKey(options.deployment, options.privateKey);
    if (options.listen !== null) {
      const meta = store.collection<Uint8Array>('p2p');
      let identity = await meta.get('identity');
      if (identity === undefined) {
        identity = await newIdentity();
        await meta.put('identity', identity);
      }
      p2p = await startP2P({
        blobs: store.blobs,
        identity,
        bootstrap: [...options.deployment.bootstrap, ...(options.peers ?? [])],
        ...(options.listen === undefined ? {} : { listen: options.listen }),
        ...(options.onServed ? { onServed: options.onServed } : {}),
        onError: () => {}, // an unreachable peer is not fatal: the chain and other peers remain
      });
    }
    const opened = p2p;
    return {
      market, store, p2p,
      close: async () => {
        await opened?.close();
        market.provider.destroy();
        await store.close();
      },
    };
  } catch (e) {
    await p2p?.close();
    await store.close();
    throw e;
  }
}
