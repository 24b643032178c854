import { describe, expect, it } from 'vitest';
import {
  ByteLog,
  Errno,
  HostOutcome,
  HostState,
  WASI_FUNCTIONS,
  findWasiFunction,
  fastForwardChunks,
  runWasiCall,
  wasiStep,
  type JobIO,
} from '../../vm/host/wasi.js';
import { I32, I64 } from '../../vm/syntax/types.js';
import { TrapMessage } from '../../vm/exec/trap.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function job(overrides: Partial<JobIO> = {}): JobIO {
  return { input: new Uint8Array(0), args: [enc.encode('prog')], maxOutputBytes: 1 << 20, maxLogBytes: 1 << 20, ...overrides };
}

// Arguments start at a non-zero base to check that wasiStep honours it.
const BASE = 3;

function packArgs(values: readonly (number | bigint)[]): Int32Array {
  const words = new Int32Array(BASE + 2 * values.length).fill(0x5a5a5a5a);
  values.forEach((v, j) => {
    const big = BigInt.asUintN(64, BigInt(v));
    words[BASE + 2 * j] = Number(big & 0xffffffffn) | 0;
    words[BASE + 2 * j + 1] = Number(big >> 32n) | 0;
  });
  return words;
}

interface CallResult {
  outcome: HostOutcome;
  microSteps: number;
  /** host.result after completion. */
  result: number;
}

/** Drives one WASI call micro-step by micro-step, checking the registers are zero at the end. */
function call(
  name: string,
  values: readonly (number | bigint)[],
  mem: Uint8Array,
  host: HostState,
  steps = 0,
  afterStep?: (host: HostState) => void,
): CallResult {
  const fn = findWasiFunction(name);
  if (!fn) throw new Error(`no WASI function ${name}`);
  expect(Array.from(host.regs)).toEqual([0, 0, 0, 0]);
  const args = packArgs(values);
  let microSteps = 0;
  for (;;) {
    const outcome = wasiStep(fn.id, args, BASE, mem, host, steps);
    microSteps++;
    afterStep?.(host);
    if (outcome !== HostOutcome.Continue) {
      expect(Array.from(host.regs)).toEqual([0, 0, 0, 0]);
      return { outcome, microSteps, result: host.result };
    }
    if (microSteps > 10_000) throw new Error('WASI call does not terminate');
  }
}

function u32(mem: Uint8Array, addr: number): number {
  return new DataView(mem.buffer, mem.byteOffset).getUint32(addr, true);
}

function setU32(mem: Uint8Array, addr: number, v: number): void {
  new DataView(mem.buffer, mem.byteOffset).setUint32(addr, v >>> 0, true);
}

function putIovecs(mem: Uint8Array, at: number, iovecs: readonly [number, number][]): void {
  iovecs.forEach(([buf, len], i) => {
    setU32(mem, at + 8 * i, buf);
    setU32(mem, at + 8 * i + 4, len);
  });
}

/** Reads a NUL-terminated string the way C does. */
function cString(mem: Uint8Array, addr: number): string {
  let end = addr;
  while (mem[end] !== 0) end++;
  return dec.decode(mem.subarray(addr, end));
}

describe('function table', () => {
  it('numbers the subset by index and exposes preview1 signatures', () => {
    WASI_FUNCTIONS.forEach((f, i) => expect(f.id).toBe(i));
    expect(WASI_FUNCTIONS.map((f) => f.name)).toEqual([
      'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'fd_read', 'fd_write',
      'fd_close', 'fd_fdstat_get', 'fd_prestat_get', 'fd_prestat_dir_name', 'fd_seek', 'proc_exit',
      'sched_yield', 'clock_time_get', 'random_get',
    ]);
    expect(findWasiFunction('fd_seek')).toMatchObject({ params: [I32, I64, I32, I32], results: [I32] });
    expect(findWasiFunction('clock_time_get')).toMatchObject({ params: [I32, I64, I32], results: [I32] });
    expect(findWasiFunction('proc_exit')).toMatchObject({ params: [I32], results: [] });
    expect(findWasiFunction('sched_yield')).toMatchObject({ params: [], results: [I32] });
    expect(findWasiFunction('clock_res_get')).toBeUndefined();
    expect(findWasiFunction('path_open')).toBeUndefined();
  });

  it('rejects an unknown id as a host bug', () => {
    expect(() => wasiStep(99, packArgs([]), BASE, new Uint8Array(64), new HostState(job()), 0)).toThrow(/unknown WASI function id 99/);
  });

  it('rejects an argument containing NUL', () => {
    expect(() => new HostState(job({ args: [enc.encode('a'), Uint8Array.of(98, 0, 99)] }))).toThrow('argv[1] contains a NUL byte');
  });
});

describe('fd_write', () => {
  it('copies several iovecs one leaf per micro-step and reports nwritten', () => {
    const mem = new Uint8Array(256);
    const host = new HostState(job());
    mem.set(enc.encode('hello'), 30); // leaves 0 and 1
    const long = enc.encode('0123456789abcdefghijklmnopqrstuvwxyzABCD'); // 40 bytes, 60..99: leaves 1, 2, 3
    mem.set(long, 60);
    putIovecs(mem, 200, [[30, 5], [7, 0], [60, 40]]);
    const lengths: number[] = [];
    const r = call('fd_write', [1, 200, 3, 240], mem, host, 0, (h) => lengths.push(h.stdout.length));
    expect(r).toEqual({ outcome: HostOutcome.Return, microSteps: 7, result: Errno.success });
    // iovec0: 30..31, 32..34; iovec1 (empty): one step; iovec2: 60..63, 64..95, 96..99; then nwritten.
    expect(lengths).toEqual([2, 5, 5, 9, 41, 45, 45]);
    expect(dec.decode(host.stdout.bytes())).toBe('hello' + dec.decode(long));
    expect(u32(mem, 240)).toBe(45);
    expect(host.stderr.length).toBe(0);
  });

  it('writes fd 2 to the log and counts zero iovecs as one step', () => {
    const mem = new Uint8Array(64);
    const host = new HostState(job());
    mem.set(enc.encode('err'), 0);
    putIovecs(mem, 32, [[0, 3]]);
    expect(call('fd_write', [2, 32, 1, 48], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 2, result: 0 });
    expect(dec.decode(host.stderr.bytes())).toBe('err');
    expect(host.stdout.length).toBe(0);
    setU32(mem, 48, 77);
    expect(call('fd_write', [1, 32, 0, 48], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: 0 });
    expect(u32(mem, 48)).toBe(0);
  });

  it('answers EBADF for fds other than 1 and 2, in one step', () => {
    const mem = new Uint8Array(64);
    putIovecs(mem, 0, [[16, 4]]);
    for (const fd of [0, 3, -1]) {
      const host = new HostState(job());
      expect(call('fd_write', [fd, 0, 1, 8], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: Errno.badf });
      expect(host.stdout.length + host.stderr.length).toBe(0);
    }
  });

  it('traps when stdout passes maxOutputBytes, keeping earlier chunks', () => {
    const mem = new Uint8Array(64);
    const host = new HostState(job({ maxOutputBytes: 6 }));
    mem.set(enc.encode('abcdefgh'), 28); // chunks 28..31 and 32..35
    putIovecs(mem, 40, [[28, 8]]);
    const r = call('fd_write', [1, 40, 1, 48], mem, host);
    expect(r.outcome).toBe(HostOutcome.Trap);
    expect(r.microSteps).toBe(2);
    expect(host.trapMessage).toBe(TrapMessage.outputLimit);
    expect(dec.decode(host.stdout.bytes())).toBe('abcd');
  });

  it('allows stdout to reach the limit exactly', () => {
    const mem = new Uint8Array(64);
    const host = new HostState(job({ maxOutputBytes: 8 }));
    putIovecs(mem, 40, [[0, 8]]);
    expect(call('fd_write', [1, 40, 1, 48], mem, host).outcome).toBe(HostOutcome.Return);
    expect(host.stdout.length).toBe(8);
  });

  it('traps with the log message when stderr passes maxLogBytes', () => {
    const mem = new Uint8Array(64);
    const host = new HostState(job({ maxLogBytes: 3 }));
    putIovecs(mem, 40, [[0, 4]]);
    const r = call('fd_write', [2, 40, 1, 48], mem, host);
    expect(r.outcome).toBe(HostOutcome.Trap);
    expect(host.trapMessage).toBe(TrapMessage.logLimit);
    expect(host.stderr.length).toBe(0);
  });
});

describe('fd_read', () => {
  const input = Uint8Array.from({ length: 50 }, (_, i) => 65 + (i % 26));

  it('fills iovecs one leaf and one input chunk per step, then reads partially and hits EOF', () => {
    const mem = new Uint8Array(256);
    const host = new HostState(job({ input }));
    putIovecs(mem, 200, [[10, 30]]);
    const positions: number[] = [];
    let r = call('fd_read', [0, 200, 1, 240], mem, host, 0, (h) => positions.push(h.inputPos));
    // 10..31 (leaf 0, input 0..21), 32..39 (input 22..29, the iovec ends), then nread.
    expect(r).toEqual({ outcome: HostOutcome.Return, microSteps: 3, result: 0 });
    expect(positions).toEqual([22, 30, 30]);
    expect(u32(mem, 240)).toBe(30);
    expect(mem.subarray(10, 40)).toEqual(input.subarray(0, 30));

    // A larger buffer than what is left: a partial read of the 20 remaining bytes.
    putIovecs(mem, 200, [[100, 64]]);
    positions.length = 0;
    r = call('fd_read', [0, 200, 1, 240], mem, host, 0, (h) => positions.push(h.inputPos));
    // 100..101 (input 30..31, chunk end), 102..119 (input 32..49, EOF), then nread.
    expect(r).toEqual({ outcome: HostOutcome.Return, microSteps: 3, result: 0 });
    expect(positions).toEqual([32, 50, 50]);
    expect(u32(mem, 240)).toBe(20);
    expect(mem.subarray(100, 120)).toEqual(input.subarray(30, 50));
    expect(mem[120]).toBe(0);

    // At EOF: nread = 0 in one step.
    setU32(mem, 240, 99);
    r = call('fd_read', [0, 200, 1, 240], mem, host);
    expect(r).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: 0 });
    expect(u32(mem, 240)).toBe(0);
  });

  it('scatters across several iovecs including an empty one', () => {
    const mem = new Uint8Array(256);
    const host = new HostState(job({ input }));
    putIovecs(mem, 200, [[0, 3], [50, 0], [64, 5]]);
    const r = call('fd_read', [0, 200, 3, 240], mem, host);
    expect(r).toEqual({ outcome: HostOutcome.Return, microSteps: 4, result: 0 });
    expect(u32(mem, 240)).toBe(8);
    expect(mem.subarray(0, 3)).toEqual(input.subarray(0, 3));
    expect(mem.subarray(64, 69)).toEqual(input.subarray(3, 8));
    expect(host.inputPos).toBe(8);
  });

  it('answers EBADF for fds other than 0', () => {
    const mem = new Uint8Array(64);
    putIovecs(mem, 0, [[16, 4]]);
    const host = new HostState(job({ input }));
    for (const fd of [1, 2, 3]) {
      expect(call('fd_read', [fd, 0, 1, 8], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: Errno.badf });
    }
    expect(host.inputPos).toBe(0);
  });
});

describe('args and environ', () => {
  const argv = ['prog', 'a b', ''];

  it('args_sizes_get reports argc and the NUL-terminated blob size', () => {
    const mem = new Uint8Array(64).fill(0xff);
    const host = new HostState(job({ args: argv.map((a) => enc.encode(a)) }));
    expect(call('args_sizes_get', [0, 4], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 2, result: 0 });
    expect(u32(mem, 0)).toBe(3);
    expect(u32(mem, 4)).toBe(5 + 4 + 1);
  });

  it('args_get writes argc pointers then the strings, as C reads them', () => {
    const mem = new Uint8Array(128).fill(0xee);
    const host = new HostState(job({ args: argv.map((a) => enc.encode(a)) }));
    // 3 pointer words, then blob 90..99: leaf 2 (90..95) and leaf 3 (96..99).
    expect(call('args_get', [64, 90], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 5, result: 0 });
    const seen = argv.map((_, i) => cString(mem, u32(mem, 64 + 4 * i)));
    expect(seen).toEqual(argv);
    expect([u32(mem, 64), u32(mem, 68), u32(mem, 72)]).toEqual([90, 95, 99]);
    expect(mem[76]).toBe(0xee); // argv[argc] is the caller's business (wasi-libc callocs it)
    expect(mem[100]).toBe(0xee);
  });

  it('args_get with no arguments completes in one step', () => {
    const mem = new Uint8Array(32).fill(0xee);
    const host = new HostState(job({ args: [] }));
    expect(call('args_get', [0, 16], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: 0 });
    expect(mem.every((b) => b === 0xee)).toBe(true);
  });

  it('the environment is empty', () => {
    const mem = new Uint8Array(32).fill(0xff);
    const host = new HostState(job());
    expect(call('environ_sizes_get', [0, 8], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 2, result: 0 });
    expect(u32(mem, 0)).toBe(0);
    expect(u32(mem, 8)).toBe(0);
    const before = mem.slice();
    expect(call('environ_get', [16, 20], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: 0 });
    expect(mem).toEqual(before);
  });
});

describe('fd metadata', () => {
  it('fd_fdstat_get describes stdio as character devices, one u64 per step', () => {
    const host = new HostState(job());
    const expected: Record<number, number[]> = {
      0: [2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      1: [2, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      2: [2, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    };
    for (const fd of [0, 1, 2]) {
      const mem = new Uint8Array(64).fill(0xff);
      expect(call('fd_fdstat_get', [fd, 20], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 3, result: 0 });
      expect(Array.from(mem.subarray(20, 44))).toEqual(expected[fd]);
      expect(mem[19]).toBe(0xff);
      expect(mem[44]).toBe(0xff);
    }
    const mem = new Uint8Array(64).fill(0xff);
    expect(call('fd_fdstat_get', [3, 0], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: Errno.badf });
    expect(mem.every((b) => b === 0xff)).toBe(true);
  });

  it('there are no preopens', () => {
    const mem = new Uint8Array(64).fill(0xff);
    const host = new HostState(job());
    for (const fd of [0, 3, 4]) {
      expect(call('fd_prestat_get', [fd, 0], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: Errno.badf });
      expect(call('fd_prestat_dir_name', [fd, 0, 8], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: Errno.badf });
    }
    expect(mem.every((b) => b === 0xff)).toBe(true);
  });

  it('fd_seek: ESPIPE on stdio, EBADF elsewhere', () => {
    const mem = new Uint8Array(64).fill(0xff);
    const host = new HostState(job());
    for (const fd of [0, 1, 2]) {
      expect(call('fd_seek', [fd, 10n, 0, 0], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: Errno.spipe });
    }
    expect(call('fd_seek', [3, -1n, 2, 0], mem, host).result).toBe(Errno.badf);
    expect(mem.every((b) => b === 0xff)).toBe(true);
  });

  it('fd_close of stdio succeeds without effect; other fds are EBADF', () => {
    const mem = new Uint8Array(64);
    const host = new HostState(job());
    for (const fd of [0, 1, 2]) {
      expect(call('fd_close', [fd], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: 0 });
    }
    expect(call('fd_close', [3], mem, host).result).toBe(Errno.badf);
    mem.set(enc.encode('still'), 0);
    putIovecs(mem, 32, [[0, 5]]);
    expect(call('fd_write', [1, 32, 1, 40], mem, host).result).toBe(0);
    expect(dec.decode(host.stdout.bytes())).toBe('still');
  });
});

describe('EFAULT on out-of-bounds pointers', () => {
  const efault = { outcome: HostOutcome.Return, result: Errno.fault };

  it('fd_write: iovec array, iovec buffer, nwritten', () => {
    const mem = new Uint8Array(64);
    const host = new HostState(job());
    expect(call('fd_write', [1, 60, 1, 0], mem, host)).toMatchObject({ ...efault, microSteps: 1 });
    expect(call('fd_write', [1, 0xfffffff8, 1, 0], mem, host)).toMatchObject({ ...efault, microSteps: 1 });
    putIovecs(mem, 0, [[64, 4]]); // buffer starts past the end
    expect(call('fd_write', [1, 0, 1, 8], mem, host)).toMatchObject({ ...efault, microSteps: 1 });
    putIovecs(mem, 0, [[0xfffffffe, 4]]); // would wrap at 2^32: still a fault
    expect(call('fd_write', [1, 0, 1, 8], mem, host)).toMatchObject(efault);
    expect(host.stdout.length).toBe(0);
    putIovecs(mem, 0, [[16, 4]]); // data is fine, nwritten is not: the bytes are already out
    expect(call('fd_write', [1, 0, 1, 62], mem, host)).toMatchObject({ ...efault, microSteps: 2 });
    expect(host.stdout.length).toBe(4);
  });

  it('fd_read: buffer and nread', () => {
    const mem = new Uint8Array(64);
    const host = new HostState(job({ input: enc.encode('xyz') }));
    putIovecs(mem, 0, [[63, 2]]); // first byte in bounds, second not: 63 is its own leaf chunk
    const r = call('fd_read', [0, 0, 1, 8], mem, host);
    expect(r).toMatchObject(efault);
    expect(r.microSteps).toBe(2);
    expect(host.inputPos).toBe(1);
    putIovecs(mem, 0, [[16, 1]]); // data is fine, nread is not
    expect(call('fd_read', [0, 0, 1, 62], mem, host)).toMatchObject({ ...efault, microSteps: 2 });
    expect(host.inputPos).toBe(2);
  });

  it('sizes, args_get, fdstat, clock, random', () => {
    const mem = new Uint8Array(64);
    const host = new HostState(job());
    expect(call('args_sizes_get', [61, 0], mem, host)).toMatchObject({ ...efault, microSteps: 1 });
    expect(call('args_sizes_get', [0, 61], mem, host)).toMatchObject({ ...efault, microSteps: 2 });
    expect(call('environ_sizes_get', [0, 0xfffffffc], mem, host)).toMatchObject(efault);
    expect(call('args_get', [64, 0], mem, host)).toMatchObject({ ...efault, microSteps: 1 });
    expect(call('args_get', [0, 64], mem, host)).toMatchObject({ ...efault, microSteps: 2 });
    expect(call('fd_fdstat_get', [1, 48], mem, host)).toMatchObject({ ...efault, microSteps: 3 });
    expect(call('clock_time_get', [0, 0n, 57], mem, host)).toMatchObject({ ...efault, microSteps: 1 });
    const filled = new Uint8Array(64).fill(0xff);
    expect(call('random_get', [10, 55], filled, host)).toMatchObject({ ...efault, microSteps: 1 });
    expect(filled.every((b) => b === 0xff)).toBe(true); // checked before anything is written
  });
});

describe('clock, random, yield, exit', () => {
  it('clock_time_get returns the step count as nanoseconds for every clock id', () => {
    const mem = new Uint8Array(64);
    const host = new HostState(job());
    const steps = 2 ** 40 + 5;
    for (const id of [0, 1, 3, 99]) {
      mem.fill(0xff);
      expect(call('clock_time_get', [id, 1000n, 12], mem, host, steps)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: 0 });
      expect(new DataView(mem.buffer).getBigUint64(12, true)).toBe(BigInt(steps));
    }
    call('clock_time_get', [0, 0n, 0], mem, host, 17);
    expect(new DataView(mem.buffer).getBigUint64(0, true)).toBe(17n);
  });

  it('random_get fills zeros one leaf per step', () => {
    const mem = new Uint8Array(128).fill(0xff);
    const host = new HostState(job());
    // 20..69: leaves 0, 1, 2
    expect(call('random_get', [20, 50], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 3, result: 0 });
    expect(mem.subarray(20, 70).every((b) => b === 0)).toBe(true);
    expect(mem[19]).toBe(0xff);
    expect(mem[70]).toBe(0xff);
    expect(call('random_get', [128, 0], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: 0 });
  });

  it('sched_yield succeeds in one step; proc_exit exits with the signed code', () => {
    const mem = new Uint8Array(32);
    const host = new HostState(job());
    expect(call('sched_yield', [], mem, host)).toEqual({ outcome: HostOutcome.Return, microSteps: 1, result: 0 });
    expect(call('proc_exit', [42], mem, host)).toEqual({ outcome: HostOutcome.Exit, microSteps: 1, result: 42 });
    expect(call('proc_exit', [0xffffffff], mem, host)).toEqual({ outcome: HostOutcome.Exit, microSteps: 1, result: -1 });
  });
});

describe('snapshots and the native loop', () => {
  it('clone is independent of the original', () => {
    const mem = new Uint8Array(128);
    const host = new HostState(job({ input: enc.encode('input bytes') }));
    mem.set(enc.encode('first'), 0);
    putIovecs(mem, 64, [[0, 5]]);
    call('fd_write', [1, 64, 1, 80], mem, host);
    const snap = host.clone();
    call('fd_write', [1, 64, 1, 80], mem, host);
    call('fd_write', [2, 64, 1, 80], mem, host);
    putIovecs(mem, 64, [[0, 4]]);
    call('fd_read', [0, 64, 1, 80], mem, host);
    call('proc_exit', [9], mem, host);
    expect(dec.decode(host.stdout.bytes())).toBe('firstfirst');
    expect(dec.decode(snap.stdout.bytes())).toBe('first');
    expect(snap.stderr.length).toBe(0);
    expect(snap.inputPos).toBe(0);
    expect(snap.result).toBe(0);
    // And the clone appends without disturbing the original.
    mem.set(enc.encode('other'), 0);
    putIovecs(mem, 64, [[0, 5]]);
    call('fd_write', [1, 64, 1, 80], mem, snap);
    expect(dec.decode(snap.stdout.bytes())).toBe('firstother');
    expect(dec.decode(host.stdout.bytes())).toBe('firstfirst');
  });

  it('a clone taken mid-call resumes to the same result', () => {
    const mem = new Uint8Array(256);
    for (let i = 0; i < 200; i++) mem[i] = i;
    const host = new HostState(job({ input: Uint8Array.from({ length: 100 }, (_, i) => 255 - i) }));
    putIovecs(mem, 224, [[5, 70], [100, 40]]);
    const id = findWasiFunction('fd_read')!.id;
    const args = packArgs([0, 224, 2, 240]);
    expect(wasiStep(id, args, BASE, mem, host, 0)).toBe(HostOutcome.Continue);
    expect(wasiStep(id, args, BASE, mem, host, 0)).toBe(HostOutcome.Continue);
    const snapHost = host.clone();
    const snapMem = mem.slice();
    expect(Array.from(snapHost.regs)).not.toEqual([0, 0, 0, 0]);
    const a = runWasiCall(id, args, BASE, () => mem, host, 0);
    const b = runWasiCall(id, args, BASE, () => snapMem, snapHost, 0);
    expect(b).toEqual(a);
    expect(snapMem).toEqual(mem);
    expect(snapHost.inputPos).toBe(host.inputPos);
    expect(u32(mem, 240)).toBe(100);
  });

  it('runWasiCall counts the same micro-steps as stepping one at a time', () => {
    const mem = new Uint8Array(256);
    putIovecs(mem, 200, [[30, 5], [7, 0], [60, 40]]);
    const host = new HostState(job());
    let memCalls = 0;
    const r = runWasiCall(findWasiFunction('fd_write')!.id, packArgs([1, 200, 3, 240]), BASE, () => (memCalls++, mem), host, 0);
    expect(r).toEqual({ outcome: HostOutcome.Return, microSteps: 7 });
    expect(memCalls).toBe(1); // once per call: a WASI call never grows the memory
    expect(host.result).toBe(0);
    expect(Array.from(host.regs)).toEqual([0, 0, 0, 0]);
    expect(u32(mem, 240)).toBe(45);
  });
});

describe('ByteLog', () => {
  it('grows, and clones copy on write', () => {
    const log = new ByteLog(2);
    const src = Uint8Array.from({ length: 100 }, (_, i) => i);
    log.append(src, 0, 10);
    log.append(src, 10, 100);
    log.append(src, 5, 5);
    expect(log.length).toBe(100);
    expect(log.bytes()).toEqual(src);
    const view = log.bytes();
    const copy = log.clone();
    copy.append(src, 0, 1);
    log.append(src, 99, 100);
    expect(Array.from(copy.bytes().subarray(98))).toEqual([98, 99, 0]);
    expect(Array.from(log.bytes().subarray(98))).toEqual([98, 99, 99]);
    expect(view).toEqual(src);
  });
});

describe('fastForwardChunks: bulk chunk units equal micro-stepping', () => {
  /** Deterministic pseudo-random numbers (xorshift32). */
  function rng(seed: number): () => number {
    let x = seed | 0 || 1;
    return () => {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
  }

  /** Runs a call to completion: one micro-step at a time, or fast-forwarding with a budget. */
  function call(name: string, args: Int32Array, mem: Uint8Array, host: HostState, budget: number | null) {
    const id = findWasiFunction(name)!.id;
    let steps = 0;
    for (;;) {
      const outcome = wasiStep(id, args, BASE, mem, host, 0);
      steps++;
      if (outcome !== HostOutcome.Continue) return { outcome, steps, result: host.result };
      if (budget !== null) steps += fastForwardChunks(id, args, BASE, mem, host, budget);
    }
  }

  for (const name of ['fd_read', 'fd_write']) {
    it(`${name}: 300 random iovec layouts, alignments, budgets, faults and limits`, () => {
      const random = rng(name === 'fd_read' ? 7 : 11);
      const int = (n: number) => Math.floor(random() * n);
      for (let trial = 0; trial < 300; trial++) {
        const input = new Uint8Array(int(400)).map(() => int(256));
        const memSize = 2048;
        const mem = new Uint8Array(memSize).map(() => int(256));
        const iovs = 8 * int(8);
        const count = 1 + int(4);
        for (let k = 0; k < count; k++) {
          const len = int(5) === 0 ? 0 : int(300);
          const buf = int(10) === 0 ? memSize - int(40) : 128 + int(1500); // sometimes out of bounds
          new DataView(mem.buffer).setUint32(iovs + 8 * k, buf, true);
          new DataView(mem.buffer).setUint32(iovs + 8 * k + 4, len, true);
        }
        const io = job({ input, maxOutputBytes: int(3) === 0 ? int(400) : 1 << 20 });
        const args = packArgs([name === 'fd_read' ? 0 : 1 + int(2), iovs, count, 100]);
        const budget = int(4) === 0 ? int(20) : Infinity;
        const a = new HostState(io);
        a.inputPos = int(input.length + 1);
        const b = a.clone();
        const memA = mem.slice();
        const memB = mem.slice();
        const stepped = call(name, args, memA, a, null);
        const fast = call(name, args, memB, b, budget);
        expect(fast).toEqual(stepped);
        expect(Buffer.compare(memB, memA)).toBe(0);
        expect(b.inputPos).toBe(a.inputPos);
        expect(Array.from(b.regs)).toEqual(Array.from(a.regs));
        expect(Buffer.from(b.stdout.bytes()).equals(Buffer.from(a.stdout.bytes()))).toBe(true);
        expect(Buffer.from(b.stderr.bytes()).equals(Buffer.from(a.stderr.bytes()))).toBe(true);
      }
    });
  }
});
