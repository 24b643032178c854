// Getting the bytes a job names only by hash: the node's own blob store first, then its
// p2p peers (each blob's hash is checked on receipt), then blobs published on chain
// (`publishBlob`, the fallback when no peer holds them). Whatever arrives is checked
// against the job before anything runs (material.ts).
import { id as eventTopic } from 'ethers';
import type { MarketClient } from '../chain/market.js';
import { decodeMarketLog } from '../chain/market.js';
import type { BlobStore } from '../store/store.js';
import { blobHash, checkJobMaterial, JobMaterialError, type JobCommitment, type PreparedJob } from './material.js';

/** No source had the blob (yet): worth asking again later, unlike a blob that fails its checks. */
export class BlobUnavailableError extends JobMaterialError {
  constructor(message: string) {
    super(message);
    this.name = 'BlobUnavailableError';
  }
}

/** Any p2p node that can fetch a blob by hash (node/p2p). */
export interface BlobFetcher {
  fetchBlob(hash: string, options?: { timeoutMs?: number }): Promise<Uint8Array>;
}

export interface BlobSources {
  blobs: BlobStore;
  p2p?: BlobFetcher | null;
  market?: MarketClient | null;
}

const BLOB_PUBLISHED = eventTopic('BlobPublished(bytes32,bytes)');

async function fromChain(market: MarketClient, hash: string): Promise<Uint8Array | undefined> {
  const logs = await market.provider.getLogs({
    address: market.address, topics: [BLOB_PUBLISHED, hash], fromBlock: market.deployment.deployBlock, toBlock: 'latest',
  });
  for (const log of logs) {
    const event = decodeMarketLog(log);
    if (event?.name === 'BlobPublished' && blobHash(event.blob) === hash.toLowerCase()) return event.blob;
  }
  return undefined;
}

/** The blob named `hash`, from wherever it can be had; stored locally once found. */
export async function fetchBlob(what: string, hash: string, sources: BlobSources, timeoutMs = 10_000): Promise<Uint8Array> {
  const local = await sources.blobs.get(hash);
  if (local !== undefined) return local;
  const reasons: string[] = [];
  if (sources.p2p) {
    try {
      return await sources.p2p.fetchBlob(hash, { timeoutMs }); // checked and stored by the p2p node
    } catch (e) {
      reasons.push(`p2p: ${(e as Error).message}`);
    }
  }
  if (sources.market) {
    const bytes = await fromChain(sources.market, hash);
    if (bytes !== undefined) {
      await sources.blobs.putExpecting(hash, bytes);
      return bytes;
    }
    reasons.push('not published on chain');
  }
  throw new BlobUnavailableError(`cannot get the ${what} ${hash}: ${reasons.join('; ') || 'no source'}`);
}

/** Fetches a job's module and input by hash and checks them against its commitment. */
export async function fetchJob(spec: JobCommitment, sources: BlobSources, timeoutMs?: number): Promise<PreparedJob> {
  const module = await fetchBlob('module', spec.moduleHash, sources, timeoutMs);
  const input = await fetchBlob('input', spec.inputHash, sources, timeoutMs);
  return checkJobMaterial(spec, module, input);
}
