// WASI calls, one micro-step per step (docs/machine.md#wasi; vm/host/wasi.ts is the
// reference and this is the same schedule against the state accessor). Arguments stay
// on the stack until the last micro-step, progress lives in the host registers r0..r3
// (zero again after every micro-step that ends the call), stdout / stderr bytes go into
// their hash chains.

import { IOp } from '../../exec/code.js';
import { Trap, TrapMessage } from '../../exec/trap.js';
import { Region, STATUS, type FuncRecord, type StepState } from '../access.js';
import { appendToStream } from '../stream.js';
import { LEAF, le32, memorySize, readLe32, type Row } from './common.js';

export const WASI_OPS: readonly number[] = [IOp.HOST_CALL];

const Errno = { success: 0, badf: 8, fault: 21, spipe: 70 } as const;

/** How a micro-step ends. */
const enum Outcome { Continue, Return, Exit }

export function execWasi(st: StepState, row: Row): void {
  hostCall(st, st.readFunc(row[1]), false);
}

/**
 * One micro-step of WASI function `f`, called by HOST_CALL or by call_indirect
 * (`indirect`: its table index is already popped; it goes back on the stack while the
 * call continues, as the row re-executes).
 */
export function hostCall(st: StepState, f: FuncRecord, indirect: boolean): void {
  const h = st.h;
  const call = new WasiCall(st, h.sp - f.params);
  let outcome: Outcome;
  try {
    outcome = call.run(f.wasiId);
  } catch (e) {
    h.regs.fill(0);
    throw e;
  }
  if (outcome === Outcome.Continue) {
    if (indirect) h.sp++;
    return;
  }
  h.regs.fill(0);
  if (outcome === Outcome.Exit) {
    h.status = STATUS.exited;
    h.exitCode = call.result | 0;
    return;
  }
  h.sp = call.argBase;
  st.writeSlot(h.sp, call.result, 0);
  h.sp++;
  h.pc++;
}

// Register roles of the iovec walk (fd_read, fd_write).
const NEXT_IOVEC = 0;
const CURSOR = 1;
const TOTAL = 2;
const REMAINING = 3;

class WasiCall {
  result = 0;
  private readonly regs: number[];

  constructor(private readonly st: StepState, readonly argBase: number) {
    this.regs = st.h.regs;
  }

  run(id: number): Outcome {
    switch (id) {
      case 0: return this.argsGet();
      case 1: return this.writeTwoSizes(this.st.p.argc, this.st.p.argsLen);
      case 2: return this.complete(Errno.success); // environ_get: empty environment
      case 3: return this.writeTwoSizes(0, 0); // environ_sizes_get
      case 4: return this.fdRead();
      case 5: return this.fdWrite();
      case 6: return this.complete(this.arg(0) <= 2 ? Errno.success : Errno.badf); // fd_close
      case 7: return this.fdFdstatGet();
      case 8: case 9: return this.complete(Errno.badf); // no preopens
      case 10: return this.complete(this.arg(0) <= 2 ? Errno.spipe : Errno.badf); // fd_seek
      case 11: // proc_exit: the i32 argument, signed
        this.result = this.arg(0) | 0;
        return Outcome.Exit;
      case 12: return this.complete(Errno.success); // sched_yield
      case 13: return this.clockTimeGet();
      case 14: return this.randomGet();
      default: throw new Error(`unknown WASI function id ${id}`);
    }
  }

  /** Argument j as u32 (read from the stack on every use). */
  private arg(j: number): number {
    return this.st.readSlot(this.argBase + j)[0] >>> 0;
  }

  private complete(errno: number): Outcome {
    this.result = errno;
    return Outcome.Return;
  }

  private inBounds(addr: number, len: number): boolean {
    return addr + len <= memorySize(this.st);
  }

  private storeU32(addr: number, value: number): boolean {
    if (!this.inBounds(addr, 4)) return false;
    this.st.writeMemory(addr, le32(value));
    return true;
  }

  private storeU64(addr: number, low: number, high: number): boolean {
    if (!this.inBounds(addr, 8)) return false;
    const bytes = new Uint8Array(8);
    bytes.set(le32(low), 0);
    bytes.set(le32(high), 4);
    this.st.writeMemory(addr, bytes);
    return true;
  }

  /** args_get(argv, argv_buf). r0 = pointers written, r1 = blob bytes copied. */
  private argsGet(): Outcome {
    const { p } = this.st;
    const argv = this.arg(0);
    const argvBuf = this.arg(1);
    const written = this.regs[0];
    if (written < p.argc) {
      const pointer = argvBuf + this.st.programU32(p.argsBase + 4 * written);
      if (!this.storeU32(argv + 4 * written, pointer)) return this.complete(Errno.fault);
      this.regs[0] = written + 1;
      return Outcome.Continue;
    }
    const done = this.regs[1];
    if (done >= p.argsLen) return this.complete(Errno.success);
    const at = argvBuf + done;
    const w = Math.min(p.argsLen - done, LEAF - (at % LEAF));
    if (!this.inBounds(at, w)) return this.complete(Errno.fault);
    this.st.writeMemory(at, this.st.readBytes(Region.PROGRAM, p.argsBase + 4 * p.argc + done, w));
    this.regs[1] = done + w;
    return done + w === p.argsLen ? this.complete(Errno.success) : Outcome.Continue;
  }

  /** Two u32 answers at arg0 and arg1, one per micro-step. r0 = words written. */
  private writeTwoSizes(first: number, second: number): Outcome {
    if (this.regs[0] === 0) {
      if (!this.storeU32(this.arg(0), first)) return this.complete(Errno.fault);
      this.regs[0] = 1;
      return Outcome.Continue;
    }
    if (!this.storeU32(this.arg(1), second)) return this.complete(Errno.fault);
    return this.complete(Errno.success);
  }

  /** Reads iovec r0 when r3 = 0. Returns the outcome if the micro-step ends here, else null. */
  private readIovec(iovs: number): Outcome | null {
    const regs = this.regs;
    const index = regs[NEXT_IOVEC];
    const addr = iovs + 8 * index;
    if (!this.inBounds(addr, 8)) return this.complete(Errno.fault);
    const iov = this.st.readBytes(Region.MEMORY, addr, 8);
    const len = readLe32(iov, 4) >>> 0;
    regs[NEXT_IOVEC] = (index + 1) >>> 0;
    regs[CURSOR] = readLe32(iov, 0) >>> 0;
    regs[REMAINING] = len;
    return len === 0 ? Outcome.Continue : null;
  }

  private advance(w: number): void {
    const regs = this.regs;
    regs[CURSOR] = (regs[CURSOR] + w) >>> 0;
    regs[TOTAL] = (regs[TOTAL] + w) >>> 0;
    regs[REMAINING] = (regs[REMAINING] - w) >>> 0;
  }

  /** fd_read(fd, iovs, iovs_len, nread_ptr): fd 0 reads the job input. */
  private fdRead(): Outcome {
    const { h, p } = this.st;
    if (this.arg(0) !== 0) return this.complete(Errno.badf);
    const iovs = this.arg(1);
    const iovsLen = this.arg(2);
    const regs = this.regs;
    const atEof = h.inputPos >= p.inputLen;
    if (atEof || (regs[REMAINING] === 0 && regs[NEXT_IOVEC] >= iovsLen)) {
      if (!this.storeU32(this.arg(3), regs[TOTAL])) return this.complete(Errno.fault);
      return this.complete(Errno.success);
    }
    if (regs[REMAINING] === 0) {
      const ended = this.readIovec(iovs);
      if (ended !== null) return ended;
    }
    const cursor = regs[CURSOR];
    const pos = h.inputPos;
    const w = Math.min(regs[REMAINING], LEAF - (cursor % LEAF), LEAF - (pos % LEAF), p.inputLen - pos);
    if (!this.inBounds(cursor, w)) return this.complete(Errno.fault);
    this.st.writeMemory(cursor, this.st.readBytes(Region.INPUT, pos, w));
    h.inputPos = pos + w;
    this.advance(w);
    return Outcome.Continue;
  }

  /** fd_write(fd, iovs, iovs_len, nwritten_ptr): fd 1 stdout, fd 2 stderr. */
  private fdWrite(): Outcome {
    const { h, p } = this.st;
    const fd = this.arg(0);
    if (fd !== 1 && fd !== 2) return this.complete(Errno.badf);
    const iovs = this.arg(1);
    const iovsLen = this.arg(2);
    const regs = this.regs;
    if (regs[REMAINING] === 0) {
      if (regs[NEXT_IOVEC] >= iovsLen) {
        if (!this.storeU32(this.arg(3), regs[TOTAL])) return this.complete(Errno.fault);
        return this.complete(Errno.success);
      }
      const ended = this.readIovec(iovs);
      if (ended !== null) return ended;
    }
    const cursor = regs[CURSOR];
    const w = Math.min(regs[REMAINING], LEAF - (cursor % LEAF));
    if (!this.inBounds(cursor, w)) return this.complete(Errno.fault);
    const stream = fd === 1 ? h.out : h.log;
    const limit = fd === 1 ? p.maxOutputBytes : p.maxLogBytes;
    if (stream.len + w > limit) throw new Trap(fd === 1 ? TrapMessage.outputLimit : TrapMessage.logLimit);
    const bytes = this.st.readBytes(Region.MEMORY, cursor, w);
    appendToStream(stream, bytes);
    this.st.leaves.appended?.(fd === 1 ? 0 : 1, bytes);
    this.advance(w);
    return Outcome.Continue;
  }

  /** fd_fdstat_get(fd, buf): three u64 words, one per micro-step. r0 = words written. */
  private fdFdstatGet(): Outcome {
    const fd = this.arg(0);
    if (fd > 2) return this.complete(Errno.badf);
    const word = this.regs[0];
    const low = word === 0 ? 2 : word === 1 ? (fd === 0 ? 1 << 1 : 1 << 6) : 0;
    if (!this.storeU64(this.arg(1) + 8 * word, low, 0)) return this.complete(Errno.fault);
    this.regs[0] = word + 1;
    return word === 2 ? this.complete(Errno.success) : Outcome.Continue;
  }

  /** clock_time_get(id, precision, time_ptr): steps before this call, in ns. */
  private clockTimeGet(): Outcome {
    const steps = this.st.h.steps - 1;
    if (!this.storeU64(this.arg(2), steps % 2 ** 32, Math.floor(steps / 2 ** 32))) return this.complete(Errno.fault);
    return this.complete(Errno.success);
  }

  /** random_get(buf, len): zeroes, one leaf per micro-step. r0 = bytes done. */
  private randomGet(): Outcome {
    const buf = this.arg(0);
    const len = this.arg(1);
    const done = this.regs[0];
    const at = buf + done;
    const rest = len - done;
    if (!this.inBounds(at, rest)) return this.complete(Errno.fault);
    if (rest === 0) return this.complete(Errno.success);
    const w = Math.min(rest, LEAF - (at % LEAF));
    this.st.writeMemory(at, new Uint8Array(w));
    this.regs[0] = done + w;
    return w === rest ? this.complete(Errno.success) : Outcome.Continue;
  }
}
