// `verity step-check` as a user runs it: the built CLI in a child process, proving steps
// off-chain and checking them with the Solidity verifier on anvil.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonRpcProvider, Wallet } from 'ethers';
import { ANVIL_KEY_0, startAnvil } from '../../node/chain/anvil.js';
import { deployVerifier } from '../../node/chain/deploy-verifier.js';
import { loadFixture } from '../support/fixtures.js';

const verity = join(__dirname, '..', '..', 'bin', 'verity.js');
const run = (args: string[]) => spawnSync(process.execPath, [verity, 'step-check', ...args], { encoding: 'utf8', timeout: 120_000 });

interface Check {
  step: number;
  opcode: number;
  offchainPostStateHash: string;
  onchainPostStateHash: string | null;
  gasUsed: number | null;
  ok: boolean;
}

function checks(stdout: string): Check[] {
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as Check);
}

function expectAgreement(list: Check[], steps: number[]): void {
  expect(list.map((c) => c.step)).toEqual(steps);
  for (const c of list) {
    expect(c.ok).toBe(true);
    expect(c.offchainPostStateHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(c.onchainPostStateHash).toBe(c.offchainPostStateHash);
    expect(c.gasUsed).toBeGreaterThan(21_000);
  }
}

const WASI_ROW = 0xf4; // the row of every WASI call's micro-steps (OneStepVerifier GROUP_OF: group 6)
const I32_DIV_S = 0x6d;

describe('verity step-check', () => {
  const cat = loadFixture('cat_iov');
  const catArgs = [join(cat.dir, 'cat_iov.wasm'), '--input', join(cat.dir, 'input.bin')];

  it('agrees with the deployed verifier on plain steps and on fd_read micro-steps (embedded anvil)', () => {
    const steps = [0, 1, 2, 54, 55, 56];
    const r = run([...catArgs, '--steps', steps.join(','), '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const list = checks(r.stdout);
    expectAgreement(list, steps);
    expect(list.slice(3).every((c) => c.opcode === WASI_ROW)).toBe(true);
  }, 120_000);

  it('agrees on the trapping step and on the halted fixed point after it', () => {
    const trap = loadFixture('trap');
    const wasm = join(trap.dir, 'trap.wasm');
    const traced = spawnSync(process.execPath, [verity, 'trace', wasm, '--at', '0', '--json', '--', 'div0'], { encoding: 'utf8' });
    const length = (JSON.parse(traced.stdout) as { steps: number }).steps;
    const steps = [length - 1, length];
    const r = run([wasm, '--steps', steps.join(','), '--json', '--', 'div0']);
    expect(r.status).toBe(0);
    const list = checks(r.stdout);
    expectAgreement(list, steps);
    expect(list[0].opcode).toBe(I32_DIV_S);
    expect(list[1].opcode).toBe(-1); // halted: the state maps to itself
    expect(list[1].onchainPostStateHash).toBe(list[0].onchainPostStateHash);
  }, 120_000);

  it('uses an existing chain and verifier given --rpc and --verifier', async () => {
    const anvil = await startAnvil();
    try {
      const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
      const { verifier } = await deployVerifier(new Wallet(ANVIL_KEY_0, provider));
      provider.destroy();
      const r = spawnSync(process.execPath, [verity, 'step-check', ...catArgs, '--steps', '3', '--rpc', anvil.rpcUrl, '--verifier', verifier, '--json'],
        { encoding: 'utf8', timeout: 120_000 });
      expect(r.status).toBe(0);
      expectAgreement(checks(r.stdout), [3]);
    } finally {
      await anvil.close();
    }
  }, 120_000);

  it('refuses bad input with one line and exit code 2', () => {
    for (const bad of [
      [...catArgs, '--steps', '1,x', '--json'],
      [...catArgs, '--steps', '1', '--rpc', 'http://127.0.0.1:1'],
      [...catArgs, '--steps', '99999999999', '--json'],
    ]) {
      const r = run(bad);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 120_000);
});
