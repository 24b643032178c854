// A real network for the end-to-end tests: an embedded anvil with Verity deployed, a p2p
// seed, and parties (submitter, executors, watchers) each with its own key, level store
// and libp2p host on 127.0.0.1. Nothing is mocked.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatcherNode } from '../../challenger/node.js';
import { ExecutorNode, type ExecutorConfig } from '../../executor/node.js';
import type { Job, MarketEvent } from '../../node/chain/market.js';
import { prepareJob, type PreparedJob } from '../../node/jobs/material.js';
import { startDevnet, type Devnet } from '../../node/runtime/devnet.js';
import { openHost, type Host } from '../../node/runtime/host.js';
import type { ChainNode, NodeEvent } from '../../node/runtime/node-base.js';
import { DEFAULT_TERMS, submitJob, type SubmitTerms } from '../../node/runtime/submit.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
/** The built CLI (npm test builds it before vitest runs). */
export const VERITY_BIN = join(import.meta.dirname, '..', '..', 'bin', 'verity.js');

export function fixtureJob(name: string, maxSteps = 100_000_000): PreparedJob {
  const dir = join(FIXTURES, name);
  const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[];
  let input = new Uint8Array(0);
  try {
    input = readFileSync(join(dir, 'input.bin'));
  } catch {
    // no stdin for this fixture
  }
  return prepareJob(readFileSync(join(dir, `${name}.wasm`)), { input, args }, maxSteps);
}

export const TEST_TERMS: SubmitTerms = { ...DEFAULT_TERMS, claimWindow: 60, executionWindow: 60, challengePeriod: 12 };

export class TestNetwork {
  readonly events: NodeEvent[] = [];
  private readonly hosts: Host[] = [];
  private readonly nodes: ChainNode[] = [];
  private nextAccount = 1;
  private readonly children: ChildProcess[] = [];

  private constructor(readonly devnet: Devnet, readonly dir: string, readonly submitter: Host) {}

  static async start(options: { clockBudget?: number } = {}): Promise<TestNetwork> {
    const dir = mkdtempSync(join(tmpdir(), 'verity-e2e-'));
    // The deployment file too, for parties run as `verity` processes.
    const devnet = await startDevnet({ blockTime: 1, clockBudget: options.clockBudget ?? 120, deploymentFile: join(dir, 'deployment.json') });
    const submitter = await openHost({ deployment: devnet.deployment, privateKey: devnet.deployment.accounts![1].privateKey, storeDir: join(dir, 'submitter') });
    const net = new TestNetwork(devnet, dir, submitter);
    net.hosts.push(submitter);
    net.nextAccount = 2;
    return net;
  }

  get deploymentFile(): string {
    return join(this.dir, 'deployment.json');
  }

  get deployment() {
    return this.devnet.deployment;
  }

  get market() {
    return this.submitter.market;
  }

  /** The next funded account (index into the deployment's accounts). */
  account(): number {
    if (this.nextAccount >= this.deployment.accounts!.length) throw new Error('out of funded accounts');
    return this.nextAccount++;
  }

  async host(name: string, account: number): Promise<Host> {
    const host = await openHost({ deployment: this.deployment, privateKey: this.deployment.accounts![account].privateKey, storeDir: join(this.dir, name) });
    this.hosts.push(host);
    return host;
  }

  private log = (e: NodeEvent): void => {
    this.events.push(e);
    if (process.env.VERITY_E2E_LOG === '1') process.stderr.write(`[${e.node}] ${e.kind}: ${e.message}\n`);
  };

  async executor(name: string, config: Partial<ExecutorConfig> = {}): Promise<{ node: ExecutorNode; host: Host; address: string }> {
    const account = this.account();
    const host = await this.host(name, account);
    const node = new ExecutorNode({ name, market: host.market, store: host.store, p2p: host.p2p, pollMs: 150, log: this.log, ...config });
    await node.start();
    this.nodes.push(node);
    return { node, host, address: this.deployment.accounts![account].address };
  }

  async watcher(name: string): Promise<{ node: WatcherNode; host: Host; address: string }> {
    const account = this.account();
    const host = await this.host(name, account);
    const node = new WatcherNode({ name, market: host.market, store: host.store, p2p: host.p2p, pollMs: 150, log: this.log });
    await node.start();
    this.nodes.push(node);
    return { node, host, address: this.deployment.accounts![account].address };
  }

  async submit(job: PreparedJob, terms: SubmitTerms = TEST_TERMS): Promise<bigint> {
    const { jobId } = await submitJob({ market: this.market, job, terms, blobs: this.submitter.store.blobs, p2p: this.submitter.p2p, publishOnChain: false });
    return jobId;
  }

  /** Polls until `check` returns a value (not undefined/false), or fails naming `what`. */
  async until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) {
        const recent = this.events.slice(-15).map((e) => `  [${e.node}] ${e.kind}: ${e.message}`).join('\n');
        throw new Error(`timed out waiting for ${what}; last node reports:\n${recent}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async untilJob(jobId: bigint, what: string, predicate: (job: Job) => boolean, timeoutMs?: number): Promise<Job> {
    return this.until(`job ${jobId} ${what}`, async () => {
      const job = await this.market.getJob(jobId);
      return predicate(job) ? job : undefined;
    }, timeoutMs);
  }

  async allEvents(): Promise<MarketEvent[]> {
    return this.market.allEvents();
  }

  async balance(address: string): Promise<bigint> {
    return this.market.provider.getBalance(address);
  }

  /**
   * Runs `verity COMMAND --deployment <this network's> ARGS` as its own process (the built CLI);
   * stdout lines go to `onLine`. Killed on close if still running.
   */
  spawnCli(args: string[], onLine: (line: string) => void = () => {}): ChildProcess & { exited: Promise<number | null> } {
    // Right after the command name: anything after `--` belongs to the job.
    const argv = [args[0], '--deployment', this.deploymentFile, ...args.slice(1)];
    const child = spawn(process.execPath, [VERITY_BIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      lines.forEach(onLine);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (process.env.VERITY_E2E_LOG === '1') process.stderr.write(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return Object.assign(child, { exited });
  }

  async stopNode(node: ChainNode): Promise<void> {
    await node.stop();
    this.nodes.splice(this.nodes.indexOf(node), 1);
  }

  async close(): Promise<void> {
    for (const n of this.nodes) await n.stop().catch(() => {});
    for (const h of this.hosts) await h.close().catch(() => {});
    for (const child of this.children) child.kill('SIGKILL');
    await this.devnet.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** GameEnded events of a job, by outcome. */
export function gamesOf(events: MarketEvent[], jobId: bigint) {
  const started = events.filter((e): e is Extract<MarketEvent, { name: 'GameStarted' }> => e.name === 'GameStarted' && e.jobId === jobId);
  const ended = events.filter((e): e is Extract<MarketEvent, { name: 'GameEnded' }> => e.name === 'GameEnded' && e.jobId === jobId);
  return started.map((s) => ({ ...s, outcome: ended.find((e) => e.gameId === s.gameId)?.outcome ?? 'Open' }));
}
