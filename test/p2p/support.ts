// Shared by the p2p tests and the exit check script: nodes with real stores in a temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startP2P, type P2PNode, type P2POptions } from '../../node/p2p/node.js';
import { openStore, type NodeStore } from '../../node/store/store.js';

export interface TestNode {
  p2p: P2PNode;
  store: NodeStore;
}

/** Starts nodes and closes them (and their stores and temp dirs) in one place. */
export class TestNet {
  private readonly dir = mkdtempSync(join(tmpdir(), 'verity-p2p-'));
  private readonly nodes: TestNode[] = [];
  private count = 0;

  async start(options: Partial<P2POptions> = {}): Promise<TestNode> {
    const store = await openStore(join(this.dir, `node-${this.count++}`));
    try {
      const p2p = await startP2P({ blobs: store.blobs, ...options });
      const node = { p2p, store };
      this.nodes.push(node);
      return node;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    for (const node of this.nodes.splice(0)) {
      await node.p2p.close();
      await node.store.close();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `condition` until it holds; throws naming `what` if it does not within `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
