// `verity demo --json`, as the README's quick start runs it: the built CLI in a child
// process, an embedded chain, real p2p; the last stdout line is the summary.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const verity = join(__dirname, '..', '..', 'bin', 'verity.js');

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [verity, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('verity demo', () => {
  it('--json: the liar is slashed, the watcher and the honest executor are paid; the last line says so', async () => {
    const r = await runDemo(['--json', '--fault', 'wrong-state:2000000']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    expect(Object.keys(summary).sort()).toEqual(
      ['disputeGas', 'honestFinalized', 'honestPaid', 'liarSlashed', 'rounds', 'wallSeconds', 'watcherPaid'],
    );
    expect(summary).toMatchObject({ liarSlashed: true, watcherPaid: true, honestFinalized: true, honestPaid: true });
    // sha256's 4.4M-step run at k = 16: log16 of the trace length, rounded up.
    expect(summary.rounds).toBe(Math.ceil(Math.log(4_398_006) / Math.log(16)));
    expect(summary.disputeGas).toBeGreaterThan(300_000);
    expect(summary.disputeGas).toBeLessThan(2_000_000);
    // Progress went to stderr, step by step.
    expect(r.stderr).toMatch(/proved step \d+/);
    expect(r.stderr).toMatch(/Balance changes/);
  }, 180_000);

  it('refuses an unknown fault mode in one line', async () => {
    const r = await runDemo(['--fault', 'lie-a-little']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^verity: unknown fault 'lie-a-little'/)]);
  });
});
