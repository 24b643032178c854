// Gas of the Solidity one-step verifier (Part 3): every proof vector of
// contracts/test/vectors/proofs-<group>.json (vm/proof/prove.ts output, checked by
// vm/proof/verify.ts) sent to OneStepVerifier.verifyStep on an embedded anvil, with
// step-check's chain plumbing (node/chain/). Figures are eth_estimateGas of the call:
// what a transaction would pay, intrinsic 21,000 and calldata included (forge's
// ProofVectors.t.sol logs execution gas only, so its figures are lower).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { ANVIL_KEY_0, startAnvil } from '../node/chain/anvil.js';
import { deployVerifier, projectRoot, STEP_VERIFIER_ABI } from '../node/chain/deploy-verifier.js';
import { formatCount, markdownTable } from './format.js';
import { median } from './stats.js';

interface Vector {
  group: string;
  opcode: number;
  preStateHash: string;
  postStateHash: string;
  proof: string;
}

export interface GroupGas {
  group: string;
  vectors: number;
  min: number;
  median: number;
  max: number;
}

export interface NamedGas {
  label: string;
  cases: number;
  max: number;
}

export interface VerifierGasBench {
  groups: GroupGas[];
  heaviest: NamedGas[];
  /** Vectors whose on-chain post-state hash differed or that reverted. */
  problems: string[];
}

/** Row opcodes singled out (docs/machine.md#machine-code). */
const NAMED_OPCODES: Array<[string, number]> = [
  ['f64.div', 0xa3], ['f64.sqrt', 0x9f], ['f32.div', 0x95], ['f32.sqrt', 0x91],
  ['i64.div_s', 0x7f], ['i64.load', 0x29], ['i64.store', 0x37], ['memory.copy', 0xe0 + 0x0a], ['memory.fill', 0xe0 + 0x0b],
  ['WASI call (any, micro-step)', 0xf4],
];

const BATCH = 32;

function loadVectors(root: string): Vector[] {
  const dir = join(root, 'contracts', 'test', 'vectors');
  return readdirSync(dir)
    .filter((f) => /^proofs-.*\.json$/.test(f))
    .sort()
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { vectors: Vector[] }).vectors);
}

export async function benchVerifierGas(onProgress: (line: string) => void = () => {}): Promise<VerifierGasBench> {
  const vectors = loadVectors(projectRoot());
  const anvil = await startAnvil();
  try {
    const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const { verifier: address } = await deployVerifier(new Wallet(ANVIL_KEY_0, provider));
    const verifyStep = new Contract(address, STEP_VERIFIER_ABI, provider).getFunction('verifyStep');
    const gas: number[] = new Array<number>(vectors.length);
    const problems: string[] = [];
    for (let start = 0; start < vectors.length; start += BATCH) {
      await Promise.all(vectors.slice(start, start + BATCH).map(async (v, k) => {
        const i = start + k;
        try {
          const post = (await verifyStep.staticCall(v.preStateHash, v.proof)) as string;
          if (post.toLowerCase() !== v.postStateHash.toLowerCase()) problems.push(`vector ${i} (${v.group}, opcode ${v.opcode}): post-state hash differs`);
          gas[i] = Number(await verifyStep.estimateGas(v.preStateHash, v.proof));
        } catch (e) {
          problems.push(`vector ${i} (${v.group}, opcode ${v.opcode}) reverted: ${((e as { shortMessage?: string }).shortMessage ?? String(e)).split('\n')[0]}`);
          gas[i] = Number.NaN;
        }
      }));
      if (start % (BATCH * 50) === 0) onProgress(`verifier gas: ${start} / ${vectors.length} vectors`);
    }
    provider.destroy();
    const measured = (pick: (v: Vector) => boolean) => vectors.flatMap((v, i) => (pick(v) && !Number.isNaN(gas[i]) ? [gas[i]] : []));
    const groups = [...new Set(vectors.map((v) => v.group))].flatMap((group) => {
      const g = measured((v) => v.group === group);
      return g.length === 0 ? [] : [{ group, vectors: g.length, min: Math.min(...g), median: median(g), max: Math.max(...g) }];
    });
    const heaviest = NAMED_OPCODES.flatMap(([label, opcode]) => {
      const g = measured((v) => v.opcode === opcode);
      return g.length === 0 ? [] : [{ label, cases: g.length, max: Math.max(...g) }];
    });
    const all = measured(() => true);
    const top = vectors.map((v, i) => ({ v, g: gas[i] })).filter((x) => !Number.isNaN(x.g)).sort((a, b) => b.g - a.g).slice(0, 5);
    for (const { v, g } of top) heaviest.push({ label: `heaviest overall: ${v.group} opcode 0x${v.opcode.toString(16)}`, cases: 1, max: g });
    heaviest.push({ label: 'all vectors', cases: all.length, max: Math.max(...all) });
    return { groups, heaviest, problems };
  } finally {
    await anvil.close();
  }
}

export function verifierGasTables(b: VerifierGasBench): string {
  return [
    '### Part 3: verifyStep gas per opcode group (anvil, eth_estimateGas, proof vectors)',
    '',
    markdownTable(['group', 'vectors', 'min', 'median', 'max'],
      b.groups.map((g) => [g.group, formatCount(g.vectors), formatCount(g.min), formatCount(g.median), formatCount(g.max)])),
    '',
    markdownTable(['case', 'vectors', 'max gas'], b.heaviest.map((h) => [h.label, formatCount(h.cases), formatCount(h.max)])),
  ].join('\n');
}
