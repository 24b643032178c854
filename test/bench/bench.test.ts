// The bench's own arithmetic and its correctness checks. Nothing here asserts a duration:
// speed is judged by `npm run bench`, from ratios to a baseline measured in the same run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchFixture, benchInterpreter, interpreterFirstRun, nativeFallback, settleInterpreter, type FixtureBench } from '../../bench/fixture-bench.js';
import { formatDelta, formatRatio, markdownTable } from '../../bench/format.js';
import { geometricMean, median, minimum } from '../../bench/stats.js';
import { benchSustained, type SustainedBench } from '../../bench/sustained-bench.js';
import { judgeTargets } from '../../bench/targets.js';
import { benchVerifierGas, verifierGasTables } from '../../bench/verifier-gas-bench.js';
import {
  COPY_CROSSING, CROSSING, FD_READ_COPY, heavyCaseProofs, WASI_CALL, wasiFunctionOfProof, WITHIN, type LabelledProof,
} from '../../bench/verifier-heavy-cases.js';
import { projectRoot } from '../../node/chain/deploy-verifier.js';
import { loadJob } from '../../vm/job.js';
import { verifyStep } from '../../vm/proof/verify.js';
import { loadFixture } from '../support/fixtures.js';

describe('stats', () => {
  it('takes the middle sample, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(minimum([3, 1, 2])).toBe(1);
  });

  it('averages ratios geometrically, so 2x and 0.5x cancel out', () => {
    expect(geometricMean([2, 0.5])).toBeCloseTo(1, 12);
    expect(geometricMean([4, 16])).toBeCloseTo(8, 12);
  });

  it('refuses to summarise no samples', () => {
    expect(() => median([])).toThrow('median of no samples');
  });
});

describe('format', () => {
  it('prints a Markdown table with numbers right-aligned', () => {
    expect(markdownTable(['name', 'ms'], [['loop', '10.5'], ['nbody', '0.42']])).toBe(
      ['| name  |   ms |', '| ----- | ---: |', '| loop  | 10.5 |', '| nbody | 0.42 |'].join('\n'),
    );
  });

  it('left-aligns the text columns it is told of', () => {
    expect(markdownTable(['case', 'where', 'gas'], [['a', 'here', '10']], 2)).toBe(
      ['| case | where | gas |', '| ---- | ----- | --: |', '| a    | here  |  10 |'].join('\n'),
    );
  });

  it('signs differences and scales ratios', () => {
    expect(formatDelta(-4.5)).toBe('-4.50');
    expect(formatDelta(12.25)).toBe('+12.3');
    expect(formatRatio(1.234)).toBe('1.23x');
    expect(formatRatio(245.4)).toBe('245x');
  });
});

describe('fixture bench', () => {
  it('runs exit_code on all three engines and finds every result correct', async () => {
    const fixture = loadFixture('exit_code');
    const plan = { fastRuns: 2, interpRuns: 1, interpBudgetMs: 0 };
    const bench = await benchFixture(fixture, plan, await benchInterpreter(fixture, plan, await interpreterFirstRun(fixture)));
    expect(bench.problems).toEqual([]);
    expect(bench.steps).toBeGreaterThan(0);
    expect(bench.native.fallback).toBeNull();
    expect([bench.v8.runs, bench.native.runs, bench.interp.runs]).toEqual([2, 2, 1]);
    for (const ms of [bench.v8.totalMs, bench.v8.setupMs, bench.native.warmMs, bench.interp.ms]) {
      expect(Number.isFinite(ms) && ms >= 0).toBe(true);
    }
  });

  it('reports a wrong expected result as a problem instead of timing it silently', async () => {
    const fixture = loadFixture('exit_code');
    const wrong = { ...fixture, expected: { ...fixture.expected, exitCode: 4 } };
    const plan = { fastRuns: 1, interpRuns: 1, interpBudgetMs: 0 };
    const bench = await benchFixture(wrong, plan, await benchInterpreter(wrong, plan, await interpreterFirstRun(wrong)));
    expect(bench.problems).toEqual([
      'exit_code: interp ended with exit 3, expected exit 4',
      'exit_code: V8 ended with exit 3, expected exit 4',
      'exit_code: native ended with exit 3, expected exit 4',
    ]);
  });

  it('settling runs the interpreter for at least the time asked, and at once for no fixtures', async () => {
    const t = performance.now();
    await settleInterpreter([loadFixture('exit_code')], 50);
    expect(performance.now() - t).toBeGreaterThanOrEqual(50);
    await settleInterpreter([], 10_000); // returns: nothing to run
  });

  it('names the native fallback of a trapping fixture', async () => {
    const trap = loadFixture('trap');
    expect(await nativeFallback(loadJob(trap.wasm), { input: trap.input, args: trap.args })).toBe('trap');
  });
});

describe('sustained bench', () => {
  it('cross-checks native against V8 on a larger input', async () => {
    const bench = await benchSustained({ fixture: 'sha256', inputRepeat: 2 }, loadFixture('sha256'), 1);
    expect(bench.label).toBe('sha256 (input x2)');
    expect(bench.problems).toEqual([]);
    expect(bench.native.fallback).toBeNull();
    // Twice the input: about twice the steps of the fixture itself.
    expect(bench.steps).toBeGreaterThan(8_000_000);
  });
});

describe('targets', () => {
  const fixture = (name: string, v8Ms: number, nativeMs: number, interpMs: number, problems: string[] = []): FixtureBench => ({
    name,
    steps: 5_000_000,
    v8: { firstMs: v8Ms, setupMs: 0.5, runMs: v8Ms - 0.5, totalMs: v8Ms, runs: 3 },
    native: { firstMs: nativeMs, warmMs: nativeMs, runs: 3, fallback: null },
    interp: { firstMs: interpMs, ms: interpMs, runs: 1 },
    problems,
  });
  const sustained = (ratio: number): SustainedBench => ({
    label: 'loop 3000000',
    steps: 500_000_000,
    v8: { setupMs: 1, runMs: 49, totalMs: 50, runs: 3 },
    verityHostMs: 50,
    native: { warmMs: 50 * ratio, runs: 3, fallback: null },
    problems: [],
  });
  const startup = { label: 'verity run exit_code', minMs: 180, medianMs: 320, runs: 3 };

  it('judges each target by its ratio to V8, and startup by the median', () => {
    const [interp, native, cli] = judgeTargets([fixture('a', 10, 12, 150), fixture('b', 10, 14, 250)], [sustained(1.2)], startup);
    expect(interp.met).toBe(false); // 25x on b
    expect(interp.detail).toContain('1/2 within; worst b 25.0x');
    expect(native.met).toBe(true);
    expect(cli.met).toBe(false); // median 320 ms, though the best run took 180
  });

  it('fails the native target on a sustained run even when the fixtures pass', () => {
    expect(judgeTargets([fixture('a', 10, 12, 150)], [sustained(1.6)], undefined)[1].met).toBe(false);
  });

  it('leaves runs with wrong results out of the verdict and says so', () => {
    const [interp] = judgeTargets([fixture('a', 10, 12, 150), fixture('b', 10, 12, 1, ['b: interp stdout differs'])], [], undefined);
    expect(interp.met).toBe(true);
    expect(interp.detail).toContain('1/1 within');
    expect(interp.detail).toContain('left out for wrong results: b');
  });

  it('says when nothing it applies to was measured', () => {
    const verdicts = judgeTargets([], [], undefined);
    expect(verdicts.map((v) => v.met)).toEqual([null, null, null]);
  });
});

describe('verifier gas: the heaviest cases', () => {
  let cases: LabelledProof[] = [];
  beforeAll(() => {
    cases = heavyCaseProofs();
  }, 120_000);
  const labelled = (label: string) => cases.filter((c) => c.labels.includes(label));

  it('proves purpose-built steps of each heavy kind, each checked by the reference verifier', () => {
    for (const label of [
      CROSSING('i64.load'), CROSSING('i64.store'), WITHIN('i64.load'), WITHIN('i64.store'), CROSSING('i32.load'),
      CROSSING('i32.store'), COPY_CROSSING('forward'), COPY_CROSSING('backward'), FD_READ_COPY, WASI_CALL('fd_read'),
    ]) {
      expect(labelled(label).length, label).toBeGreaterThan(0);
    }
    for (const c of [...labelled(FD_READ_COPY), ...labelled(CROSSING('i64.store'))]) {
      expect(verifyStep(c.preStateHash, Buffer.from(c.proof.slice(2), 'hex'))).toBe(c.postStateHash);
    }
  });

  it('labels what the step really does: addresses that straddle a leaf, 32 input bytes copied', () => {
    expect(labelled(CROSSING('i64.load')).map((c) => c.detail)).toEqual(['address 28 (28 mod 32), 8 bytes, leaf 0 and 1']);
    expect(labelled(WITHIN('i64.load')).map((c) => c.detail)).toEqual(['address 32 (0 mod 32), 8 bytes, leaf 1']);
    for (const c of labelled(FD_READ_COPY)) expect(c.detail).toMatch(/; 32 input bytes from \d+ copied$/);
    // the first micro-step of the call also reads the iovec, whose record straddles two leaves
    expect(labelled(FD_READ_COPY).some((c) => c.detail.includes('iovec 0 at 92 (leaf 2 and 3)'))).toBe(true);
    for (const c of labelled(COPY_CROSSING('forward'))) expect(c.detail).toMatch(/ and /);
  });

  it('names the WASI function of a WASI vector from its proof', () => {
    const { vectors } = JSON.parse(readFileSync(join(projectRoot(), 'contracts/test/vectors/proofs-wasi.json'), 'utf8')) as {
      vectors: Array<{ opcode: number; proof: string }>;
    };
    const names = new Set(vectors.map((v) => wasiFunctionOfProof(Buffer.from(v.proof.slice(2), 'hex'))));
    expect(names.has(null)).toBe(false);
    expect([...names]).toEqual(expect.arrayContaining(['fd_read', 'fd_write', 'args_get', 'random_get', 'proc_exit']));
  });

  it('measures them on anvil and prints each labelled line (a sample of the vectors)', async () => {
    const bench = await benchVerifierGas({ vectors: (v, i) => i % 400 === 0 || v.group === 'wasi' });
    expect(bench.problems).toEqual([]);
    const max = (label: string): number => bench.heaviest.find((h) => h.label === label)?.max ?? Number.NaN;
    // gas is deterministic: a load across two leaves pays for a second merkle path
    expect(max(CROSSING('i64.load'))).toBeGreaterThan(max(WITHIN('i64.load')));
    expect(max(CROSSING('i64.store'))).toBeGreaterThan(max(WITHIN('i64.store')));
    expect(max(FD_READ_COPY)).toBeGreaterThan(100_000);
    expect(max(FD_READ_COPY)).toBeLessThan(1_000_000);
    const table = verifierGasTables(bench);
    for (const label of [FD_READ_COPY, CROSSING('i64.load'), CROSSING('i64.store'), COPY_CROSSING('forward'), WASI_CALL('fd_read'), WASI_CALL('fd_write')]) {
      expect(table).toContain(`| ${label} `);
    }
    expect(bench.groups.map((g) => g.group)).toContain('wasi');
  }, 300_000);
});
