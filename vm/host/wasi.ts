// The deterministic WASI preview1 host (docs/machine.md#wasi), shared by both engines.
//
// A WASI call runs as micro-steps: the interpreter executes one per machine step, the
// native engine loops `runWasiCall` and counts them. All progress between micro-steps
// lives in `HostState` (four registers, the stdin cursor, the output logs) and in guest
// memory, never in JS locals, so that Part 2 can hash the state after any micro-step.
//
// Every call is a sequence of *units*; each micro-step performs exactly one unit and
// the micro-step that performs the last unit also completes the call. A unit is one of:
// read one iovec (together with the first data chunk of a non-empty iovec), move the
// data bytes that lie in one 32-byte memory leaf (for fd_read also in one 32-byte input
// chunk), or write one u32/u64 result word. Errors (EBADF, EFAULT, ...) complete the
// call at the micro-step that detects them; units already done stay done.

import { I32, I64, type ValType } from '../syntax/types.js';
import { TrapMessage } from '../exec/trap.js';
import { LEAF_SIZE } from '../exec/limits.js';
import { ByteLog } from './byte-log.js';
import { inBounds, leafRoom, loadU32, storeU32, storeU64 } from './guest-memory.js';

export { ByteLog } from './byte-log.js';

export const WASI_MODULE = 'wasi_snapshot_preview1';

export interface WasiFunction {
  id: number;
  name: string;
  params: ValType[];
  results: ValType[];
}

const ERRNO: ValType[] = [I32];

/** The supported subset; `id` is the index. The order is part of the machine (Part 2 hashes ids). */
export const WASI_FUNCTIONS: readonly WasiFunction[] = Object.freeze(
  (
    [
      ['args_get', [I32, I32], ERRNO],
      ['args_sizes_get', [I32, I32], ERRNO],
      ['environ_get', [I32, I32], ERRNO],
      ['environ_sizes_get', [I32, I32], ERRNO],
      ['fd_read', [I32, I32, I32, I32], ERRNO],
      ['fd_write', [I32, I32, I32, I32], ERRNO],
      ['fd_close', [I32], ERRNO],
      ['fd_fdstat_get', [I32, I32], ERRNO],
      ['fd_prestat_get', [I32, I32], ERRNO],
      ['fd_prestat_dir_name', [I32, I32, I32], ERRNO],
      ['fd_seek', [I32, I64, I32, I32], ERRNO],
      ['proc_exit', [I32], []], // never returns, so no errno result
      ['sched_yield', [], ERRNO],
      ['clock_time_get', [I32, I64, I32], ERRNO],
      ['random_get', [I32, I32], ERRNO],
    ] as const
  ).map(([name, params, results], id) =>
    Object.freeze({ id, name, params: [...params], results: [...results] }),
  ),
);

const BY_NAME = new Map(WASI_FUNCTIONS.map((f) => [f.name, f]));

export function findWasiFunction(name: string): WasiFunction | undefined {
  return BY_NAME.get(name);
}

/**
 * Whether WASI function `id`'s answer depends on the `steps` argument of wasiStep (only
 * clock_time_get's does): a caller may pass anything for the others.
 */
export function usesStepCount(id: number): boolean {
  return id === CLOCK_TIME_GET_ID;
}

/** WASI preview1 errno values used by the subset. */
export const Errno = {
  success: 0,
  badf: 8,
  fault: 21,
  inval: 28,
  spipe: 70,
} as const;

/** What the guest sees of a job: stdin, argv and the output limits. Never mutated. */
export interface JobIO {
  input: Uint8Array;
  /** argv including argv[0]; no argument may contain a NUL byte. */
  args: Uint8Array[];
  maxOutputBytes: number;
  maxLogBytes: number;
}

/** The host's part of the machine state. */
export class HostState {
  /** stdin cursor: bytes of `io.input` consumed by fd_read. */
  inputPos = 0;
  readonly stdout: ByteLog;
  readonly stderr: ByteLog;
  /**
   * Micro-step registers; all zero between calls. Meaning per function: see each step
   * function. The machine uses the same array (`Machine.regs`) for table.grow.
   */
  readonly regs: Int32Array;
  /** errno (Return) or exit code (Exit) of the last completed call. */
  result = 0;
  /** Set when a micro-step returns Trap. */
  trapMessage = '';
  /** argv as C sees it: each argument followed by NUL, concatenated (derived from `io`). */
  readonly argBlob: Uint8Array;
  /** Offset of each argument in `argBlob`. */
  readonly argOffsets: readonly number[];

  constructor(readonly io: JobIO, cloneFrom?: HostState) {
    if (cloneFrom) {
      this.inputPos = cloneFrom.inputPos;
      this.stdout = cloneFrom.stdout.clone();
      this.stderr = cloneFrom.stderr.clone();
      this.regs = cloneFrom.regs.slice();
      this.result = cloneFrom.result;
      this.trapMessage = cloneFrom.trapMessage;
      this.argBlob = cloneFrom.argBlob;
      this.argOffsets = cloneFrom.argOffsets;
      return;
    }
    this.stdout = new ByteLog();
    this.stderr = new ByteLog();
    this.regs = new Int32Array(4);
    const offsets: number[] = [];
    let size = 0;
    io.args.forEach((arg, i) => {
      if (arg.includes(0)) throw new Error(`argv[${i}] contains a NUL byte`);
      offsets.push(size);
      size += arg.length + 1;
    });
    this.argBlob = new Uint8Array(size);
    io.args.forEach((arg, i) => this.argBlob.set(arg, offsets[i]));
    this.argOffsets = Object.freeze(offsets);
  }

  /** A deep copy (the job's `io` is immutable and shared). */
  clone(): HostState {
    return new HostState(this.io, this);
  }
}

export const enum HostOutcome {
  /** The call needs more micro-steps. */
  Continue = 0,
  /** The call completed; `host.result` is the errno. */
  Return = 1,
  /** proc_exit; `host.result` is the exit code. */
  Exit = 2,
  /** The machine traps with `host.trapMessage`. */
  Trap = 3,
}

/** Signature of one WASI function's micro-step. */
type StepFn = (args: Int32Array, base: number, mem: Uint8Array, host: HostState, steps: number) => HostOutcome;

/**
 * One micro-step of WASI function `id`. Arguments: arg j occupies words args[base+2j]
 * (low) and args[base+2j+1] (high, used by i64 params). `mem` is the current linear
 * memory, exactly its logical size (bounds checks use `mem.length`). `steps` = machine
 * steps executed before this call's first micro-step (for clock_time_get). Never throws
 * for guest errors: returns Trap with host.trapMessage. Registers are zero again after
 * every micro-step that does not return Continue.
 */
export function wasiStep(
  id: number,
  args: Int32Array,
  base: number,
  mem: Uint8Array,
  host: HostState,
  steps: number,
): HostOutcome {
  const step = STEPS[id];
  if (step === undefined) throw new Error(`unknown WASI function id ${id}`);
  const outcome = step(args, base, mem, host, steps);
  if (outcome !== HostOutcome.Continue) host.regs.fill(0);
  return outcome;
}

/**
 * Runs WASI function `id` to completion (the native engine's path): micro-steps until
 * the first outcome other than Continue. `mem` is read once: a WASI call never grows the
 * memory (and reading a shared memory's buffer costs a runtime call).
 */
export function runWasiCall(
  id: number,
  args: Int32Array,
  base: number,
  mem: () => Uint8Array,
  host: HostState,
  steps: number,
): { outcome: HostOutcome; microSteps: number } {
  let microSteps = 0;
  const bytes = mem(); // a WASI call never grows the memory: one view serves the whole call
  for (;;) {
    const outcome = wasiStep(id, args, base, bytes, host, steps);
    microSteps++;
    if (outcome !== HostOutcome.Continue) return { outcome, microSteps };
    microSteps += fastForwardChunks(id, args, base, bytes, host, Infinity);
  }
}

const FD_READ = findWasiFunction('fd_read')!.id;
const CLOCK_TIME_GET_ID = findWasiFunction('clock_time_get')!.id;
const FD_WRITE = findWasiFunction('fd_write')!.id;

/** Aligned 32-byte boundaries strictly inside (start, start + len). */
function boundariesWithin(start: number, len: number): number {
  const first = LEAF_SIZE - (start % LEAF_SIZE); // offset of the first boundary after start
  return first <= len - 1 ? Math.floor((len - 1 - first) / LEAF_SIZE) + 1 : 0;
}

/**
 * Applies at once the chunk units left in the current iovec of an fd_read / fd_write
 * (docs/machine.md#wasi) — at most `budget` of them, and only when none of them could
 * fault, hit an output limit or complete the call — and returns how many micro-steps
 * that was (0: nothing done, step one by one). The state afterwards is exactly what that
 * many wasiStep calls produce: a chunk ends at the next memory-leaf boundary (for
 * fd_read also at the next input-chunk boundary), so moving `n` bytes from guest address
 * `c` (input position `p`) takes one chunk plus one per boundary crossed. This is what
 * keeps I/O-heavy jobs at native speed without changing a single step.
 */
export function fastForwardChunks(
  id: number, args: Int32Array, base: number, mem: Uint8Array, host: HostState, budget: number,
): number {
  if (id !== FD_READ && id !== FD_WRITE) return 0;
  const regs = host.regs;
  const remaining = regs[REMAINING] >>> 0;
  if (remaining === 0) return 0;
  const cursor = regs[CURSOR] >>> 0;
  if (id === FD_WRITE) {
    const fd = argU32(args, base, 0);
    const log = fd === STDOUT ? host.stdout : host.stderr;
    const limit = fd === STDOUT ? host.io.maxOutputBytes : host.io.maxLogBytes;
    const units = 1 + boundariesWithin(cursor, remaining);
    if (units > budget || !inBounds(mem, cursor, remaining) || log.length + remaining > limit) return 0;
    log.append(mem, cursor, cursor + remaining);
    advanceIovec(regs, remaining);
    return units;
  }
  const input = host.io.input;
  const pos = host.inputPos;
  const n = Math.min(remaining, input.length - pos);
  if (n <= 0) return 0; // at end of input the next micro-step completes the call
  // Boundaries of memory and of the input coincide when both are at the same offset in their leaf.
  const shared = cursor % LEAF_SIZE === pos % LEAF_SIZE ? boundariesWithin(cursor, n) : 0;
  const units = 1 + boundariesWithin(cursor, n) + boundariesWithin(pos, n) - shared;
  if (units > budget || !inBounds(mem, cursor, n)) return 0;
  mem.set(input.subarray(pos, pos + n), cursor);
  host.inputPos = pos + n;
  advanceIovec(regs, n);
  return units;
}

// ---------------------------------------------------------------------------------
// Helpers

/** Argument j as an unsigned 32-bit value (pointers, lengths, fds). */
function argU32(args: Int32Array, base: number, j: number): number {
  return args[base + 2 * j] >>> 0;
}

function complete(host: HostState, errno: number): HostOutcome {
  host.result = errno;
  return HostOutcome.Return;
}

function trap(host: HostState, message: string): HostOutcome {
  host.trapMessage = message;
  return HostOutcome.Trap;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;

function isStdio(fd: number): boolean {
  return fd <= STDERR;
}

// Register roles shared by fd_read and fd_write (the "iovec walk"):
const NEXT_IOVEC = 0; // index of the next iovec to read
const CURSOR = 1; // guest address of the next data byte of the current iovec
const TOTAL = 2; // bytes moved so far (the nread/nwritten answer)
const REMAINING = 3; // bytes of the current iovec still to move; 0 = read the next iovec

/**
 * The iovec-walk unit that reads iovec[NEXT_IOVEC] when REMAINING is 0. Returns the
 * outcome when the micro-step ends here (EFAULT, or a zero-length iovec), else null:
 * the caller then moves the first chunk in the same micro-step.
 */
function readIovec(mem: Uint8Array, host: HostState, iovs: number): HostOutcome | null {
  const regs = host.regs;
  const index = regs[NEXT_IOVEC] >>> 0;
  const addr = iovs + 8 * index;
  if (!inBounds(mem, addr, 8)) return complete(host, Errno.fault);
  const len = loadU32(mem, addr + 4);
  regs[NEXT_IOVEC] = index + 1;
  regs[CURSOR] = loadU32(mem, addr);
  regs[REMAINING] = len;
  return len === 0 ? HostOutcome.Continue : null;
}

/** Moves `w` bytes at CURSOR (already done by the caller) and advances the walk. */
function advanceIovec(regs: Int32Array, w: number): void {
  regs[CURSOR] = (regs[CURSOR] >>> 0) + w;
  regs[TOTAL] = (regs[TOTAL] >>> 0) + w;
  regs[REMAINING] = (regs[REMAINING] >>> 0) - w;
}

// ---------------------------------------------------------------------------------
// The subset, in WASI_FUNCTIONS order.

/** args_get(argv, argv_buf). Regs: r0 = pointers written, r1 = blob bytes copied. */
function argsGet(args: Int32Array, base: number, mem: Uint8Array, host: HostState): HostOutcome {
  const argv = argU32(args, base, 0);
  const argvBuf = argU32(args, base, 1);
  const regs = host.regs;
  const written = regs[0];
  if (written < host.argOffsets.length) {
    const pointer = argvBuf + host.argOffsets[written];
    if (!storeU32(mem, argv + 4 * written, pointer)) return complete(host, Errno.fault);
    regs[0] = written + 1;
    return HostOutcome.Continue; // argc > 0, so blob bytes follow
  }
  return copyBlobChunk(mem, host, host.argBlob, argvBuf, 1);
}

/**
 * Copies the bytes of `blob` that land in the next destination leaf; register `reg`
 * counts the bytes copied. Completes the call with the last chunk (or at once if empty).
 */
function copyBlobChunk(mem: Uint8Array, host: HostState, blob: Uint8Array, dest: number, reg: number): HostOutcome {
  const done = host.regs[reg];
  if (done >= blob.length) return complete(host, Errno.success);
  const at = dest + done;
  const w = Math.min(blob.length - done, leafRoom(at));
  if (!inBounds(mem, at, w)) return complete(host, Errno.fault);
  mem.set(blob.subarray(done, done + w), at);
  host.regs[reg] = done + w;
  return done + w === blob.length ? complete(host, Errno.success) : HostOutcome.Continue;
}

/** Writes two u32 answers at arg0 and arg1, one per micro-step. Regs: r0 = words written. */
function writeTwoSizes(args: Int32Array, base: number, mem: Uint8Array, host: HostState, first: number, second: number): HostOutcome {
  const regs = host.regs;
  if (regs[0] === 0) {
    if (!storeU32(mem, argU32(args, base, 0), first)) return complete(host, Errno.fault);
    regs[0] = 1;
    return HostOutcome.Continue;
  }
  if (!storeU32(mem, argU32(args, base, 1), second)) return complete(host, Errno.fault);
  return complete(host, Errno.success);
}

/** args_sizes_get(argc_ptr, argv_buf_size_ptr). */
function argsSizesGet(args: Int32Array, base: number, mem: Uint8Array, host: HostState): HostOutcome {
  return writeTwoSizes(args, base, mem, host, host.argOffsets.length, host.argBlob.length);
}

/** environ_get(environ, environ_buf): the environment is empty, nothing to write. */
function environGet(_args: Int32Array, _base: number, _mem: Uint8Array, host: HostState): HostOutcome {
  return complete(host, Errno.success);
}

/** environ_sizes_get(count_ptr, buf_size_ptr): 0 and 0. */
function environSizesGet(args: Int32Array, base: number, mem: Uint8Array, host: HostState): HostOutcome {
  return writeTwoSizes(args, base, mem, host, 0, 0);
}

/** fd_read(fd, iovs, iovs_len, nread_ptr): fd 0 reads the job input. Regs: the iovec walk. */
function fdRead(args: Int32Array, base: number, mem: Uint8Array, host: HostState): HostOutcome {
  if (argU32(args, base, 0) !== STDIN) return complete(host, Errno.badf);
  const iovs = argU32(args, base, 1);
  const iovsLen = argU32(args, base, 2);
  const input = host.io.input;
  const regs = host.regs;
  const atEof = host.inputPos >= input.length;
  if (atEof || (regs[REMAINING] === 0 && regs[NEXT_IOVEC] >>> 0 >= iovsLen)) {
    if (!storeU32(mem, argU32(args, base, 3), regs[TOTAL])) return complete(host, Errno.fault);
    return complete(host, Errno.success);
  }
  if (regs[REMAINING] === 0) {
    const ended = readIovec(mem, host, iovs);
    if (ended !== null) return ended;
  }
  const cursor = regs[CURSOR] >>> 0;
  const pos = host.inputPos;
  const w = Math.min(regs[REMAINING] >>> 0, leafRoom(cursor), LEAF_SIZE - (pos % LEAF_SIZE), input.length - pos);
  if (!inBounds(mem, cursor, w)) return complete(host, Errno.fault);
  mem.set(input.subarray(pos, pos + w), cursor);
  host.inputPos = pos + w;
  advanceIovec(regs, w);
  return HostOutcome.Continue;
}

/** fd_write(fd, iovs, iovs_len, nwritten_ptr): fd 1 = stdout, fd 2 = stderr. Regs: the iovec walk. */
function fdWrite(args: Int32Array, base: number, mem: Uint8Array, host: HostState): HostOutcome {
  const fd = argU32(args, base, 0);
  if (fd !== STDOUT && fd !== STDERR) return complete(host, Errno.badf);
  const iovs = argU32(args, base, 1);
  const iovsLen = argU32(args, base, 2);
  const regs = host.regs;
  if (regs[REMAINING] === 0) {
    if (regs[NEXT_IOVEC] >>> 0 >= iovsLen) {
      if (!storeU32(mem, argU32(args, base, 3), regs[TOTAL])) return complete(host, Errno.fault);
      return complete(host, Errno.success);
    }
    const ended = readIovec(mem, host, iovs);
    if (ended !== null) return ended;
  }
  const cursor = regs[CURSOR] >>> 0;
  const w = Math.min(regs[REMAINING] >>> 0, leafRoom(cursor));
  if (!inBounds(mem, cursor, w)) return complete(host, Errno.fault);
  const log = fd === STDOUT ? host.stdout : host.stderr;
  const limit = fd === STDOUT ? host.io.maxOutputBytes : host.io.maxLogBytes;
  if (log.length + w > limit) return trap(host, fd === STDOUT ? TrapMessage.outputLimit : TrapMessage.logLimit);
  log.append(mem, cursor, cursor + w);
  advanceIovec(regs, w);
  return HostOutcome.Continue;
}

/** fd_close(fd): closing 0..2 succeeds and changes nothing (they stay usable). */
function fdClose(args: Int32Array, base: number, _mem: Uint8Array, host: HostState): HostOutcome {
  return complete(host, isStdio(argU32(args, base, 0)) ? Errno.success : Errno.badf);
}

const FILETYPE_CHARACTER_DEVICE = 2;
const RIGHT_FD_READ = 1 << 1;
const RIGHT_FD_WRITE = 1 << 6;

/**
 * fd_fdstat_get(fd, buf): the 24-byte fdstat as three u64 words, one per micro-step:
 * [filetype u8, 0, flags u16 = 0, 0 x4], rights_base, rights_inheriting = 0.
 * Regs: r0 = words written.
 */
function fdFdstatGet(args: Int32Array, base: number, mem: Uint8Array, host: HostState): HostOutcome {
  const fd = argU32(args, base, 0);
  if (!isStdio(fd)) return complete(host, Errno.badf);
  const regs = host.regs;
  const word = regs[0];
  const low = word === 0 ? FILETYPE_CHARACTER_DEVICE : word === 1 ? (fd === STDIN ? RIGHT_FD_READ : RIGHT_FD_WRITE) : 0;
  if (!storeU64(mem, argU32(args, base, 1) + 8 * word, low, 0)) return complete(host, Errno.fault);
  regs[0] = word + 1;
  return word === 2 ? complete(host, Errno.success) : HostOutcome.Continue;
}

/** fd_prestat_get / fd_prestat_dir_name: there are no preopened directories. */
function noPreopens(_args: Int32Array, _base: number, _mem: Uint8Array, host: HostState): HostOutcome {
  return complete(host, Errno.badf);
}

/** fd_seek(fd, offset, whence, newoffset_ptr): stdio is not seekable. */
function fdSeek(args: Int32Array, base: number, _mem: Uint8Array, host: HostState): HostOutcome {
  return complete(host, isStdio(argU32(args, base, 0)) ? Errno.spipe : Errno.badf);
}

/** proc_exit(code): the exit code is the i32 argument, read as signed. */
function procExit(args: Int32Array, base: number, _mem: Uint8Array, host: HostState): HostOutcome {
  host.result = args[base] | 0;
  return HostOutcome.Exit;
}

function schedYield(_args: Int32Array, _base: number, _mem: Uint8Array, host: HostState): HostOutcome {
  return complete(host, Errno.success);
}

/** clock_time_get(id, precision, time_ptr): `steps` nanoseconds for every clock id. */
function clockTimeGet(args: Int32Array, base: number, mem: Uint8Array, host: HostState, steps: number): HostOutcome {
  const low = steps % 2 ** 32;
  const high = Math.floor(steps / 2 ** 32);
  if (!storeU64(mem, argU32(args, base, 2), low, high)) return complete(host, Errno.fault);
  return complete(host, Errno.success);
}

/**
 * random_get(buf, len): zero bytes, micro-stepped like memory.fill: each micro-step
 * checks the whole remaining range, then zeroes the part in one leaf. Regs: r0 = bytes done.
 */
function randomGet(args: Int32Array, base: number, mem: Uint8Array, host: HostState): HostOutcome {
  const buf = argU32(args, base, 0);
  const len = argU32(args, base, 1);
  const done = host.regs[0] >>> 0;
  const at = buf + done;
  const rest = len - done;
  if (!inBounds(mem, at, rest)) return complete(host, Errno.fault);
  if (rest === 0) return complete(host, Errno.success);
  const w = Math.min(rest, leafRoom(at));
  mem.fill(0, at, at + w);
  host.regs[0] = done + w;
  return w === rest ? complete(host, Errno.success) : HostOutcome.Continue;
}

const STEPS: readonly StepFn[] = [
  argsGet,
  argsSizesGet,
  environGet,
  environSizesGet,
  fdRead,
  fdWrite,
  fdClose,
  fdFdstatGet,
  noPreopens,
  noPreopens,
  fdSeek,
  procExit,
  schedYield,
  clockTimeGet,
  randomGet,
];

if (STEPS.length !== WASI_FUNCTIONS.length) throw new Error('WASI step table out of sync with WASI_FUNCTIONS');
