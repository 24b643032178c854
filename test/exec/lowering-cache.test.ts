// A module instantiated again at the same code position with the same resolution reuses
// its lowered rows (vm/exec/store.ts): they must be exactly the rows lowering produces,
// and any other position or resolution must lower afresh.
import { describe, expect, it } from 'vitest';
import { invoke } from '../../vm/exec/invoke.js';
import { dispatchTable } from '../../vm/exec/fuse.js';
import { Machine } from '../../vm/exec/interpret.js';
import { instantiate, Store } from '../../vm/exec/store.js';
import { I32, type FuncType } from '../../vm/syntax/types.js';
import { validateModule } from '../../vm/valid/validate.js';
import { jobModule, type JobSpec } from '../native/build.js';

const I32_TO_I32: FuncType = { params: [I32], results: [I32] };
const SPEC: JobSpec = {
  funcs: [
    { type: I32_TO_I32, body: 'local.get 0\ni32.const 3\ni32.mul\ncall 1\nend', export: 'f' },
    { type: I32_TO_I32, body: 'local.get 0\ni32.const 1\ni32.add\nend' },
  ],
};

function rowsOf(store: Store): Int32Array {
  return store.code.words.slice(0, store.code.length * 4);
}

describe('reusing lowered code', () => {
  it('a fresh store gets the same rows as lowering the module (a distinct but equal module object)', () => {
    const m = jobModule(SPEC);
    const first = new Store(4);
    instantiate(first, m, validateModule(m), () => undefined);
    const again = new Store(4);
    instantiate(again, m, validateModule(m), () => undefined); // reused
    const fresh = new Store(4);
    const equal = jobModule(SPEC);
    instantiate(fresh, equal, validateModule(equal), () => undefined); // lowered
    expect(rowsOf(again)).toEqual(rowsOf(fresh));
    expect(rowsOf(first)).toEqual(rowsOf(fresh));
  });

  it('the same module twice in one store: the second instance is lowered at its own position and runs', () => {
    const m = jobModule(SPEC);
    const store = new Store(4);
    const a = instantiate(store, m, validateModule(m), () => undefined);
    const rowsAfterFirst = store.code.length;
    const b = instantiate(store, m, validateModule(m), () => undefined);
    expect(store.code.length).toBe(2 * rowsAfterFirst);
    const machine = new Machine(store, null, 1e6, 1 << 10);
    for (const inst of [a, b]) expect(invoke(machine, inst.exports.get('f')!.addr, [5n])).toEqual([16n]);
    // The second copy's call targets its own callee, so its rows differ from the first's.
    expect(store.code.words.slice(rowsAfterFirst * 4, 2 * rowsAfterFirst * 4)).not.toEqual(store.code.words.slice(0, rowsAfterFirst * 4));
  });
});

describe('reusing dispatch tables (vm/exec/fuse.ts)', () => {
  it('equal rows share the cached table, which rows appended to one store copy before extending it', () => {
    const m = jobModule(SPEC);
    const first = new Store(4);
    instantiate(first, m, validateModule(m), () => undefined);
    const built = dispatchTable(first.code).slice(0, first.code.length * 4);
    const again = new Store(4);
    instantiate(again, m, validateModule(m), () => undefined);
    const reused = dispatchTable(again.code);
    expect(reused).not.toBe(dispatchTable(first.code));
    expect(reused.slice(0, again.code.length * 4)).toEqual(built);
    // A third store with the same rows gets the same (shared, cached) table.
    const third = new Store(4);
    instantiate(third, m, validateModule(m), () => undefined);
    expect(dispatchTable(third.code)).toBe(reused);
    // A second instance appended to `again` extends a copy of its table; the shared one
    // (`third`'s) and `first`'s stay as they were.
    instantiate(again, m, validateModule(m), () => undefined);
    const extended = dispatchTable(again.code);
    expect(extended).not.toBe(reused);
    expect(extended.slice(0, again.code.length * 4)).not.toEqual(reused.slice(0, again.code.length * 4));
    expect(dispatchTable(third.code).slice(0, third.code.length * 4)).toEqual(built);
    expect(dispatchTable(first.code).slice(0, first.code.length * 4)).toEqual(built);
    // And a table for different rows is built, not reused.
    const other = new Store(4);
    const changed = jobModule({ funcs: [SPEC.funcs[0], { ...SPEC.funcs[1], body: 'local.get 0\ni32.const 2\ni32.add\nend' }] });
    instantiate(other, changed, validateModule(changed), () => undefined);
    const table = dispatchTable(other.code);
    expect(table.slice(0, other.code.length * 4)).not.toEqual(built);
    expect(Array.from(table.slice(0, other.code.length * 4)).filter((_, k) => k % 4 !== 0))
      .toEqual(Array.from(other.code.words.slice(0, other.code.length * 4)).filter((_, k) => k % 4 !== 0));
  });
});
