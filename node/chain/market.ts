// The chain client both nodes and the CLI use: typed calls into JobMarket
// (contracts/src/market/JobMarket.sol), its events decoded, and reverts turned into one
// line that names the contract error. Transactions from one client are sent one at a
// time (a node moves in several games at once; concurrent sends from one key would race
// for nonces).
import {
  Contract, Interface, JsonRpcProvider, NonceManager, Wallet, type ContractTransactionReceipt, type Log,
  type Provider, type Signer, type TransactionReceipt,
} from 'ethers';
import { readArtifact } from './deploy-verifier.js';
import type { Deployment } from './deployment.js';

export type Hex = string;

/** JobMarket.JobState */
export const JOB_STATES = ['None', 'Open', 'Claimed', 'Posted', 'Finalized', 'Refunded'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** DisputeGames.Turn / Outcome */
export const TURNS = ['Defender', 'Challenger', 'Step'] as const;
export type Turn = (typeof TURNS)[number];
export const OUTCOMES = ['Open', 'ExecutorWon', 'ChallengerWon', 'Cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface JobSpec {
  initialStateHash: Hex;
  moduleHash: Hex;
  inputHash: Hex;
  maxSteps: bigint;
  executorBond: bigint;
  challengerBond: bigint;
  claimWindow: number;
  executionWindow: number;
  challengePeriod: number;
}

export interface Job {
  submitter: string;
  fee: bigint;
  executor: string;
  attempt: number;
  state: JobState;
  deadline: number;
  openGames: number;
  spec: JobSpec;
}

export interface Result {
  finalStateHash: Hex;
  outputDigest: Hex;
  traceLength: bigint;
  steps: bigint;
  exitCode: number;
  status: number;
  trapCode: number;
}

export interface Game {
  root: Hex;
  jobId: bigint;
  attempt: number;
  lastMoveAt: number;
  defenderClock: number;
  challengerClock: number;
  turn: Turn;
  outcome: Outcome;
  challenger: string;
  bond: bigint;
}

/** The market's events, decoded; `block`/`logIndex` order them. */
export type MarketEvent = { block: number; logIndex: number; tx: Hex } & (
  | { name: 'JobPosted'; jobId: bigint; submitter: string; fee: bigint; spec: JobSpec; claimDeadline: number }
  | { name: 'JobClaimed'; jobId: bigint; executor: string; attempt: number; resultDeadline: number }
  | { name: 'ResultPosted'; jobId: bigint; attempt: number; result: Result; challengeDeadline: number }
  | { name: 'JobReopened'; jobId: bigint; attempt: number; claimDeadline: number }
  | { name: 'JobFinalized'; jobId: bigint; executor: string; finalStateHash: Hex }
  | { name: 'JobRefunded'; jobId: bigint }
  | { name: 'OutputPublished'; jobId: bigint; output: Uint8Array }
  | { name: 'BlobPublished'; hash: Hex; blob: Uint8Array }
  | { name: 'GameStarted'; gameId: bigint; jobId: bigint; challenger: string; attempt: number; length: bigint; startHash: Hex; endHash: Hex }
  | { name: 'Dissected'; gameId: bigint; start: bigint; length: bigint; startHash: Hex; middle: Hex[]; endHash: Hex }
  | { name: 'Chosen'; gameId: bigint; index: number; start: bigint; length: bigint; startHash: Hex; endHash: Hex }
  | { name: 'GameEnded'; gameId: bigint; jobId: bigint; outcome: Outcome }
  | { name: 'Credited'; account: string; amount: bigint }
  | { name: 'Withdrawn'; account: string; to: string; amount: bigint }
);

export type MarketEventName = MarketEvent['name'];

let cachedInterface: Interface | null = null;

/** JobMarket's ABI, from forge's artifact. */
export function marketInterface(): Interface {
  cachedInterface ??= new Interface(readArtifact('JobMarket').abi);
  return cachedInterface;
}

/**
 * A provider for local chains and remote ones: no 250 ms read cache, no network polling.
 * With the chain id known, ethers skips network detection (which, against an RPC that is
 * down, retries forever and prints to stdout).
 */
export function connectProvider(rpcUrl: string, chainId?: number): JsonRpcProvider {
  // No request batching either: ethers would hold each request 10 ms for company, which
  // made a transaction round trip 74 ms instead of 15 on anvil (measured by the network bench).
  return new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true, cacheTimeout: -1, polling: false, batchMaxCount: 1 });
}

/** One line naming the revert (`WrongState(3, 4)`) or the RPC failure. */
export function describeChainError(error: unknown): string {
  const e = error as { revert?: { name: string; args: unknown[] } | null; data?: string; shortMessage?: string; message?: string };
  if (e.revert) return `${e.revert.name}(${e.revert.args.map(String).join(', ')})`;
  if (typeof e.data === 'string' && e.data.length >= 10) {
    try {
      const parsed = marketInterface().parseError(e.data);
      if (parsed) return `${parsed.name}(${parsed.args.map(String).join(', ')})`;
    } catch {
      // not one of ours
    }
  }
  const text = e.shortMessage ?? e.message ?? String(error);
  if (/ECONNREFUSED|fetch failed/.test(text)) return `cannot reach the chain RPC (${text.split('\n')[0]})`;
  return text.split('\n')[0];
}

export class ChainError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what} failed: ${describeChainError(cause)}`);
    this.name = 'ChainError';
  }
}

function specTuple(spec: JobSpec): unknown[] {
  return [spec.initialStateHash, spec.moduleHash, spec.inputHash, spec.maxSteps, spec.executorBond, spec.challengerBond,
    spec.claimWindow, spec.executionWindow, spec.challengePeriod];
}

type Fields = Record<string, unknown> & unknown[];

function toSpec(s: Fields): JobSpec {
  return {
    initialStateHash: s[0] as Hex, moduleHash: s[1] as Hex, inputHash: s[2] as Hex, maxSteps: BigInt(s[3] as bigint),
    executorBond: BigInt(s[4] as bigint), challengerBond: BigInt(s[5] as bigint), claimWindow: Number(s[6]),
    executionWindow: Number(s[7]), challengePeriod: Number(s[8]),
  };
}

function toResult(r: Fields): Result {
  return {
    finalStateHash: r[0] as Hex, outputDigest: r[1] as Hex, traceLength: BigInt(r[2] as bigint), steps: BigInt(r[3] as bigint),
    exitCode: Number(r[4]), status: Number(r[5]), trapCode: Number(r[6]),
  };
}

function bytesOf(hex: unknown): Uint8Array {
  return Uint8Array.from(Buffer.from((hex as string).slice(2), 'hex'));
}

/** Decodes one market log; null for logs of other contracts or unknown events. */
export function decodeMarketLog(log: Log): MarketEvent | null {
  let parsed;
  try {
    parsed = marketInterface().parseLog({ topics: [...log.topics], data: log.data });
  } catch {
    return null;
  }
  if (!parsed) return null;
  const a = parsed.args;
  const at = { block: log.blockNumber, logIndex: log.index, tx: log.transactionHash };
  switch (parsed.name) {
    case 'JobPosted':
      return { ...at, name: 'JobPosted', jobId: a[0], submitter: a[1], fee: a[2], spec: toSpec(a[3]), claimDeadline: Number(a[4]) };
    case 'JobClaimed':
      return { ...at, name: 'JobClaimed', jobId: a[0], executor: a[1], attempt: Number(a[2]), resultDeadline: Number(a[3]) };
    case 'ResultPosted':
      return { ...at, name: 'ResultPosted', jobId: a[0], attempt: Number(a[1]), result: toResult(a[2]), challengeDeadline: Number(a[3]) };
    case 'JobReopened':
      return { ...at, name: 'JobReopened', jobId: a[0], attempt: Number(a[1]), claimDeadline: Number(a[2]) };
    case 'JobFinalized':
      return { ...at, name: 'JobFinalized', jobId: a[0], executor: a[1], finalStateHash: a[2] };
    case 'JobRefunded':
      return { ...at, name: 'JobRefunded', jobId: a[0] };
    case 'OutputPublished':
      return { ...at, name: 'OutputPublished', jobId: a[0], output: bytesOf(a[1]) };
    case 'BlobPublished':
      return { ...at, name: 'BlobPublished', hash: a[0], blob: bytesOf(a[1]) };
    case 'GameStarted':
      return {
        ...at, name: 'GameStarted', gameId: a[0], jobId: a[1], challenger: a[2], attempt: Number(a[3]), length: a[4],
        startHash: a[5], endHash: a[6],
      };
    case 'Dissected':
      return { ...at, name: 'Dissected', gameId: a[0], start: a[1], length: a[2], startHash: a[3], middle: [...a[4]], endHash: a[5] };
    case 'Chosen':
      return { ...at, name: 'Chosen', gameId: a[0], index: Number(a[1]), start: a[2], length: a[3], startHash: a[4], endHash: a[5] };
    case 'GameEnded':
      return { ...at, name: 'GameEnded', gameId: a[0], jobId: a[1], outcome: OUTCOMES[Number(a[2])] };
    case 'Credited':
      return { ...at, name: 'Credited', account: a[0], amount: a[1] };
    case 'Withdrawn':
      return { ...at, name: 'Withdrawn', account: a[0], to: a[1], amount: a[2] };
    default:
      return null;
  }
}

/** What a sent transaction cost and where it landed. */
export interface Sent {
  receipt: TransactionReceipt;
  gasUsed: bigint;
  events: MarketEvent[];
}

/** JobMarket as seen by one account (or read-only, without a signer). */
export class MarketClient {
  readonly contract: Contract;
  readonly address: string;
  private queue: Promise<unknown> = Promise.resolve();
  /** Gas of every transaction this client sent, by method: what a dispute cost. */
  readonly gasByMethod = new Map<string, bigint>();

  constructor(readonly deployment: Deployment, readonly provider: Provider, readonly signer: Signer | null = null) {
    this.address = deployment.market;
    this.contract = new Contract(deployment.market, marketInterface(), signer ?? provider);
  }

  /** A client sending from `privateKey` on the deployment's chain. */
  static withKey(deployment: Deployment, privateKey: string, provider = connectProvider(deployment.rpcUrl, deployment.chainId)): MarketClient {
    let wallet: Wallet;
    try {
      wallet = new Wallet(privateKey, provider);
    } catch {
      throw new ChainError('reading the private key', new Error('not a 32-byte hex private key'));
    }
    return new MarketClient(deployment, provider, new NonceManager(wallet));
  }

  static readOnly(deployment: Deployment, provider = connectProvider(deployment.rpcUrl, deployment.chainId)): MarketClient {
    return new MarketClient(deployment, provider, null);
  }

  async account(): Promise<string> {
    if (this.signer === null) throw new Error('this client has no key');
    return this.signer.getAddress();
  }

  /** Sends `method(args)` after the client's earlier transactions, waits for the receipt. */
  send(method: string, args: unknown[], value = 0n): Promise<Sent> {
    const run = async (): Promise<Sent> => {
      if (this.signer === null) throw new Error(`${method}: this client has no key`);
      const fn = this.contract.getFunction(method);
      let receipt: ContractTransactionReceipt | null;
      try {
        // Simulate first: a revert is reported by name and no gas is spent on it.
        await fn.staticCall(...args, { value });
        const tx = await fn.send(...args, { value });
        receipt = await tx.wait();
      } catch (e) {
        if (this.signer instanceof NonceManager) this.signer.reset();
        throw new ChainError(method, e);
      }
      if (receipt === null) throw new ChainError(method, new Error('no receipt'));
      this.gasByMethod.set(method, (this.gasByMethod.get(method) ?? 0n) + receipt.gasUsed);
      const events = receipt.logs.map(decodeMarketLog).filter((e): e is MarketEvent => e !== null);
      return { receipt, gasUsed: receipt.gasUsed, events };
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  // ---- submitter ----

  async postJob(spec: JobSpec, fee: bigint): Promise<{ jobId: bigint; sent: Sent }> {
    const sent = await this.send('postJob', [specTuple(spec)], fee);
    const posted = sent.events.find((e) => e.name === 'JobPosted');
    if (posted?.name !== 'JobPosted') throw new Error('postJob: no JobPosted event in the receipt');
    return { jobId: posted.jobId, sent };
  }

  // ---- executor ----

  claimJob(jobId: bigint, bond: bigint): Promise<Sent> {
    return this.send('claimJob', [jobId], bond);
  }

  postResult(jobId: bigint, finalStateHash: Hex, traceLength: bigint, header: Uint8Array): Promise<Sent> {
    return this.send('postResult', [jobId, finalStateHash, traceLength, header]);
  }

  publishOutput(jobId: bigint, output: Uint8Array): Promise<Sent> {
    return this.send('publishOutput', [jobId, output]);
  }

  publishBlob(blob: Uint8Array): Promise<Sent> {
    return this.send('publishBlob', [blob]);
  }

  finalize(jobId: bigint): Promise<Sent> {
    return this.send('finalize', [jobId]);
  }

  // ---- watchers ----

  async challenge(jobId: bigint, bond: bigint): Promise<{ gameId: bigint; sent: Sent }> {
    const sent = await this.send('challenge', [jobId], bond);
    const started = sent.events.find((e) => e.name === 'GameStarted');
    if (started?.name !== 'GameStarted') throw new Error('challenge: no GameStarted event in the receipt');
    return { gameId: started.gameId, sent };
  }

  bisect(gameId: bigint, start: bigint, length: bigint, startHash: Hex, endHash: Hex, middle: Hex[]): Promise<Sent> {
    return this.send('bisect', [gameId, start, length, startHash, endHash, middle]);
  }

  choose(gameId: bigint, start: bigint, length: bigint, hashes: Hex[], index: number): Promise<Sent> {
    return this.send('choose', [gameId, start, length, hashes, index]);
  }

  proveStep(gameId: bigint, start: bigint, preHash: Hex, claimedPostHash: Hex, proof: Uint8Array): Promise<Sent> {
    return this.send('proveStep', [gameId, start, preHash, claimedPostHash, proof]);
  }

  timeout(gameId: bigint): Promise<Sent> {
    return this.send('timeout', [gameId]);
  }

  closeStaleGame(gameId: bigint): Promise<Sent> {
    return this.send('closeStaleGame', [gameId]);
  }

  withdraw(to: string): Promise<Sent> {
    return this.send('withdraw', [to]);
  }

  // ---- views ----

  async getJob(jobId: bigint): Promise<Job> {
    const j = (await this.contract.getFunction('getJob').staticCall(jobId)) as Fields;
    return {
      submitter: j[0] as string, fee: BigInt(j[1] as bigint), executor: j[2] as string, attempt: Number(j[3]),
      state: JOB_STATES[Number(j[4])], deadline: Number(j[5]), openGames: Number(j[6]), spec: toSpec(j[7] as Fields),
    };
  }

  async getResult(jobId: bigint): Promise<Result> {
    return toResult((await this.contract.getFunction('getResult').staticCall(jobId)) as Fields);
  }

  async getGame(gameId: bigint): Promise<Game> {
    const g = (await this.contract.getFunction('getGame').staticCall(gameId)) as Fields;
    return {
      root: g[0] as Hex, jobId: BigInt(g[1] as bigint), attempt: Number(g[2]), lastMoveAt: Number(g[3]),
      defenderClock: Number(g[4]), challengerClock: Number(g[5]), turn: TURNS[Number(g[6])],
      outcome: OUTCOMES[Number(g[7])], challenger: g[8] as string, bond: BigInt(g[9] as bigint),
    };
  }

  async timeLeft(gameId: bigint): Promise<number> {
    return Number(await this.contract.getFunction('timeLeft').staticCall(gameId));
  }

  async owed(account: string): Promise<bigint> {
    return BigInt(await this.contract.getFunction('owed').staticCall(account));
  }

  async jobCount(): Promise<bigint> {
    return BigInt(await this.contract.getFunction('jobCount').staticCall());
  }

  /** The latest block's timestamp: deadlines are compared with chain time, not ours. */
  async chainTime(): Promise<number> {
    const block = await this.provider.getBlock('latest');
    if (block === null) throw new Error('the chain has no latest block');
    return block.timestamp;
  }

  /** Market events in blocks [fromBlock, toBlock], in chain order. */
  async events(fromBlock: number, toBlock: number): Promise<MarketEvent[]> {
    if (toBlock < fromBlock) return [];
    const logs = await this.provider.getLogs({ address: this.address, fromBlock, toBlock });
    return logs.map(decodeMarketLog).filter((e): e is MarketEvent => e !== null);
  }

  /** Every market event since deployment (for audits and status). */
  async allEvents(): Promise<MarketEvent[]> {
    const head = await this.provider.getBlockNumber();
    const out: MarketEvent[] = [];
    for (let from = this.deployment.deployBlock; from <= head; from += LOG_RANGE) {
      out.push(...(await this.events(from, Math.min(head, from + LOG_RANGE - 1))));
    }
    return out;
  }
}

/** Blocks per eth_getLogs request: public RPCs cap ranges at a few thousand. */
export const LOG_RANGE = 2_000;
