// Submitting a job: the blobs go where executors and watchers can fetch them by hash (the
// submitter's p2p host, which announces them; optionally also on chain, `publishBlob`),
// then the job goes on chain with its fee. The module is loaded and checked before any
// transaction, so a bad module costs nothing.
import type { JobSpec, MarketClient, Sent } from '../chain/market.js';
import type { PreparedJob } from '../jobs/material.js';
import type { P2PNode } from '../p2p/node.js';
import type { BlobStore } from '../store/store.js';
import { announceJob } from './announce.js';

export interface SubmitTerms {
  fee: bigint;
  executorBond: bigint;
  challengerBond: bigint;
  claimWindow: number;
  executionWindow: number;
  challengePeriod: number;
}

/** Devnet-friendly terms; a real chain wants a challenge period of hours or days. */
export const DEFAULT_TERMS: SubmitTerms = {
  fee: 10n ** 16n, executorBond: 10n ** 18n, challengerBond: 10n ** 17n, claimWindow: 600, executionWindow: 600, challengePeriod: 60,
};

export interface Submitted {
  jobId: bigint;
  spec: JobSpec;
  sent: Sent;
  publishedOnChain: boolean;
}

export function jobSpec(job: PreparedJob, terms: SubmitTerms): JobSpec {
  return {
    initialStateHash: job.initialStateHash, moduleHash: job.moduleHash, inputHash: job.inputHash, maxSteps: job.maxSteps,
    executorBond: terms.executorBond, challengerBond: terms.challengerBond, claimWindow: terms.claimWindow,
    executionWindow: terms.executionWindow, challengePeriod: terms.challengePeriod,
  };
}

export async function submitJob(options: {
  market: MarketClient;
  job: PreparedJob;
  terms: SubmitTerms;
  blobs: BlobStore;
  p2p: P2PNode | null;
  publishOnChain: boolean;
}): Promise<Submitted> {
  const { market, job, terms, p2p } = options;
  await options.blobs.putExpecting(job.moduleHash, job.module);
  await options.blobs.putExpecting(job.inputHash, job.inputBlob);
  // On chain first, when asked: a node that learns of the job finds its blobs there at once.
  if (options.publishOnChain) {
    await market.publishBlob(job.module);
    await market.publishBlob(job.inputBlob);
  }
  const spec = jobSpec(job, terms);
  const { jobId, sent } = await market.postJob(spec, terms.fee);
  if (p2p) await announceJob(p2p, { jobId: jobId.toString(), moduleHash: job.moduleHash, inputHash: job.inputHash });
  return { jobId, spec, sent, publishedOnChain: options.publishOnChain };
}
