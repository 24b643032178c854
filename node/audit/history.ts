// A job's public record, rebuilt from the market's events alone: what was posted, who
// claimed each attempt, every result, and every game move by move. This is all an
// auditor trusts; replay.ts then holds it against a local re-execution.
import type { MarketEvent } from '../chain/market.js';

type EventOf<N extends MarketEvent['name']> = Extract<MarketEvent, { name: N }>;

export type GameMove = EventOf<'Dissected'> | EventOf<'Chosen'>;

/** One game as the chain told it: its opening, its moves in order, its end (if over). */
export interface GameHistory {
  started: EventOf<'GameStarted'>;
  moves: GameMove[];
  ended: EventOf<'GameEnded'> | null;
}

export interface JobHistory {
  jobId: bigint;
  posted: EventOf<'JobPosted'>;
  /** Executor of each claimed attempt. */
  claims: Map<number, EventOf<'JobClaimed'>>;
  /** Results in the order they were posted (one per attempt at most). */
  results: EventOf<'ResultPosted'>[];
  reopened: EventOf<'JobReopened'>[];
  finalized: EventOf<'JobFinalized'> | null;
  refunded: EventOf<'JobRefunded'> | null;
  /** Games of the job, by opening order. */
  games: GameHistory[];
}

/**
 * Picks job `jobId`'s events out of the market's (in chain order); null when the job was
 * never posted. Moves are matched to games by game id, which only GameStarted ties to a job.
 */
export function jobHistory(events: readonly MarketEvent[], jobId: bigint): JobHistory | null {
  let history: JobHistory | null = null;
  const games = new Map<bigint, GameHistory>();
  for (const e of events) {
    if (e.name === 'JobPosted' && e.jobId === jobId) {
      history = {
        jobId, posted: e, claims: new Map(), results: [], reopened: [], finalized: null, refunded: null, games: [],
      };
      continue;
    }
    if (history === null) continue; // nothing of a job happens before it is posted
    switch (e.name) {
      case 'JobClaimed':
        if (e.jobId === jobId) history.claims.set(e.attempt, e);
        break;
      case 'ResultPosted':
        if (e.jobId === jobId) history.results.push(e);
        break;
      case 'JobReopened':
        if (e.jobId === jobId) history.reopened.push(e);
        break;
      case 'JobFinalized':
        if (e.jobId === jobId) history.finalized = e;
        break;
      case 'JobRefunded':
        if (e.jobId === jobId) history.refunded = e;
        break;
      case 'GameStarted':
        if (e.jobId === jobId) {
          const game: GameHistory = { started: e, moves: [], ended: null };
          games.set(e.gameId, game);
          history.games.push(game);
        }
        break;
      case 'Dissected':
      case 'Chosen':
        games.get(e.gameId)?.moves.push(e);
        break;
      case 'GameEnded':
        if (e.jobId === jobId) {
          const game = games.get(e.gameId);
          if (game) game.ended = e;
        }
        break;
      default:
        break;
    }
  }
  return history;
}
