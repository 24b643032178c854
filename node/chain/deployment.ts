// Where a Verity network lives: the deployment file (JSON) that `verity devnet` and
// `verity deploy` write and every node and command reads. It names the chain (RPC URL,
// chain id), the contracts, the game parameters and, for a devnet, funded keys and the
// p2p bootstrap peers.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ContractFactory, HDNodeWallet, Mnemonic, type Signer } from 'ethers';
import { deployVerifier, readArtifact, ensureArtifacts, projectRoot, type VerifierDeployment } from './deploy-verifier.js';

/** The game parameters a JobMarket is deployed with (docs/dispute-protocol.md#parameters). */
export interface MarketParams {
  /** k: segments per dissection. */
  degree: number;
  /** Seconds each party may spend on its moves over a whole game. */
  clockBudget: number;
  /** Share of a forfeited bond that is burned, in basis points. */
  burnBps: number;
}

export const DEFAULT_MARKET_PARAMS: MarketParams = { degree: 16, clockBudget: 3 * 24 * 3600, burnBps: 5_000 };

export interface FundedAccount {
  address: string;
  privateKey: string;
}

export interface Deployment {
  chainId: number;
  rpcUrl: string;
  market: string;
  verifier: string;
  groups: VerifierDeployment['groups'];
  /** Block of the market's deployment: where nodes start reading events. */
  deployBlock: number;
  params: MarketParams;
  /** p2p multiaddrs to dial first (a devnet's seed node). */
  bootstrap: string[];
  /** Funded keys: only on a devnet, where they are public anyway. */
  accounts?: FundedAccount[];
}

/** Where commands look for the deployment unless told (`--deployment`). */
export const DEFAULT_DEPLOYMENT_FILE = join('.verity', 'deployment.json');

/** Anvil's default mnemonic: its first accounts hold 10,000 ETH each on every fresh devnet. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

/** Anvil's funded account `i`. */
export function anvilAccount(i: number): FundedAccount {
  const wallet = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_MNEMONIC), `m/44'/60'/0'/0/${i}`);
  return { address: wallet.address, privateKey: wallet.privateKey };
}

/** Deploys the verifier (six group contracts + OneStepVerifier) and a JobMarket over it. */
export async function deployNetwork(
  signer: Signer, rpcUrl: string, params: MarketParams = DEFAULT_MARKET_PARAMS,
): Promise<Deployment> {
  const root = projectRoot();
  ensureArtifacts(root);
  const provider = signer.provider;
  if (provider === null) throw new Error('the deploying signer has no provider');
  const verifier = await deployVerifier(signer);
  const artifact = readArtifact('JobMarket', root);
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer);
  const market = await factory.deploy(verifier.verifier, params.degree, params.clockBudget, params.burnBps, {
    nonce: await signer.getNonce('pending'),
  });
  const receipt = await market.deploymentTransaction()!.wait();
  const network = await provider.getNetwork();
  return {
    chainId: Number(network.chainId),
    rpcUrl,
    market: await market.getAddress(),
    verifier: verifier.verifier,
    groups: verifier.groups,
    deployBlock: receipt!.blockNumber,
    params,
    bootstrap: [],
  };
}

/** Writes atomically (temp file + rename): a crash never leaves half a deployment file. */
export function writeDeployment(file: string, deployment: Deployment): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(deployment, null, 2) + '\n');
  renameSync(tmp, file);
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Reads and checks a deployment file; errors name the file and the field. */
export function readDeployment(file: string): Deployment {
  if (!existsSync(file)) {
    throw new DeploymentError(`no deployment file at ${file} (start a devnet with 'verity devnet' or pass --deployment FILE)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DeploymentError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const d = value as Partial<Deployment>;
  const bad = (field: string): never => {
    throw new DeploymentError(`${file}: missing or invalid '${field}'`);
  };
  if (typeof d !== 'object' || d === null) bad('(root object)');
  if (!Number.isSafeInteger(d.chainId)) bad('chainId');
  if (typeof d.rpcUrl !== 'string' || !/^(https?|wss?):\/\//.test(d.rpcUrl)) bad('rpcUrl');
  if (typeof d.market !== 'string' || !ADDRESS.test(d.market)) bad('market');
  if (typeof d.verifier !== 'string' || !ADDRESS.test(d.verifier)) bad('verifier');
  if (!Number.isSafeInteger(d.deployBlock)) bad('deployBlock');
  const p = d.params;
  if (typeof p !== 'object' || p === null || !Number.isSafeInteger(p.degree) || !Number.isSafeInteger(p.clockBudget) ||
    !Number.isSafeInteger(p.burnBps)) bad('params');
  if (!Array.isArray(d.bootstrap) || d.bootstrap.some((a) => typeof a !== 'string')) bad('bootstrap');
  return d as Deployment;
}

export class DeploymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeploymentError';
  }
}
