// A table of references (spec 4.2.7). Entries are 32-bit references
// (docs/machine.md#values): 0 is null, a funcref is its function address + 1, an
// externref is its host value + 1. Null being zero means zero-filled memory (new
// table entries, fresh locals) holds null references without extra writes.

export const NULL_REF = 0;

/** The reference to function address `addr`. */
export function funcRef(addr: number): number {
  return addr + 1;
}

/** No table grows beyond this many entries (a machine limit, also V8's), whatever its declared maximum. */
export const MAX_TABLE_SIZE = 10_000_000;

export class Table {
  elems: Int32Array;
  size: number;

  /** Growth limit: the declared maximum clamped to MAX_TABLE_SIZE. */
  readonly max: number;

  /** `declaredMax` (null: none) is what import matching compares; growth stops at `max`. */
  constructor(readonly elemType: number, min: number, readonly declaredMax: number | null, init = NULL_REF) {
    this.max = Math.min(declaredMax ?? MAX_TABLE_SIZE, MAX_TABLE_SIZE);
    this.size = min;
    this.elems = new Int32Array(Math.max(min, 4)).fill(init);
  }

  /** table.grow: the old size, or -1 when the new size would pass the maximum. */
  grow(delta: number, init: number): number {
    const old = this.size;
    if (delta > this.max - old) return -1;
    const newSize = old + delta;
    if (newSize > this.elems.length) {
      let capacity = this.elems.length;
      while (capacity < newSize) capacity *= 2;
      const next = new Int32Array(capacity).fill(NULL_REF);
      next.set(this.elems.subarray(0, old));
      this.elems = next;
    }
    this.elems.fill(init, old, newSize);
    this.size = newSize;
    return old;
  }
}
