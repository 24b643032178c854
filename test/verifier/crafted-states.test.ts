// States no valid run reaches, TypeScript against Solidity: honest proofs of every opcode
// with header registers, row words or header bits rewritten (test/verifier/crafted-states.ts,
// the crafting of contracts/test/verifier/ProofStates.t.sol). For every such proof the
// deployed OneStepVerifier must do what vm/proof/verify.ts does: the same post-state, or a
// revert with the named error of the same ProofError reason, never a Solidity panic
// (issue 4: "a malformed or lying proof ... reverts with a named error").
// Plus the one reachable case the crafting found: a memarg offset near 2^32.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interface, Wallet, JsonRpcProvider } from 'ethers';
import { ANVIL_KEY_0, startAnvil, type Anvil } from '../../node/chain/anvil.js';
import { deployVerifier, projectRoot } from '../../node/chain/deploy-verifier.js';
import { DEFAULT_LIMITS } from '../../vm/exec/limits.js';
import { createJobMachine, loadJob } from '../../vm/job.js';
import { proveStep } from '../../vm/proof/prove.js';
import { ProofError, verifyStep, type ProofErrorReason } from '../../vm/proof/verify.js';
import { StateCommitter } from '../../vm/state/commit.js';
import { proofJobBytes } from '../proof/modules.js';
import { VOID } from '../native/build.js';
import {
  AT, edgy, HEADER, loadSamples, PROGRAM_HEADER, putU32, random32, REGISTER_SETTINGS, rehashProgram, ROW_EXTREMES,
  runsARow, setRowWord, stateHashOf, type Sample,
} from './crafted-states.js';

/** contracts/src/verifier/Machine.sol ProofErrors, by the verify.ts reason each stands for. */
const NAMED: Record<ProofErrorReason, string> = {
  'malformed': 'Malformed',
  'state hash mismatch': 'StateHashMismatch',
  'program hash mismatch': 'ProgramHashMismatch',
  'truncated': 'Truncated',
  'leaf index out of range': 'LeafIndexOutOfRange',
  'leaf not in region': 'LeafNotInRegion',
  'write to immutable region': 'WriteToImmutableRegion',
  'trailing bytes': 'TrailingBytes',
  'invalid state': 'InvalidState',
};

const VERIFIER = new Interface([
  'function verifyStep(bytes32 preStateHash, bytes proof) view returns (bytes32)',
  'error Malformed()', 'error StateHashMismatch()', 'error ProgramHashMismatch()', 'error Truncated()',
  'error LeafIndexOutOfRange(uint256 region, uint256 index)', 'error LeafNotInRegion(uint256 region, uint256 index)',
  'error WriteToImmutableRegion(uint256 region)', 'error TrailingBytes()', 'error InvalidState(uint32 op)',
  'error Panic(uint256 code)',
]);

interface Case {
  what: string;
  proof: Uint8Array;
}

/** What vm/proof/verify.ts makes of a proof: "post 0x..." or "error <ProofErrors name>". */
function offChain(proof: Uint8Array): string {
  try {
    return `post ${verifyStep(stateHashOf(proof), proof)}`;
  } catch (e) {
    if (e instanceof ProofError) return `error ${NAMED[e.reason]}`;
    return `threw ${(e as Error).message}`;
  }
}

let anvil: Anvil;
let verifierAddress: string;

/** What the deployed verifier makes of each proof (JSON-RPC batches of eth_call). */
async function onChain(proofs: Uint8Array[]): Promise<string[]> {
  const out: string[] = [];
  for (let start = 0; start < proofs.length; start += 100) {
    const batch = proofs.slice(start, start + 100).map((proof, k) => ({
      jsonrpc: '2.0', id: k, method: 'eth_call',
      params: [{ to: verifierAddress, data: VERIFIER.encodeFunctionData('verifyStep', [stateHashOf(proof), proof]) }, 'latest'],
    }));
    const res = await fetch(anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    const answers = (await res.json()) as Array<{ id: number; result?: string; error?: { message: string; data?: string } }>;
    answers.sort((a, b) => a.id - b.id);
    for (const a of answers) {
      if (a.result !== undefined) {
        out.push(`post ${VERIFIER.decodeFunctionResult('verifyStep', a.result)[0] as string}`);
        continue;
      }
      const data = a.error?.data;
      const error = typeof data === 'string' && data.length >= 10 ? VERIFIER.parseError(data) : null;
      if (error === null) out.push(`unnamed revert ${a.error?.message ?? ''} ${data ?? ''}`);
      else if (error.name === 'Panic') out.push(`panic 0x${(error.args[0] as bigint).toString(16)}`);
      else out.push(`error ${error.name}`);
    }
  }
  return out;
}

/** Both verifiers on every case: the off-chain outcomes, and the cases where they differ. */
async function compare(cases: Case[]): Promise<{ outcomes: Set<string>; disagreements: string[] }> {
  const got = await onChain(cases.map((c) => c.proof));
  const outcomes = new Set<string>();
  const disagreements = cases.flatMap((c, i) => {
    const expected = offChain(c.proof);
    outcomes.add(expected.startsWith('post') ? 'post-state' : expected);
    return expected === got[i] ? [] : [`${c.what}: off chain ${expected} | on chain ${got[i]}`];
  });
  return { outcomes, disagreements };
}

const label = (s: Sample): string => `${s.group} opcode 0x${s.opcode.toString(16)}`;

let samples: Sample[];

beforeAll(async () => {
  samples = loadSamples(projectRoot(), { control: 2, variable: 2, memory: 4, numeric: 1, table: 100, wasi: 100, transition: 2 });
  anvil = await startAnvil();
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  verifierAddress = (await deployVerifier(new Wallet(ANVIL_KEY_0, provider))).verifier;
  provider.destroy();
}, 600_000);

afterAll(async () => {
  await anvil?.close();
});

describe('crafted pre-states: the deployed verifier does what vm/proof/verify.ts does', () => {
  it('every opcode under each register setting no valid run has (empty stack, no frame, micro-step registers ...)', async () => {
    expect(samples.length).toBeGreaterThan(300);
    const cases: Case[] = [];
    for (const s of samples) {
      REGISTER_SETTINGS.forEach((setting, k) => {
        const proof = s.proof.slice();
        for (const [at, value] of setting) putU32(proof, at, value);
        cases.push({ what: `${label(s)} setting ${k}`, proof });
      });
    }
    const { outcomes, disagreements } = await compare(cases);
    expect(disagreements).toEqual([]);
    // the crafted states reach post-states and most named errors (an empty stack popped: out of range)
    expect([...outcomes]).toEqual(expect.arrayContaining([
      'post-state', 'error LeafIndexOutOfRange', 'error LeafNotInRegion', 'error Truncated', 'error TrailingBytes', 'error InvalidState',
    ]));
  }, 600_000);

  it('every opcode with a row operand word at the edges of int32 / u32', async () => {
    const cases: Case[] = [];
    for (const s of samples.filter((x) => runsARow(x.proof))) {
      for (let word = 1; word <= 3; word++) {
        for (const value of ROW_EXTREMES) {
          const proof = s.proof.slice();
          setRowWord(proof, word, value);
          cases.push({ what: `${label(s)} row word ${word} = 0x${value.toString(16)}`, proof });
        }
      }
    }
    expect(cases.length).toBeGreaterThan(3000);
    expect((await compare(cases)).disagreements).toEqual([]);
  }, 600_000);

  it('random registers, rows, opcodes and header bits (seeded)', async () => {
    const next = random32(4);
    const cases: Case[] = [];
    const fields = [AT.sp, AT.fp, AT.fsp, AT.fn, AT.units, AT.memPages, AT.inputPos, AT.regs, AT.regs + 4, AT.regs + 8, AT.regs + 12, AT.outLen];
    for (let k = 0; k < 6000; k++) {
      const s = samples[next() % samples.length];
      const proof = s.proof.slice();
      const kind = k % 3;
      if (kind === 0) {
        for (const at of fields) if (next() % 3 === 0) putU32(proof, at, edgy(next));
      } else if (kind === 1 && runsARow(proof)) {
        if (next() % 2 === 0) setRowWord(proof, 0, next() % 256);
        for (let word = 1; word <= 3; word++) setRowWord(proof, word, edgy(next));
        if (next() % 2 === 0) putU32(proof, AT.sp, edgy(next));
      } else {
        const at = 32 + (next() % (HEADER + PROGRAM_HEADER - 32));
        proof[at] ^= 1 << (next() % 8);
        rehashProgram(proof);
      }
      cases.push({ what: `case ${k} (${label(s)})`, proof });
    }
    expect((await compare(cases)).disagreements).toEqual([]);
  }, 600_000);
});

describe('a memarg offset near 2^32 (reachable: any valid module may have one)', () => {
  it('loads and stores whose address + offset passes 2^32 trap on chain as off chain', async () => {
    const bodies = [
      'i32.const 1\ni32.load 2 4294967295\ndrop',
      'i32.const 7\ni64.const 5\ni64.store 3 4294967290',
      'i32.const 0\ni32.load 2 4294967295\ndrop', // address 2^32 - 1: out of bounds without passing 2^32
    ];
    const cases: Case[] = [];
    for (const body of bodies) {
      const wasm = proofJobBytes({ funcs: [{ type: VOID, body: `${body}\nend` }] });
      const machine = createJobMachine(loadJob(wasm), { input: new Uint8Array(0), args: ['job'] }, DEFAULT_LIMITS);
      const committer = new StateCommitter(machine, DEFAULT_LIMITS);
      for (;;) {
        const halted = machine.status !== 'running';
        const p = proveStep(machine, committer);
        expect(verifyStep(p.preStateHash, p.proof)).toBe(p.postStateHash);
        cases.push({ what: `${body.split('\n')[1]} step ${cases.length}`, proof: p.proof });
        if (halted) break;
      }
      expect(machine.trapMessage).toBe('out of bounds memory access');
    }
    expect((await compare(cases)).disagreements).toEqual([]);
  }, 120_000);
});
