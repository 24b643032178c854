// Part 5 targets (issue 6), on a whole network in this process: an embedded anvil (1 s
// blocks, transactions mined at once, k = 16, 120 s game clocks), the deployed verifier and
// market, a p2p seed, and each party with its own key, level store and libp2p host, exactly
// as `verity demo` runs them. Nodes poll every 500 ms, the CLI's default.
//
// 1. A lie in a 10^8-step job (`loop 600000`, 103 M steps): a lying executor posts it, one
//    watcher catches it; wall time from the result's receipt to the game's end, broken down.
// 2. One watcher under 100 small jobs a minute (`exit_code`, each with its own argument, so
//    each job's input blob is new and fetched over p2p), run twice: with one honest
//    executor, and with two that share the jobs (odd and even ids), because one executor
//    alone cannot post 100 results a minute and would starve the watcher it is meant to test.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatcherNode } from '../challenger/node.js';
import { ExecutorNode } from '../executor/node.js';
import { projectRoot } from '../node/chain/deploy-verifier.js';
import { describeFault, type Fault } from '../node/game/oracle.js';
import { prepareJob, type PreparedJob } from '../node/jobs/material.js';
import { startDevnet, type Devnet } from '../node/runtime/devnet.js';
import { openHost, type Host } from '../node/runtime/host.js';
import type { ChainNode } from '../node/runtime/node-base.js';
import { DEFAULT_TERMS, submitJob, type SubmitTerms } from '../node/runtime/submit.js';
import { formatCount, formatMs, markdownTable } from './format.js';
import {
  analyseDispute, analyseThroughput, judgeDisputes, judgeThroughput, THROUGHPUT_JOBS, THROUGHPUT_TAIL_MS, THROUGHPUT_WINDOW_MS,
  type DisputeFigures, type Spread, type ThroughputFigures,
} from './network-analysis.js';
import { Probe, type TimedEvent } from './network-probe.js';
import type { Verdict } from './targets.js';

export const NETWORK_POLL_MS = 500;
export const LOOP_ITERATIONS = 600_000;
export const DISPUTE_FAULTS: Fault[] = [{ kind: 'wrong-state', at: 50_000_000 }, { kind: 'wrong-output' }];
const DISPUTE_TIMEOUT_MS = 300_000;
const CLOCK_BUDGET_S = 120;
const INTERVAL_MS = THROUGHPUT_WINDOW_MS / THROUGHPUT_JOBS;

export interface NetworkBench {
  pollMs: number;
  disputes: DisputeFigures[];
  throughput: ThroughputFigures[];
  disputeProblems: string[];
  throughputProblems: string[];
}

type Progress = (line: string) => void;

function fixtureModule(name: string): Uint8Array {
  return readFileSync(join(projectRoot(), 'fixtures', name, `${name}.wasm`));
}

/** A devnet with parties; everything is closed by `close`. */
async function network(parties: readonly string[]): Promise<{ devnet: Devnet; hosts: Map<string, Host>; close(): Promise<void> }> {
  const devnet = await startDevnet({ blockTime: 1, clockBudget: CLOCK_BUDGET_S });
  const dir = mkdtempSync(join(tmpdir(), 'verity-bench-'));
  const hosts = new Map<string, Host>();
  const close = async () => {
    for (const h of hosts.values()) await h.close().catch(() => {});
    await devnet.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const d = devnet.deployment;
    for (const [i, party] of parties.entries()) {
      hosts.set(party, await openHost({ deployment: d, privateKey: d.accounts![i + 1].privateKey, storeDir: join(dir, party) }));
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { devnet, hosts, close };
}

async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopAll(nodes: readonly ChainNode[]): Promise<void> {
  for (const n of nodes) await n.stop().catch(() => {});
}

/** One lie, one watcher; resolves with the dispute's figures. */
export async function benchDispute(fault: Fault, progress: Progress, pollMs = NETWORK_POLL_MS): Promise<DisputeFigures> {
  const name = describeFault(fault);
  const job = prepareJob(fixtureModule('loop'), { input: new Uint8Array(0), args: ['loop.wasm', String(LOOP_ITERATIONS)] }, 200_000_000);
  const probe = new Probe((e: TimedEvent) => {
    if (['challenged', 'executed', 'posted', 'game-ended', 'error'].includes(e.kind)) progress(`network: ${name}: ${e.node}: ${e.message}`);
  });
  const net = await network(['submitter', 'liar', 'watcher']);
  const nodes: ChainNode[] = [];
  try {
    const host = (party: string) => net.hosts.get(party)!;
    for (const [party, h] of net.hosts) probe.watchSends(party, h.market);
    const common = (party: string) => ({ name: party, market: host(party).market, store: host(party).store, p2p: host(party).p2p, pollMs, log: probe.log });
    // The liar takes the job once; nobody takes it again after it reopens (not timed here).
    nodes.push(new ExecutorNode({ ...common('liar'), fault, accept: (_, attempt) => attempt === 0 }));
    nodes.push(new WatcherNode(common('watcher')));
    probe.watchRounds('liar', nodes[0]);
    probe.watchRounds('watcher', nodes[1]);
    for (const n of nodes) await n.start();
    const submitter = host('submitter');
    const { jobId } = await submitJob({
      market: submitter.market, job, terms: DEFAULT_TERMS, blobs: submitter.store.blobs, p2p: submitter.p2p, publishOnChain: false,
    });
    progress(`network: ${name}: job ${jobId} (loop ${LOOP_ITERATIONS}) submitted`);
    await until(() => probe.txs.some((t) => t.ok && t.events.some((e) => e.name === 'GameEnded' && e.jobId === jobId)),
      DISPUTE_TIMEOUT_MS, `the game over job ${jobId} ending`);
    await stopAll(nodes);
    return analyseDispute(probe, { fault: name, jobId, liar: 'liar', watcher: 'watcher' });
  } finally {
    await stopAll(nodes);
    await net.close();
  }
}

/** Small jobs at a steady rate, honest executors sharing them, one watcher. */
export async function benchThroughput(
  progress: Progress, options: { executors?: number; pollMs?: number; jobs?: number; intervalMs?: number } = {},
): Promise<ThroughputFigures> {
  const pollMs = options.pollMs ?? NETWORK_POLL_MS;
  const executors = Array.from({ length: options.executors ?? 1 }, (_, i) => `executor-${i + 1}`);
  const label = `throughput (${executors.length} executor${executors.length === 1 ? '' : 's'})`;
  const count = options.jobs ?? THROUGHPUT_JOBS;
  const intervalMs = options.intervalMs ?? INTERVAL_MS;
  const module = fixtureModule('exit_code');
  const args = JSON.parse(readFileSync(join(projectRoot(), 'fixtures', 'exit_code', 'args.json'), 'utf8')) as string[];
  // Each job its own input blob (one more argument): nothing is fetched once for all.
  const jobs: PreparedJob[] = Array.from({ length: count }, (_, i) => prepareJob(module, { input: new Uint8Array(0), args: [...args, `job-${i}`] }, 1_000_000));
  // Finalizing (a 4th transaction per job) comes after the challenge period, outside the window.
  const terms: SubmitTerms = { ...DEFAULT_TERMS, challengePeriod: 180 };
  let checked = 0;
  const probe = new Probe((e) => {
    if (e.node === 'watcher' && e.kind === 'checked' && ++checked % 20 === 0) progress(`network: ${label}: ${checked} results checked`);
    if (e.kind === 'error' || e.kind === 'skipped' || e.kind === 'challenged') progress(`network: ${label}: ${e.node}: ${e.message}`);
  });
  const net = await network(['submitter', ...executors, 'watcher']);
  const nodes: ChainNode[] = [];
  try {
    const host = (party: string) => net.hosts.get(party)!;
    for (const [party, h] of net.hosts) probe.watchSends(party, h.market);
    const common = (party: string) => ({ name: party, market: host(party).market, store: host(party).store, p2p: host(party).p2p, pollMs, log: probe.log });
    for (const [i, x] of executors.entries()) {
      const share = (jobId: bigint) => Number(jobId % BigInt(executors.length)) === i;
      nodes.push(new ExecutorNode({ ...common(x), accept: share }));
      probe.watchRounds(x, nodes[nodes.length - 1]);
    }
    nodes.push(new WatcherNode(common('watcher')));
    probe.watchRounds('watcher', nodes[nodes.length - 1]);
    for (const n of nodes) await n.start();
    const submitter = host('submitter');
    const jobIds: bigint[] = [];
    progress(`network: ${label}: submitting ${count} jobs, one every ${intervalMs} ms`);
    const t0 = performance.now();
    for (const [i, job] of jobs.entries()) {
      const wait = t0 + i * intervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const { jobId } = await submitJob({ market: submitter.market, job, terms, blobs: submitter.store.blobs, p2p: submitter.p2p, publishOnChain: false });
      jobIds.push(jobId);
    }
    const ids = new Set(jobIds);
    const checkedAll = () => probe.events.filter((e) => e.node === 'watcher' && e.kind === 'checked' && e.jobId !== undefined && ids.has(e.jobId)).length >= count;
    try {
      await until(checkedAll, THROUGHPUT_WINDOW_MS * 2, `all ${count} results checked`);
    } catch (e) {
      progress(`network: ${label}: ${(e as Error).message}; reporting what was checked`);
    }
    await stopAll(nodes);
    return analyseThroughput(probe, { submitter: 'submitter', executors, watcher: 'watcher', jobIds });
  } finally {
    await stopAll(nodes);
    await net.close();
  }
}

export async function benchNetwork(progress: Progress = () => {}): Promise<NetworkBench> {
  const bench: NetworkBench = { pollMs: NETWORK_POLL_MS, disputes: [], throughput: [], disputeProblems: [], throughputProblems: [] };
  for (const fault of DISPUTE_FAULTS) {
    try {
      bench.disputes.push(await benchDispute(fault, progress));
    } catch (e) {
      bench.disputeProblems.push(`${describeFault(fault)}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  for (const executors of [1, 2]) {
    try {
      bench.throughput.push(await benchThroughput(progress, { executors }));
    } catch (e) {
      bench.throughputProblems.push(`${executors} executor(s): ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return bench;
}

export function judgeNetwork(b: NetworkBench): Verdict[] {
  return [judgeDisputes(b.disputes, b.disputeProblems), judgeThroughput(b.throughput, b.throughputProblems)];
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const msCell = (ms: number): string => `${formatMs(ms)} ms`;
const gas = (g: bigint): string => formatCount(Number(g));
const spreadCell = (x: Spread | null): string => (x === null ? '-' : `${s(x.median)} / ${s(x.p90)} / ${s(x.max)}`);

function disputeTables(disputes: readonly DisputeFigures[]): string {
  const cols = disputes.map((d) => `${d.fault}`);
  const row = (label: string, cell: (d: DisputeFigures) => string) => [label, ...disputes.map(cell)];
  const sum = (d: DisputeFigures, side: 'bisect' | 'choose') =>
    d.rounds.reduce((t, r) => t + (side === 'bisect' ? r.bisect.computeMs : r.choose?.computeMs ?? 0), 0);
  const breakdown = markdownTable(['from the result\'s receipt to the game\'s end', ...cols], [
    row('steps of the job', (d) => formatCount(Number(d.steps))),
    row('outcome', (d) => d.outcome),
    row('**wall time** (target <= 120 s)', (d) => `**${s(d.wallMs)}**`),
    row('watcher: result receipt -> challenge receipt', (d) => msCell(d.watcher.detectMs)),
    row('watcher: native re-execution that found the lie', (d) => msCell(d.watcher.nativeMs)),
    row('watcher: run kept for the game: native', (d) => msCell(d.watcher.traceNativeMs)),
    row('watcher: run kept for the game: trace recording', (d) => msCell(d.watcher.traceMs)),
    row('dissection rounds', (d) => String(d.rounds.length)),
    row('dissection: defender hashesAt, all rounds', (d) => msCell(sum(d, 'bisect'))),
    row('dissection: challenger hashesAt, all rounds', (d) => msCell(sum(d, 'choose'))),
    row('one-step proof generation', (d) => `${msCell(d.proof.computeMs)} (step ${formatCount(Number(d.proof.step))})`),
    row('chain: game transactions', (d) => `${d.chain.txs} (${d.chain.reverted} reverted in simulation)`),
    row('chain: their time, sent to receipt', (d) => msCell(d.chain.txMs)),
    row('chain: their gas', (d) => gas(d.chain.gas)),
    row('rest: waits between polls, reading the chain', (d) => msCell(d.otherMs)),
  ]);
  const executor = markdownTable(['lying executor, before posting', ...cols], [
    row('native run', (d) => msCell(d.executor.nativeMs)),
    row('trace recording', (d) => msCell(d.executor.traceMs)),
    row('claim receipt -> postResult receipt', (d) => msCell(d.executor.claimToPostMs)),
    row('postResult gas', (d) => gas(d.executor.postGas)),
  ]);
  const perRound = disputes.map((d) => [
    `Rounds of ${d.fault} (compute = inside the node; tx = sent to receipt):`,
    '',
    markdownTable(['move', 'range', 'defender compute', 'bisect tx', 'bisect gas', 'challenger compute', 'choose tx', 'choose gas'], [
      ['challenge', formatCount(Number(d.steps)), '-', '-', '-', msCell(d.watcher.nativeMs), msCell(d.watcher.challengeTxMs), gas(d.watcher.challengeGas)],
      ...d.rounds.map((r, i) => [
        `round ${i + 1}`, formatCount(Number(r.length)), msCell(r.bisect.computeMs), msCell(r.bisect.txMs), gas(r.bisect.gas),
        r.choose === null ? '-' : msCell(r.choose.computeMs), r.choose === null ? '-' : msCell(r.choose.txMs), r.choose === null ? '-' : gas(r.choose.gas),
      ]),
      ['proveStep', '1', '-', '-', '-', msCell(d.proof.computeMs), msCell(d.proof.txMs), gas(d.proof.gas)],
    ]),
  ].join('\n'));
  return [breakdown, '', executor, '', ...perRound.flatMap((t) => [t, ''])].join('\n').trimEnd();
}

function throughputTable(runs: readonly ThroughputFigures[]): string {
  const row = (label: string, cell: (t: ThroughputFigures) => string) => [label, ...runs.map(cell)];
  const at = (ms: number | null) => (ms === null ? '-' : `at ${s(ms)}`);
  return markdownTable(['100 small jobs a minute', ...runs.map((t) => `${t.executors} executor${t.executors === 1 ? '' : 's'}`)], [
    row('jobs submitted (exit_code, own argument each)', (t) => `${t.jobs} in ${s(t.submitSpanMs)}`),
    row('results posted', (t) => `${t.posted}, the last ${at(t.lastPostedMs)}`),
    row('executors: rate between first and last post', (t) => (t.postRate === null ? '-' : `${t.postRate.toFixed(1)}/min`)),
    row('executors: JobPosted -> ResultPosted (median / p90 / max)', (t) => spreadCell(t.executorLatency)),
    row('executors: transactions, their time (all)', (t) => `${t.executor.txs}, ${s(t.executor.txMs)}`),
    row('executors: busiest one inside rounds', (t) => s(t.executor.busiestMs)),
    row('executors: native + trace runs (all)', (t) => s(t.executor.runMs)),
    row('results checked by the watcher', (t) => `${t.checked}, the last ${at(t.lastCheckedMs)}`),
    row('right results challenged', (t) => String(t.challenged)),
    row('**lag ResultPosted -> checked** (median / p90 / max)', (t) => `**${spreadCell(t.lag)}**`),
    row('lag, median of the first / last tenth', (t) => (t.lagFirstTenthMs === null ? '-' : `${s(t.lagFirstTenthMs)} / ${s(t.lagLastTenthMs ?? 0)}`)),
    row('**watcher busy** (inside rounds, over the run)', (t) => `**${s(t.watcher.busyMs)}** (${t.watcher.rounds} rounds)`),
    row('watcher: native + trace runs', (t) => s(t.watcher.runMs)),
  ]);
}

export function networkTables(b: NetworkBench): string {
  const out = [
    `### Part 5: a lie in a 10^8-step job (embedded anvil, 1 s blocks, k = 16, nodes poll every ${b.pollMs} ms)`,
    '',
    'Times are from one clock (every party runs in this process): a transaction\'s "receipt" is when',
    'its sender had it back. "Compute" is measured inside the node, its transaction not included.',
    '',
  ];
  if (b.disputes.length > 0) out.push(disputeTables(b.disputes));
  for (const p of b.disputeProblems) out.push(`- FAILED: ${p}`);
  out.push('', `### Part 5: one watcher, ${THROUGHPUT_JOBS} small jobs a minute (one every ${INTERVAL_MS} ms)`, '',
    `Times "at" count from the first submission; the target window is ${THROUGHPUT_WINDOW_MS / 1000} s plus a ${THROUGHPUT_TAIL_MS / 1000} s tail.`,
    'With two executors, each takes every other job.', '');
  if (b.throughput.length > 0) out.push(throughputTable(b.throughput));
  for (const p of b.throughputProblems) out.push(`- FAILED: ${p}`);
  return out.join('\n');
}

export function networkProblems(b: NetworkBench): string[] {
  return [...b.disputeProblems, ...b.throughputProblems].map((p) => `network: ${p}`);
}
