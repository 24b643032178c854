// `verity run` as a user runs it: the built CLI in a child process.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { loadFixture } from '../support/fixtures.js';

const verity = join(__dirname, '..', '..', 'bin', 'verity.js');
const run = (args: string[]) => spawnSync(process.execPath, [verity, ...args], { encoding: 'buffer' });

describe('verity run', () => {
  const sha = loadFixture('sha256');
  const wasmPath = join(sha.dir, 'sha256.wasm');
  const inputPath = join(sha.dir, 'input.bin');

  it('plain mode passes stdout through and exits with the job exit code', () => {
    const r = run(['run', wasmPath, '--input', inputPath]);
    expect(r.status).toBe(0);
    expect(Buffer.compare(r.stdout, Buffer.from(sha.expected.stdout))).toBe(0);
  });

  it('--json prints one object with base64 output and its keccak-256, the same on both engines', () => {
    const reports = ['interp', 'native'].map((engine) => {
      const out = execFileSync(process.execPath, [verity, 'run', wasmPath, '--input', inputPath, '--json', '--engine', engine]);
      const lines = out.toString().trim().split('\n');
      expect(lines).toHaveLength(1);
      return JSON.parse(lines[0]);
    });
    expect(reports[0]).toEqual(reports[1]);
    const report = reports[0];
    expect(Object.keys(report).sort()).toEqual(['exitCode', 'outputHash', 'status', 'stderr', 'stdout', 'steps', 'trap']);
    expect(report.status).toBe('exited');
    expect(report.exitCode).toBe(0);
    expect(report.trap).toBeNull();
    const stdout = Buffer.from(report.stdout, 'base64');
    expect(Buffer.compare(stdout, Buffer.from(sha.expected.stdout))).toBe(0);
    expect(report.outputHash).toBe('0x' + Buffer.from(keccak_256(stdout)).toString('hex'));
  });

  it('passes args after -- with argv[0] = the module file name, and the exit code', () => {
    const fx = loadFixture('exit_code');
    const r = run(['run', join(fx.dir, 'exit_code.wasm'), '--', 'alpha', 'beta']);
    expect(r.status).toBe(3);
    expect(r.stdout.toString()).toContain('argv[0]="exit_code.wasm"');
    expect(r.stdout.toString()).toContain('argv[2]="beta"');
  });

  it('--max-steps ends the run out-of-steps with exactly that many steps', () => {
    const r = execFileSync(process.execPath, [verity, 'run', wasmPath, '--input', inputPath, '--json', '--max-steps', '1000']);
    const report = JSON.parse(r.toString());
    expect(report.status).toBe('out-of-steps');
    expect(report.steps).toBe(1000);
    expect(report.exitCode).toBeNull();
  });

  it('a trapping job: one line on stderr naming the trap, exit 70', () => {
    const fx = loadFixture('trap');
    const r = run(['run', join(fx.dir, 'trap.wasm'), '--', ...fx.args.slice(1)]);
    expect(r.status).toBe(70);
    const last = r.stderr.toString().trim().split('\n').pop()!;
    expect(last).toMatch(/^verity: job trapped: .+ after \d+ steps$/);
  });

  describe('bad input: one line, exit 2, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-cli-'));
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['not wasm', new TextEncoder().encode('hello'), /^verity: malformed module.*magic header not detected/],
      ['truncated', new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1]), /^verity: malformed module: type section/],
      // (module (import "env" "f" (func)) (func (export "_start")))
      ['unsupported import', new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 9, 1, 3, 101, 110, 118, 1, 102, 0, 0, 3, 2, 1, 0, 7, 10, 1, 6, 95, 115, 116, 97, 114, 116, 0, 1, 10, 4, 1, 2, 0, 11]),
        /^verity: unsupported import env\.f/],
    ];
    for (const [name, bytes, pattern] of cases) {
      it(name, () => {
        const path = join(dir, name.replace(/ /g, '_') + '.wasm');
        writeFileSync(path, bytes);
        const r = run(['run', path]);
        expect(r.status).toBe(2);
        const err = r.stderr.toString();
        expect(err.trim().split('\n')).toHaveLength(1);
        expect(err).toMatch(pattern);
        expect(r.stdout.length).toBe(0);
      });
    }
    it('a missing module file', () => {
      const r = run(['run', join(dir, 'nope.wasm')]);
      expect(r.status).toBe(2);
      expect(r.stderr.toString().trim()).toMatch(/^verity: cannot read module .*nope\.wasm: no such file$/);
    });
    it('a bad --max-steps', () => {
      const r = run(['run', wasmPath, '--max-steps', 'lots']);
      expect(r.status).toBe(2);
      expect(r.stderr.toString().trim()).toMatch(/^verity: .*--max-steps must be a positive integer/);
    });
  });
});
