// `verity audit` on a real dispute: anvil, the real verifier and market, a lying executor
// (wrong state from trace index FAULT on) and an honest watcher play the game to the end;
// then the audit, from chain events alone, must find the lie where it was planted.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Wallet } from 'ethers';
import { startAnvil, type Anvil } from '../../node/chain/anvil.js';
import { anvilAccount, deployNetwork, writeDeployment, type Deployment } from '../../node/chain/deployment.js';
import { connectProvider, MarketClient } from '../../node/chain/market.js';
import { prepareJob, type PreparedJob } from '../../node/jobs/material.js';
import { openStore, type NodeStore } from '../../node/store/store.js';
import { ExecutorNode } from '../../executor/node.js';
import { WatcherNode } from '../../challenger/node.js';
import { auditJob, AuditError, type AuditReport } from '../../node/audit/replay.js';
import { register } from '../../cli/commands/audit.js';
import { main } from '../../cli/verity.js';

/** The first trace index whose hash the executor makes up. */
const FAULT = 4_321;

let anvil: Anvil;
let deployment: Deployment;
let job: PreparedJob;
let jobId: bigint;
let honestJobId: bigint;
let dir: string;
let deploymentFile: string;

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Runs `verity audit ARGS` in-process through main(); returns its exit code, stdout and stderr. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'verity', 'audit', ...args], [register]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-audit-'));
  anvil = await startAnvil({ blockTime: 1 });
  const provider = connectProvider(anvil.rpcUrl);
  deployment = await deployNetwork(new Wallet(anvilAccount(0).privateKey, provider), anvil.rpcUrl,
    { degree: 16, clockBudget: 120, burnBps: 5_000 });
  provider.destroy();
  deploymentFile = join(dir, 'deployment.json');
  writeDeployment(deploymentFile, deployment);

  const submitter = MarketClient.withKey(deployment, anvilAccount(1).privateKey);
  const wasm = readFileSync(join(__dirname, '..', '..', 'fixtures', 'sha256', 'sha256.wasm'));
  job = prepareJob(wasm, { input: new TextEncoder().encode('hello'), args: ['sha256.wasm'] }, 1_000_000);
  // On chain, so that executor, watcher and audit fetch them without p2p.
  await submitter.publishBlob(job.module);
  await submitter.publishBlob(job.inputBlob);
  const spec = {
    initialStateHash: job.initialStateHash, moduleHash: job.moduleHash, inputHash: job.inputHash, maxSteps: job.maxSteps,
    executorBond: 10n ** 18n, challengerBond: 10n ** 17n, claimWindow: 60, executionWindow: 60, challengePeriod: 10,
  };
  // A second job, for an honest executor: a right result that nobody challenges.
  ({ jobId: honestJobId } = await submitter.postJob(spec, 10n ** 15n));
  ({ jobId } = await submitter.postJob(spec, 10n ** 16n));

  const stores: NodeStore[] = await Promise.all(['liar', 'watcher', 'honest'].map((name) => openStore(join(dir, name))));
  const liar = new ExecutorNode({
    name: 'liar', store: stores[0], market: MarketClient.withKey(deployment, anvilAccount(2).privateKey), pollMs: 200,
    fault: { kind: 'wrong-state', at: FAULT }, accept: (id, attempt) => id === jobId && attempt === 0,
  });
  const watcher = new WatcherNode({
    name: 'watcher', store: stores[1], market: MarketClient.withKey(deployment, anvilAccount(3).privateKey), pollMs: 200,
  });
  const honest = new ExecutorNode({
    name: 'honest', store: stores[2], market: MarketClient.withKey(deployment, anvilAccount(4).privateKey), pollMs: 200,
    accept: (id, attempt) => id === honestJobId && attempt === 0,
  });
  const nodes = [liar, watcher, honest];
  for (const node of nodes) await node.start();
  try {
    // The lie is caught when the job reopens for its next attempt.
    await until('the lie to be slashed', async () => ((await submitter.getJob(jobId)).attempt > 0 ? true : null));
    await until('the honest result', async () => ((await submitter.getJob(honestJobId)).state !== 'Open' ? true : null));
  } finally {
    for (const node of nodes) await node.stop();
    for (const store of stores) await store.close();
    submitter.provider.destroy();
  }
}, 90_000);

afterAll(async () => {
  await anvil?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function expectFaultFound(report: AuditReport): void {
  expect(report.jobId).toBe(jobId.toString());
  expect(report.material.source).toBe('network');
  expect(report.results).toHaveLength(1);
  const result = report.results[0];
  expect(result.matchesLocal).toBe(false);
  expect(result.fate).toBe('rejected');
  expect(report.job.state).toBe('Open');
  expect(report.job.attempt).toBe(1);

  expect(report.games).toHaveLength(1);
  const game = report.games[0];
  expect(game.outcome).toBe('ChallengerWon');
  expect(game.endedBy).toBe('proveStep');
  expect(game.rightSideWon).toBe(true);
  expect(game.traceLength).toBe(report.local.traceLength);

  // Where the parties first disagreed: exactly where the lie was planted.
  expect(game.firstDisagreement?.index).toBe(FAULT);
  expect(game.firstDisagreement?.lastAgreedIndex).toBe(FAULT - 1);
  const below = game.defenderHashes.filter((h) => h.index < FAULT);
  expect(below.length).toBeGreaterThan(2);
  expect(below.every((h) => h.agrees)).toBe(true);
  expect(game.defenderHashes.filter((h) => h.index >= FAULT).every((h) => !h.agrees)).toBe(true);

  // Every move as the honest re-execution would have it: the liar's bisections are wrong
  // from the fault on, the watcher's choices are the right ones.
  const kinds = game.moves.map((m) => m.kind);
  expect(kinds[0]).toBe('challenge');
  expect(kinds[kinds.length - 1]).toBe('proveStep');
  for (const m of game.moves) {
    if (m.by === 'challenger') expect(m.matchesLocal).toBe(true);
    if (m.kind === 'bisect') expect(m.matchesLocal).toBe(false);
  }
  expect(kinds.filter((k) => k === 'choose').length).toBe(kinds.filter((k) => k === 'bisect').length);

  // The decisive step: the transition into the first made-up state.
  const step = game.decisiveStep!;
  expect(step.index).toBe(FAULT - 1);
  expect(step.pre.steps).toBe(FAULT - 1);
  expect(step.post.steps).toBe(FAULT);
  expect(step.pre.status).toBe('running');
  expect(step.instruction.length).toBeGreaterThan(0);
  expect(step.row).toHaveLength(4);
  expect(step.pre.stateHash).toBe(step.agreedPreHash);
  expect(step.claimConfirmed).toBe(false);
  expect(step.verifier.error).toBeNull();
  expect(step.verifier.postStateHash).toBe(step.post.stateHash);
  expect(step.verifier.postStateHash).not.toBe(step.claimedPostHash);
  expect(step.verifier.matchesLocal).toBe(true);
  expect(step.verifier.refutesClaim).toBe(true);
}

describe('verity audit', () => {
  it('replays the dispute from chain events and finds the planted lie', async () => {
    const market = MarketClient.readOnly(deployment);
    try {
      const report = await auditJob({ market, jobId });
      expectFaultFound(report);
      // Given the job's files instead of fetching them: the same findings.
      const local = await auditJob({ market, jobId, material: { module: job.module, input: job.input } });
      expect(local.material.source).toBe('local');
      expect(local.games).toEqual(report.games);
    } finally {
      market.provider.destroy();
    }
  }, 60_000);

  it('prints the same report through the CLI with --json, and writes it with --out', async () => {
    const out = join(dir, 'reports', 'trace.json');
    const r = await cli([jobId.toString(), '--deployment', deploymentFile, '--json', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]) as AuditReport;
    expectFaultFound(report);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(report);

    const text = await cli([jobId.toString(), '--deployment', deploymentFile, '--game', report.games[0].gameId]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`first disagreement at index ${FAULT} (last agreed: ${FAULT - 1})`);
    expect(text.stdout).toContain(`decisive step: trace index ${FAULT - 1} → ${FAULT}`);
    expect(text.stdout).toContain("refutes the defender's claim");
  }, 60_000);

  it('reports a job without games and checks its result, exit 0', async () => {
    const r = await cli([honestJobId.toString(), '--deployment', deploymentFile, '--rpc', anvil.rpcUrl, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as AuditReport;
    expect(report.games).toEqual([]);
    expect(report.results).toHaveLength(1);
    expect(report.results[0].matchesLocal).toBe(true);
    expect(report.results[0].finalStateHash).toBe(report.local.finalStateHash);
    const text = await cli([honestJobId.toString(), '--deployment', deploymentFile]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('no games: nobody challenged a result of this job');
    expect(text.stdout).toMatch(/attempt 0 by 0x[0-9a-fA-F]{40}: exited 0, 64951 steps/);
  }, 60_000);

  it('refuses an unknown job, another job\'s game and files that are not the job\'s, in one line', async () => {
    const market = MarketClient.readOnly(deployment);
    try {
      await expect(auditJob({ market, jobId: 77n })).rejects.toThrow(AuditError);
    } finally {
      market.provider.destroy();
    }
    const unknown = await cli(['77', '--deployment', deploymentFile]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`verity: job 77 does not exist on market ${deployment.market}\n`);

    const game = await cli([honestJobId.toString(), '--deployment', deploymentFile, '--game', '1']);
    expect(game.code).toBe(2);
    expect(game.stderr).toBe(`verity: game 1 is not a game of job ${honestJobId}\n`);

    const wasm = join(__dirname, '..', '..', 'fixtures', 'sha256', 'sha256.wasm');
    const input = join(dir, 'other-input.txt');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(input, 'not hello');
    const files = await cli([jobId.toString(), '--deployment', deploymentFile, '--module', wasm, '--input', input]);
    expect(files.code).toBe(2);
    expect(files.stderr).toMatch(new RegExp(`^verity: the given files are not job ${jobId}'s: input hashes to 0x[0-9a-f]{64}, but the job names 0x[0-9a-f]{64}`));
    expect(files.stderr.trim().split('\n')).toHaveLength(1);

    const down = await cli([jobId.toString(), '--deployment', deploymentFile, '--rpc', 'http://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^verity: cannot reach the chain at http:\/\/127.0.0.1:1: cannot reach the chain RPC/);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);

    const noDeployment = await cli([jobId.toString(), '--deployment', join(dir, 'missing.json')]);
    expect(noDeployment.code).toBe(2);
    expect(noDeployment.stderr).toMatch(/^verity: no deployment file at .*missing\.json/);
  }, 60_000);
});
