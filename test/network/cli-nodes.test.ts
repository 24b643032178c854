// The network through the `verity` command, each party its own process where it matters:
// a watcher, and an executor, killed (SIGKILL) in the middle of a dispute and restarted on
// their stores carry on to the end; `verity submit`, `status` and `result` serve a job end to end; a bad module is
// refused by `verity submit` before any transaction.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURES, fixtureJob, gamesOf, TestNetwork } from './harness.js';

interface Report {
  kind: string;
  message: string;
  gameId?: string;
  jobId?: string;
}

describe('nodes and commands as processes', () => {
  let net: TestNetwork;

  beforeAll(async () => {
    net = await TestNetwork.start({ clockBudget: 300 });
  }, 120_000);

  afterAll(async () => {
    await net?.close();
  }, 60_000);

  test('a watcher killed mid-dispute and restarted on its store still wins', async () => {
    // The liar's first made-up state is deep in the run: the game takes several rounds.
    const liar = await net.executor('liar', { fault: { kind: 'wrong-state', at: 3_000_000 }, accept: (_, attempt) => attempt === 0 });
    const account = net.account();
    const watcherAddress = net.deployment.accounts![account].address;
    const store = join(net.dir, 'watcher-process');
    const args = ['watch', '--account', String(account), '--store', store, '--json', '--poll', '150'];
    const before: Report[] = [];
    let first = net.spawnCli(args, (line) => before.push(JSON.parse(line) as Report));
    const jobId = await net.submit(fixtureJob('sha256'));

    // Kill it the moment it has made its first move in the game.
    await net.until('the watcher to challenge and make a move', async () => before.some((r) => r.kind === 'move'), 60_000);
    first.kill('SIGKILL');
    await first.exited;
    const gameId = before.find((r) => r.kind === 'challenged')!.gameId!;
    expect((await net.market.getGame(BigInt(gameId))).outcome).toBe('Open');

    const after: Report[] = [];
    first = net.spawnCli(args, (line) => after.push(JSON.parse(line) as Report));
    const ended = await net.until('the restarted watcher to win', async () => {
      const game = await net.market.getGame(BigInt(gameId));
      return game.outcome === 'Open' ? undefined : game;
    }, 90_000);
    expect(ended.outcome).toBe('ChallengerWon');
    expect(ended.challenger).toBe(watcherAddress);
    // It carried on in the same game (its store), without a second challenge of the same result.
    const games = gamesOf(await net.allEvents(), jobId).filter((g) => g.challenger === watcherAddress);
    expect(games.map((g) => g.gameId.toString())).toEqual([gameId]);
    expect(after.filter((r) => r.kind === 'move' && r.gameId === gameId).length).toBeGreaterThan(0);
    expect(after.some((r) => r.kind === 'challenged')).toBe(false);
    // And it collects its bounty.
    await net.until('the bounty to be withdrawn', async () => after.some((r) => r.kind === 'withdrawn'), 30_000);
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    await net.stopNode(liar.node);
  }, 240_000);

  test('an executor killed mid-dispute and restarted on its store keeps defending (its lie, here) to the end', async () => {
    const watcher = await net.watcher('watcher for the restarted liar');
    const account = net.account();
    const store = join(net.dir, 'liar-process');
    const jobId = (await net.market.jobCount()) + 1n;
    const args = ['executor', '--account', String(account), '--store', store, '--json', '--poll', '150',
      '--fault', 'wrong-state:2500000', '--jobs', jobId.toString()];
    const before: Report[] = [];
    let liar = net.spawnCli(args, (line) => before.push(JSON.parse(line) as Report));
    expect(await net.submit(fixtureJob('sha256'))).toBe(jobId);
    await net.until('the liar to bisect once', async () => before.some((r) => r.kind === 'move'), 60_000);
    liar.kill('SIGKILL');
    await liar.exited;
    const after: Report[] = [];
    liar = net.spawnCli(args, (line) => after.push(JSON.parse(line) as Report));
    const games = await net.until('the game to end', async () => {
      const g = gamesOf(await net.allEvents(), jobId).filter((x) => x.challenger === watcher.address);
      return g.length > 0 && g[0].outcome !== 'Open' ? g : undefined;
    }, 90_000);
    expect(games[0].outcome).toBe('ChallengerWon');
    // Decided by a one-step proof after the restarted executor bisected on: not by its clock.
    expect(after.filter((r) => r.kind === 'move').length).toBeGreaterThan(0);
    const events = (await net.allEvents()).filter((e) => 'gameId' in e && e.gameId === games[0].gameId);
    const last = events.at(-2);
    expect(last?.name === 'Chosen' && last.length).toBe(1n);
    expect(events.filter((e) => e.name === 'Dissected').length).toBe(Math.ceil(Math.log(4_398_006) / Math.log(16)));
    liar.kill('SIGTERM');
    expect(await liar.exited).toBe(0);
    await net.stopNode(watcher.node);
  }, 240_000);

  test('verity submit, status and result: a job served by p2p, run, finalized and its output checked', async () => {
    await net.executor('honest');
    const dir = join(FIXTURES, 'sort');
    const jobArgs = (JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[]).slice(1);
    const lines: string[] = [];
    const submit = net.spawnCli(['submit', join(dir, 'sort.wasm'), '--input', join(dir, 'input.bin'), '--account', '1',
      '--challenge-period', '4', '--json', '--', ...jobArgs], (line) => lines.push(line));
    expect(await submit.exited).toBe(0);
    const submitted = JSON.parse(lines[0]) as { jobId: string; fetchedByPeers: number; publishedOnChain: boolean };
    expect(submitted.publishedOnChain).toBe(false);
    expect(submitted.fetchedByPeers).toBeGreaterThan(0);
    const jobId = BigInt(submitted.jobId);
    await net.untilJob(jobId, 'finalized', (j) => j.state === 'Finalized', 90_000);

    const status: string[] = [];
    expect(await net.spawnCli(['status', submitted.jobId, '--json'], (l) => status.push(l)).exited).toBe(0);
    const s = JSON.parse(status[0]) as { state: string; result: { status: string; outputPublished: boolean } };
    expect(s.state).toBe('Finalized');
    expect(s.result.outputPublished).toBe(true);

    const result: string[] = [];
    expect(await net.spawnCli(['result', submitted.jobId, '--json'], (l) => result.push(l)).exited).toBe(0);
    const r = JSON.parse(result[0]) as { output: string; exitCode: number };
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { stdoutFile: string; exitCode: number };
    expect(Buffer.from(r.output, 'base64')).toEqual(readFileSync(join(dir, expected.stdoutFile)));
    expect(r.exitCode).toBe(expected.exitCode);
  }, 180_000);

  test('verity submit refuses a malformed module before any transaction', async () => {
    const count = await net.market.jobCount();
    const nonce = await net.market.provider.getTransactionCount(net.deployment.accounts![1].address);
    let stderr = '';
    const bad = net.spawnCli(['submit', join(FIXTURES, 'README.md'), '--account', '1']);
    bad.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await bad.exited).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^verity: malformed module: /);
    expect(await net.market.jobCount()).toBe(count);
    expect(await net.market.provider.getTransactionCount(net.deployment.accounts![1].address)).toBe(nonce);
  }, 60_000);
});
