// The immutable part of a job's state (docs/machine-state.md#the-program-header): the
// program image (region PROGRAM: code rows, function records, types, the initial data
// and element segments, the segment and table directories, argv), the input (region
// INPUT), the limits and the depth of every region. `programHash = H(programHeader)`
// enters every state hash, so the initial state hash is a pure function of module,
// input, args and limits.

import { CODE_WIDTH } from '../exec/code.js';
import type { Machine } from '../exec/interpret.js';
import type { MachineLimits } from '../exec/limits.js';
import { PAGE_SIZE } from '../exec/limits.js';
import type { Instance, Store } from '../exec/store.js';
import { funcRef, MAX_TABLE_SIZE, NULL_REF } from '../exec/table.js';
import { Op } from '../syntax/opcodes.js';
import type { ConstExpr } from '../syntax/types.js';
import type { HostState } from '../host/wasi.js';
import { keccak256 } from './keccak.js';
import { depthForBytes, depthForLeaves, LEAF_BYTES, RegionTree } from './merkle.js';

/** Bytes of one code row (4 u32) and of one function record (8 u32). */
export const ROW_BYTES = 16;
export const FUNC_RECORD_BYTES = 32;
/** Kind field of a function record. */
export const FuncKind = { wasm: 0, wasi: 1 } as const;
/** Table entries per TABLES leaf; each table starts on a leaf boundary. */
export const ENTRIES_PER_LEAF = 8;

/** Depth of each region, in the order of the program header. */
export interface RegionDepths {
  program: number;
  input: number;
  stack: number;
  frames: number;
  globals: number;
  memory: number;
  tables: number;
  sizes: number;
}

export const DEPTH_ORDER: ReadonlyArray<keyof RegionDepths> = [
  'program', 'input', 'stack', 'frames', 'globals', 'memory', 'tables', 'sizes',
];

/** Where the sections of the program image are (byte offsets) and how many of each. */
export interface ImageLayout {
  codeBase: number;
  funcsBase: number;
  typesBase: number;
  dataBase: number;
  elemBase: number;
  segsBase: number;
  tablesBase: number;
  argsBase: number;
  nfuncs: number;
  ndata: number;
  nelem: number;
  ntables: number;
  argc: number;
  argsLen: number;
}

export const LAYOUT_ORDER: ReadonlyArray<keyof ImageLayout> = [
  'codeBase', 'funcsBase', 'typesBase', 'dataBase', 'elemBase', 'segsBase', 'tablesBase', 'argsBase',
  'nfuncs', 'ndata', 'nelem', 'ntables', 'argc', 'argsLen',
];

/** The decoded program header (all integers unsigned). */
export interface ProgramHeader extends ImageLayout {
  programRoot: Uint8Array;
  inputRoot: Uint8Array;
  inputLen: number;
  depths: RegionDepths;
  maxSteps: bigint;
  memoryMaxPages: number;
  maxStackUnits: number;
  maxOutputBytes: number;
  maxLogBytes: number;
}

/** 2 roots, inputLen, 8 depths, maxSteps, 4 limits, 8 bases, 6 counts. */
export const PROGRAM_HEADER_BYTES = 32 * 2 + 4 + 8 + 8 + 4 * 4 + 4 * 8 + 4 * 6;

/** Where each table's entries live in region TABLES, and how many it may hold. */
export interface TablePlacement {
  /** First entry index of each table (a multiple of ENTRIES_PER_LEAF). */
  bases: number[];
  /** Committed capacity of each table: its maximum, at most MAX_TABLE_SIZE. */
  capacities: number[];
  /** Entries of the region up to the end of the last table. */
  totalEntries: number;
}

export function placeTables(store: Store): TablePlacement {
  const bases: number[] = [];
  const capacities: number[] = [];
  let next = 0;
  for (const t of store.tables) {
    const capacity = Math.min(t.max, MAX_TABLE_SIZE);
    bases.push(next);
    capacities.push(capacity);
    next += Math.ceil(capacity / ENTRIES_PER_LEAF) * ENTRIES_PER_LEAF;
  }
  if (next > 0xffffffff) throw new Error(`the tables' capacities total ${next} entries, more than 2^32 - 1: cannot commit`);
  return { bases, capacities, totalEntries: next };
}

/** Words of region SIZES: table sizes, data segment lengths, element segment lengths. */
export function sizesCount(store: Store): number {
  return store.tables.length + store.datas.length + store.elems.length;
}

function align(n: number): number {
  return Math.ceil(n / LEAF_BYTES) * LEAF_BYTES;
}

/** Data and element segments by store address. */
export interface Segments {
  datas: readonly Uint8Array[];
  elems: readonly Int32Array[];
}

/** The one instance of a job machine (the owner of every wasm function). */
function jobInstance(store: Store): Instance {
  let inst: Instance | null = null;
  for (const f of store.funcs) {
    if (f.kind !== 'wasm') continue;
    if (inst !== null && f.instance !== inst) throw new Error('a job machine has one instance');
    inst = f.instance;
  }
  if (inst === null) throw new Error('a job machine has a wasm function');
  return inst;
}

/** An element's reference, as instantiation computed it (store.ts evalConst). */
function initialRef(store: Store, inst: Instance, expr: ConstExpr): number {
  const ins = expr[0];
  if (expr.length === 1 && ins.op === Op.ref_null) return NULL_REF;
  if (expr.length === 1 && ins.op === Op.ref_func) return funcRef(inst.funcAddrs[ins.a!]);
  if (expr.length === 1 && ins.op === Op.global_get) {
    const g = inst.globalAddrs[ins.a!];
    if (!store.globalTypes[g].type.mutable) return store.globals[2 * g];
  }
  throw new Error('cannot recover an element segment initialised from a mutable global');
}

/**
 * The segments as instantiation left them (docs/machine-state.md#the-program-header),
 * recovered from the module for a machine that may have dropped some since: passive ones
 * hold their contents, active and declarative ones are empty.
 */
export function initialSegments(store: Store): Segments {
  const inst = jobInstance(store);
  const datas: Uint8Array[] = [];
  const elems: Int32Array[] = [];
  inst.module.datas.forEach((d, i) => {
    datas[inst.dataAddrs[i]] = d.mode.kind === 'passive' ? d.init : new Uint8Array(0);
  });
  inst.module.elems.forEach((e, i) => {
    elems[inst.elemAddrs[i]] = e.mode.kind === 'passive'
      ? Int32Array.from(e.init, (expr) => initialRef(store, inst, expr))
      : new Int32Array(0);
  });
  if (datas.length !== store.datas.length || elems.length !== store.elems.length) {
    throw new Error('a job machine has the segments of its one instance only');
  }
  return { datas, elems };
}

/** Builds the program image of a job machine whose segments were `segments` initially. */
export function buildProgramImage(store: Store, host: HostState, segments: Segments): { image: Uint8Array; layout: ImageLayout } {
  const tables = placeTables(store);
  const rows = store.code.length;
  const dataSizes = segments.datas.map((d) => align(d.length));
  const elemSizes = segments.elems.map((e) => align(e.length * 4));
  const argc = host.argOffsets.length;
  const argsLen = host.argBlob.length;

  const codeBase = 0;
  const funcsBase = align(codeBase + rows * ROW_BYTES);
  const typesBase = align(funcsBase + store.funcs.length * FUNC_RECORD_BYTES);
  const dataBase = align(typesBase + store.types.length * 8);
  const elemBase = align(dataBase + dataSizes.reduce((a, b) => a + b, 0));
  const segsBase = align(elemBase + elemSizes.reduce((a, b) => a + b, 0));
  const tablesBase = align(segsBase + (store.datas.length + store.elems.length) * 8);
  const argsBase = align(tablesBase + store.tables.length * 8);
  const end = argsBase + argc * 4 + argsLen;
  if (end > 0xffffffff) throw new Error(`program image of ${end} bytes: more than 2^32 - 1`);

  const image = new Uint8Array(end);
  const view = new DataView(image.buffer);
  let at = codeBase;
  const code = store.code.words;
  for (let i = 0; i < rows * CODE_WIDTH; i++, at += 4) view.setInt32(at, code[i]);

  at = funcsBase;
  for (const f of store.funcs) {
    const record = f.kind === 'wasm'
      ? [FuncKind.wasm, f.entryPc, f.params, f.locals, f.results, f.units, f.typeId, 0]
      : f.kind === 'wasi'
        ? [FuncKind.wasi, 0, f.type.params.length, 0, f.type.results.length, 0, f.typeId, f.wasiId]
        : null;
    if (record === null) throw new Error('a job machine has only wasm and WASI functions');
    for (const word of record) {
      view.setUint32(at, word >>> 0);
      at += 4;
    }
  }

  at = typesBase;
  for (const t of store.types) {
    view.setUint32(at, t.params.length);
    view.setUint32(at + 4, t.results.length);
    at += 8;
  }

  // Segment contents, then the directory (absolute offset, initial length) of each.
  const segs: Array<[number, number]> = [];
  at = dataBase;
  segments.datas.forEach((d, i) => {
    image.set(d, at);
    segs.push([at, d.length]);
    at += dataSizes[i];
  });
  at = elemBase;
  segments.elems.forEach((e, i) => {
    for (let k = 0; k < e.length; k++) view.setInt32(at + 4 * k, e[k]);
    segs.push([at, e.length]);
    at += elemSizes[i];
  });
  at = segsBase;
  for (const [offset, length] of segs) {
    view.setUint32(at, offset);
    view.setUint32(at + 4, length);
    at += 8;
  }

  at = tablesBase;
  store.tables.forEach((_, i) => {
    view.setUint32(at, tables.bases[i]);
    view.setUint32(at + 4, tables.capacities[i]);
    at += 8;
  });

  at = argsBase;
  for (const offset of host.argOffsets) {
    view.setUint32(at, offset);
    at += 4;
  }
  image.set(host.argBlob, at);

  const layout: ImageLayout = {
    codeBase, funcsBase, typesBase, dataBase, elemBase, segsBase, tablesBase, argsBase,
    nfuncs: store.funcs.length, ndata: store.datas.length, nelem: store.elems.length,
    ntables: store.tables.length, argc, argsLen,
  };
  return { image, layout };
}

/** The memory of a job machine (at most one), or null. */
export function jobMemory(store: Store): Store['mems'][number] | null {
  if (store.mems.length > 1) throw new Error('a job machine has at most one memory');
  return store.mems[0] ?? null;
}

/** The depth of each region of a job machine (docs/machine-state.md#regions). */
export function regionDepths(store: Store, maxStackUnits: number, imageBytes: number, inputBytes: number): RegionDepths {
  const memory = jobMemory(store);
  return {
    program: depthForBytes(imageBytes),
    input: depthForBytes(inputBytes),
    stack: depthForLeaves(Math.ceil((maxStackUnits + 1) / 4)),
    frames: depthForLeaves(Math.ceil((maxStackUnits + 1) / 2)),
    globals: depthForLeaves(Math.ceil(store.globalTypes.length / 4)),
    memory: depthForBytes((memory?.maxPages ?? 0) * PAGE_SIZE),
    tables: depthForLeaves(Math.ceil(placeTables(store).totalEntries / ENTRIES_PER_LEAF)),
    sizes: depthForLeaves(Math.ceil(sizesCount(store) / 8)),
  };
}

export function encodeProgramHeader(h: ProgramHeader): Uint8Array {
  const out = new Uint8Array(PROGRAM_HEADER_BYTES);
  const view = new DataView(out.buffer);
  out.set(checkHash(h.programRoot, 'programRoot'), 0);
  out.set(checkHash(h.inputRoot, 'inputRoot'), 32);
  let at = 64;
  view.setUint32(at, h.inputLen);
  at += 4;
  for (const name of DEPTH_ORDER) view.setUint8(at++, h.depths[name]);
  view.setBigUint64(at, h.maxSteps);
  at += 8;
  for (const v of [h.memoryMaxPages, h.maxStackUnits, h.maxOutputBytes, h.maxLogBytes]) {
    view.setUint32(at, v);
    at += 4;
  }
  for (const name of LAYOUT_ORDER) {
    view.setUint32(at, h[name]);
    at += 4;
  }
  return out;
}

export function decodeProgramHeader(bytes: Uint8Array): ProgramHeader {
  if (bytes.length !== PROGRAM_HEADER_BYTES) {
    throw new Error(`a program header is ${PROGRAM_HEADER_BYTES} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = 68;
  const depths = {} as RegionDepths;
  for (const name of DEPTH_ORDER) depths[name] = view.getUint8(at++);
  const maxSteps = view.getBigUint64(at);
  at += 8;
  const limits = [0, 1, 2, 3].map((i) => view.getUint32(at + 4 * i));
  at += 16;
  const layout = {} as ImageLayout;
  for (const name of LAYOUT_ORDER) {
    layout[name] = view.getUint32(at);
    at += 4;
  }
  return {
    programRoot: bytes.slice(0, 32),
    inputRoot: bytes.slice(32, 64),
    inputLen: view.getUint32(64),
    depths,
    maxSteps,
    memoryMaxPages: limits[0],
    maxStackUnits: limits[1],
    maxOutputBytes: limits[2],
    maxLogBytes: limits[3],
    ...layout,
  };
}

function checkHash(h: Uint8Array, what: string): Uint8Array {
  if (h.length !== 32) throw new Error(`${what} must be 32 bytes, got ${h.length}`);
  return h;
}

/** Everything immutable about a job, committed once. */
export interface ProgramCommitment {
  image: Uint8Array;
  layout: ImageLayout;
  tables: TablePlacement;
  header: ProgramHeader;
  headerBytes: Uint8Array;
  /** H(headerBytes). */
  hash: Uint8Array;
  /** Trees of the immutable regions, for proofs. */
  programTree: RegionTree;
  inputTree: RegionTree;
}

/**
 * Commits to the immutable part of a job machine, at any point of its run: the image
 * holds the data and element segments as instantiation left them (taken from the store
 * before the first step, recovered from the module after).
 */
export function commitProgram(machine: Machine, limits: MachineLimits): ProgramCommitment {
  const { store, host } = machine;
  if (host === null) throw new Error('not a job machine: it has no WASI host');
  checkLimits(machine, limits);
  const segments = machine.steps === 0 ? { datas: store.datas, elems: store.elems } : initialSegments(store);
  const { image, layout } = buildProgramImage(store, host, segments);
  const input = host.io.input;
  const depths = regionDepths(store, machine.maxStackUnits, image.length, input.length);
  const programTree = new RegionTree(depths.program);
  programTree.update(image);
  const inputTree = new RegionTree(depths.input);
  inputTree.update(input);
  const header: ProgramHeader = {
    programRoot: programTree.root(),
    inputRoot: inputTree.root(),
    inputLen: input.length,
    depths,
    maxSteps: BigInt(limits.maxSteps),
    memoryMaxPages: jobMemory(store)?.maxPages ?? 0,
    maxStackUnits: limits.maxStackUnits,
    maxOutputBytes: limits.maxOutputBytes,
    maxLogBytes: limits.maxLogBytes,
    ...layout,
  };
  const headerBytes = encodeProgramHeader(header);
  return {
    image, layout, tables: placeTables(store), header, headerBytes, hash: keccak256(headerBytes),
    programTree, inputTree,
  };
}

/** The limits a machine was built with must be the ones committed to. */
function checkLimits(machine: Machine, limits: MachineLimits): void {
  const io = machine.host!.io;
  const mismatch = (what: string, actual: number, committed: number): never => {
    throw new Error(`the machine's ${what} is ${actual}, the limits say ${committed}`);
  };
  if (machine.maxStackUnits !== limits.maxStackUnits) mismatch('maxStackUnits', machine.maxStackUnits, limits.maxStackUnits);
  if (machine.store.maxMemoryPages !== limits.maxMemoryPages) mismatch('maxMemoryPages', machine.store.maxMemoryPages, limits.maxMemoryPages);
  if (io.maxOutputBytes !== limits.maxOutputBytes) mismatch('maxOutputBytes', io.maxOutputBytes, limits.maxOutputBytes);
  if (io.maxLogBytes !== limits.maxLogBytes) mismatch('maxLogBytes', io.maxLogBytes, limits.maxLogBytes);
  if (!Number.isSafeInteger(limits.maxSteps) || limits.maxSteps < 0) throw new Error(`maxSteps must be a safe integer, got ${limits.maxSteps}`);
  for (const [what, v] of [['maxStackUnits', limits.maxStackUnits], ['maxMemoryPages', limits.maxMemoryPages],
    ['maxOutputBytes', limits.maxOutputBytes], ['maxLogBytes', limits.maxLogBytes]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${what} must be a u32, got ${v}`);
  }
}
