// Linear memory (spec 4.2.8). The logical size moves in 64 KiB pages; the backing
// buffer grows by doubling so that a program growing its heap page by page costs
// amortised O(n) copying. `bytes` is always a view of exactly the logical size, so
// every consumer (interpreter, WASI host, hashing) bounds-checks against the same length.

import { PAGE_SIZE } from './limits.js';

// WebAssembly memory is little-endian; Memory.words reads it in the host's order.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('Verity needs a little-endian host');

export class Memory {
  private buffer: ArrayBuffer;
  bytes: Uint8Array;
  /** DataView over the whole backing buffer; callers bounds-check against `size` first. */
  view: DataView;
  /**
   * Int32Array over the whole backing buffer, for aligned 32-bit access (the interpreter's
   * stores: see runChunk). Little-endian like the memory: checked at load.
   */
  words: Int32Array;
  /** Logical size in bytes (a multiple of PAGE_SIZE). */
  size: number;

  constructor(minPages: number, readonly maxPages: number) {
    this.size = minPages * PAGE_SIZE;
    this.buffer = new ArrayBuffer(this.size);
    this.bytes = new Uint8Array(this.buffer, 0, this.size);
    this.view = new DataView(this.buffer);
    this.words = new Int32Array(this.buffer);
  }

  get pages(): number {
    return this.size / PAGE_SIZE;
  }

  /** memory.grow: the old size in pages, or -1 when the new size would pass the maximum. */
  grow(deltaPages: number): number {
    const old = this.pages;
    if (deltaPages > this.maxPages - old) return -1;
    const newSize = (old + deltaPages) * PAGE_SIZE;
    if (newSize > this.buffer.byteLength) {
      let capacity = Math.max(this.buffer.byteLength, PAGE_SIZE);
      while (capacity < newSize) capacity *= 2;
      capacity = Math.min(capacity, this.maxPages * PAGE_SIZE);
      const next = new ArrayBuffer(capacity);
      new Uint8Array(next).set(this.bytes);
      this.buffer = next;
      this.view = new DataView(next);
      this.words = new Int32Array(next);
    }
    this.size = newSize;
    this.bytes = new Uint8Array(this.buffer, 0, newSize);
    return old;
  }
}
