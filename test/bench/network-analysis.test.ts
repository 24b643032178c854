// The network bench's arithmetic on hand-made recordings: which receipt starts and ends a
// dispute, how its parts add up, and how a watcher's lag and busy time are read. No chain,
// no clock: the figures come only from the recording.
import { describe, expect, it } from 'vitest';
import type { MarketEvent, Result } from '../../node/chain/market.js';
import type { NodeEvent } from '../../node/runtime/node-base.js';
import {
  analyseDispute, analyseThroughput, judgeDisputes, judgeThroughput, quantile, RecordingError, type ThroughputFigures,
} from '../../bench/network-analysis.js';
import type { Recording, TimedEvent, TxRecord } from '../../bench/network-probe.js';

type WithoutPlace<T> = T extends unknown ? Omit<T, 'block' | 'logIndex' | 'tx'> : never;
type EventBody = WithoutPlace<MarketEvent>;

const H = '0x' + '11'.repeat(32);
const RESULT: Result = { finalStateHash: H, outputDigest: H, traceLength: 1000n, steps: 1000n, exitCode: 0, status: 1, trapCode: 0 };

function ev(body: EventBody): MarketEvent {
  return { block: 1, logIndex: 0, tx: H, ...body } as MarketEvent;
}

function tx(party: string, method: string, startMs: number, endMs: number, events: EventBody[] = [], gasUsed = 50_000n): TxRecord {
  return { party, method, startMs, endMs, ok: true, gasUsed, events: events.map(ev) };
}

function report(node: string, kind: NodeEvent['kind'], at: number, extra: Partial<NodeEvent> = {}): TimedEvent {
  return { node, kind, message: kind, at, ...extra };
}

/** A two-round game over job 7: post at 1,000 ms, the step proof's receipt at 9,000 ms. */
function disputeRecording(): Recording {
  const g = 3n;
  return {
    txs: [
      tx('liar', 'claimJob', 0, 200),
      tx('liar', 'postResult', 900, 1_000, [{ name: 'ResultPosted', jobId: 7n, attempt: 0, result: RESULT, challengeDeadline: 99 }], 110_000n),
      tx('watcher', 'challenge', 1_400, 1_500,
        [{ name: 'GameStarted', gameId: g, jobId: 7n, challenger: '0xw', attempt: 0, length: 1000n, startHash: H, endHash: H }], 150_000n),
      tx('liar', 'bisect', 2_000, 2_100, [{ name: 'Dissected', gameId: g, start: 0n, length: 1000n, startHash: H, middle: [], endHash: H }]),
      tx('watcher', 'choose', 4_000, 4_100, [{ name: 'Chosen', gameId: g, index: 2, start: 120n, length: 62n, startHash: H, endHash: H }]),
      tx('liar', 'bisect', 5_000, 5_100, [{ name: 'Dissected', gameId: g, start: 120n, length: 62n, startHash: H, middle: [], endHash: H }]),
      tx('watcher', 'choose', 6_000, 6_100, [{ name: 'Chosen', gameId: g, index: 0, start: 120n, length: 1n, startHash: H, endHash: H }]),
      tx('watcher', 'proveStep', 8_000, 9_000, [{ name: 'GameEnded', gameId: g, jobId: 7n, outcome: 'ChallengerWon' }], 200_000n),
    ],
    events: [
      report('liar', 'executed', 800, { jobId: 7n, ms: 600, nativeMs: 100, traceMs: 500 }),
      report('watcher', 'challenged', 1_501, { jobId: 7n, ms: 40 }),
      report('liar', 'move', 2_101, { ms: 30 }),
      report('watcher', 'executed', 3_900, { jobId: 7n, ms: 700, nativeMs: 50, traceMs: 650 }),
      report('watcher', 'move', 4_101, { ms: 20 }),
      report('liar', 'move', 5_101, { ms: 3 }),
      report('watcher', 'move', 6_101, { ms: 2 }),
      report('watcher', 'move', 9_001, { ms: 5 }),
    ],
    rounds: [],
  };
}

describe('dispute figures', () => {
  it('times the dispute from the result\'s receipt to the receipt that ended the game, and splits it', () => {
    const d = analyseDispute(disputeRecording(), { fault: 'wrong-output', jobId: 7n, liar: 'liar', watcher: 'watcher' });
    expect(d.outcome).toBe('ChallengerWon');
    expect(d.wallMs).toBe(8_000);
    expect(d.watcher.detectMs).toBe(500);
    expect(d.executor).toEqual({ nativeMs: 100, traceMs: 500, claimToPostMs: 800, postGas: 110_000n });
    expect(d.rounds.map((r) => [r.length, r.bisect.computeMs, r.choose?.computeMs])).toEqual([[1000n, 30, 20], [62n, 3, 2]]);
    expect(d.proof).toEqual({ computeMs: 5, txMs: 1_000, gas: 200_000n, step: 120n });
    // challenge + 2 bisects + 2 chooses + proveStep
    expect(d.chain).toEqual({ txs: 6, txMs: 1_500, gas: 150_000n + 4n * 50_000n + 200_000n, reverted: 0 });
    // 8,000 - native 40 - kept run (50 + 650) - compute (30 + 20 + 3 + 2 + 5) - transactions 1,500
    expect(d.otherMs).toBe(5_700);
  });

  it('names what the recording lacks instead of inventing a figure', () => {
    const rec = disputeRecording();
    rec.txs = rec.txs.filter((t) => t.method !== 'proveStep');
    expect(() => analyseDispute(rec, { fault: 'x', jobId: 7n, liar: 'liar', watcher: 'watcher' })).toThrow(RecordingError);
    expect(() => analyseDispute(rec, { fault: 'x', jobId: 7n, liar: 'liar', watcher: 'watcher' })).toThrow('no GameEnded');
  });

  it('fails the target past 120 s or when the liar won', () => {
    const d = analyseDispute(disputeRecording(), { fault: 'wrong-output', jobId: 7n, liar: 'liar', watcher: 'watcher' });
    expect(judgeDisputes([d]).met).toBe(true);
    expect(judgeDisputes([d, { ...d, wallMs: 120_001 }]).met).toBe(false);
    expect(judgeDisputes([{ ...d, outcome: 'ExecutorWon' }]).met).toBe(false);
    expect(judgeDisputes([], ['wrong-state:5: the game did not end']).met).toBe(false);
    expect(judgeDisputes([]).met).toBeNull();
  });
});

/** n jobs, one every 600 ms; the executor posts `postAfter` ms after each, the watcher checks `lag(i)` ms later. */
function throughputRecording(n: number, postAfter: number, lag: (i: number) => number): Recording {
  const rec: Recording = { txs: [], events: [], rounds: [] };
  for (let i = 0; i < n; i++) {
    const id = BigInt(i + 1);
    const t = 1_000 + i * 600;
    rec.txs.push(tx('submitter', 'postJob', t, t + 50, [{ name: 'JobPosted', jobId: id, submitter: '0xs', fee: 1n, spec: {} as never, claimDeadline: 0 }]));
    rec.txs.push(tx('executor-1', 'postResult', t + postAfter - 50, t + postAfter, [{ name: 'ResultPosted', jobId: id, attempt: 0, result: RESULT, challengeDeadline: 0 }]));
    rec.events.push(report('watcher', 'checked', t + postAfter + lag(i), { jobId: id, ms: 3 }));
    rec.events.push(report('watcher', 'executed', t + postAfter + lag(i) - 1, { jobId: id, ms: 7 }));
  }
  // Rounds of 100 ms every 500 ms, from before the first submission.
  for (let at = 0; at < 1_000 + n * 600 + 5_000; at += 500) rec.rounds.push({ party: 'watcher', startMs: at, endMs: at + 100 });
  return rec;
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i + 1));

describe('throughput figures', () => {
  it('takes the nearest-rank quantile', () => {
    expect(quantile([5, 1, 4, 2, 3, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(quantile([3], 0.9)).toBe(3);
  });

  it('reads each result\'s lag from its receipt to the watcher\'s report, and busy time from t0 on', () => {
    const t = analyseThroughput(throughputRecording(100, 800, (i) => (i === 99 ? 2_000 : 500)),
      { submitter: 'submitter', executors: ['executor-1'], watcher: 'watcher', jobIds: ids(100) });
    expect([t.jobs, t.posted, t.checked, t.challenged]).toEqual([100, 100, 100, 0]);
    expect(t.lag).toEqual({ median: 500, p90: 500, max: 2_000 });
    expect(t.executorLatency?.median).toBe(750);
    expect(t.lastCheckedMs).toBe(99 * 600 + 800 + 2_000);
    expect(t.postRate).toBeCloseTo(100, 6);
    expect(t.watcher.runMs).toBe(1_000);
    // Rounds start at 1,000 (t0) + k * 500 until the last check at 62,200 after t0: 125 of them.
    expect(t.watcher.rounds).toBe(125);
    expect(t.watcher.busyMs).toBeCloseTo(12_500, 6);
    expect(judgeThroughput([t]).met).toBe(true);
  });

  it('does not call it keeping up when a result is never checked or the last check is late', () => {
    const missing = throughputRecording(100, 800, () => 500);
    missing.events = missing.events.filter((e) => !(e.kind === 'checked' && e.jobId === 50n));
    const m = analyseThroughput(missing, { submitter: 'submitter', executors: ['executor-1'], watcher: 'watcher', jobIds: ids(100) });
    expect(m.checked).toBe(99);
    expect(judgeThroughput([m]).met).toBe(false);

    const late = analyseThroughput(throughputRecording(100, 800, (i) => 500 + i * 200),
      { submitter: 'submitter', executors: ['executor-1'], watcher: 'watcher', jobIds: ids(100) });
    expect(late.lagLastTenthMs! - late.lagFirstTenthMs!).toBeCloseTo(18_000, 6); // a growing lag
    const verdict = judgeThroughput([late]);
    expect(verdict.met).toBe(false);
    expect(verdict.detail).toContain('100/100 checked, the last at 80.5 s');
  });

  it('judges the run with the most executors and reports the others beside it', () => {
    const fed = analyseThroughput(throughputRecording(100, 800, () => 500),
      { submitter: 'submitter', executors: ['executor-1', 'executor-2'], watcher: 'watcher', jobIds: ids(100) });
    const starved: ThroughputFigures = { ...fed, executors: 1, lastCheckedMs: 90_000, postRate: 70 };
    const verdict = judgeThroughput([starved, fed]);
    expect(verdict.met).toBe(true);
    expect(verdict.detail).toContain('for comparison, 1 executor: results posted at 70/min');
    expect(judgeThroughput([], ['devnet did not start']).met).toBe(false);
  });
});
