// Gas of the Solidity one-step verifier (Part 3): every proof vector of
// contracts/test/vectors/proofs-<group>.json (vm/proof/prove.ts output, checked by
// vm/proof/verify.ts), plus the purpose-built heaviest cases of bench/verifier-heavy-cases.ts
// (leaf-crossing loads / stores / memory.copy, fd_read of a 1 MiB input), sent to
// OneStepVerifier.verifyStep on an embedded anvil, with step-check's chain plumbing
// (node/chain/). Figures are eth_estimateGas of the call: what a transaction would pay,
// intrinsic 21,000 and calldata included (forge's ProofVectors.t.sol logs execution gas
// only, so its figures are lower).
//
// `npm run bench` runs this among the rest; alone (after `npm run build`):
// `node dist/bench/verifier-gas-bench.js`.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { ANVIL_KEY_0, startAnvil } from '../node/chain/anvil.js';
import { deployVerifier, projectRoot, STEP_VERIFIER_ABI } from '../node/chain/deploy-verifier.js';
import { WASI_FUNCTIONS } from '../vm/host/wasi.js';
import { formatCount, markdownTable } from './format.js';
import { median } from './stats.js';
import {
  COPY_CROSSING, CROSSING, FD_READ_COPY, heavyCaseProofs, WASI_CALL, wasiFunctionOfProof, WITHIN, type LabelledProof,
} from './verifier-heavy-cases.js';

interface Vector {
  group: string;
  opcode: number;
  preStateHash: string;
  postStateHash: string;
  proof: string;
}

/** A proof to measure: a vector or a heavy case, with its labels. */
interface Item {
  /** Opcode group of a vector; null for the purpose-built cases (not in the per-group table). */
  group: string | null;
  labels: string[];
  /** Where it comes from and what it is. */
  detail: string;
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
  /** Steps measured under the label. */
  cases: number;
  max: number;
  /** The step that cost `max`. */
  heaviest: string;
}

export interface VerifierGasBench {
  groups: GroupGas[];
  heaviest: NamedGas[];
  /** Proofs whose on-chain post-state hash differed or that reverted. */
  problems: string[];
}

/** Row opcodes singled out among the vectors (docs/machine.md#machine-code). */
const NAMED_OPCODES: ReadonlyArray<readonly [string, number]> = [
  ['f64.div', 0xa3], ['f64.sqrt', 0x9f], ['f32.div', 0x95], ['f32.sqrt', 0x91], ['i64.div_s', 0x7f],
  ['memory.fill micro-step', 0xe0 + 0x0b],
];
const HOST_CALL = 0xf4;

/** Order of the heaviest-case table: float and division first, then memory, then WASI. */
const LABEL_ORDER: readonly string[] = [
  ...NAMED_OPCODES.map(([label]) => label),
  ...['i64.load', 'i64.store', 'i32.load', 'i32.store', 'f64.load', 'f64.store'].flatMap((op) => [CROSSING(op), WITHIN(op)]),
  COPY_CROSSING('forward'), COPY_CROSSING('backward'),
  FD_READ_COPY,
  ...WASI_FUNCTIONS.map((f) => WASI_CALL(f.name)),
];

const BATCH = 32;

function loadVectors(root: string): Vector[] {
  const dir = join(root, 'contracts', 'test', 'vectors');
  return readdirSync(dir)
    .filter((f) => /^proofs-.*\.json$/.test(f))
    .sort()
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { vectors: Vector[] }).vectors);
}

/** A vector's labels: its opcode's, and for a WASI micro-step its function's. */
function vectorItem(v: Vector): Item {
  const labels = NAMED_OPCODES.filter(([, op]) => op === v.opcode).map(([label]) => label);
  let detail = `${v.group} vector, opcode 0x${v.opcode.toString(16)}`;
  if (v.opcode === HOST_CALL) {
    const name = wasiFunctionOfProof(Buffer.from(v.proof.slice(2), 'hex'));
    if (name !== null) {
      labels.push(WASI_CALL(name));
      detail = `${v.group} vector, ${name}`;
    }
  }
  return { group: v.group, labels, detail, preStateHash: v.preStateHash, postStateHash: v.postStateHash, proof: v.proof };
}

function heavyItem(c: LabelledProof): Item {
  return { group: null, labels: c.labels, detail: `${c.job}: ${c.detail}`, preStateHash: c.preStateHash, postStateHash: c.postStateHash, proof: c.proof };
}

export interface VerifierGasOptions {
  onProgress?: (line: string) => void;
  /** Which vectors to measure (all by default; tests take a few). */
  vectors?: (v: Vector, index: number) => boolean;
}

export async function benchVerifierGas(options: VerifierGasOptions | ((line: string) => void) = {}): Promise<VerifierGasBench> {
  const { onProgress = () => {}, vectors: pick = () => true } = typeof options === 'function' ? { onProgress: options } : options;
  const vectors = loadVectors(projectRoot()).filter(pick);
  onProgress('verifier gas: proving the heaviest cases (leaf-crossing accesses, fd_read of a 1 MiB input)');
  const items = [...vectors.map(vectorItem), ...heavyCaseProofs().map(heavyItem)];
  const anvil = await startAnvil();
  try {
    const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const { verifier: address } = await deployVerifier(new Wallet(ANVIL_KEY_0, provider));
    const verifyStep = new Contract(address, STEP_VERIFIER_ABI, provider).getFunction('verifyStep');
    const gas: number[] = new Array<number>(items.length);
    const problems: string[] = [];
    for (let start = 0; start < items.length; start += BATCH) {
      await Promise.all(items.slice(start, start + BATCH).map(async (v, k) => {
        const i = start + k;
        try {
          const post = (await verifyStep.staticCall(v.preStateHash, v.proof)) as string;
          if (post.toLowerCase() !== v.postStateHash.toLowerCase()) problems.push(`proof ${i} (${v.detail}): post-state hash differs`);
          gas[i] = Number(await verifyStep.estimateGas(v.preStateHash, v.proof));
        } catch (e) {
          problems.push(`proof ${i} (${v.detail}) reverted: ${((e as { shortMessage?: string }).shortMessage ?? String(e)).split('\n')[0]}`);
          gas[i] = Number.NaN;
        }
      }));
      if (start % (BATCH * 50) === 0) onProgress(`verifier gas: ${start} / ${items.length} proofs`);
    }
    provider.destroy();
    return { groups: groupGas(items, gas), heaviest: heaviestGas(items, gas), problems };
  } finally {
    await anvil.close();
  }
}

/** min / median / max per opcode group, over the vectors. */
function groupGas(items: readonly Item[], gas: readonly number[]): GroupGas[] {
  const groups = [...new Set(items.flatMap((v) => (v.group === null ? [] : [v.group])))];
  return groups.flatMap((group) => {
    const g = items.flatMap((v, i) => (v.group === group && !Number.isNaN(gas[i]) ? [gas[i]] : []));
    return g.length === 0 ? [] : [{ group, vectors: g.length, min: Math.min(...g), median: median(g), max: Math.max(...g) }];
  });
}

/** The max per label (in LABEL_ORDER, then any other), the five heaviest proofs, and all vectors. */
function heaviestGas(items: readonly Item[], gas: readonly number[]): NamedGas[] {
  const measured = items.map((item, i) => ({ item, gas: gas[i] })).filter((x) => !Number.isNaN(x.gas));
  const seen = [...new Set(measured.flatMap((x) => x.item.labels))];
  const order = [...LABEL_ORDER.filter((l) => seen.includes(l)), ...seen.filter((l) => !LABEL_ORDER.includes(l))];
  const out: NamedGas[] = order.map((label) => summary(label, measured.filter((x) => x.item.labels.includes(label))));
  const top = [...measured].sort((a, b) => b.gas - a.gas).slice(0, 5);
  for (const x of top) out.push(summary('heaviest overall', [x]));
  out.push(summary('all vectors', measured.filter((x) => x.item.group !== null)));
  return out;
}

function summary(label: string, xs: ReadonlyArray<{ item: Item; gas: number }>): NamedGas {
  const heaviest = xs.reduce((a, b) => (b.gas > a.gas ? b : a));
  return { label, cases: xs.length, max: heaviest.gas, heaviest: heaviest.item.detail };
}

export function verifierGasTables(b: VerifierGasBench): string {
  return [
    '### Part 3: verifyStep gas per opcode group (anvil, eth_estimateGas, proof vectors)',
    '',
    markdownTable(['group', 'vectors', 'min', 'median', 'max'],
      b.groups.map((g) => [g.group, formatCount(g.vectors), formatCount(g.min), formatCount(g.median), formatCount(g.max)])),
    '',
    '### Part 3: heaviest cases (vectors, and purpose-built jobs of bench/verifier-heavy-cases.ts)',
    '',
    markdownTable(['case', 'heaviest step', 'steps', 'max gas'],
      b.heaviest.map((h) => [h.label, h.heaviest, formatCount(h.cases), formatCount(h.max)]), 2),
  ].join('\n');
}

async function main(): Promise<number> {
  const bench = await benchVerifierGas((line) => process.stderr.write(`bench: ${line}\n`));
  const out = [verifierGasTables(bench)];
  if (bench.problems.length > 0) out.push('', '### Problems', '', ...bench.problems.map((p) => `- ${p}`));
  process.stdout.write(out.join('\n') + '\n');
  return bench.problems.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
