// The network bench's figures, derived from a recording (network-probe.ts) alone: the
// breakdown of a dispute from the result going on chain to the liar's game ending, and the
// lag of one watcher behind a steady stream of small jobs. Pure functions, so that the
// arithmetic is tested without a chain (test/bench/network-analysis.test.ts).
import type { MarketEvent } from '../node/chain/market.js';
import type { Recording, RoundRecord, TimedEvent, TxRecord } from './network-probe.js';
import { median } from './stats.js';
import type { Verdict } from './targets.js';

/** Issue 6: a lie in a 10^8-step job slashed within this much wall time. */
export const DISPUTE_MAX_MS = 120_000;
/** Issue 6: 100 small jobs a minute. */
export const THROUGHPUT_JOBS = 100;
export const THROUGHPUT_WINDOW_MS = 60_000;
/** How long after the window the last check may land and still count as keeping up. */
export const THROUGHPUT_TAIL_MS = 10_000;

export interface MoveFigure {
  /** Compute time inside the node (hashes or proof), from its 'move' report. */
  computeMs: number;
  txMs: number;
  gas: bigint;
}

export interface RoundFigure {
  /** Transitions in the range the defender dissected. */
  length: bigint;
  bisect: MoveFigure;
  choose: MoveFigure | null;
}

export interface DisputeFigures {
  fault: string;
  steps: bigint;
  outcome: string;
  /** From the receipt of postResult to the receipt of the transaction that ended the game. */
  wallMs: number;
  executor: { nativeMs: number; traceMs: number; claimToPostMs: number; postGas: bigint };
  watcher: {
    /** From the receipt of postResult to the receipt of the challenge. */
    detectMs: number;
    /** The native run that found the lie (before challenging). */
    nativeMs: number;
    challengeTxMs: number;
    challengeGas: bigint;
    /** The run kept for the game: native again, then the recording pass. */
    traceNativeMs: number;
    traceMs: number;
  };
  rounds: RoundFigure[];
  proof: MoveFigure & { step: bigint };
  /** The game's transactions: challenge, every bisect and choose, the step proof. */
  chain: { txs: number; txMs: number; gas: bigint; reverted: number };
  /** Wall time not in any part above: waits between polls, reading events and state, fetching blobs. */
  otherMs: number;
}

export class RecordingError extends Error {}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new RecordingError(`the recording has no ${what}`);
  return value;
}

function hasEvent(tx: TxRecord, pick: (e: MarketEvent) => boolean): boolean {
  return tx.events.some(pick);
}

function txMs(tx: TxRecord): number {
  return tx.endMs - tx.startMs;
}

/** The node's report that followed a transaction: the first of `kind` after its receipt. */
function reportAfter(events: readonly TimedEvent[], node: string, kind: TimedEvent['kind'], tx: TxRecord): TimedEvent | undefined {
  return events.find((e) => e.node === node && e.kind === kind && e.at >= tx.endMs);
}

function move(events: readonly TimedEvent[], node: string, tx: TxRecord): MoveFigure {
  const report = need(reportAfter(events, node, 'move', tx), `'move' report of ${node} after its ${tx.method}`);
  return { computeMs: report.ms ?? 0, txMs: txMs(tx), gas: tx.gasUsed };
}

/** The dispute over `jobId` between executor `liar` and watcher `watcher` (node names = probe parties). */
export function analyseDispute(rec: Recording, o: { fault: string; jobId: bigint; liar: string; watcher: string }): DisputeFigures {
  const { jobId, liar, watcher } = o;
  const ok = rec.txs.filter((t) => t.ok);
  const post = need(ok.find((t) => t.party === liar && hasEvent(t, (e) => e.name === 'ResultPosted' && e.jobId === jobId)), 'ResultPosted');
  const posted = post.events.find((e) => e.name === 'ResultPosted');
  const steps = posted?.name === 'ResultPosted' ? posted.result.steps : 0n;
  const claim = need(ok.find((t) => t.party === liar && t.method === 'claimJob'), 'claimJob of the executor');
  const ended = need(ok.find((t) => hasEvent(t, (e) => e.name === 'GameEnded' && e.jobId === jobId)), 'GameEnded');
  const endEvent = ended.events.find((e) => e.name === 'GameEnded');
  const challenge = need(ok.find((t) => t.party === watcher && t.method === 'challenge' && hasEvent(t, (e) => e.name === 'GameStarted' && e.jobId === jobId)), 'challenge');
  const started = challenge.events.find((e) => e.name === 'GameStarted');
  const gameId = started?.name === 'GameStarted' ? started.gameId : -1n;
  const inGame = (t: TxRecord) => hasEvent(t, (e) => 'gameId' in e && e.gameId === gameId);

  const liarRun = need(rec.events.find((e) => e.node === liar && e.kind === 'executed' && e.jobId === jobId), `'executed' report of ${liar}`);
  const challenged = need(rec.events.find((e) => e.node === watcher && e.kind === 'challenged' && e.jobId === jobId), `'challenged' report of ${watcher}`);
  const watcherRun = rec.events.find((e) => e.node === watcher && e.kind === 'executed' && e.jobId === jobId);

  const bisects = ok.filter((t) => t.party === liar && t.method === 'bisect' && inGame(t));
  const chooses = ok.filter((t) => t.party === watcher && t.method === 'choose' && inGame(t));
  const prove = need(ok.find((t) => t.party === watcher && t.method === 'proveStep' && inGame(t)), 'proveStep');
  const proved = need(reportAfter(rec.events, watcher, 'move', prove), `'move' report of ${watcher} after proveStep`);
  const chosenLast = [...chooses].reverse().flatMap((t) => t.events).find((e) => e.name === 'Chosen');

  const rounds: RoundFigure[] = bisects.map((b, i) => {
    const dissected = b.events.find((e) => e.name === 'Dissected');
    return {
      length: dissected?.name === 'Dissected' ? dissected.length : 0n,
      bisect: move(rec.events, liar, b),
      choose: chooses[i] === undefined ? null : move(rec.events, watcher, chooses[i]),
    };
  });
  const proof = { computeMs: proved.ms ?? 0, txMs: txMs(prove), gas: prove.gasUsed, step: chosenLast?.name === 'Chosen' ? chosenLast.start : -1n };
  const gameTxs = [challenge, ...bisects, ...chooses, prove];
  const chain = {
    txs: gameTxs.length,
    txMs: gameTxs.reduce((s, t) => s + txMs(t), 0),
    gas: gameTxs.reduce((s, t) => s + t.gasUsed, 0n),
    reverted: rec.txs.filter((t) => !t.ok && (t.party === liar || t.party === watcher) && t.startMs >= post.endMs && t.endMs <= ended.endMs).length,
  };
  const wallMs = ended.endMs - post.endMs;
  const watcherNative = challenged.ms ?? 0;
  const traceNativeMs = watcherRun?.nativeMs ?? 0;
  const traceMs = watcherRun?.traceMs ?? 0;
  const computeMs = rounds.reduce((s, r) => s + r.bisect.computeMs + (r.choose?.computeMs ?? 0), 0) + proof.computeMs;
  return {
    fault: o.fault,
    steps,
    outcome: endEvent?.name === 'GameEnded' ? endEvent.outcome : 'unknown',
    wallMs,
    executor: { nativeMs: liarRun.nativeMs ?? 0, traceMs: liarRun.traceMs ?? 0, claimToPostMs: post.endMs - claim.endMs, postGas: post.gasUsed },
    watcher: {
      detectMs: challenge.endMs - post.endMs, nativeMs: watcherNative, challengeTxMs: txMs(challenge),
      challengeGas: challenge.gasUsed, traceNativeMs, traceMs,
    },
    rounds,
    proof,
    chain,
    otherMs: wallMs - watcherNative - traceNativeMs - traceMs - computeMs - chain.txMs,
  };
}

export interface Spread {
  median: number;
  p90: number;
  max: number;
}

/** Nearest-rank quantile. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error('quantile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function spread(samples: readonly number[]): Spread {
  return { median: median(samples), p90: quantile(samples, 0.9), max: Math.max(...samples) };
}

export interface ThroughputFigures {
  /** Honest executors sharing the jobs (each takes its own share). */
  executors: number;
  jobs: number;
  /** From the first submission to the last one's receipt. */
  submitSpanMs: number;
  posted: number;
  checked: number;
  /** Honest results the watcher challenged (must be 0). */
  challenged: number;
  /** ResultPosted receipt -> the watcher's 'checked' report, per checked job. */
  lag: Spread | null;
  /** Median lag of the first and the last tenth of the jobs: a watcher falling behind shows here. */
  lagFirstTenthMs: number | null;
  lagLastTenthMs: number | null;
  /** JobPosted receipt -> ResultPosted receipt. */
  executorLatency: Spread | null;
  /** From the first submission, when the last result was checked / posted. */
  lastCheckedMs: number | null;
  lastPostedMs: number | null;
  /** Results posted per minute between the first and the last post. */
  postRate: number | null;
  /** Watcher: time inside its rounds over the run, their count, its native + trace runs. */
  watcher: { busyMs: number; rounds: number; runMs: number };
  /** Executors: the busiest one's time inside rounds; transactions, their time and runs of all. */
  executor: { busiestMs: number; txs: number; txMs: number; runMs: number };
  windowMs: number;
  tailMs: number;
}

/** Time inside rounds of `party`, clipped to [from, to]. */
function busy(rounds: readonly RoundRecord[], party: string, from: number, to: number): { ms: number; rounds: number } {
  let ms = 0;
  let count = 0;
  for (const r of rounds) {
    if (r.party !== party || r.endMs <= from || r.startMs >= to) continue;
    ms += Math.min(r.endMs, to) - Math.max(r.startMs, from);
    count++;
  }
  return { ms, rounds: count };
}

export function analyseThroughput(
  rec: Recording,
  o: { submitter: string; executors: readonly string[]; watcher: string; jobIds: readonly bigint[]; windowMs?: number; tailMs?: number },
): ThroughputFigures {
  const ids = new Set(o.jobIds);
  const submits = rec.txs.filter((t) => t.ok && t.party === o.submitter && t.method === 'postJob');
  if (submits.length === 0) throw new RecordingError('the recording has no postJob');
  const t0 = Math.min(...submits.map((t) => t.startMs));
  const when = (name: 'JobPosted' | 'ResultPosted', parties: readonly string[]) => {
    const at = new Map<bigint, number>();
    for (const t of rec.txs) {
      if (!t.ok || !parties.includes(t.party)) continue;
      for (const e of t.events) if (e.name === name && ids.has(e.jobId) && !at.has(e.jobId)) at.set(e.jobId, t.endMs);
    }
    return at;
  };
  const submitted = when('JobPosted', [o.submitter]);
  const posted = when('ResultPosted', o.executors);
  const checked = new Map<bigint, number>();
  for (const e of rec.events) {
    if (e.node === o.watcher && e.kind === 'checked' && e.jobId !== undefined && ids.has(e.jobId) && !checked.has(e.jobId)) checked.set(e.jobId, e.at);
  }
  const challenged = new Set(rec.events.filter((e) => e.node === o.watcher && e.kind === 'challenged' && e.jobId !== undefined && ids.has(e.jobId)).map((e) => e.jobId)).size;
  const inOrder = o.jobIds.filter((id) => checked.has(id) && posted.has(id));
  const lags = inOrder.map((id) => checked.get(id)! - posted.get(id)!);
  const tenth = Math.max(1, Math.floor(lags.length / 10));
  const latencies = o.jobIds.filter((id) => posted.has(id) && submitted.has(id)).map((id) => posted.get(id)! - submitted.get(id)!);
  const postTimes = [...posted.values()].sort((a, b) => a - b);
  const lastChecked = checked.size === 0 ? null : Math.max(...checked.values());
  const lastPosted = postTimes.length === 0 ? null : postTimes[postTimes.length - 1];
  const end = Math.max(lastChecked ?? t0, lastPosted ?? t0);
  // 'checked' reports the native run only; the recording pass that follows reports 'executed'.
  const runMs = (nodes: readonly string[]) => rec.events
    .filter((e) => nodes.includes(e.node) && e.at >= t0 && (e.kind === 'executed' || e.kind === 'checked'))
    .reduce((s, e) => s + (e.ms ?? 0), 0);
  const watcherBusy = busy(rec.rounds, o.watcher, t0, end);
  const busiest = Math.max(0, ...o.executors.map((x) => busy(rec.rounds, x, t0, end).ms));
  const executorTxs = rec.txs.filter((t) => o.executors.includes(t.party) && t.startMs >= t0 && t.endMs <= end);
  return {
    executors: o.executors.length,
    jobs: o.jobIds.length,
    submitSpanMs: Math.max(...submits.map((t) => t.endMs)) - t0,
    posted: posted.size,
    checked: checked.size,
    challenged,
    lag: lags.length === 0 ? null : spread(lags),
    lagFirstTenthMs: lags.length === 0 ? null : median(lags.slice(0, tenth)),
    lagLastTenthMs: lags.length === 0 ? null : median(lags.slice(-tenth)),
    executorLatency: latencies.length === 0 ? null : spread(latencies),
    lastCheckedMs: lastChecked === null ? null : lastChecked - t0,
    lastPostedMs: lastPosted === null ? null : lastPosted - t0,
    postRate: postTimes.length < 2 ? null : ((postTimes.length - 1) / (postTimes[postTimes.length - 1] - postTimes[0])) * 60_000,
    watcher: { busyMs: watcherBusy.ms, rounds: watcherBusy.rounds, runMs: runMs([o.watcher]) },
    executor: { busiestMs: busiest, txs: executorTxs.length, txMs: executorTxs.reduce((s, t) => s + txMs(t), 0), runMs: runMs(o.executors) },
    windowMs: o.windowMs ?? THROUGHPUT_WINDOW_MS,
    tailMs: o.tailMs ?? THROUGHPUT_TAIL_MS,
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function judgeDisputes(disputes: readonly DisputeFigures[], problems: readonly string[] = []): Verdict {
  const target = `a lie in a 10^8-step job slashed within ${DISPUTE_MAX_MS / 1000} s of wall time`;
  if (disputes.length === 0) {
    return { target, met: problems.length === 0 ? null : false, detail: problems.length === 0 ? 'not run' : problems.join('; ') };
  }
  const parts = disputes.map((d) => `${d.fault}: ${d.outcome} ${seconds(d.wallMs)} after the result was posted`);
  const met = problems.length === 0 && disputes.every((d) => d.outcome === 'ChallengerWon' && d.wallMs <= DISPUTE_MAX_MS);
  return { target, met, detail: [...parts, ...problems].join('; ') };
}

/** Whether the watcher checked every result of a run in time, with a bounded lag. */
export function keptUp(t: ThroughputFigures): boolean {
  return t.jobs >= THROUGHPUT_JOBS && t.checked === t.jobs && t.challenged === 0 &&
    t.lastCheckedMs !== null && t.lastCheckedMs <= t.windowMs + t.tailMs && t.watcher.busyMs < t.windowMs;
}

function runDetail(t: ThroughputFigures): string {
  const lag = t.lag === null ? 'no lag measured' :
    `lag median ${seconds(t.lag.median)}, p90 ${seconds(t.lag.p90)}, max ${seconds(t.lag.max)}`;
  return [
    `${t.executors} executor${t.executors === 1 ? '' : 's'}: results posted at ${t.postRate === null ? '-' : t.postRate.toFixed(0)}/min`,
    `${t.checked}/${t.jobs} checked, the last ${t.lastCheckedMs === null ? 'never' : `at ${seconds(t.lastCheckedMs)}`} ` +
      `(window ${seconds(t.windowMs)} + ${seconds(t.tailMs)})`,
    lag,
    `watcher busy ${seconds(t.watcher.busyMs)}`,
    ...(t.challenged > 0 ? [`${t.challenged} right results challenged`] : []),
  ].join(', ');
}

/**
 * Judged on the run that fed the watcher at the full rate (the one with the most
 * executors); the other runs are reported beside it, since one slow executor starves the
 * watcher rather than testing it.
 */
export function judgeThroughput(runs: readonly ThroughputFigures[], problems: readonly string[] = []): Verdict {
  const target = `one watcher keeps up with ${THROUGHPUT_JOBS} small jobs a minute`;
  if (runs.length === 0) return { target, met: problems.length === 0 ? null : false, detail: problems.length === 0 ? 'not run' : problems.join('; ') };
  const judged = runs.reduce((a, b) => (b.executors > a.executors ? b : a));
  const others = runs.filter((r) => r !== judged).map((r) => `for comparison, ${runDetail(r)}${keptUp(r) ? '' : ' (not in time)'}`);
  return { target, met: problems.length === 0 && keptUp(judged), detail: [runDetail(judged), ...others, ...problems].join('; ') };
}
