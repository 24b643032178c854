// What the network commands (devnet, submit, status, result, executor, watch, audit)
// share: the deployment file, the RPC override, the account to send from, eth amounts,
// and a node's store and p2p host. Kept free of heavy imports at top level; the chain
// and p2p code is loaded by the functions that need it.
import type { Command } from 'commander';
import { UsageError } from './errors.js';
import type { Deployment } from '../node/chain/deployment.js';

export interface NetworkOptions {
  deployment: string;
  rpc?: string;
}

export interface KeyOptions {
  key?: string;
  account?: number;
}

const DEFAULT_DEPLOYMENT = '.verity/deployment.json';

/** Adds --deployment and --rpc. */
export function networkOptions(command: Command): Command {
  return command
    .option('--deployment <file>', 'deployment file written by `verity devnet` or `verity deploy`', DEFAULT_DEPLOYMENT)
    .option('--rpc <url>', "JSON-RPC endpoint (default: the deployment file's)", parseUrl);
}

/** Adds --key and --account. */
export function keyOptions(command: Command, defaultAccount: number, role: string): Command {
  return command
    .option('--key <hex>', `private key of the ${role} (or env VERITY_KEY)`)
    .option('--account <n>', `use funded devnet account n from the deployment file (default ${defaultAccount})`, parseIndex('--account'));
}

export function parseUrl(value: string): string {
  if (!/^(https?|wss?):\/\/\S+$/.test(value)) throw new UsageError(`--rpc must be an http(s) or ws(s) URL, got '${value}'`);
  return value;
}

export function parseIndex(name: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`${name} must be a non-negative integer, got '${value}'`);
    return Number(value);
  };
}

/** Parses a job id (a positive integer). */
export function parseJobId(value: string): bigint {
  if (!/^\d+$/.test(value) || BigInt(value) === 0n || BigInt(value) >= 2n ** 64n) {
    throw new UsageError(`JOB must be a job id (a positive integer), got '${value}'`);
  }
  return BigInt(value);
}

/** Parses an amount of ETH ("0.1", "2") into wei. */
export function parseEth(name: string): (value: string) => bigint {
  return (value: string) => {
    const m = /^(\d+)(?:\.(\d{1,18}))?$/.exec(value);
    if (!m) throw new UsageError(`${name} must be an amount of ETH like 0.5, got '${value}'`);
    return BigInt(m[1]) * 10n ** 18n + BigInt((m[2] ?? '').padEnd(18, '0'));
  };
}

/** Parses a duration in seconds (a positive integer below 2^32). */
export function parseSeconds(name: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) >= 2 ** 32) {
      throw new UsageError(`${name} must be a number of seconds (a positive integer), got '${value}'`);
    }
    return Number(value);
  };
}

/** The deployment, with the RPC URL overridden when asked; errors are one line, exit 2. */
export async function loadDeployment(opts: NetworkOptions): Promise<Deployment> {
  const { readDeployment } = await import('../node/chain/deployment.js');
  let deployment: Deployment;
  try {
    deployment = readDeployment(opts.deployment);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return opts.rpc === undefined ? deployment : { ...deployment, rpcUrl: opts.rpc };
}

/** The key to send from: --key, then VERITY_KEY, then the deployment's funded account. */
export function resolveKey(deployment: Deployment, opts: KeyOptions, defaultAccount: number): string {
  const key = opts.key ?? process.env.VERITY_KEY;
  if (key !== undefined) {
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(key)) throw new UsageError('the private key must be 32 bytes of hex');
    return key.startsWith('0x') ? key : `0x${key}`;
  }
  const index = opts.account ?? defaultAccount;
  const account = deployment.accounts?.[index];
  if (account === undefined) {
    throw new UsageError(
      deployment.accounts === undefined
        ? 'no key: pass --key or set VERITY_KEY (the deployment file has no funded devnet accounts)'
        : `the deployment file has no account ${index} (it has ${deployment.accounts.length})`,
    );
  }
  return account.privateKey;
}

/** Fails fast, in one line, when the chain is not there or is not the deployment's. */
export async function checkChain(deployment: Deployment): Promise<void> {
  const { connectProvider, describeChainError } = await import('../node/chain/market.js');
  const provider = connectProvider(deployment.rpcUrl, deployment.chainId);
  try {
    const chainId = Number(await provider.send('eth_chainId', []));
    if (chainId !== deployment.chainId) {
      throw new UsageError(`the RPC at ${deployment.rpcUrl} is chain ${chainId}, the deployment is on chain ${deployment.chainId}`);
    }
    const code = await provider.getCode(deployment.market);
    if (code === '0x') throw new UsageError(`no market contract at ${deployment.market} on ${deployment.rpcUrl} (is the devnet still running?)`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // Not the user's input but the environment: exit 1.
    throw new Error(`cannot reach the chain at ${deployment.rpcUrl}: ${describeChainError(e)}`);
  } finally {
    provider.destroy();
  }
}

/** Resolves when the process is asked to stop (Ctrl-C, SIGTERM). */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => resolve(signal);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}

export { formatEth } from '../node/chain/units.js';
