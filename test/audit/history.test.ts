// The audit's reading of the record, without a chain: events picked by job and game, and
// every way a game ends (a step proof, either side's timeout, a stale close) told apart
// from the move sequence alone.
import { describe, expect, it } from 'vitest';
import type { JobSpec, MarketEvent, Outcome } from '../../node/chain/market.js';
import { boundaries } from '../../node/game/moves.js';
import { jobHistory, type GameHistory, type JobHistory } from '../../node/audit/history.js';
import { auditGame } from '../../node/audit/replay.js';

const hash = (tag: string, i: number): string => '0x' + tag.repeat(2) + i.toString(16).padStart(62, '0');
/** The true state hash at i. */
const truth = (i: number): string => hash('aa', i);
/** The liar's: true below LIE, made up from it on. */
const LIE = 37;
const liar = (i: number): string => (i < LIE ? truth(i) : hash('bb', i));
const N = 100;
const K = 4;

let logIndex = 0;
const at = () => ({ block: 1, logIndex: logIndex++, tx: '0x' + '11'.repeat(32) });
const spec = { initialStateHash: truth(0), moduleHash: hash('cc', 1), inputHash: hash('cc', 2), maxSteps: 1000n } as JobSpec;

function posted(jobId: bigint): MarketEvent {
  return { ...at(), name: 'JobPosted', jobId, submitter: '0xS', fee: 1n, spec, claimDeadline: 0 };
}

/** A game played by the liar as defender and an honest challenger, stopped after `rounds` choices. */
function game(gameId: bigint, jobId: bigint, rounds: number, end: Outcome | null, dissectLast = false): MarketEvent[] {
  const events: MarketEvent[] = [{
    ...at(), name: 'GameStarted', gameId, jobId, challenger: '0xC', attempt: 0, length: BigInt(N), startHash: truth(0), endHash: liar(N),
  }];
  let start = 0;
  let length = N;
  for (let r = 0; r <= rounds && length > 1; r++) {
    if (r === rounds && !dissectLast) break;
    const points = boundaries(BigInt(start), BigInt(length), K).map(Number);
    events.push({
      ...at(), name: 'Dissected', gameId, start: BigInt(start), length: BigInt(length), startHash: liar(points[0]),
      middle: points.slice(1, -1).map(liar), endHash: liar(points[points.length - 1]),
    });
    if (r === rounds) break;
    const index = points.findIndex((p, j) => j > 0 && liar(p) !== truth(p)) - 1;
    start = points[index];
    length = points[index + 1] - points[index];
    events.push({
      ...at(), name: 'Chosen', gameId, index, start: BigInt(start), length: BigInt(length), startHash: liar(start), endHash: liar(start + length),
    });
  }
  if (end !== null) events.push({ ...at(), name: 'GameEnded', gameId, jobId, outcome: end });
  return events;
}

function history(events: MarketEvent[], jobId: bigint): JobHistory {
  const h = jobHistory(events, jobId);
  if (h === null) throw new Error('no job');
  return h;
}

describe('jobHistory', () => {
  it("keeps only the job's events and its games' moves", () => {
    const events = [posted(1n), posted(2n), ...game(1n, 1n, 1, null), ...game(2n, 2n, 9, 'ChallengerWon'), ...game(3n, 1n, 0, null)];
    const h = history(events, 1n);
    expect(h.games.map((g) => g.started.gameId)).toEqual([1n, 3n]);
    expect(h.games[0].moves.map((m) => m.name)).toEqual(['Dissected', 'Chosen']);
    expect(h.games[0].ended).toBeNull();
    expect(history(events, 2n).games[0].ended?.outcome).toBe('ChallengerWon');
    expect(jobHistory(events, 3n)).toBeNull();
  });
});

describe('auditGame', () => {
  const audit = (events: MarketEvent[]) => {
    const h = history([posted(1n), ...events], 1n);
    return auditGame(h.games[0] as GameHistory, h, truth);
  };

  it('a game narrowed to one step and won: proveStep, the lie found where it starts', () => {
    const g = audit(game(1n, 1n, 9, 'ChallengerWon'));
    expect(g.endedBy).toBe('proveStep');
    expect(g.rightSideWon).toBe(true);
    expect(g.firstDisagreement).toMatchObject({ index: LIE, lastAgreedIndex: LIE - 1 });
    expect(g.moves.at(-1)).toMatchObject({ kind: 'proveStep', start: LIE - 1, length: 1, matchesLocal: true });
    expect(g.moves.filter((m) => m.kind === 'choose').every((m) => m.matchesLocal && m.index === m.expectedIndex)).toBe(true);
    expect(g.moves.filter((m) => m.kind === 'bisect').every((m) => m.matchesLocal === false)).toBe(true);
  });

  it('the defender silent on its turn: the defender timed out', () => {
    const g = audit(game(1n, 1n, 1, 'ChallengerWon'));
    expect(g).toMatchObject({ endedBy: 'timeout', timedOut: 'defender', rightSideWon: true, toMove: null });
    expect(g.moves.at(-1)).toMatchObject({ kind: 'timeout', by: 'anyone', matchesLocal: null });
  });

  it('the challenger silent after a dissection: the challenger timed out, against the re-execution', () => {
    const g = audit(game(1n, 1n, 1, 'ExecutorWon', true));
    expect(g).toMatchObject({ endedBy: 'timeout', timedOut: 'challenger', rightSideWon: false });
  });

  it('a stale game closed, and an open game with the party to move', () => {
    expect(audit(game(1n, 1n, 1, 'Cancelled'))).toMatchObject({ endedBy: 'closeStaleGame', outcome: 'Cancelled', rightSideWon: null });
    expect(audit(game(1n, 1n, 1, null, true))).toMatchObject({ endedBy: null, outcome: 'Open', toMove: 'challenger' });
    expect(audit(game(1n, 1n, 2, null))).toMatchObject({ toMove: 'defender', decisiveStep: null });
  });

  it('an honest defender: no disagreement, and a challenge that is wrong', () => {
    const events: MarketEvent[] = [
      { ...at(), name: 'GameStarted', gameId: 1n, jobId: 1n, challenger: '0xC', attempt: 0, length: BigInt(N), startHash: truth(0), endHash: truth(N) },
      { ...at(), name: 'GameEnded', gameId: 1n, jobId: 1n, outcome: 'ExecutorWon' },
    ];
    const g = audit(events);
    expect(g.firstDisagreement).toBeNull();
    expect(g.moves[0]).toMatchObject({ kind: 'challenge', matchesLocal: false });
    expect(g).toMatchObject({ timedOut: 'challenger', rightSideWon: true });
  });
});
