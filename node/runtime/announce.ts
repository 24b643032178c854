// Job announcements on gossip (docs/p2p.md): a submitter says "job N names these blobs,
// and I have them". Every node that hears one fetches the blobs from the announcer at
// once (checked by hash) and keeps them, so they outlive the submitter's process and
// spread to whoever asks next.
import type { P2PNode } from '../p2p/node.js';
import { TOPICS } from '../p2p/topics.js';
import { decodeJsonBytes } from '../store/json-codec.js';

export interface JobAnnouncement {
  jobId: string;
  moduleHash: string;
  inputHash: string;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;

export function announceJob(p2p: P2PNode, announcement: JobAnnouncement): Promise<void> {
  return p2p.publish(TOPICS.jobs, announcement);
}

/** Fetches the blobs of every announced job; returns the unsubscribe. */
export function fetchAnnouncedBlobs(p2p: P2PNode, onError: (message: string) => void = () => {}): () => void {
  return p2p.subscribe(TOPICS.jobs, async (message, from) => {
    const a = decodeJsonBytes(message) as Partial<JobAnnouncement>;
    for (const hash of [a.moduleHash, a.inputHash]) {
      if (typeof hash !== 'string' || !HASH.test(hash)) continue;
      try {
        await p2p.fetchBlob(hash, { from: [from] });
      } catch {
        // The announcer may be out of direct reach (gossip came through a relay): ask the
        // peers we have, which fetch announced blobs too, once they have had a moment.
        await new Promise((resolve) => setTimeout(resolve, 500));
        try {
          await p2p.fetchBlob(hash);
        } catch (e) {
          onError(`job ${String(a.jobId)}: announced blob ${hash} not fetched: ${(e as Error).message}`);
        }
      }
    }
  });
}
