// Snapshots of a machine (docs/machine-state.md#random-access): a deep copy of every
// part of the state that a step can change, cheap enough to take every few million
// steps. The code, the function table, the types and the instances never change after
// instantiation, so a snapshot shares them with the machine it was taken from.
//
// Linear memory is copied per 64 KiB page, copy-on-write across snapshots: a page equal
// to the same page of the previous snapshot (a memcmp) is shared, not copied, so a run
// that keeps rewriting a small working set costs that working set per snapshot. The
// value stack and the frame records are copied only below the machine's high-water
// marks (`maxSp`, `maxFsp`): nothing above them was ever written. Everything a snapshot
// holds is treated as immutable; restoring copies it into a fresh machine.

import type { FuncType } from '../syntax/types.js';
import type { JobIO } from '../host/wasi.js';
import { HostState } from '../host/wasi.js';
import { FRAME_WIDTH, Machine, type Status } from './interpret.js';
import { PAGE_SIZE } from './limits.js';
import { Memory } from './memory.js';
import { Store, type FuncInst, type GlobalInst } from './store.js';
import { Table } from './table.js';

/** The parts of a store that instantiation fixed: shared by every snapshot of a run. */
interface FrozenStore {
  codeWords: Int32Array<ArrayBuffer>;
  codeRows: number;
  funcs: readonly FuncInst[];
  globalTypes: readonly GlobalInst[];
  types: readonly FuncType[];
  maxMemoryPages: number;
}

export interface MemorySnapshot {
  maxPages: number;
  /** One PAGE_SIZE array per page; shared with other snapshots when unchanged. */
  pages: readonly Uint8Array[];
}

export interface TableSnapshot {
  elemType: number;
  /** The table's declared maximum (null: none); its growth limit follows from it. */
  declaredMax: number | null;
  /** The entries below the table's size (its length is the size). */
  elems: Int32Array;
}

export interface HostSnapshot {
  io: JobIO;
  inputPos: number;
  result: number;
  trapMessage: string;
  /** The bytes written so far: views of the append-only logs, which never rewrite them. */
  stdout: Uint8Array;
  stderr: Uint8Array;
}

export interface MachineSnapshot {
  readonly frozen: FrozenStore;
  readonly maxStackUnits: number;
  readonly maxSteps: number;
  readonly pc: number;
  readonly sp: number;
  readonly fp: number;
  readonly fsp: number;
  readonly fn: number;
  readonly units: number;
  readonly steps: number;
  readonly status: Status;
  readonly exitCode: number | null;
  readonly trapMessage: string | null;
  readonly maxSp: number;
  readonly maxFsp: number;
  /** The micro-step registers r0..r3 (the host's registers too, on a job machine). */
  readonly regs: Int32Array;
  /** Index in store.mems of the running function's memory, -1 for none. */
  readonly memIndex: number;
  /** Stack words [0, 2 * max(maxSp, sp)). */
  readonly stack: Int32Array;
  /** Frame words [0, FRAME_WIDTH * maxFsp). */
  readonly frames: Int32Array;
  readonly globals: Int32Array;
  readonly tables: readonly TableSnapshot[];
  readonly mems: readonly MemorySnapshot[];
  /** Segments are never written in place (a drop replaces one by an empty array): shared. */
  readonly elems: readonly Int32Array[];
  readonly datas: readonly Uint8Array[];
  readonly host: HostSnapshot | null;
}

/**
 * Takes a snapshot of `m`. With `previous` (an earlier snapshot of the same run), memory
 * pages, tables and globals equal to the previous ones are shared instead of copied.
 */
export function snapshotMachine(m: Machine, previous?: MachineSnapshot): MachineSnapshot {
  const store = m.store;
  const stackTop = Math.max(m.maxSp, m.sp);
  const sameRun = previous !== undefined && previous.frozen.codeWords === store.code.words;
  return {
    frozen: sameRun ? previous.frozen : freezeStore(store),
    maxStackUnits: m.maxStackUnits,
    maxSteps: m.maxSteps,
    pc: m.pc,
    sp: m.sp,
    fp: m.fp,
    fsp: m.fsp,
    fn: m.fn,
    units: m.units,
    steps: m.steps,
    status: m.status,
    exitCode: m.exitCode,
    trapMessage: m.trapMessage,
    maxSp: m.maxSp,
    maxFsp: m.maxFsp,
    regs: m.regs.slice(),
    memIndex: store.mems.indexOf(m.mem),
    stack: m.stack.slice(0, 2 * stackTop),
    frames: m.frames.slice(0, FRAME_WIDTH * Math.max(m.maxFsp, m.fsp)),
    globals: sharedIfEqual(store.globals, previous?.globals),
    tables: store.tables.map((t, i) => snapshotTable(t, previous?.tables[i])),
    mems: store.mems.map((mem, i) => snapshotMemory(mem, previous?.mems[i])),
    elems: store.elems.slice(),
    datas: store.datas.slice(),
    host: m.host === null ? null : snapshotHost(m.host),
  };
}

/** A new machine in exactly the snapshot's state; it runs on as the original would have. */
export function restoreMachine(s: MachineSnapshot): Machine {
  const store = restoreStore(s);
  const machine = new Machine(store, s.host === null ? null : restoreHost(s.host), s.maxSteps, s.maxStackUnits);
  machine.stack.set(s.stack);
  machine.frames.set(s.frames);
  machine.pc = s.pc;
  machine.sp = s.sp;
  machine.fp = s.fp;
  machine.fsp = s.fsp;
  machine.fn = s.fn;
  machine.units = s.units;
  machine.steps = s.steps;
  machine.status = s.status;
  machine.exitCode = s.exitCode;
  machine.trapMessage = s.trapMessage;
  machine.maxSp = s.maxSp;
  machine.maxFsp = s.maxFsp;
  machine.regs.set(s.regs);
  if (s.memIndex >= 0) machine.mem = store.mems[s.memIndex];
  return machine;
}

/** Bytes a snapshot holds that no `other` snapshot already holds (pages shared by reference). */
export function snapshotBytes(s: MachineSnapshot, seen: Set<ArrayBufferView> = new Set()): number {
  let total = 0;
  const count = (a: ArrayBufferView): void => {
    if (seen.has(a)) return;
    seen.add(a);
    total += a.byteLength;
  };
  count(s.stack);
  count(s.frames);
  count(s.globals);
  for (const t of s.tables) count(t.elems);
  for (const mem of s.mems) for (const page of mem.pages) count(page);
  count(s.regs);
  return total;
}

function freezeStore(store: Store): FrozenStore {
  return {
    codeWords: store.code.words,
    codeRows: store.code.length,
    funcs: store.funcs.slice(),
    globalTypes: store.globalTypes.slice(),
    types: store.types.slice(),
    maxMemoryPages: store.maxMemoryPages,
  };
}

function restoreStore(s: MachineSnapshot): Store {
  const f = s.frozen;
  const store = new Store(f.maxMemoryPages);
  // The code is never written after instantiation: share its words.
  store.code.words = f.codeWords;
  store.code.length = f.codeRows;
  for (const func of f.funcs) store.funcs.push(func);
  for (const g of f.globalTypes) store.globalTypes.push(g);
  for (const t of f.types) store.typeId(t); // same order, same ids
  store.globals = new Int32Array(s.globals);
  for (const t of s.tables) {
    const table = new Table(t.elemType, t.elems.length, t.declaredMax);
    table.elems.set(t.elems);
    store.tables.push(table);
  }
  for (const mem of s.mems) {
    const memory = new Memory(mem.pages.length, mem.maxPages);
    mem.pages.forEach((page, i) => memory.bytes.set(page, i * PAGE_SIZE));
    store.mems.push(memory);
  }
  for (const e of s.elems) store.elems.push(e);
  for (const d of s.datas) store.datas.push(d);
  return store;
}

function sharedIfEqual(current: Int32Array, previous: Int32Array | undefined): Int32Array {
  if (previous !== undefined && sameBytes(current, previous)) return previous;
  return current.slice();
}

function snapshotTable(t: Table, previous: TableSnapshot | undefined): TableSnapshot {
  return { elemType: t.elemType, declaredMax: t.declaredMax, elems: sharedIfEqual(t.elems.subarray(0, t.size), previous?.elems) };
}

function snapshotMemory(mem: Memory, previous: MemorySnapshot | undefined): MemorySnapshot {
  const pages: Uint8Array[] = [];
  const bytes = mem.bytes;
  for (let p = 0; p * PAGE_SIZE < mem.size; p++) {
    const page = bytes.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
    const before = previous?.pages[p];
    pages.push(before !== undefined && sameBytes(page, before) ? before : page.slice());
  }
  return { maxPages: mem.maxPages, pages };
}

function snapshotHost(h: HostState): HostSnapshot {
  return {
    io: h.io,
    inputPos: h.inputPos,
    result: h.result,
    trapMessage: h.trapMessage,
    stdout: h.stdout.bytes(),
    stderr: h.stderr.bytes(),
  };
}

function restoreHost(s: HostSnapshot): HostState {
  const h = new HostState(s.io);
  h.inputPos = s.inputPos;
  h.result = s.result;
  h.trapMessage = s.trapMessage;
  h.stdout.append(s.stdout, 0, s.stdout.length);
  h.stderr.append(s.stderr, 0, s.stderr.length);
  return h;
}

/** Byte equality of two typed arrays (memcmp). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
