// TypeScript against Solidity at scale: proofs made by vm/proof are checked by the
// deployed OneStepVerifier on a real anvil chain (eth_call, batched), and the on-chain
// post-state hash must equal the reference verifier's. Forge replays committed vectors
// (contracts/test/verifier); this covers what is too large for vector files: EVERY
// step of a fixture run, and every invocation of the spec suite's float scripts run as
// a job and stepped through (issue 4).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { ANVIL_KEY_0, startAnvil, type Anvil } from '../../node/chain/anvil.js';
import { deployVerifier, STEP_VERIFIER_ABI } from '../../node/chain/deploy-verifier.js';
import { createJobMachine, loadJob, type JobInput } from '../../vm/job.js';
import { DEFAULT_LIMITS, type MachineLimits } from '../../vm/exec/limits.js';
import { StateCommitter } from '../../vm/state/commit.js';
import { proveStep } from '../../vm/proof/prove.js';
import { verifyStep } from '../../vm/proof/verify.js';
import { loadFixture } from '../support/fixtures.js';
import { specJobBytes, specJobs } from '../proof/spec-jobs.js';
import { defaultSpecDir } from '../spec/harness.js';

interface StepCase {
  where: string;
  pre: string;
  proof: string;
  post: string;
}

/** Proves every transition of a run, its final halted one included. */
function proveRun(wasm: Uint8Array, input: JobInput, limits: MachineLimits, where: string): StepCase[] {
  const machine = createJobMachine(loadJob(wasm), input, limits);
  const committer = new StateCommitter(machine, limits);
  const cases: StepCase[] = [];
  for (;;) {
    const halted = machine.status !== 'running';
    const p = proveStep(machine, committer);
    cases.push({ where: `${where} step ${cases.length} (op 0x${p.opcode.toString(16)})`, pre: p.preStateHash,
      proof: '0x' + Buffer.from(p.proof).toString('hex'), post: p.postStateHash });
    if (halted) return cases;
  }
}

let anvil: Anvil;
let verifier: Contract;

/** Checks every case on chain, 64 calls per JSON-RPC batch; returns the mismatches. */
async function onChainMismatches(cases: StepCase[]): Promise<string[]> {
  const bad: string[] = [];
  for (let i = 0; i < cases.length; i += 64) {
    const batch = cases.slice(i, i + 64);
    const got = await Promise.all(batch.map((c) => verifier.verifyStep.staticCall(c.pre, c.proof) as Promise<string>));
    batch.forEach((c, k) => {
      if (got[k] !== c.post) bad.push(`${c.where}: on chain ${got[k]}, off chain ${c.post}`);
    });
  }
  return bad;
}

beforeAll(async () => {
  anvil = await startAnvil();
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 64 });
  const signer = new Wallet(ANVIL_KEY_0, provider);
  const deployment = await deployVerifier(signer);
  verifier = new Contract(deployment.verifier, STEP_VERIFIER_ABI, provider);
}, 600_000);

afterAll(async () => {
  await anvil?.close();
});

describe('the deployed verifier agrees with vm/proof on every step', () => {
  it('every step of the exit_code fixture run (args, environ, stdout and stderr writes, proc_exit)', async () => {
    const fx = loadFixture('exit_code');
    const cases = proveRun(fx.wasm, { input: fx.input, args: fx.args }, DEFAULT_LIMITS, 'exit_code');
    expect(cases.length).toBeGreaterThan(30_000);
    // The reference verifier agrees on a sample (every case is checked against it in test/proof).
    for (const c of cases.filter((_, k) => k % 997 === 0)) {
      expect(verifyStep(c.pre, Buffer.from(c.proof.slice(2), 'hex'))).toBe(c.post);
    }
    expect(await onChainMismatches(cases)).toEqual([]);
  }, 900_000);

  for (const script of ['f32', 'f64', 'conversions', 'float_exprs', 'float_misc']) {
    it(`every invocation of ${script}.wast, run as a job and stepped through`, async () => {
      const { jobs } = specJobs(defaultSpecDir(), script);
      expect(jobs.length).toBeGreaterThan(50);
      const cases: StepCase[] = [];
      for (const job of jobs) {
        const limits: MachineLimits = {
          ...DEFAULT_LIMITS, maxSteps: 2_000, maxStackUnits: 1024, maxMemoryPages: Math.max(job.minMemoryPages, 2),
        };
        cases.push(...proveRun(specJobBytes(job), { input: new Uint8Array(0), args: ['spec'] }, limits, job.name));
      }
      expect(await onChainMismatches(cases)).toEqual([]);
    }, 900_000);
  }
});
