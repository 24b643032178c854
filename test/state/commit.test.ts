// The state commitment of job machines (vm/state/commit.ts, image.ts): incremental
// hashing equals hashing from scratch and a reference built from docs/machine-state.md,
// the initial state hash is a deterministic function of module, input, args and limits,
// headers round-trip, and claims read back what the run did.
import { describe, expect, it } from 'vitest';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createJobMachine, loadJob, type JobInput, type LoadedJob } from '../../vm/job.js';
import type { Machine } from '../../vm/exec/interpret.js';
import { DEFAULT_LIMITS, type MachineLimits } from '../../vm/exec/limits.js';
import { TrapMessage } from '../../vm/exec/trap.js';
import {
  decodeHeader, encodeHeader, HEADER_BYTES, initialCommitment, initialStateHash, outputDigest, readClaim,
  StateCommitter, STATUS_CODES, TRAP_CODES, type StateHeader,
} from '../../vm/state/commit.js';
import { decodeProgramHeader, encodeProgramHeader, FuncKind, PROGRAM_HEADER_BYTES } from '../../vm/state/image.js';
import { StreamChain } from '../../vm/state/stream.js';
import { loadFixture } from '../support/fixtures.js';
import { beSlots, beWords, naiveRoot, naiveStream, trimZeros } from './naive.js';
import { randomBytes, rng } from './random.js';
import { jobBytes, VOID } from '../native/build.js';

const LIMITS: MachineLimits = { ...DEFAULT_LIMITS };

function fixtureJob(name: string, args?: string[]): { job: LoadedJob; input: JobInput } {
  const fx = loadFixture(name);
  return { job: loadJob(fx.wasm), input: { input: fx.input, args: args ?? fx.args } };
}

/** Runs `machine` on until `steps` (or until it halts); a paused machine is resumable. */
function runTo(machine: Machine, steps: number): void {
  if (machine.status === 'out-of-steps') machine.status = 'running';
  machine.maxSteps = Math.min(steps, LIMITS.maxSteps);
  machine.run();
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The header of `machine` computed from the document alone: naive encodings and roots. */
function referenceHeader(machine: Machine, committer: StateCommitter): StateHeader {
  const { store } = machine;
  const host = machine.host!;
  const d = committer.program.header.depths;
  const mem = store.mems[0];
  const tables = new Int32Array(committer.program.tables.totalEntries);
  store.tables.forEach((t, i) => tables.set(t.elems.subarray(0, t.size), committer.program.tables.bases[i]));
  const sizes = [...store.tables.map((t) => t.size), ...store.datas.map((x) => x.length), ...store.elems.map((x) => x.length)];
  const out = naiveStream(host.stdout.bytes());
  const log = naiveStream(host.stderr.bytes());
  const status = machine.status === 'out-of-steps' && machine.steps < LIMITS.maxSteps ? 'running' : machine.status;
  return {
    programHash: keccak_256(committer.programHeader()),
    status: STATUS_CODES[status as keyof typeof STATUS_CODES],
    trapCode: status === 'trapped' ? TRAP_CODES[machine.trapMessage!] : 0,
    exitCode: status === 'exited' ? machine.exitCode! : 0,
    steps: BigInt(machine.steps),
    pc: machine.pc >>> 0, sp: machine.sp, fp: machine.fp, fsp: machine.fsp, fn: machine.fn >>> 0, units: machine.units,
    memPages: mem.pages,
    inputPos: host.inputPos,
    regs: [...host.regs].map((r) => r >>> 0) as [number, number, number, number],
    out: { len: out.len, acc: out.acc, pending: out.pending },
    log: { len: log.len, acc: log.acc, pending: log.pending },
    // Trailing zeros trimmed: the arrays are as large as the regions, and mostly zero.
    stackRoot: naiveRoot(d.stack, trimZeros(beSlots(machine.stack))),
    framesRoot: naiveRoot(d.frames, trimZeros(beWords(machine.frames))),
    globalsRoot: naiveRoot(d.globals, beSlots(store.globals.subarray(0, 2 * store.globalTypes.length))),
    memoryRoot: naiveRoot(d.memory, mem.bytes),
    tablesRoot: naiveRoot(d.tables, beWords(tables)),
    sizesRoot: naiveRoot(d.sizes, beWords(sizes)),
  };
}

describe('StateCommitter', () => {
  for (const name of ['cat_iov', 'memops', 'sort', 'trap', 'exit_code']) {
    it(`${name}: incremental hashing at random pauses equals hashing from scratch`, () => {
      const { job, input } = fixtureJob(name, name === 'trap' ? ['trap', 'null-call'] : undefined);
      const machine = createJobMachine(job, input, LIMITS);
      const committer = new StateCommitter(machine, LIMITS);
      const next = rng(name.length);
      let pauses = 0;
      while (machine.status === 'running' || machine.status === 'out-of-steps') {
        // Mostly short strides (pauses inside WASI calls and bulk operations), some long.
        const stride = next() % 4 === 0 ? 1 + (next() % 200_000) : 1 + (next() % 300);
        runTo(machine, machine.steps + stride);
        const fresh = new StateCommitter(machine, LIMITS, committer.program);
        expect(hex(committer.header())).toBe(hex(fresh.header()));
        pauses++;
      }
      expect(pauses).toBeGreaterThan(3);
      expect(['exited', 'trapped']).toContain(machine.status);
    });
  }

  it('headers equal a reference computed from the document (naive encodings, roots and chains)', () => {
    for (const name of ['cat_iov', 'memops']) {
      const { job, input } = fixtureJob(name);
      const machine = createJobMachine(job, input, LIMITS);
      const committer = new StateCommitter(machine, LIMITS);
      const checkpoints = [0, 1, 2, 57, 1000, 20_000, 123_457, Number.MAX_SAFE_INTEGER];
      for (const at of checkpoints) {
        if (at > 0) runTo(machine, at);
        const reference = referenceHeader(machine, committer);
        expect(committer.headerFields()).toEqual(reference);
        expect(hex(committer.header())).toBe(hex(encodeHeader(reference)));
      }
      expect(machine.status).toBe('exited');
    }
  });

  it('a machine paused below the step limit is running; at the limit it is out-of-steps', () => {
    const { job, input } = fixtureJob('loop');
    const limits = { ...LIMITS, maxSteps: 5000 };
    const machine = createJobMachine(job, input, limits);
    const committer = new StateCommitter(machine, limits);
    runTo(machine, 4000);
    expect(machine.status).toBe('out-of-steps');
    expect(readClaim(committer.header()).status).toBe('running');
    machine.status = 'running';
    machine.maxSteps = limits.maxSteps;
    machine.run();
    const claim = readClaim(committer.header());
    expect(claim.status).toBe('out-of-steps');
    expect(claim.steps).toBe(5000n);
    expect(claim.exitCode).toBeNull();
  });

  it('final claims read back status, trap, exit code, steps and the output digest', () => {
    const cases: Array<[string, string[] | undefined, Partial<ReturnType<typeof readClaim>>]> = [
      ['sha256', undefined, { status: 'exited', exitCode: 0, trap: null }],
      ['exit_code', undefined, { status: 'exited', trap: null }],
      ['trap', ['trap', 'div0'], { status: 'trapped', exitCode: null, trap: TrapMessage.divideByZero }],
      ['trap', ['trap', 'oob'], { status: 'trapped', exitCode: null, trap: TrapMessage.memoryOutOfBounds }],
    ];
    for (const [name, args, expected] of cases) {
      const { job, input } = fixtureJob(name, args);
      const machine = createJobMachine(job, input, LIMITS);
      const committer = new StateCommitter(machine, LIMITS);
      machine.run();
      const header = committer.header();
      const claim = readClaim(header);
      expect(claim).toMatchObject(expected);
      if (name === 'exit_code') expect(claim.exitCode).toBe(machine.exitCode);
      expect(claim.steps).toBe(BigInt(machine.steps));
      const stdout = machine.host!.stdout.bytes();
      expect(claim.outputDigest).toBe(outputDigest(stdout));
      expect(claim.outputDigest).toBe('0x' + hex(naiveStream(stdout).digest));
      expect(claim.outputLength).toBe(stdout.length);
      expect(claim.stateHash).toBe(committer.stateHash());
      expect(claim.programHash).toBe(committer.programHash());
    }
  });

  it('attach: one committer hashes other machines of the run, earlier or later, as a fresh one would', () => {
    const grow = loadJob(jobBytes({
      funcs: [{ type: VOID, body: 'ref.func 0\ni32.const 20\ntable.grow 0\ndrop\ni32.const 9\nmemory.grow\ndrop\nend' }],
      table: { min: 1, max: null, elems: [0] },
    }));
    const jobs: Array<[{ job: LoadedJob; input: JobInput }, number[]]> = [
      // memops grows its memory from 2 to 20 pages: moving back shrinks MEMORY.
      [fixtureJob('memops'), [3_000_000, 100_000, 2_000_000, 0, Number.MAX_SAFE_INTEGER, 5]],
      // table.grow and memory.grow, then back to before them: TABLES and MEMORY shrink.
      [{ job: grow, input: { input: new Uint8Array(0), args: ['t'] } }, [100, 2, 100, 0, 6, 3]],
      [fixtureJob('cat_iov'), [300_000, 1000, 200_000, 0]],
    ];
    for (const [{ job, input }, points] of jobs) {
      const first = createJobMachine(job, input, LIMITS);
      const committer = new StateCommitter(first, LIMITS);
      for (const at of points) {
        const machine = createJobMachine(job, input, LIMITS);
        runTo(machine, at);
        committer.attach(machine);
        expect(committer.machine).toBe(machine);
        const fresh = new StateCommitter(machine, LIMITS, committer.program);
        expect(hex(committer.header())).toBe(hex(fresh.header()));
      }
    }
    const grown = createJobMachine(grow, { input: new Uint8Array(0), args: ['t'] }, LIMITS);
    grown.run();
    expect([grown.status, grown.store.tables[0].size, grown.store.mems[0].pages]).toEqual(['exited', 21, 10]);
    const other = createJobMachine(fixtureJob('sha256').job, fixtureJob('sha256').input, LIMITS);
    const committer = new StateCommitter(createJobMachine(grow, { input: new Uint8Array(0), args: ['t'] }, LIMITS), LIMITS);
    expect(() => committer.attach(other)).toThrow(/not one of this job/);
  });

  it('refuses limits the machine was not built with', () => {
    const { job, input } = fixtureJob('loop');
    const machine = createJobMachine(job, input, LIMITS);
    expect(() => new StateCommitter(machine, { ...LIMITS, maxStackUnits: 1000 })).toThrow(/maxStackUnits/);
    expect(() => new StateCommitter(machine, { ...LIMITS, maxLogBytes: 7 })).toThrow(/maxLogBytes/);
    expect(() => new StateCommitter(machine, { ...LIMITS, maxMemoryPages: 1 })).toThrow(/maxMemoryPages/);
  });

  it('commits the same program from a machine that has run (dropped segments recovered from the module)', () => {
    const body = `
      i32.const 0
      i32.const 2
      i32.const 3
      memory.init 1
      data.drop 0
      data.drop 1
      elem.drop 1
      elem.drop 2
      end`;
    const built = loadJob(jobBytes({
      funcs: [{ type: VOID, body }, { type: VOID, body: 'end' }],
      table: { min: 4, max: null, elems: [1, 0] },
      passiveElems: [[1, 1, 0], [0]],
      datas: [new Uint8Array([1, 2, 3]), new Uint8Array(40).fill(9)],
    }));
    const jobs: Array<{ job: LoadedJob; input: JobInput }> = [
      { job: built, input: { input: new Uint8Array(0), args: ['t'] } },
      fixtureJob('sha256'), fixtureJob('memops'),
    ];
    for (const { job, input } of jobs) {
      const machine = createJobMachine(job, input, LIMITS);
      const atStart = new StateCommitter(machine, LIMITS);
      machine.run();
      expect(machine.status).toBe('exited');
      const afterRun = new StateCommitter(machine, LIMITS);
      expect(afterRun.program.image).toEqual(atStart.program.image);
      expect(afterRun.programHash()).toBe(atStart.programHash());
      expect(afterRun.stateHash()).toBe(atStart.stateHash());
    }
    // The built job really dropped its passive segments, and they are in the image.
    const machine = createJobMachine(built, { input: new Uint8Array(0), args: ['t'] }, LIMITS);
    const program = new StateCommitter(machine, LIMITS).program;
    machine.run();
    expect(machine.store.datas.map((d) => d.length)).toEqual([0, 0]);
    expect(machine.store.elems.map((e) => e.length)).toEqual([0, 0, 0]);
    const segs = new DataView(program.image.buffer, program.layout.segsBase);
    expect([1, 2, 3, 4].map((k) => segs.getUint32(8 * k + 4))).toEqual([40, 0, 3, 1]);
  });
});

describe('the state hash does not depend on where the run paused', () => {
  // Bisection compares hashes of the state after k steps computed by different parties,
  // each pausing wherever it likes: a paused-and-resumed run must reach the same state.
  for (const name of ['cat_iov', 'sort', 'sha256', 'memops']) {
    it(`${name}: straight to k vs. in random slices to k`, () => {
      const { job, input } = fixtureJob(name);
      const next = rng(7 + name.length);
      for (let trial = 0; trial < 4; trial++) {
        const k = 1 + (next() % 300_000);
        const straight = createJobMachine(job, input, LIMITS);
        runTo(straight, k);
        const sliced = createJobMachine(job, input, LIMITS);
        const slicedCommitter = new StateCommitter(sliced, LIMITS);
        while (sliced.steps < k && (sliced.status === 'running' || sliced.status === 'out-of-steps')) {
          runTo(sliced, Math.min(k, sliced.steps + 1 + (next() % 5000)));
          slicedCommitter.header();
        }
        expect(new StateCommitter(straight, LIMITS, slicedCommitter.program).stateHash()).toBe(slicedCommitter.stateHash());
      }
    });
  }
});

describe('initial state hash', () => {
  const fx = loadFixture('sha256');
  const input = { input: fx.input, args: fx.args };

  it('is a pure function of module, input, args and limits', () => {
    const a = initialCommitment(fx.wasm, input, LIMITS);
    const b = initialCommitment(fx.wasm.slice(), { input: fx.input.slice(), args: [...fx.args] }, {});
    expect(b).toEqual(a);
    expect(a.stateHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(a.programHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(initialStateHash(fx.wasm, input)).toBe(a.stateHash);
  });

  it('changes with any byte of the code, the input, any argument and every limit', () => {
    const base = initialStateHash(fx.wasm, input);
    const seen = new Set([base]);
    const distinct = (h: string): void => {
      expect(seen.has(h)).toBe(false);
      seen.add(h);
    };
    // A constant in the code: the last i32.const of the code section with a 1-byte LEB
    // (found by re-decoding: flip a byte and keep only variants that still load).
    let changed = 0;
    for (let at = fx.wasm.length - 1; at > 0 && changed < 3; at--) {
      if (fx.wasm[at - 1] !== 0x41 || fx.wasm[at] >= 0x40) continue; // i32.const <small positive>
      const wasm = fx.wasm.slice();
      wasm[at] ^= 1;
      let hash: string;
      try {
        hash = initialStateHash(wasm, input);
      } catch {
        continue;
      }
      distinct(hash);
      changed++;
    }
    expect(changed).toBe(3);
    const inputFlip = fx.input.slice();
    inputFlip[inputFlip.length >> 1] ^= 0x10;
    distinct(initialStateHash(fx.wasm, { input: inputFlip, args: fx.args }));
    distinct(initialStateHash(fx.wasm, { input: fx.input.subarray(1), args: fx.args }));
    distinct(initialStateHash(fx.wasm, { input: fx.input, args: [...fx.args, 'x'] }));
    distinct(initialStateHash(fx.wasm, { input: fx.input, args: ['Sha256'] }));
    distinct(initialStateHash(fx.wasm, { input: fx.input, args: [fx.args[0] + ' '] }));
    for (const limit of ['maxSteps', 'maxMemoryPages', 'maxStackUnits', 'maxOutputBytes', 'maxLogBytes'] as const) {
      distinct(initialStateHash(fx.wasm, input, { [limit]: LIMITS[limit] - 1 }));
    }
  });
});

describe('headers', () => {
  it('a state header round-trips through encode and decode', () => {
    const next = rng(11);
    for (let k = 0; k < 20; k++) {
      const bytes = randomBytes(HEADER_BYTES, 50 + k);
      bytes[32] = next() % 4;
      const h = decodeHeader(bytes);
      expect(encodeHeader(h)).toEqual(bytes);
      expect(decodeHeader(encodeHeader(h))).toEqual(h);
    }
    expect(HEADER_BYTES).toBe(422);
    expect(() => decodeHeader(new Uint8Array(421))).toThrow(/422 bytes/);
  });

  it('claims reject unknown status and trap codes', () => {
    const { job, input } = fixtureJob('loop');
    const machine = createJobMachine(job, input, LIMITS);
    const header = new StateCommitter(machine, LIMITS).header();
    expect(readClaim(header).status).toBe('running');
    const bad = header.slice();
    bad[32] = 4;
    expect(() => readClaim(bad)).toThrow(/status/);
    const trapWhileRunning = header.slice();
    trapWhileRunning[33] = 1;
    expect(() => readClaim(trapWhileRunning)).toThrow(/trap code/);
    const unknownTrap = header.slice();
    unknownTrap[32] = 2;
    unknownTrap[33] = 13;
    expect(() => readClaim(unknownTrap)).toThrow(/unknown trap code 13/);
  });

  it('the program header round-trips and describes the program image', () => {
    const { job, input } = fixtureJob('sha256');
    const machine = createJobMachine(job, input, LIMITS);
    const c = new StateCommitter(machine, LIMITS);
    const bytes = c.programHeader();
    expect(bytes).toHaveLength(PROGRAM_HEADER_BYTES);
    expect(PROGRAM_HEADER_BYTES).toBe(156);
    const h = decodeProgramHeader(bytes);
    expect(encodeProgramHeader(h)).toEqual(bytes);
    expect(h).toEqual(c.program.header);
    expect(c.programHash()).toBe('0x' + hex(keccak_256(bytes)));
    expect(h.programRoot).toEqual(naiveRoot(h.depths.program, c.program.image));
    expect(h.inputRoot).toEqual(naiveRoot(h.depths.input, input.input));
    expect(h.inputLen).toBe(input.input.length);
    expect(h.maxSteps).toBe(BigInt(LIMITS.maxSteps));
    expect(h.depths).toMatchObject({ stack: 17, frames: 18, memory: 23 });

    // Read the image back by the document's layout.
    const store = machine.store;
    const image = new DataView(c.program.image.buffer);
    const u32 = (at: number): number => image.getUint32(at);
    for (const base of [h.codeBase, h.funcsBase, h.typesBase, h.dataBase, h.elemBase, h.segsBase, h.tablesBase, h.argsBase]) {
      expect(base % 32).toBe(0);
    }
    for (let row = 0; row < store.code.length; row++) {
      for (let w = 0; w < 4; w++) expect(u32(h.codeBase + 16 * row + 4 * w)).toBe(store.code.words[4 * row + w] >>> 0);
    }
    expect(h.nfuncs).toBe(store.funcs.length);
    store.funcs.forEach((f, i) => {
      const at = h.funcsBase + 32 * i;
      expect(u32(at)).toBe(f.kind === 'wasm' ? FuncKind.wasm : FuncKind.wasi);
      expect(u32(at + 24)).toBe(f.typeId);
      if (f.kind === 'wasm') expect([u32(at + 4), u32(at + 8), u32(at + 12), u32(at + 16), u32(at + 20)]).toEqual([f.entryPc, f.params, f.locals, f.results, f.units]);
      if (f.kind === 'wasi') expect(u32(at + 28)).toBe(f.wasiId);
    });
    store.types.forEach((t, i) => expect([u32(h.typesBase + 8 * i), u32(h.typesBase + 8 * i + 4)]).toEqual([t.params.length, t.results.length]));
    expect([h.ndata, h.nelem, h.ntables]).toEqual([store.datas.length, store.elems.length, store.tables.length]);
    store.datas.forEach((d, i) => {
      const [offset, length] = [u32(h.segsBase + 8 * i), u32(h.segsBase + 8 * i + 4)];
      expect(length).toBe(d.length);
      expect(c.program.image.subarray(offset, offset + length)).toEqual(d);
    });
    store.tables.forEach((t, i) => expect(u32(h.tablesBase + 8 * i + 4)).toBe(Math.min(t.max, 10_000_000)));
    expect(h.argc).toBe(input.args.length);
    const blobAt = h.argsBase + 4 * h.argc;
    const blob = new TextDecoder().decode(c.program.image.subarray(blobAt, blobAt + h.argsLen));
    expect(blob).toBe(input.args.map((a) => a + '\0').join(''));
    expect(u32(h.argsBase)).toBe(0);
    expect(c.program.image.length).toBe(blobAt + h.argsLen);
  });
});

describe('stream chains', () => {
  it('equal the byte-by-byte definition for every length and any chunking', () => {
    const next = rng(12);
    for (const len of [0, 1, 31, 32, 33, 63, 64, 65, 1000, 4096]) {
      const bytes = randomBytes(len, len);
      const chain = new StreamChain();
      let at = 0;
      while (at < len) {
        const n = Math.min(len - at, next() % 80);
        chain.append(bytes, at, at + n);
        at += n;
      }
      const ref = naiveStream(bytes);
      expect(chain.length).toBe(len);
      expect(chain.acc()).toEqual(ref.acc);
      expect(chain.pending()).toEqual(ref.pending);
      expect(chain.digest()).toEqual(ref.digest);
      expect(outputDigest(bytes)).toBe('0x' + hex(ref.digest));
    }
  });
});
