// The watcher node (docs/network.md#watcher): re-executes every result it sees, leaves
// right ones alone, challenges wrong ones with its bond and plays the game to the end:
// it picks the first segment whose end it disagrees with, and at one transition proves
// the step on chain. It times out defenders that stop answering, closes games made stale
// by another watcher's win (its bond comes back), and withdraws its bounty.
import type { MarketEvent, Result } from '../node/chain/market.js';
import { chooseMove, stepMove } from '../node/game/moves.js';
import { runNativeOnly } from '../node/jobs/execute.js';
import { BlobUnavailableError } from '../node/jobs/fetch.js';
import { outputDigest } from '../vm/state/stream.js';
import { STATUS_CODES } from '../vm/state/commit.js';
import { TOPICS } from '../node/p2p/topics.js';
import { ChainNode, gameKey, type GameRecord, type NodeConfig } from '../node/runtime/node-base.js';
import type { Collection } from '../node/store/store.js';

export type WatcherConfig = NodeConfig;

type CheckPhase = 'pending' | 'agreed' | 'challenged' | 'refused' | 'expired' | 'superseded';

/** One posted result this watcher has to judge. */
interface CheckRecord {
  jobId: bigint;
  attempt: number;
  result: Result;
  challengeDeadline: number;
  phase: CheckPhase;
  misses: number;
  gameId?: bigint;
}

function checkKey(jobId: bigint, attempt: number): string {
  return `${jobId.toString().padStart(12, '0')}:${attempt}`;
}

export class WatcherNode extends ChainNode {
  private readonly checks: Collection<CheckRecord>;

  constructor(config: WatcherConfig) {
    super(config);
    this.checks = config.store.collection<CheckRecord>('watcher-checks');
  }

  protected async onEvent(event: MarketEvent): Promise<void> {
    if (event.name === 'ResultPosted') {
      const key = checkKey(event.jobId, event.attempt);
      if ((await this.checks.get(key)) !== undefined) return;
      await this.checks.put(key, {
        jobId: event.jobId, attempt: event.attempt, result: event.result, challengeDeadline: event.challengeDeadline,
        phase: 'pending', misses: 0,
      });
      this.log('job', `job ${event.jobId}: result posted (attempt ${event.attempt}); re-executing`, { jobId: event.jobId });
    } else if (event.name === 'GameStarted' && event.challenger.toLowerCase() === this.account.toLowerCase()) {
      // Adopted here too, so that a watcher restarted after its challenge went out still plays.
      await this.adoptGame(event, 'challenger');
      const key = checkKey(event.jobId, event.attempt);
      const check = await this.checks.get(key);
      if (check && check.phase !== 'challenged') await this.checks.put(key, { ...check, phase: 'challenged', gameId: event.gameId });
    }
  }

  protected async tick(): Promise<void> {
    const now = await this.market.chainTime();
    for await (const [key, check] of this.checks.entries()) {
      if (check.phase !== 'pending') continue;
      if (now > check.challengeDeadline) {
        await this.checks.put(key, { ...check, phase: 'expired' });
        this.log('skipped', `job ${check.jobId}: challenge period ended before the result was checked`, { jobId: check.jobId });
        continue;
      }
      await this.check(key, check);
    }
    for (const game of await this.openGames()) if (game.role === 'challenger') await this.attack(game);
  }

  private async check(key: string, check: CheckRecord): Promise<void> {
    const job = await this.market.getJob(check.jobId);
    if (job.attempt !== check.attempt || job.state !== 'Posted') {
      await this.checks.put(key, { ...check, phase: 'superseded' });
      return;
    }
    if (job.executor.toLowerCase() === this.account.toLowerCase()) {
      await this.checks.put(key, { ...check, phase: 'agreed' });
      return;
    }
    let prepared;
    try {
      prepared = await this.fetch(job.spec);
    } catch (e) {
      if (e instanceof BlobUnavailableError) {
        // Asked again next round, until the challenge period ends.
        if (check.misses === 0) this.log('job', `job ${check.jobId}: waiting for its blobs (${(e as Error).message})`, { jobId: check.jobId });
        await this.checks.put(key, { ...check, misses: check.misses + 1 });
        return;
      }
      // A job whose material is missing or wrong cannot have a true result to check.
      await this.checks.put(key, { ...check, phase: 'refused' });
      this.log('skipped', `job ${check.jobId}: cannot check: ${(e as Error).message}`, { jobId: check.jobId });
      return;
    }
    // The native engine first: a wrong status, exit code, step count or output is caught
    // in a fraction of the recording pass's time, and the challenge goes out at once.
    const native = await runNativeOnly(prepared);
    const r = native.result;
    const c = check.result;
    const observableLie =
      c.status !== STATUS_CODES[r.status] || c.steps !== BigInt(r.steps) ||
      c.outputDigest.toLowerCase() !== outputDigest(r.stdout) ||
      (r.status === 'exited' && c.exitCode !== r.exitCode);
    let wrong = observableLie;
    if (!wrong) {
      const { execution } = await this.execution(check.jobId, check.attempt, job.spec);
      const mine = execution.oracle.hashesAt([Number(c.traceLength)])[0];
      wrong = mine !== c.finalStateHash.toLowerCase();
    }
    if (!wrong) {
      await this.checks.put(key, { ...check, phase: 'agreed' });
      this.dropRun(check.jobId, check.attempt);
      this.log('checked', `job ${check.jobId}: result is right (${r.steps.toLocaleString('en-US')} steps, native ` +
        `${native.ms.toFixed(0)} ms)`, { jobId: check.jobId, ms: native.ms });
      return;
    }
    const { gameId, sent } = await this.market.challenge(check.jobId, job.spec.challengerBond);
    await this.checks.put(key, { ...check, phase: 'challenged', gameId });
    this.log('challenged', `job ${check.jobId}: result is WRONG` + (observableLie ? ' (status, exit code, steps or output)' : ' (final state)') +
      `; challenged with a bond of ${job.spec.challengerBond} wei (game ${gameId})`,
      { jobId: check.jobId, gameId, gasUsed: sent.gasUsed, ms: native.ms });
    await this.gossip(TOPICS.challenges, { jobId: check.jobId.toString(), attempt: check.attempt, gameId: gameId.toString() });
  }

  private async attack(game: GameRecord): Promise<void> {
    const state = await this.market.getGame(game.gameId);
    if (state.outcome !== 'Open') {
      await this.games.put(gameKey(game.gameId), { ...game, outcome: state.outcome });
      return;
    }
    const job = await this.market.getJob(game.jobId);
    if (job.attempt !== game.attempt || job.state !== 'Posted') {
      // Another game already rejected this result: this one is stale; the bond comes back.
      const sent = await this.market.closeStaleGame(game.gameId);
      await this.games.put(gameKey(game.gameId), { ...game, outcome: 'Cancelled' });
      this.log('game-ended', `game ${game.gameId} on job ${game.jobId}: stale (the result was rejected by another game); bond back`,
        { jobId: game.jobId, gameId: game.gameId, gasUsed: sent.gasUsed });
      return;
    }
    const degree = this.market.deployment.params.degree;
    if (state.turn === 'Challenger') {
      const list = game.list;
      if (list === null) return; // the dissection is not read yet
      const { execution } = await this.execution(game.jobId, game.attempt, job.spec);
      const computing = performance.now();
      const index = chooseMove(execution.oracle, list, degree);
      const ms = performance.now() - computing;
      const sent = await this.market.choose(game.gameId, list.start, list.length, list.hashes, index);
      await this.recordMove(game, 'choose', `${index}`, sent.gasUsed);
      const segments = list.hashes.length - 1;
      this.log('move', `game ${game.gameId}: chose segment ${index + 1}/${segments} of [${list.start}, ${list.start + list.length}]`,
        { jobId: game.jobId, gameId: game.gameId, gasUsed: sent.gasUsed, ms });
    } else if (state.turn === 'Step') {
      const range = game.range;
      if (range === null || range.length !== 1n) return;
      const { execution } = await this.execution(game.jobId, game.attempt, job.spec);
      const computing = performance.now();
      const step = stepMove(execution.oracle, range);
      const ms = performance.now() - computing;
      const sent = await this.market.proveStep(game.gameId, range.start, range.startHash, range.endHash, step.proof);
      await this.recordMove(game, 'proveStep', `${range.start}`, sent.gasUsed);
      this.log('move', `game ${game.gameId}: proved step ${range.start} (opcode 0x${step.opcode.toString(16)}) on chain: ` +
        `the defender's post-state is wrong`, { jobId: game.jobId, gameId: game.gameId, gasUsed: sent.gasUsed, ms });
    } else if ((await this.market.timeLeft(game.gameId)) === 0) {
      const sent = await this.market.timeout(game.gameId);
      this.log('move', `game ${game.gameId}: the executor ran out of time`, { jobId: game.jobId, gameId: game.gameId, gasUsed: sent.gasUsed });
    }
  }
}
