// `verity demo`: a whole network in one process, on an embedded chain, with real p2p
// between the parties. Two jobs are submitted; a lying executor takes the first and
// claims a false result; two watchers re-execute it, challenge, and one of them wins the
// dissection game down to one instruction checked by the on-chain verifier. The liar's
// bond goes to that watcher (half burned), the job reopens, the honest executor runs it
// and both jobs finalize. Everyone withdraws what they are owed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatcherNode } from '../../challenger/node.js';
import { ExecutorNode } from '../../executor/node.js';
import { projectRoot } from '../chain/deploy-verifier.js';
import type { MarketEvent } from '../chain/market.js';
import { describeFault, type Fault } from '../game/oracle.js';
import { prepareJob } from '../jobs/material.js';
import type { ChainNode, NodeEvent } from './node-base.js';
import { startDevnet } from './devnet.js';
import { openHost, type Host } from './host.js';
import { DEFAULT_TERMS, submitJob } from './submit.js';

export interface DemoOptions {
  fault?: Fault;
  /** Progress lines for people. */
  onLine?: (line: string) => void;
  /** Every node report, for those who want all of it. */
  onNodeEvent?: (event: NodeEvent) => void;
  /** Give up after this long (default 180 s). */
  timeoutMs?: number;
}

export interface DemoSummary {
  liarSlashed: boolean;
  watcherPaid: boolean;
  honestFinalized: boolean;
  honestPaid: boolean;
  rounds: number;
  disputeGas: number;
  wallSeconds: number;
}

export interface DemoReport extends DemoSummary {
  balances: Array<{ who: string; address: string; change: string }>;
  decisiveStep: number | null;
}

interface DemoJob {
  name: string;
  module: Uint8Array;
  input: Uint8Array;
  args: string[];
}

function fixture(name: string, args: string[]): DemoJob {
  const dir = join(projectRoot(), 'fixtures', name);
  return { name, module: readFileSync(join(dir, `${name}.wasm`)), input: readFileSync(join(dir, 'input.bin')), args: [`${name}.wasm`, ...args] };
}

function formatDelta(wei: bigint): string {
  const sign = wei < 0n ? '-' : '+';
  const abs = wei < 0n ? -wei : wei;
  const s = (Number(abs / 10n ** 12n) / 1e6).toFixed(6);
  return `${sign}${s}`;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const started = performance.now();
  const say = options.onLine ?? (() => {});
  const fault = options.fault ?? { kind: 'wrong-output' };
  const timeoutMs = options.timeoutMs ?? 180_000;

  say('Starting an embedded chain (anvil), deploying the verifier and the job market, starting a p2p seed node...');
  const devnet = await startDevnet({ blockTime: 1, clockBudget: 120 });
  const d = devnet.deployment;
  say(`  market ${d.market} on ${d.rpcUrl}; verifier ${d.verifier}; k = ${d.params.degree}`);
  const dir = mkdtempSync(join(tmpdir(), 'verity-demo-'));
  const hosts: Host[] = [];
  const nodes: ChainNode[] = [];
  const roles = { submitter: 1, honest: 2, watcherA: 3, liar: 4, watcherB: 5 } as const;
  try {
    const open = async (name: string, account: number): Promise<Host> => {
      const host = await openHost({ deployment: d, privateKey: d.accounts![account].privateKey, storeDir: join(dir, name) });
      hosts.push(host);
      return host;
    };
    const provider = (await open('submitter', roles.submitter)).market.provider;
    const addresses = Object.fromEntries(Object.entries(roles).map(([who, i]) => [who, d.accounts![i].address])) as Record<keyof typeof roles, string>;
    const before = new Map<string, bigint>();
    for (const a of Object.values(addresses)) before.set(a, await provider.getBalance(a));

    const lines = (e: NodeEvent) => {
      options.onNodeEvent?.(e);
      if (e.kind === 'started' || e.kind === 'stopped' || e.kind === 'job') return;
      const gas = e.gasUsed === undefined ? '' : ` [${e.gasUsed.toLocaleString('en-US')} gas]`;
      say(`  ${e.node.padEnd(16)} ${e.message}${gas}`);
    };
    const liarJob = 1n;
    const honestHost = await open('honest', roles.honest);
    const liarHost = await open('liar', roles.liar);
    const watcherAHost = await open('watcher-a', roles.watcherA);
    const watcherBHost = await open('watcher-b', roles.watcherB);
    const node = (n: ChainNode) => {
      nodes.push(n);
      return n;
    };
    node(new ExecutorNode({
      name: 'honest executor', market: honestHost.market, store: honestHost.store, p2p: honestHost.p2p, pollMs: 200, log: lines,
      // The liar gets job 1 first; the honest executor takes job 2 and any reopened job.
      accept: (jobId, attempt) => jobId !== liarJob || attempt > 0,
    }));
    node(new ExecutorNode({
      name: 'LYING executor', market: liarHost.market, store: liarHost.store, p2p: liarHost.p2p, pollMs: 200, log: lines, fault,
      accept: (jobId, attempt) => jobId === liarJob && attempt === 0,
    }));
    node(new WatcherNode({ name: 'watcher A', market: watcherAHost.market, store: watcherAHost.store, p2p: watcherAHost.p2p, pollMs: 200, log: lines }));
    node(new WatcherNode({ name: 'watcher B', market: watcherBHost.market, store: watcherBHost.store, p2p: watcherBHost.p2p, pollMs: 200, log: lines }));
    for (const n of nodes) await n.start();
    say(`Nodes up: an honest executor, a lying executor (${describeFault(fault)}), two watchers; all on p2p via the seed.`);

    const submitter = hosts[0];
    const terms = { ...DEFAULT_TERMS, challengePeriod: 12 };
    const jobs = [fixture('sha256', []), fixture('sort', JSON.parse(readFileSync(join(projectRoot(), 'fixtures', 'sort', 'args.json'), 'utf8')).slice(1))];
    for (const j of jobs) {
      const prepared = prepareJob(j.module, { input: j.input, args: j.args }, 1_000_000_000);
      const { jobId } = await submitJob({ market: submitter.market, job: prepared, terms, blobs: submitter.store.blobs, p2p: submitter.p2p, publishOnChain: false });
      say(`Submitted job ${jobId} (${j.name}, fee 0.01 ETH, executor bond 1 ETH, challenger bond 0.1 ETH); blobs offered over p2p.`);
    }

    // Until both jobs are final and nobody is owed anything.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`the demo did not finish within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const states = await Promise.all([1n, 2n].map((id) => submitter.market.getJob(id)));
      if (!states.every((j) => j.state === 'Finalized')) continue;
      const owed = await Promise.all(Object.values(addresses).map((a) => submitter.market.owed(a)));
      if (owed.every((o) => o === 0n)) break;
    }
    for (const n of nodes) await n.stop();
    nodes.length = 0;

    // What happened, from the chain alone.
    const events = await submitter.market.allEvents();
    const ended = events.filter((e): e is Extract<MarketEvent, { name: 'GameEnded' }> => e.name === 'GameEnded');
    const decisive = ended.find((e) => e.jobId === liarJob && e.outcome === 'ChallengerWon');
    const gameEvents = decisive ? events.filter((e) => 'gameId' in e && e.gameId === decisive.gameId) : [];
    const txs = [...new Set(gameEvents.map((e) => e.tx))];
    let disputeGas = 0;
    for (const tx of txs) disputeGas += Number((await provider.getTransactionReceipt(tx))!.gasUsed);
    const rounds = gameEvents.filter((e) => e.name === 'Dissected').length;
    const lastChosen = [...gameEvents].reverse().find((e) => e.name === 'Chosen');
    const finalized = events.filter((e): e is Extract<MarketEvent, { name: 'JobFinalized' }> => e.name === 'JobFinalized');
    const honestFinalized = finalized.some((e) => e.jobId === liarJob && e.executor === addresses.honest) &&
      finalized.some((e) => e.jobId === 2n && e.executor === addresses.honest);
    const change = new Map<string, bigint>();
    for (const [who, a] of Object.entries(addresses)) change.set(who, (await provider.getBalance(a)) - before.get(a)!);
    const withdrawn = (account: string) => events.some((e) => e.name === 'Withdrawn' && e.account === account);
    const winner = decisive ? events.find((e) => e.name === 'GameStarted' && e.gameId === decisive.gameId) : undefined;
    const winnerAddress = winner?.name === 'GameStarted' ? winner.challenger : null;
    const report: DemoReport = {
      liarSlashed: decisive !== undefined && change.get('liar')! < 0n,
      watcherPaid: winnerAddress !== null && withdrawn(winnerAddress) &&
        [...Object.entries(addresses)].some(([who, a]) => a === winnerAddress && change.get(who)! > 0n),
      honestFinalized,
      honestPaid: withdrawn(addresses.honest) && change.get('honest')! > 0n,
      rounds,
      disputeGas,
      wallSeconds: Math.round((performance.now() - started) / 100) / 10,
      balances: Object.entries(addresses).map(([who, a]) => ({ who, address: a, change: formatDelta(change.get(who)!) })),
      decisiveStep: lastChosen?.name === 'Chosen' ? Number(lastChosen.start) : null,
    };
    say('');
    say(`The lie: job ${liarJob}'s false result was rejected in game ${decisive?.gameId ?? '-'} after ${rounds} dissection rounds; ` +
      `the decisive instruction was step ${report.decisiveStep ?? '-'}, checked on chain by the one-step verifier. ` +
      `Whole dispute: ${disputeGas.toLocaleString('en-US')} gas.`);
    say('Balance changes (ETH, gas included):');
    for (const b of report.balances) say(`  ${b.who.padEnd(10)} ${b.address}  ${b.change}`);
    return report;
  } finally {
    for (const n of nodes) await n.stop().catch(() => {});
    for (const h of hosts) await h.close().catch(() => {});
    await devnet.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
