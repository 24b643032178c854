// Random access into a run (vm/exec/snapshot.ts, vm/state/trace.ts, `verity trace`):
// a restored snapshot is the machine it was taken from, field for field, and runs on to
// the same end; stateAt(i) is the machine run directly to trace index i (mid WASI call,
// mid bulk operation, at and past the end, out of steps); hashes agree however they are
// asked for.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJobMachine, loadJob, resultOf, type JobInput, type LoadedJob } from '../../vm/job.js';
import { FRAME_WIDTH, type Machine } from '../../vm/exec/interpret.js';
import { DEFAULT_LIMITS, type MachineLimits } from '../../vm/exec/limits.js';
import { restoreMachine, snapshotMachine, type MachineSnapshot } from '../../vm/exec/snapshot.js';
import { StateCommitter } from '../../vm/state/commit.js';
import { verifyStep } from '../../vm/proof/verify.js';
import { runToIndex, Trace, type HashingFactory } from '../../vm/state/trace.js';
import { loadFixture } from '../support/fixtures.js';
import { rng } from './random.js';

const LIMITS: MachineLimits = { ...DEFAULT_LIMITS };

/** Seeded uniform numbers in [0, 1). */
function uniform(seed: number): () => number {
  const next = rng(seed);
  return () => next() / 2 ** 32;
}

function fixtureJob(name: string): { job: LoadedJob; input: JobInput } {
  const fx = loadFixture(name);
  return { job: loadJob(fx.wasm), input: { input: fx.input, args: fx.args } };
}

const digest = (a: ArrayBufferView): string =>
  createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

/** Machine fields that are not plain values, each compared below. */
const STRUCTURED = new Set(['store', 'host', 'stack', 'f32', 'f64', 'frames', 'mem', 'regs']);
/**
 * Machine fields that are not state: run() derives them from the store's code before every
 * chunk (`words` and its float views hold the dispatch table and the stack, compared as `stack`).
 */
const DERIVED = new Set(['code', 'rows', 'words', 'wordsF32', 'wordsF64', 'tableWords', 'tableRows']);
const HOST_FIELDS = ['io', 'inputPos', 'stdout', 'stderr', 'regs', 'result', 'trapMessage', 'argBlob', 'argOffsets'];

/**
 * Everything about a machine, as plain data. Every plain-valued field of the machine is
 * included by enumeration, so a field added to Machine later is compared too (and a
 * structured one fails the key check until it is handled here and in snapshots).
 */
function fullState(m: Machine): Record<string, unknown> {
  const registers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(m)) {
    if (STRUCTURED.has(key) || DERIVED.has(key)) continue;
    expect(value === null || typeof value !== 'object', `Machine.${key} is structured: compare and snapshot it`).toBe(true);
    registers[key] = value;
  }
  const { store } = m;
  const host = m.host!;
  expect(Object.keys(host).sort()).toEqual([...HOST_FIELDS].sort());
  return {
    registers,
    mem: store.mems.indexOf(m.mem),
    regs: [...m.regs],
    regsAreHosts: m.regs === host.regs,
    stack: digest(m.stack),
    frames: digest(m.frames),
    globals: digest(store.globals.subarray(0, 2 * store.globalTypes.length)),
    tables: store.tables.map((t) => [t.size, t.max, digest(t.elems.subarray(0, t.size))]),
    mems: store.mems.map((mem) => [mem.pages, mem.maxPages, digest(mem.bytes)]),
    elems: store.elems.map(digest),
    datas: store.datas.map(digest),
    code: [store.code.length, digest(store.code.words.subarray(0, 4 * store.code.length))],
    funcs: store.funcs.length,
    types: store.types.length,
    host: {
      inputPos: host.inputPos,
      regs: [...host.regs],
      result: host.result,
      trapMessage: host.trapMessage,
      stdout: digest(host.stdout.bytes()),
      stderr: digest(host.stderr.bytes()),
      io: host.io,
      argBlob: digest(host.argBlob),
      argOffsets: host.argOffsets,
    },
  };
}

/** The machine run from the start directly to trace index i (docs/machine-state.md#transitions). */
function directState(job: LoadedJob, input: JobInput, limits: MachineLimits, i: number): Machine {
  const m = createJobMachine(job, input, limits);
  runTo(m, limits, i);
  return m;
}

function runTo(m: Machine, limits: MachineLimits, i: number): void {
  m.maxSteps = Math.min(i, limits.maxSteps);
  m.run();
  m.maxSteps = limits.maxSteps;
  if (m.status === 'out-of-steps' && i <= limits.maxSteps) m.status = 'running';
}

describe('snapshotMachine / restoreMachine', () => {
  for (const name of ['cat_iov', 'memops', 'trap', 'exit_code']) {
    it(`${name}: restored at many pauses, equal field for field, and runs on to the same end`, () => {
      const { job, input } = fixtureJob(name);
      const full = createJobMachine(job, input, LIMITS);
      full.run();
      const end = fullState(full);
      const machine = createJobMachine(job, input, LIMITS);
      const random = uniform(name.length);
      let previous: MachineSnapshot | undefined;
      let restoredRuns = 0;
      for (let pause = 0; ; pause++) {
        // Small odd strides near the start and inside I/O, then larger ones.
        machine.maxSteps = Math.min(machine.steps + 1 + Math.floor(random() * (pause < 40 ? 97 : 400_000)), LIMITS.maxSteps);
        machine.run();
        machine.maxSteps = LIMITS.maxSteps;
        const paused = machine.status === 'out-of-steps';
        if (paused) machine.status = 'running';
        const snapshot = snapshotMachine(machine, previous);
        previous = snapshot;
        const restored = restoreMachine(snapshot);
        expect(fullState(restored)).toEqual(fullState(machine));
        if (pause % 16 === 0 || !paused) {
          restored.run();
          expect(fullState(restored)).toEqual(end);
          expect(resultOf(restored)).toEqual(resultOf(full));
          restoredRuns++;
        }
        if (!paused) break;
      }
      expect(restoredRuns).toBeGreaterThan(2);
    });
  }

  it('a restored machine is independent of the snapshot: running it leaves the snapshot restorable', () => {
    const { job, input } = fixtureJob('memops');
    const m = createJobMachine(job, input, LIMITS);
    m.maxSteps = 100_000;
    m.run();
    m.status = 'running';
    m.maxSteps = LIMITS.maxSteps;
    const snapshot = snapshotMachine(m);
    const before = fullState(m);
    restoreMachine(snapshot).run();
    expect(fullState(restoreMachine(snapshot))).toEqual(before);
  });

  it('memory pages equal to the previous snapshot are shared, changed ones copied', () => {
    const { job, input } = fixtureJob('memops');
    const m = createJobMachine(job, input, LIMITS);
    m.maxSteps = 2_000_000;
    m.run();
    const first = snapshotMachine(m);
    const again = snapshotMachine(m, first);
    expect(again.mems[0].pages.every((p, i) => p === first.mems[0].pages[i])).toBe(true);
    m.status = 'running';
    m.maxSteps = 2_010_000;
    m.run();
    const later = snapshotMachine(m, first);
    const pages = later.mems[0].pages;
    const shared = pages.filter((p, i) => p === first.mems[0].pages[i]).length;
    expect(shared).toBeGreaterThan(0);
    pages.forEach((p, i) => {
      const live = m.store.mems[0].bytes.subarray(i * 65536, (i + 1) * 65536);
      expect(digest(p)).toBe(digest(live));
      if (p !== first.mems[0].pages[i]) expect(digest(p)).not.toBe(digest(first.mems[0].pages[i] ?? new Uint8Array(0)));
    });
  });

  for (const name of ['sha256', 'nbody', 'sort']) {
    it(`${name}: nothing is ever written at or above the high-water marks maxSp / maxFsp`, () => {
      const { job, input } = fixtureJob(name);
      const m = createJobMachine(job, input, LIMITS);
      m.run();
      expect(m.maxSp).toBeGreaterThan(0);
      expect(m.stack.subarray(2 * m.maxSp).every((w) => w === 0)).toBe(true);
      expect(m.frames.subarray(FRAME_WIDTH * m.maxFsp).every((w) => w === 0)).toBe(true);
      // ... and the marks are reached: the word just below is used by some frame.
      expect(m.frames.subarray(FRAME_WIDTH * (m.maxFsp - 1), FRAME_WIDTH * m.maxFsp).some((w) => w !== 0)).toBe(true);
    });
  }
});

describe('Trace.stateAt', () => {
  for (const [name, interval] of [['cat_iov', 5_000], ['memops', 50_000], ['trap', 100_000]] as const) {
    it(`${name}: stateAt(i) is the machine run directly to i, for random i, inside WASI calls and bulk ops, at and past the end`, async () => {
      const { job, input } = fixtureJob(name);
      const trace = await Trace.record(job, input, LIMITS, { interval });
      const full = createJobMachine(job, input, LIMITS);
      full.run();
      expect(trace.length).toBe(full.steps);
      expect(trace.steps).toBe(full.steps);
      expect(trace.snapshotCount).toBeGreaterThan(3);
      const random = uniform(interval);
      const indices = [0, 1, interval - 1, interval, interval + 1, trace.length - 1, trace.length, trace.length + 7];
      for (let k = 0; k < 8; k++) indices.push(Math.floor(random() * trace.length));
      indices.sort((a, b) => a - b);
      // One direct machine, run forward from index to index.
      const direct = createJobMachine(job, input, LIMITS);
      let midCall = 0;
      for (const [k, i] of indices.entries()) {
        const at = trace.stateAt(i);
        runTo(direct, LIMITS, i);
        expect(fullState(at), `trace index ${i}`).toEqual(fullState(direct));
        if (at.host!.regs.some((r) => r !== 0)) midCall++;
        if (k === 3) {
          at.run(); // it continues like the original run
          expect(resultOf(at)).toEqual(resultOf(full));
        }
      }
      if (name === 'cat_iov') {
        // Steps inside multi-micro-step WASI calls: found by single-stepping a stretch of I/O.
        const m = createJobMachine(job, input, LIMITS);
        const inside: number[] = [];
        for (let i = 1; i < 20_000 && inside.length < 5; i++) {
          m.maxSteps = i;
          m.run();
          m.status = 'running';
          if (m.host!.regs.some((r) => r !== 0) && i % 7 === 0) inside.push(i);
        }
        expect(inside.length).toBeGreaterThan(0);
        for (const i of inside) {
          const at = trace.stateAt(i);
          expect(at.host!.regs.some((r) => r !== 0)).toBe(true);
          expect(fullState(at)).toEqual(fullState(directState(job, input, LIMITS, i)));
          midCall++;
        }
        expect(midCall).toBeGreaterThan(0);
      }
    });
  }

  it('memops: states in the middle of a micro-stepped bulk operation', async () => {
    const { job, input } = fixtureJob('memops');
    const trace = await Trace.record(job, input, LIMITS, { interval: 100_000 });
    // Pauses where the next row is memory.copy / memory.fill (0xFC 10 / 11) and one step
    // later still is: the step in between was a micro-step that did not finish the op.
    // memops starts its bulk operations after about 1.9 million steps.
    const m = createJobMachine(job, input, LIMITS);
    const bulk = (machine: Machine): boolean => [0xe0 + 0x0a, 0xe0 + 0x0b].includes(machine.store.code.words[machine.pc * 4]);
    const found: number[] = [];
    for (let i = 1_800_000; i < trace.length && found.length < 4; i += 1_000) {
      m.maxSteps = i;
      m.run();
      m.status = 'running';
      if (!bulk(m)) continue;
      const pc = m.pc;
      m.maxSteps = i + 1;
      m.run();
      m.status = 'running';
      if (m.pc === pc && m.steps === i + 1) found.push(i + 1);
      i = m.steps;
    }
    expect(found.length).toBe(4);
    for (const i of found) {
      const at = trace.stateAt(i);
      expect(bulk(at)).toBe(true);
      expect(fullState(at)).toEqual(fullState(directState(job, input, LIMITS, i)));
    }
  });

  it('out of steps: index maxSteps is running, maxSteps + 1 (and beyond) the out-of-steps state', async () => {
    const { job, input } = fixtureJob('sha256');
    const limits = { ...LIMITS, maxSteps: 250_000 };
    const trace = await Trace.record(job, input, limits, { interval: 30_000 });
    expect(trace.steps).toBe(250_000);
    expect(trace.length).toBe(250_001);
    const atLimit = trace.stateAt(250_000);
    expect(atLimit.status).toBe('running');
    expect(atLimit.steps).toBe(250_000);
    const after = trace.stateAt(250_001);
    expect(after.status).toBe('out-of-steps');
    expect(after.steps).toBe(250_000);
    expect(fullState(atLimit)).toEqual(fullState(directState(job, input, limits, 250_000)));
    expect(fullState(after)).toEqual(fullState(directState(job, input, limits, 250_001)));
    const [h0, h1, h2] = trace.hashesAt([250_000, 250_001, 999_999]);
    expect(h0).not.toBe(h1);
    expect(h2).toBe(h1);
  });

  it('runToIndex (no snapshots) reaches the same states, past maxSteps and past the end too', async () => {
    const { job, input } = fixtureJob('sha256');
    const limits = { ...LIMITS, maxSteps: 60_000 };
    const trace = await Trace.record(job, input, limits, { interval: 25_000 });
    for (const i of [0, 31_337, 60_000, 60_001, 70_000]) {
      const m = createJobMachine(job, input, limits);
      await runToIndex(m, i, limits);
      expect(fullState(m), `trace index ${i}`).toEqual(fullState(trace.stateAt(i)));
    }
    const exit = fixtureJob('exit_code');
    const full = await Trace.record(exit.job, exit.input, LIMITS);
    const m = createJobMachine(exit.job, exit.input, LIMITS);
    await runToIndex(m, full.length + 100, LIMITS);
    expect(m.status).toBe('exited');
    expect(fullState(m)).toEqual(fullState(full.stateAt(full.length)));
  });

  it('rejects a negative or fractional index with a one-line error', async () => {
    const { job, input } = fixtureJob('exit_code');
    const trace = await Trace.record(job, input, LIMITS);
    expect(() => trace.stateAt(-1)).toThrow(/^trace index must be a non-negative integer, got -1$/);
    expect(() => trace.hashAt(1.5)).toThrow(/non-negative integer/);
  });
});

describe('Trace hashes', () => {
  it('hashAt is the StateCommitter hash of the machine run directly to i; hashesAt agrees in any order', async () => {
    const { job, input } = fixtureJob('cat_iov');
    const trace = await Trace.record(job, input, LIMITS, { interval: 20_000 });
    const random = uniform(7);
    const indices = [0, trace.length, trace.length + 1, 19_999, 20_000, 20_001];
    for (let k = 0; k < 10; k++) indices.push(Math.floor(random() * trace.length));
    indices.push(indices[3], 5, 6, 7); // a repeat and neighbours
    const single = indices.map((i) => trace.hashAt(i));
    expect(trace.hashesAt(indices)).toEqual(single);
    expect(trace.hashesAt([...indices].reverse())).toEqual([...single].reverse());
    for (const i of [0, 6, 20_000, indices[8], trace.length + 1]) {
      const direct = createJobMachine(job, input, LIMITS);
      const committer = new StateCommitter(direct, LIMITS); // commits the program before the run
      runTo(direct, LIMITS, i);
      expect(trace.hashAt(i)).toBe(committer.stateHash());
    }
    expect(new Set(single.slice(0, 6)).size).toBe(5); // length and length + 1 share the final state
  });

  it('evenlySpaced gives the k + 1 boundaries start + floor((end - start) j / k) with their hashes', async () => {
    const { job, input } = fixtureJob('exit_code');
    const trace = await Trace.record(job, input, LIMITS, { interval: 3_000 });
    const end = trace.length;
    const bounds = trace.evenlySpaced(0, end, 8);
    expect(bounds).toHaveLength(9);
    expect(bounds[0].index).toBe(0);
    expect(bounds[8].index).toBe(end);
    bounds.forEach((b, j) => {
      expect(b.index).toBe(Math.floor((end * j) / 8));
      expect(b.hash).toBe(trace.hashAt(b.index));
    });
    const narrow = trace.evenlySpaced(1000, 1003, 3);
    expect(narrow.map((b) => b.index)).toEqual([1000, 1001, 1002, 1003]);
    expect(new Set(narrow.map((b) => b.hash)).size).toBe(4);
    expect(() => trace.evenlySpaced(10, 12, 3)).toThrow(/cannot split \[10, 12\] into 3 parts/);
    expect(() => trace.evenlySpaced(10, 20, 0)).toThrow(/k must be a positive integer/);
  });

  it('the hashing is a parameter: a stand-in sees every machine it is asked about', async () => {
    const { job, input } = fixtureJob('exit_code');
    const followed: number[] = [];
    const byStep: HashingFactory = () => ({
      follow: (machine) => {
        followed.push(machine.steps);
        return () => `steps:${machine.steps}:${machine.status}`;
      },
    });
    const trace = await Trace.record(job, input, LIMITS, { interval: 10_000, hashing: byStep });
    expect(trace.hashesAt([5, 15_000, trace.length + 3])).toEqual(['steps:5:running', 'steps:15000:running', `steps:${trace.steps}:exited`]);
    // Restores (each followed by the hashing) only from snapshots: 0, maybe 10,000, the final state.
    expect(followed[0]).toBe(0);
    expect(followed[followed.length - 1]).toBe(trace.steps);
    expect(followed.every((steps) => [0, 10_000, trace.steps].includes(steps))).toBe(true);
  });

  it('snapshots are thinned to the memory budget, and states stay exact', async () => {
    const { job, input } = fixtureJob('memops');
    const budget = 3 * 1024 * 1024;
    const trace = await Trace.record(job, input, LIMITS, { interval: 20_000, maxSnapshotBytes: budget });
    expect(trace.interval).toBeGreaterThan(20_000);
    expect(trace.snapshotBytes()).toBeLessThan(2 * budget);
    const i = Math.floor(trace.length * 0.61);
    expect(fullState(trace.stateAt(i))).toEqual(fullState(directState(job, input, LIMITS, i)));
  });
});

describe('Trace.proofAt', () => {
  it('proves the transition i -> i + 1: pre = hashAt(i), post = hashAt(i + 1), and it verifies', async () => {
    const { job, input } = fixtureJob('cat_iov');
    const trace = await Trace.record(job, input, LIMITS, { interval: 20_000 });
    // A step inside a WASI call (host registers in use), ordinary steps, the final halted state.
    const m = createJobMachine(job, input, LIMITS);
    let inCall = -1;
    for (let i = 1; i < 20_000 && inCall < 0; i++) {
      runTo(m, LIMITS, i);
      if (m.host!.regs.some((r) => r !== 0)) inCall = i;
    }
    expect(inCall).toBeGreaterThan(0);
    for (const i of [0, 1, inCall, 20_000, trace.length - 1, trace.length]) {
      const p = trace.proofAt(i);
      expect(p.preStateHash, `pre ${i}`).toBe(trace.hashAt(i));
      expect(p.postStateHash, `post ${i}`).toBe(trace.hashAt(i + 1));
      expect(verifyStep(p.preStateHash, p.proof)).toBe(p.postStateHash);
    }
  });

  it('out of steps: the transition at maxSteps changes only the status, and is provable', async () => {
    const { job, input } = fixtureJob('sha256');
    const limits = { ...LIMITS, maxSteps: 40_000 };
    const trace = await Trace.record(job, input, limits, { interval: 10_000 });
    const p = trace.proofAt(40_000);
    expect(p.opcode).toBe(-2);
    expect(p.preStateHash).toBe(trace.hashAt(40_000));
    expect(p.postStateHash).toBe(trace.hashAt(40_001));
    expect(verifyStep(p.preStateHash, p.proof)).toBe(p.postStateHash);
  });
});

describe('verity trace', () => {
  const verity = join(__dirname, '..', '..', 'bin', 'verity.js');
  const cli = (args: string[]) => spawnSync(process.execPath, [verity, ...args], { encoding: 'utf8' });
  const fx = loadFixture('exit_code');
  const wasmPath = join(fx.dir, 'exit_code.wasm');

  it('--json prints {steps, hashes: [{step, stateHash}]} for the requested steps, in order', async () => {
    const r = cli(['trace', wasmPath, '--at', '7,0,100000000', '--json', '--', ...fx.args.slice(1)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    expect(Object.keys(report)).toEqual(['steps', 'hashes']);
    const job = loadJob(fx.wasm);
    const trace = await Trace.record(job, { input: fx.input, args: ['exit_code.wasm', ...fx.args.slice(1)] }, LIMITS);
    expect(report.steps).toBe(trace.steps);
    expect(report.hashes).toEqual([7, 0, 100_000_000].map((step) => ({ step, stateHash: trace.hashAt(step) })));
    for (const h of report.hashes) expect(h.stateHash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('bad --at, a missing module, a bad module: one line on stderr, exit 2', () => {
    for (const [args, message] of [
      [['trace', wasmPath, '--at', '1,x', '--json'], /^verity: --at must be a comma-separated list of step indices, got '1,x'\n$/],
      [['trace', wasmPath, '--json'], /^verity: required option '--at <steps>' not specified\n$/],
      [['trace', join(fx.dir, 'nope.wasm'), '--at', '1'], /^verity: cannot read module .*nope.wasm: no such file\n$/],
      [['trace', join(fx.dir, 'args.json'), '--at', '1'], /^verity: .+\n$/],
    ] as const) {
      const r = cli([...args]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(2);
    }
  });
});

describe('verity prove', () => {
  const verity = join(__dirname, '..', '..', 'bin', 'verity.js');
  const cli = (args: string[]) => spawnSync(process.execPath, [verity, ...args], { encoding: 'utf8' });
  const fx = loadFixture('exit_code');
  const wasmPath = join(fx.dir, 'exit_code.wasm');

  it('--json prints {step, opcode, preStateHash, postStateHash, proof} equal to Trace.proofAt', async () => {
    const r = cli(['prove', wasmPath, '--step', '1234', '--json', '--', ...fx.args.slice(1)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    expect(Object.keys(report)).toEqual(['step', 'opcode', 'preStateHash', 'postStateHash', 'proof']);
    const trace = await Trace.record(loadJob(fx.wasm), { input: fx.input, args: ['exit_code.wasm', ...fx.args.slice(1)] }, LIMITS);
    const p = trace.proofAt(1234);
    expect(report).toEqual({
      step: 1234, opcode: p.opcode, preStateHash: p.preStateHash, postStateHash: p.postStateHash,
      proof: '0x' + Buffer.from(p.proof).toString('hex'),
    });
    expect(verifyStep(report.preStateHash, Buffer.from(report.proof.slice(2), 'hex'))).toBe(report.postStateHash);
  });

  it('a bad --step: one line on stderr, exit 2', () => {
    for (const [args, message] of [
      [['prove', wasmPath, '--step', '-3', '--json'], /^verity: --step must be a step index \(a non-negative integer\), got '-3'\n$/],
      [['prove', wasmPath, '--json'], /^verity: required option '--step <i>' not specified\n$/],
    ] as const) {
      const r = cli([...args]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(2);
    }
  });
});
