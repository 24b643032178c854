// What the executor and the watcher have in common: a loop that reads the market's events
// in order (ChainFollower), then does whatever the chain's state asks of it now (`tick`),
// the book of the games it plays, the runs it keeps for them, and withdrawing what it is
// owed. Every decision is taken from the chain's state plus the node's store, never from
// memory alone, so a node restarted on the same store carries on where it stopped.
import type { MarketClient, MarketEvent, Outcome } from '../chain/market.js';
import type { Execution } from '../jobs/execute.js';
import { DeterminismError, executeJob } from '../jobs/execute.js';
import { fetchJob } from '../jobs/fetch.js';
import type { P2PNode } from '../p2p/node.js';
import type { JobCommitment, PreparedJob } from '../jobs/material.js';
import type { Range, SegmentList } from '../game/moves.js';
import type { StateHash } from '../game/oracle.js';
import type { NodeStore, Collection } from '../store/store.js';
import { ChainFollower } from './follower.js';
import { fetchAnnouncedBlobs } from './announce.js';
import { formatEth } from '../chain/units.js';

export type NodeEventKind =
  | 'started' | 'job' | 'skipped' | 'claimed' | 'executed' | 'posted' | 'checked' | 'challenged' | 'move' | 'game-ended'
  | 'finalized' | 'withdrawn' | 'gossip' | 'progress' | 'error' | 'stopped';

/** What a node reports as it works (the CLI prints them; the demo shows the game from them). */
export interface NodeEvent {
  node: string;
  kind: NodeEventKind;
  message: string;
  jobId?: bigint;
  gameId?: bigint;
  gasUsed?: bigint;
  /**
   * Milliseconds spent, where the event is the end of a piece of work. For a 'move', the
   * time to compute it (hashes or proof), its transaction not included.
   */
  ms?: number;
  /** 'executed': the native run and the recording pass, of which `ms` is the sum. */
  nativeMs?: number;
  traceMs?: number;
}


export interface NodeConfig {
  name: string;
  market: MarketClient;
  store: NodeStore;
  /** Its blob store must be `store.blobs`: what it fetches, the node finds again. */
  p2p?: P2PNode | null;
  /** Milliseconds between polls of the chain. */
  pollMs?: number;
  /** Where withdrawals go (default: the node's own account). */
  payTo?: string;
  log?: (event: NodeEvent) => void;
}

/** One game this node plays, as far as the chain has told it. */
export interface GameRecord {
  gameId: bigint;
  jobId: bigint;
  attempt: number;
  role: 'defender' | 'challenger';
  /** The current disputed range (defender's turn, or one transition: the step turn). */
  range: Range | null;
  /** The defender's last dissection (challenger's turn). */
  list: SegmentList | null;
  outcome: Outcome;
  /** Moves this node made: [kind, trace index / segment, gas]. */
  moves: Array<{ kind: string; at: string; gasUsed: bigint }>;
}

/** What a recorded run came to, kept across restarts. */
interface RunCheckpoint {
  steps: number;
  traceLength: number;
  finalStateHash: string;
}

function runKey(jobId: bigint, attempt: number): string {
  return `${jobId}:${attempt}`;
}

const PROGRESS_EVERY_MS = 3_000;

export function gameKey(gameId: bigint): string {
  return gameId.toString().padStart(12, '0');
}

export abstract class ChainNode {
  readonly name: string;
  readonly market: MarketClient;
  readonly store: NodeStore;
  protected readonly games: Collection<GameRecord>;
  private readonly checkpoints: Collection<RunCheckpoint>;
  private readonly follower: ChainFollower;
  private readonly runs = new Map<string, Promise<{ job: PreparedJob; execution: Execution }>>();
  private stopping = false;
  private unsubscribe: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  protected accountAddress = '';

  constructor(protected readonly config: NodeConfig) {
    this.name = config.name;
    this.market = config.market;
    this.store = config.store;
    this.games = config.store.collection<GameRecord>('games');
    this.checkpoints = config.store.collection<RunCheckpoint>('runs');
    this.follower = new ChainFollower(config.market, config.store.collection('meta'));
  }

  protected log(kind: NodeEventKind, message: string, extra: Omit<NodeEvent, 'node' | 'kind' | 'message'> = {}): void {
    this.config.log?.({ node: this.name, kind, message, ...extra });
  }

  get account(): string {
    return this.accountAddress;
  }

  /** Starts the loop; resolves once the node knows its account. */
  async start(): Promise<void> {
    this.accountAddress = await this.market.account();
    this.log('started', `${this.name} (${this.accountAddress}) watching market ${this.market.address}`);
    const p2p = this.config.p2p;
    this.unsubscribe = p2p ? fetchAnnouncedBlobs(p2p, (message) => this.log('error', message)) : null;
    this.loop = this.runLoop();
  }

  /** Stops after the current round of work; closes nothing it was given. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
    this.log('stopped', `${this.name} stopped`);
  }

  /** One round: every new event, then the work the chain's state asks for. Exposed for tests. */
  async round(): Promise<void> {
    await this.follower.poll(async (event) => {
      await this.track(event);
      await this.onEvent(event);
    });
    await this.tick();
    await this.withdrawOwed();
  }

  private async runLoop(): Promise<void> {
    const pollMs = this.config.pollMs ?? 500;
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.round();
        failures = 0;
      } catch (e) {
        const message = (e as Error).message.split('\n')[0];
        // Another party's move landed first (the game ended or went stale meanwhile): the
        // next round reads the new state. Anything else is worth a report and a back-off.
        if (!/StaleGame|GameOver|WrongTurn/.test(message)) {
          failures++;
          this.log('error', message);
        }
      }
      if (this.stopping) break;
      const pause = pollMs * Math.min(2 ** failures, 20);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Keeps the records of this node's games current. */
  private async track(event: MarketEvent): Promise<void> {
    if (!('gameId' in event)) return;
    const record = await this.games.get(gameKey(event.gameId));
    if (record === undefined) return; // not ours (GameStarted is adopted by the subclasses)
    if (event.name === 'Dissected') {
      record.list = { start: event.start, length: event.length, hashes: [event.startHash, ...event.middle, event.endHash] };
      record.range = null;
    } else if (event.name === 'Chosen') {
      record.range = { start: event.start, length: event.length, startHash: event.startHash, endHash: event.endHash };
      record.list = null;
    } else if (event.name === 'GameEnded') {
      record.outcome = event.outcome;
      const won = (event.outcome === 'ChallengerWon') === (record.role === 'challenger');
      this.log('game-ended', `game ${event.gameId} on job ${event.jobId}: ${event.outcome}` +
        (event.outcome === 'Cancelled' ? '' : won ? ' (won)' : ' (lost)'), { jobId: event.jobId, gameId: event.gameId });
    }
    await this.games.put(gameKey(event.gameId), record);
  }

  /** Starts keeping a game (from its GameStarted event). */
  protected async adoptGame(event: Extract<MarketEvent, { name: 'GameStarted' }>, role: GameRecord['role']): Promise<GameRecord> {
    const existing = await this.games.get(gameKey(event.gameId));
    if (existing !== undefined) return existing;
    const record: GameRecord = {
      gameId: event.gameId, jobId: event.jobId, attempt: event.attempt, role,
      range: { start: 0n, length: event.length, startHash: event.startHash, endHash: event.endHash }, list: null,
      outcome: 'Open', moves: [],
    };
    await this.games.put(gameKey(event.gameId), record);
    return record;
  }

  protected async openGames(): Promise<GameRecord[]> {
    const open: GameRecord[] = [];
    for await (const [, record] of this.games.entries()) if (record.outcome === 'Open') open.push(record);
    return open;
  }

  protected async recordMove(record: GameRecord, kind: string, at: string, gasUsed: bigint): Promise<void> {
    record.moves.push({ kind, at, gasUsed });
    await this.games.put(gameKey(record.gameId), record);
  }

  /**
   * The job's material (fetched by hash and checked) and its execution, made once per
   * job attempt and kept while the node runs; rebuilt from the store after a restart.
   */
  protected execution(jobId: bigint, attempt: number, spec: JobCommitment): Promise<{ job: PreparedJob; execution: Execution }> {
    const key = runKey(jobId, attempt);
    let entry = this.runs.get(key);
    if (entry === undefined) {
      entry = (async () => {
        const job = await this.fetch(spec);
        // Long runs say how far they got, every few seconds.
        let lastReport = performance.now();
        const execution = await executeJob(job, (steps) => {
          if (performance.now() - lastReport < PROGRESS_EVERY_MS) return;
          lastReport = performance.now();
          this.log('progress', `job ${jobId}: recording the trace, ${steps.toLocaleString('en-US')} steps so far`, { jobId });
        });
        await this.checkpoint(jobId, attempt, execution);
        this.log('executed', `job ${jobId}: ${execution.result.status}` +
          (execution.result.exitCode === null ? '' : ` (exit ${execution.result.exitCode})`) +
          `, ${execution.result.steps.toLocaleString('en-US')} steps; native ${execution.nativeMs.toFixed(0)} ms, ` +
          `trace ${execution.traceMs.toFixed(0)} ms`,
          { jobId, ms: execution.nativeMs + execution.traceMs, nativeMs: execution.nativeMs, traceMs: execution.traceMs });
        return { job, execution };
      })();
      this.runs.set(key, entry);
      entry.catch(() => this.runs.delete(key)); // a failed attempt may be retried
    }
    return entry;
  }

  /**
   * Keeps what a run came to (steps, trace length, final state hash). After a restart the
   * run is rebuilt from the stored blobs; it must come to the same, or the node would
   * contradict moves it already made: stop loudly instead.
   */
  private async checkpoint(jobId: bigint, attempt: number, execution: Execution): Promise<void> {
    const key = runKey(jobId, attempt);
    const now: RunCheckpoint = { steps: execution.result.steps, traceLength: execution.traceLength, finalStateHash: execution.finalStateHash };
    const before = await this.checkpoints.get(key);
    if (before !== undefined && JSON.stringify(before) !== JSON.stringify(now)) {
      throw new DeterminismError(`job ${jobId} re-ran to ${JSON.stringify(now)}, before the restart to ${JSON.stringify(before)}`);
    }
    if (before === undefined) await this.checkpoints.put(key, now);
  }

  protected fetch(spec: JobCommitment): Promise<PreparedJob> {
    return fetchJob(spec, { blobs: this.store.blobs, p2p: this.config.p2p ?? null, market: this.market });
  }

  /** Forgets a run no game needs any more (its memory is the trace's snapshots). */
  protected dropRun(jobId: bigint, attempt: number): void {
    this.runs.delete(runKey(jobId, attempt));
  }

  private async withdrawOwed(): Promise<void> {
    const owed = await this.market.owed(this.accountAddress);
    if (owed === 0n) return;
    const to = this.config.payTo ?? this.accountAddress;
    const sent = await this.market.withdraw(to);
    this.log('withdrawn', `withdrew ${formatEth(owed)} ETH to ${to}`, { gasUsed: sent.gasUsed });
  }

  protected async gossip(topic: string, message: object): Promise<void> {
    try {
      await this.config.p2p?.publish(topic, message);
    } catch (e) {
      this.log('error', `gossip on ${topic} failed: ${(e as Error).message}`);
    }
  }

  protected abstract onEvent(event: MarketEvent): Promise<void>;
  protected abstract tick(): Promise<void>;
}

export type { StateHash };
