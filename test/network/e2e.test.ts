// End to end on a real anvil with real p2p (issue 6, item 6): an honest job is paid; a
// lying executor is caught and slashed in every fault mode, with two watchers
// challenging the same lie; jobs whose material is bad are refused and nobody loses
// money. All jobs run side by side in one network, as they would on a real one.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prepareJob } from '../../node/jobs/material.js';
import { jobSpec } from '../../node/runtime/submit.js';
import { announceJob } from '../../node/runtime/announce.js';
import type { Fault } from '../../node/game/oracle.js';
import { fixtureJob, gamesOf, TEST_TERMS, TestNetwork } from './harness.js';
import { blobHash } from '../../node/store/blob-hash.js';

/** A WASI command importing env.f, outside the machine's host interface. */
const UNSUPPORTED_IMPORT = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 9, 1, 3, 101, 110, 118, 1, 102, 0, 0, 3, 2, 1, 0, 7, 10, 1, 6, 95, 115, 116, 97, 114, 116, 0, 1, 10, 4, 1, 2, 0, 11]);

const FAULTS: Array<[number, Fault]> = [
  [2, { kind: 'wrong-output' }],
  [3, { kind: 'wrong-final' }],
  [4, { kind: 'wrong-state', at: 1_000 }],
];
const HONEST_JOB = 1n;
const FIRST_BAD_JOB = 5n;
const BOND = TEST_TERMS.executorBond;

describe('the network, end to end', () => {
  let net: TestNetwork;
  let honest: { address: string };
  let liars: Map<bigint, { address: string; balanceBefore: bigint }>;
  let watchers: Array<{ address: string }>;

  beforeAll(async () => {
    net = await TestNetwork.start();
    const liarJobs = new Set(FAULTS.map(([id]) => BigInt(id)));
    honest = await net.executor('honest executor', { accept: (jobId, attempt) => !liarJobs.has(jobId) || attempt > 0 });
    liars = new Map();
    for (const [id, fault] of FAULTS) {
      const jobId = BigInt(id);
      const liar = await net.executor(`liar ${fault.kind}`, { fault, accept: (j, attempt) => j === jobId && attempt === 0 });
      liars.set(jobId, { address: liar.address, balanceBefore: await net.balance(liar.address) });
    }
    watchers = [await net.watcher('watcher A'), await net.watcher('watcher B')];
    // Jobs 1-4: one honest, one per fault mode; submitted in this order, so ids are known.
    expect(await net.submit(fixtureJob('exit_code'))).toBe(HONEST_JOB);
    expect(await net.submit(fixtureJob('sha256'))).toBe(2n);
    expect(await net.submit(fixtureJob('sort'))).toBe(3n);
    expect(await net.submit(fixtureJob('nn_int8'))).toBe(4n);
  }, 120_000);

  afterAll(async () => {
    await net?.close();
  }, 60_000);

  test('an honest job is finalized and its executor paid; nobody challenges it', async () => {
    await net.untilJob(HONEST_JOB, 'finalized', (j) => j.state === 'Finalized', 90_000);
    const events = await net.allEvents();
    const finalized = events.find((e) => e.name === 'JobFinalized' && e.jobId === HONEST_JOB);
    expect(finalized?.name === 'JobFinalized' && finalized.executor).toBe(honest.address);
    expect(gamesOf(events, HONEST_JOB)).toEqual([]);
    // Fee + bond credited at finalization, then withdrawn to the executor's account. (Its
    // balance is no measure here: it has bonds out on the reopened jobs of the other tests.)
    const credited = events.find((e) => e.name === 'Credited' && e.tx === finalized!.tx);
    expect(credited?.name === 'Credited' && credited.account).toBe(honest.address);
    expect(credited?.name === 'Credited' && credited.amount).toBe(TEST_TERMS.fee + BOND);
    await net.until('the honest executor to withdraw', async () =>
      (await net.allEvents()).some((e) => e.name === 'Withdrawn' && e.account === honest.address && e.amount >= TEST_TERMS.fee + BOND));
  }, 120_000);

  test.each(FAULTS)('job %i, a %o liar: caught, slashed, and the job still gets done', async (id) => {
    const jobId = BigInt(id);
    const liar = liars.get(jobId)!;
    const done = await net.untilJob(jobId, 'finalized after the lie', (j) => j.state === 'Finalized', 120_000);
    expect(done.attempt).toBeGreaterThan(0); // the liar's result was rejected: the job reopened
    const events = await net.allEvents();
    const games = gamesOf(events, jobId);
    const won = games.filter((g) => g.outcome === 'ChallengerWon');
    expect(won).toHaveLength(1);
    expect(won[0].attempt).toBe(0);
    // Both watchers challenged the same lie; the game that lost the race is cancelled, its bond returned.
    expect(new Set(games.filter((g) => g.attempt === 0).map((g) => g.challenger))).toEqual(new Set(watchers.map((w) => w.address)));
    for (const g of games.filter((g) => g.attempt === 0 && g.outcome !== 'ChallengerWon')) expect(g.outcome).toBe('Cancelled');
    // The challenger's win was proven by a one-step proof on chain (a proveStep, not a timeout).
    const last = events.filter((e) => 'gameId' in e && e.gameId === won[0].gameId).at(-2);
    expect(last?.name).toBe('Chosen');
    expect(last?.name === 'Chosen' && last.length).toBe(1n);
    // The liar lost its bond (and gas); the honest executor finalized the job.
    const finalized = events.find((e) => e.name === 'JobFinalized' && e.jobId === jobId);
    expect(finalized?.name === 'JobFinalized' && finalized.executor).toBe(honest.address);
    expect(liar.balanceBefore - (await net.balance(liar.address))).toBeGreaterThanOrEqual(BOND);
    expect(await net.market.owed(liar.address)).toBe(0n);
    // The winning watcher got its bond back plus half the liar's bond (the other half is burned).
    const winner = won[0].challenger;
    await net.until('the winner to withdraw its bounty', async () =>
      (await net.allEvents()).some((e) => e.name === 'Withdrawn' && e.account === winner && e.amount >= TEST_TERMS.challengerBond + BOND / 2n));
  }, 150_000);

  test('jobs with bad material are refused before any bond is at stake, and the fee comes back', async () => {
    const claimWindow = 4;
    const terms = { ...TEST_TERMS, claimWindow };
    // (a) The chain's initial state hash does not match module + input (here: other args).
    const real = fixtureJob('sha256');
    const other = prepareJob(real.module, { input: real.input.input, args: ['sha256.wasm', 'extra'] }, real.maxSteps);
    const mismatched = { ...jobSpec(real, terms), initialStateHash: other.initialStateHash };
    // (b) A module that does not decode; (c) one that imports a function outside the WASI subset.
    const malformed = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0xff]);
    const unsupported = UNSUPPORTED_IMPORT;
    const submitterBefore = await net.balance(net.deployment.accounts![1].address);
    const ids: bigint[] = [];
    let gas = 0n;
    for (const [spec, module, inputBlob] of [
      [mismatched, real.module, real.inputBlob],
      [{ ...mismatched, moduleHash: blobHash(malformed) }, malformed, real.inputBlob],
      [{ ...mismatched, moduleHash: blobHash(unsupported) }, unsupported, real.inputBlob],
    ] as const) {
      await net.submitter.store.blobs.put(module);
      await net.submitter.store.blobs.put(inputBlob);
      const { jobId, sent } = await net.market.postJob(spec, terms.fee);
      gas += sent.gasUsed * sent.receipt.gasPrice;
      await announceJob(net.submitter.p2p!, { jobId: jobId.toString(), moduleHash: spec.moduleHash, inputHash: spec.inputHash });
      ids.push(jobId);
    }
    expect(ids[0]).toBeGreaterThanOrEqual(FIRST_BAD_JOB);
    const refusal = (jobId: bigint) => net.until(`the executor to refuse job ${jobId}`, async () =>
      net.events.find((e) => e.kind === 'skipped' && e.jobId === jobId && e.node === 'honest executor'));
    expect((await refusal(ids[0])).message).toMatch(/initial state hash mismatch/);
    expect((await refusal(ids[1])).message).toMatch(/malformed|magic|section|unexpected end|length/i);
    expect((await refusal(ids[2])).message).toMatch(/unsupported import env\.f/);
    // Nobody claimed; once the claim window is over the submitter takes the fee back.
    for (const jobId of ids) {
      const job = await net.untilJob(jobId, 'past its claim window', (j) => j.state === 'Open', 10_000);
      expect(job.executor).toMatch(/^0x0{40}$/);
      await net.until(`job ${jobId}'s claim window to pass`, async () => (await net.market.chainTime()) > job.deadline, 30_000);
      const refund = await net.market.send('refund', [jobId]);
      gas += refund.gasUsed * refund.receipt.gasPrice;
      expect((await net.market.getJob(jobId)).state).toBe('Refunded');
    }
    const owed = await net.market.owed(net.deployment.accounts![1].address);
    expect(owed).toBe(terms.fee * 3n);
    const withdrawal = await net.market.withdraw(net.deployment.accounts![1].address);
    gas += withdrawal.gasUsed * withdrawal.receipt.gasPrice;
    // Nothing lost but gas.
    expect(await net.balance(net.deployment.accounts![1].address)).toBe(submitterBefore - gas);
  }, 120_000);
});
