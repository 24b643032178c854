// The executor node (docs/network.md#executor): watches for jobs, fetches and checks their
// module and input, claims with its bond, runs the job (native engine, then the recording
// pass that yields the claim and the checkpoints), posts the result and the output; when
// challenged it answers every dissection from its trace; after the challenge period it
// finalizes and withdraws fee and bond. With a `fault` it lies, and defends the lie to the
// end like a real attacker (only ever with hashes of its made-up trace).
import type { JobSpec, MarketEvent } from '../node/chain/market.js';
import { bisectMove } from '../node/game/moves.js';
import { describeFault, FaultyOracle, type Fault, type StateOracle } from '../node/game/oracle.js';
import { BlobUnavailableError } from '../node/jobs/fetch.js';
import { TOPICS } from '../node/p2p/topics.js';
import { ChainNode, gameKey, type GameRecord, type NodeConfig } from '../node/runtime/node-base.js';
import type { Collection } from '../node/store/store.js';

export interface ExecutorConfig extends NodeConfig {
  /** Lie in this way (tests and demos). */
  fault?: Fault | null;
  /** Which jobs (and attempts: a reopened job is attempt 1, 2, ...) to take; all by default. */
  accept?: (jobId: bigint, attempt: number) => boolean;
  /** Outputs up to this many bytes are published on chain with the result (default 64 KiB). */
  maxPublishedOutput?: number;
}

type Phase = 'open' | 'claimed' | 'posted' | 'finalized' | 'lost' | 'taken' | 'skipped' | 'expired';

interface JobRecord {
  jobId: bigint;
  attempt: number;
  spec: JobSpec;
  phase: Phase;
  /** Claim, result or challenge deadline (chain time), by phase. */
  deadline: number;
  /** Rounds in which the job's blobs could not be had (yet). */
  misses: number;
}

function jobKey(jobId: bigint): string {
  return jobId.toString().padStart(12, '0');
}

export class ExecutorNode extends ChainNode {
  private readonly jobs: Collection<JobRecord>;

  constructor(protected override readonly config: ExecutorConfig) {
    super(config);
    this.jobs = config.store.collection<JobRecord>('executor-jobs');
  }

  private accepts(jobId: bigint, attempt: number): boolean {
    return this.config.accept?.(jobId, attempt) ?? true;
  }

  protected async onEvent(event: MarketEvent): Promise<void> {
    switch (event.name) {
      case 'JobPosted':
        if (this.accepts(event.jobId, 0)) {
          await this.jobs.put(jobKey(event.jobId), {
            jobId: event.jobId, attempt: 0, spec: event.spec, phase: 'open', deadline: event.claimDeadline, misses: 0,
          });
        }
        return;
      case 'JobReopened': {
        const record = await this.jobs.get(jobKey(event.jobId));
        if (record?.phase === 'posted' || record?.phase === 'claimed') {
          this.log('error', `job ${event.jobId}: my result was rejected; the job reopened`, { jobId: event.jobId });
        }
        if (!this.accepts(event.jobId, event.attempt)) {
          if (record) await this.jobs.put(jobKey(event.jobId), { ...record, phase: record.phase === 'posted' ? 'lost' : record.phase });
          return;
        }
        const spec = record?.spec ?? (await this.market.getJob(event.jobId)).spec;
        await this.jobs.put(jobKey(event.jobId), {
          jobId: event.jobId, attempt: event.attempt, spec, phase: 'open', deadline: event.claimDeadline, misses: 0,
        });
        return;
      }
      case 'JobClaimed': {
        const record = await this.jobs.get(jobKey(event.jobId));
        if (record === undefined || record.attempt !== event.attempt) return;
        const mine = event.executor.toLowerCase() === this.account.toLowerCase();
        await this.jobs.put(jobKey(event.jobId), { ...record, phase: mine ? 'claimed' : 'taken', deadline: event.resultDeadline });
        return;
      }
      case 'ResultPosted': {
        const record = await this.jobs.get(jobKey(event.jobId));
        if (record === undefined || record.attempt !== event.attempt || record.phase !== 'claimed') return;
        await this.jobs.put(jobKey(event.jobId), { ...record, phase: 'posted', deadline: event.challengeDeadline });
        return;
      }
      case 'JobFinalized': {
        const record = await this.jobs.get(jobKey(event.jobId));
        if (record?.phase === 'posted') await this.jobs.put(jobKey(event.jobId), { ...record, phase: 'finalized' });
        if (record) this.dropRun(record.jobId, record.attempt);
        return;
      }
      case 'GameStarted': {
        const record = await this.jobs.get(jobKey(event.jobId));
        if (record?.phase !== 'posted' || record.attempt !== event.attempt) return;
        await this.adoptGame(event, 'defender');
        this.log('challenged', `job ${event.jobId}: challenged by ${event.challenger} (game ${event.gameId})`,
          { jobId: event.jobId, gameId: event.gameId });
        return;
      }
      default:
        return;
    }
  }

  protected async tick(): Promise<void> {
    const now = await this.market.chainTime();
    for await (const [, record] of this.jobs.entries()) {
      if (record.phase === 'open') await this.tryClaim(record, now);
      else if (record.phase === 'claimed') await this.postResult(record);
      else if (record.phase === 'posted' && now > record.deadline) await this.tryFinalize(record);
    }
    for (const game of await this.openGames()) if (game.role === 'defender') await this.defend(game);
  }

  private async tryClaim(record: JobRecord, now: number): Promise<void> {
    const key = jobKey(record.jobId);
    if (now > record.deadline) {
      await this.jobs.put(key, { ...record, phase: 'expired' });
      return;
    }
    try {
      // Check module and input (hashes and initial state) before any bond is at stake.
      await this.fetch(record.spec);
    } catch (e) {
      if (e instanceof BlobUnavailableError) {
        // Maybe nobody serves them yet: ask again next round, until the claim window closes.
        if (record.misses === 0) this.log('job', `job ${record.jobId}: waiting for its blobs (${(e as Error).message})`, { jobId: record.jobId });
        await this.jobs.put(key, { ...record, misses: record.misses + 1 });
        return;
      }
      await this.jobs.put(key, { ...record, phase: 'skipped' });
      this.log('skipped', `job ${record.jobId} refused: ${(e as Error).message}`, { jobId: record.jobId });
      return;
    }
    const job = await this.market.getJob(record.jobId);
    if (job.state !== 'Open' || job.attempt !== record.attempt) {
      await this.jobs.put(key, { ...record, phase: 'taken' });
      return;
    }
    const sent = await this.market.claimJob(record.jobId, record.spec.executorBond);
    await this.jobs.put(key, { ...record, phase: 'claimed' });
    this.log('claimed', `job ${record.jobId}: claimed with a bond of ${record.spec.executorBond} wei`,
      { jobId: record.jobId, gasUsed: sent.gasUsed });
  }

  /** The claim this node makes for a job: the truth, or its lie. */
  private async oracle(jobId: bigint, attempt: number, spec: JobSpec): Promise<StateOracle> {
    const { execution } = await this.execution(jobId, attempt, spec);
    const fault = this.config.fault;
    return fault ? new FaultyOracle(execution.oracle, fault) : execution.oracle;
  }

  private async postResult(record: JobRecord): Promise<void> {
    const key = jobKey(record.jobId);
    const job = await this.market.getJob(record.jobId);
    if (job.state !== 'Claimed' || job.attempt !== record.attempt) {
      // Posted already (the event is on its way) or forfeited while this node was down.
      if (job.state !== 'Posted' || job.attempt !== record.attempt) await this.jobs.put(key, { ...record, phase: 'lost' });
      return;
    }
    const oracle = await this.oracle(record.jobId, record.attempt, record.spec);
    const finalStateHash = oracle.hashesAt([oracle.length])[0];
    const sent = await this.market.postResult(record.jobId, finalStateHash, BigInt(oracle.length), oracle.finalHeader);
    const posted = sent.events.find((e) => e.name === 'ResultPosted');
    await this.jobs.put(key, {
      ...record, phase: 'posted', deadline: posted?.name === 'ResultPosted' ? posted.challengeDeadline : record.deadline,
    });
    const lie = this.config.fault ? ` [LYING: ${describeFault(this.config.fault)}]` : '';
    this.log('posted', `job ${record.jobId}: posted final state ${finalStateHash.slice(0, 10)}… at index ${oracle.length}${lie}`,
      { jobId: record.jobId, gasUsed: sent.gasUsed });
    if (oracle.stdout.length <= (this.config.maxPublishedOutput ?? 64 * 1024)) {
      await this.market.publishOutput(record.jobId, oracle.stdout);
    }
    await this.gossip(TOPICS.results, { jobId: record.jobId.toString(), attempt: record.attempt, finalStateHash });
  }

  private async tryFinalize(record: JobRecord): Promise<void> {
    const key = jobKey(record.jobId);
    const job = await this.market.getJob(record.jobId);
    if (job.attempt !== record.attempt || job.state === 'Open') {
      await this.jobs.put(key, { ...record, phase: 'lost' });
      return;
    }
    if (job.state === 'Finalized') {
      await this.jobs.put(key, { ...record, phase: 'finalized' });
      return;
    }
    if (job.openGames !== 0) return; // the games decide first
    const sent = await this.market.finalize(record.jobId);
    await this.jobs.put(key, { ...record, phase: 'finalized' });
    this.dropRun(record.jobId, record.attempt);
    this.log('finalized', `job ${record.jobId}: finalized; fee and bond are owed to this executor`,
      { jobId: record.jobId, gasUsed: sent.gasUsed });
  }

  private async defend(game: GameRecord): Promise<void> {
    const state = await this.market.getGame(game.gameId);
    if (state.outcome !== 'Open') {
      await this.games.put(gameKey(game.gameId), { ...game, outcome: state.outcome });
      return;
    }
    const job = await this.market.getJob(game.jobId);
    if (job.attempt !== game.attempt || job.state !== 'Posted') return; // stale: another game decided
    if (state.turn === 'Defender') {
      const range = game.range;
      if (range === null) return; // the challenger's choice is not read yet
      const record = await this.jobs.get(jobKey(game.jobId));
      const spec = record?.spec ?? job.spec;
      const oracle = await this.oracle(game.jobId, game.attempt, spec);
      const computing = performance.now();
      const middle = bisectMove(oracle, range, this.market.deployment.params.degree);
      const ms = performance.now() - computing;
      const sent = await this.market.bisect(game.gameId, range.start, range.length, range.startHash, range.endHash, middle);
      await this.recordMove(game, 'bisect', `${range.start}+${range.length}`, sent.gasUsed);
      this.log('move', `game ${game.gameId}: bisected [${range.start}, ${range.start + range.length}] into ${middle.length + 1}`,
        { jobId: game.jobId, gameId: game.gameId, gasUsed: sent.gasUsed, ms });
    } else if ((await this.market.timeLeft(game.gameId)) === 0) {
      const sent = await this.market.timeout(game.gameId);
      this.log('move', `game ${game.gameId}: the challenger ran out of time`, { jobId: game.jobId, gameId: game.gameId, gasUsed: sent.gasUsed });
    }
  }
}
