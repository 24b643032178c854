// `verity state-hash` as a user runs it: the built CLI in a child process.
import { spawnSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialCommitment } from '../../vm/state/commit.js';
import { loadFixture } from '../support/fixtures.js';

const verity = join(__dirname, '..', '..', 'bin', 'verity.js');
const run = (args: string[]) => spawnSync(process.execPath, [verity, ...args], { encoding: 'utf8' });

describe('verity state-hash', () => {
  const fx = loadFixture('sha256');
  const wasmPath = join(fx.dir, 'sha256.wasm');
  const inputPath = join(fx.dir, 'input.bin');
  const args = [basename(wasmPath)];

  it('prints the initial state hash of module, input and argv', () => {
    const r = run(['state-hash', wasmPath, '--input', inputPath]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(initialCommitment(fx.wasm, { input: fx.input, args }).stateHash + '\n');
  });

  it('--json prints the state hash and the program hash', () => {
    const r = run(['state-hash', wasmPath, '--input', inputPath, '--json']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual(initialCommitment(fx.wasm, { input: fx.input, args }));
  });

  it('--max-steps and the arguments after -- enter the hash', () => {
    const withSteps = run(['state-hash', wasmPath, '--max-steps', '1000']);
    const withArgs = run(['state-hash', wasmPath, '--', 'a', 'b']);
    expect(withSteps.stdout.trim()).toBe(initialCommitment(fx.wasm, { input: new Uint8Array(0), args }, { maxSteps: 1000 }).stateHash);
    expect(withArgs.stdout.trim()).toBe(initialCommitment(fx.wasm, { input: new Uint8Array(0), args: [...args, 'a', 'b'] }).stateHash);
    expect(withSteps.stdout).not.toBe(withArgs.stdout);
  });

  it('bad input is a one-line error and exit code 2', () => {
    const missing = run(['state-hash', join(fx.dir, 'no-such.wasm')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^verity: cannot read module .*no-such\.wasm: no such file\n$/);
    const notWasm = run(['state-hash', inputPath]);
    expect(notWasm.status).toBe(2);
    expect(notWasm.stderr.split('\n')).toHaveLength(2);
    const badSteps = run(['state-hash', wasmPath, '--max-steps', '-5']);
    expect(badSteps.status).toBe(2);
  });
});
