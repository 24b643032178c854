// A job as the chain tells it, for `verity status` and `verity result`: its state, the
// current result, every game ever played against its results, and the output published
// for it (checked against the result's output digest).
import type { Deployment } from '../chain/deployment.js';
import { MarketClient, type MarketEvent } from '../chain/market.js';
import { formatEth } from '../chain/units.js';
import { outputDigest } from '../../vm/state/stream.js';

const STATUS_NAMES = ['running', 'exited', 'trapped', 'out-of-steps'];

export interface GameSummary {
  gameId: string;
  attempt: number;
  challenger: string;
  outcome: string;
  moves: number;
}

export interface JobStatus {
  jobId: string;
  state: string;
  attempt: number;
  submitter: string;
  executor: string | null;
  fee: string;
  deadline: number;
  openGames: number;
  result: null | {
    finalStateHash: string;
    status: string;
    exitCode: number | null;
    steps: string;
    traceLength: string;
    outputDigest: string;
    outputPublished: boolean;
  };
  games: GameSummary[];
}

export class UnknownJobError extends Error {
  constructor(jobId: bigint, market: string) {
    super(`job ${jobId} does not exist on market ${market}`);
    this.name = 'UnknownJobError';
  }
}

function eventsOf(events: MarketEvent[], jobId: bigint): MarketEvent[] {
  const games = new Set<bigint>();
  return events.filter((e) => {
    if (e.name === 'GameStarted' && e.jobId === jobId) games.add(e.gameId);
    if ('jobId' in e) return e.jobId === jobId;
    if ('gameId' in e) return games.has(e.gameId);
    return false;
  });
}

/** The output published for the job's current result, if it matches the result's digest. */
export function publishedOutput(events: MarketEvent[], digest: string): Uint8Array | null {
  for (const e of events) {
    if (e.name === 'OutputPublished' && outputDigest(e.output) === digest.toLowerCase()) return e.output;
  }
  return null;
}

export async function jobStatus(deployment: Deployment, jobId: bigint): Promise<JobStatus & { output: Uint8Array | null }> {
  const market = MarketClient.readOnly(deployment);
  try {
    const job = await market.getJob(jobId);
    if (job.state === 'None') throw new UnknownJobError(jobId, deployment.market);
    const events = eventsOf(await market.allEvents(), jobId);
    let result: JobStatus['result'] = null;
    let output: Uint8Array | null = null;
    if (job.state === 'Posted' || job.state === 'Finalized') {
      const r = await market.getResult(jobId);
      output = publishedOutput(events, r.outputDigest);
      result = {
        finalStateHash: r.finalStateHash, status: STATUS_NAMES[r.status] ?? `status ${r.status}`,
        exitCode: r.status === 1 ? r.exitCode : null, steps: r.steps.toString(), traceLength: r.traceLength.toString(),
        outputDigest: r.outputDigest, outputPublished: output !== null,
      };
    }
    const games = new Map<bigint, GameSummary>();
    for (const e of events) {
      if (e.name === 'GameStarted') {
        games.set(e.gameId, { gameId: e.gameId.toString(), attempt: e.attempt, challenger: e.challenger, outcome: 'Open', moves: 1 });
      } else if (e.name === 'Dissected' || e.name === 'Chosen') {
        const g = games.get(e.gameId);
        if (g) g.moves++;
      } else if (e.name === 'GameEnded') {
        const g = games.get(e.gameId);
        if (g) g.outcome = e.outcome;
      }
    }
    return {
      jobId: jobId.toString(), state: job.state, attempt: job.attempt, submitter: job.submitter,
      executor: /^0x0{40}$/.test(job.executor) ? null : job.executor, fee: job.fee.toString(), deadline: job.deadline,
      openGames: job.openGames, result, games: [...games.values()], output,
    };
  } finally {
    market.provider.destroy();
  }
}

export function formatJobStatus(s: JobStatus): string {
  const lines = [
    `job ${s.jobId}: ${s.state} (attempt ${s.attempt}), fee ${formatEth(BigInt(s.fee))} ETH`,
    `  submitter ${s.submitter}`,
  ];
  if (s.executor) lines.push(`  executor  ${s.executor}`);
  const deadline = { Open: 'claim by', Claimed: 'result due by', Posted: 'challengeable until' }[s.state];
  if (deadline) lines.push(`  ${deadline} ${new Date(s.deadline * 1000).toISOString()}`);
  if (s.result) {
    const r = s.result;
    lines.push(`  result: ${r.status}${r.exitCode === null ? '' : ` (exit ${r.exitCode})`} after ${r.steps} steps; ` +
      `final state ${r.finalStateHash}`);
    lines.push(`  output ${r.outputPublished ? 'published on chain (verity result ' + s.jobId + ')' : 'not published'}`);
  }
  for (const g of s.games) {
    lines.push(`  game ${g.gameId} (attempt ${g.attempt}) by ${g.challenger}: ${g.outcome}, ${g.moves} moves`);
  }
  return lines.join('\n') + '\n';
}
