// Little-endian guest-memory access for the WASI host. Addresses are plain JS numbers
// (u32 pointer + offset, never wrapped at 2^32), so a range that runs past the end of
// memory, or past 2^32, is simply out of bounds: the caller answers EFAULT.

import { LEAF_SIZE } from '../exec/limits.js';

/** Whether `[addr, addr + len)` lies inside memory. */
export function inBounds(mem: Uint8Array, addr: number, len: number): boolean {
  return addr + len <= mem.length;
}

/** Bytes from `addr` to the end of its leaf. */
export function leafRoom(addr: number): number {
  return LEAF_SIZE - (addr % LEAF_SIZE);
}

/** Unsigned 32-bit load; the caller has checked bounds. */
export function loadU32(mem: Uint8Array, addr: number): number {
  return (mem[addr] | (mem[addr + 1] << 8) | (mem[addr + 2] << 16) | (mem[addr + 3] << 24)) >>> 0;
}

/** 32-bit store (low 32 bits of `value`); false, writing nothing, when out of bounds. */
export function storeU32(mem: Uint8Array, addr: number, value: number): boolean {
  if (!inBounds(mem, addr, 4)) return false;
  mem[addr] = value & 0xff;
  mem[addr + 1] = (value >>> 8) & 0xff;
  mem[addr + 2] = (value >>> 16) & 0xff;
  mem[addr + 3] = (value >>> 24) & 0xff;
  return true;
}

/** 64-bit store of `low + high * 2^32`; false, writing nothing, when out of bounds. */
export function storeU64(mem: Uint8Array, addr: number, low: number, high: number): boolean {
  if (!inBounds(mem, addr, 8)) return false;
  storeU32(mem, addr, low);
  storeU32(mem, addr + 4, high);
  return true;
}
