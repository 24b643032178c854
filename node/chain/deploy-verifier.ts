// Deploying the one-step verifier (contracts/src/verifier): the six opcode-group
// contracts, then OneStepVerifier with their addresses, from forge's artifacts in out/.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContractFactory, type InterfaceAbi, type Signer } from 'ethers';

/** Constructor order of OneStepVerifier. */
export const VERIFIER_GROUPS = ['ControlOps', 'VariableOps', 'MemoryOps', 'NumericOps', 'TableOps', 'WasiOps'] as const;

export const STEP_VERIFIER_ABI = ['function verifyStep(bytes32 preStateHash, bytes proof) view returns (bytes32)'];

export interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

export interface VerifierDeployment {
  verifier: string;
  groups: Record<(typeof VERIFIER_GROUPS)[number], string>;
}

/** The repository root: the nearest ancestor holding foundry.toml. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'foundry.toml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('foundry.toml not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

function artifactPath(root: string, name: string): string {
  return join(root, 'out', `${name}.sol`, `${name}.json`);
}

/** The real forge binary (not node_modules/.bin's wrapper). */
export function forgeBinary(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@foundry-rs/forge-linux-amd64/package.json')), 'bin', 'forge');
}

/** Runs `forge build` when out/ lacks any deployable artifact (verifier, market); progress goes to stderr. */
export function ensureArtifacts(root = projectRoot(), log: (line: string) => void = (l) => process.stderr.write(l + '\n')): void {
  const names = [...VERIFIER_GROUPS, 'OneStepVerifier', 'JobMarket'];
  if (names.every((n) => existsSync(artifactPath(root, n)))) return;
  log('building contracts (forge build contracts/src, once)...');
  // Only the deployable sources: the tests take far longer under solc-js and are not needed here.
  const r = spawnSync(forgeBinary(), ['build', 'contracts/src'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`forge build failed (exit ${r.status ?? r.signal})`);
  const missing = names.filter((n) => !existsSync(artifactPath(root, n)));
  if (missing.length > 0) throw new Error(`forge build produced no artifact for ${missing.join(', ')}`);
}

export function readArtifact(name: string, root = projectRoot()): Artifact {
  const json = JSON.parse(readFileSync(artifactPath(root, name), 'utf8')) as { abi: InterfaceAbi; bytecode: { object: string } };
  return { abi: json.abi, bytecode: json.bytecode.object };
}

async function deploy(signer: Signer, artifact: Artifact, args: unknown[], nonce: number): Promise<string> {
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer);
  const contract = await factory.deploy(...args, { nonce });
  await contract.waitForDeployment();
  return contract.getAddress();
}

/** Deploys the six group contracts and OneStepVerifier from `signer`. */
export async function deployVerifier(signer: Signer): Promise<VerifierDeployment> {
  const root = projectRoot();
  ensureArtifacts(root);
  let nonce = await signer.getNonce('pending');
  const groups = {} as Record<(typeof VERIFIER_GROUPS)[number], string>;
  for (const name of VERIFIER_GROUPS) groups[name] = await deploy(signer, readArtifact(name, root), [], nonce++);
  const verifier = await deploy(signer, readArtifact('OneStepVerifier', root), VERIFIER_GROUPS.map((n) => groups[n]), nonce++);
  return { verifier, groups };
}
