// node/store: typed JSON collections and content-addressed blobs over a real level directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blobHash } from '../../node/store/blob-hash.js';
import { openStore, type NodeStore } from '../../node/store/store.js';

interface Job {
  id: string;
  chainId: bigint;
  fee: bigint;
  module: Uint8Array;
  steps: number[];
  note: string | null;
}

const job: Job = {
  id: 'job-1',
  chainId: 31337n,
  fee: 123456789012345678901234567890n,
  module: new Uint8Array([0, 97, 115, 109, 255]),
  steps: [0, 1, 2],
  note: null,
};

let dir: string;
let store: NodeStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-store-'));
  store = await openStore(join(dir, 'db'));
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('collections', () => {
  it('round-trip values with bigint, negative bigint and bytes', async () => {
    const jobs = store.collection<Job>('jobs');
    await jobs.put(job.id, job);
    const back = await jobs.get(job.id);
    expect(back).toEqual(job);
    expect(typeof back?.fee).toBe('bigint');
    expect(back?.module).toBeInstanceOf(Uint8Array);

    const numbers = store.collection<bigint>('numbers');
    await numbers.put('neg', -(2n ** 200n));
    expect(await numbers.get('neg')).toBe(-(2n ** 200n));
  });

  it('get of a missing key is undefined; del removes', async () => {
    const jobs = store.collection<Job>('jobs');
    expect(await jobs.get('nope')).toBeUndefined();
    await jobs.put('a', job);
    await jobs.del('a');
    expect(await jobs.get('a')).toBeUndefined();
  });

  it('collections with different names do not see each other', async () => {
    const a = store.collection<string>('a');
    const b = store.collection<string>('b');
    await a.put('k', 'in a');
    expect(await b.get('k')).toBeUndefined();
    expect(await store.collection<string>('a').get('k')).toBe('in a');
  });

  it('entries come in key order and honour a prefix', async () => {
    const moves = store.collection<number>('moves');
    for (const key of ['g2/003', 'g1/002', 'g1/001', 'g10/001', 'h']) await moves.put(key, key.length);
    const all: string[] = [];
    for await (const [key] of moves.entries()) all.push(key);
    expect(all).toEqual(['g1/001', 'g1/002', 'g10/001', 'g2/003', 'h']);
    const g1: Array<[string, number]> = [];
    for await (const entry of moves.entries({ prefix: 'g1/' })) g1.push(entry);
    expect(g1).toEqual([
      ['g1/001', 6],
      ['g1/002', 6],
    ]);
  });

  it('refuses bad names, empty keys, undefined values and reserved tag shapes', async () => {
    expect(() => store.collection('Bad Name')).toThrow(/bad collection name/);
    expect(() => store.collection('blobs')).toThrow(/bad collection name/);
    const c = store.collection<unknown>('c');
    await expect(c.put('', 1)).rejects.toThrow(/non-empty/);
    await expect(c.put('k', undefined)).rejects.toThrow(/undefined/);
    await expect(c.put('k', { $bigint: '5' })).rejects.toThrow(/reserved tag/);
    await expect(c.put('k', Number.NaN)).rejects.toThrow(/NaN/);
    expect(await c.get('k')).toBeUndefined();
  });
});

describe('batch', () => {
  it('commits puts and dels across collections together', async () => {
    const jobs = store.collection<Job>('jobs');
    const pending = store.collection<boolean>('pending');
    await pending.put(job.id, true);
    const batch = store.batch().put(jobs, job.id, job).del(pending, job.id);
    expect(batch.length).toBe(2);
    // Nothing is visible before write().
    expect(await jobs.get(job.id)).toBeUndefined();
    await batch.write();
    expect(await jobs.get(job.id)).toEqual(job);
    expect(await pending.get(job.id)).toBeUndefined();
    await expect(batch.write()).rejects.toThrow(/already written/);
  });

  it('a batch that fails to build writes nothing', async () => {
    const a = store.collection<unknown>('a');
    const b = store.collection<unknown>('b');
    const batch = store.batch().put(a, 'x', 1);
    expect(() => batch.put(b, 'y', () => 0)).toThrow(/function/);
    // The caller abandons the batch: the earlier put must not have leaked out.
    expect(await a.get('x')).toBeUndefined();
  });

  it('refuses a collection of another store', async () => {
    const other = await openStore(join(dir, 'other'));
    try {
      const foreign = other.collection<number>('a');
      expect(() => store.batch().put(foreign, 'k', 1)).toThrow(/another store/);
    } finally {
      await other.close();
    }
  });
});

describe('persistence', () => {
  it('reopening the directory keeps collections and blobs', async () => {
    const path = join(dir, 'db');
    await store.collection<Job>('jobs').put(job.id, job);
    const hash = await store.blobs.put(new Uint8Array([1, 2, 3]));
    await store.close();
    store = await openStore(path);
    expect(await store.collection<Job>('jobs').get(job.id)).toEqual(job);
    expect(await store.blobs.get(hash)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('a second open of a store in use fails with a one-line error', async () => {
    await expect(openStore(join(dir, 'db'))).rejects.toThrow(/^cannot open store .*in use by another process$/);
  });
});

describe('blobs', () => {
  const bytes = new TextEncoder().encode('hello verity');

  it('are stored under their keccak-256', async () => {
    const hash = await store.blobs.put(bytes);
    expect(hash).toBe(blobHash(bytes));
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    // keccak256("") is the well-known c5d2...a470.
    expect(blobHash(new Uint8Array())).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(await store.blobs.has(hash)).toBe(true);
    expect(await store.blobs.get(hash.toUpperCase().replace('0X', '0x'))).toEqual(bytes);
  });

  it('putExpecting refuses bytes that do not match the hash and stores nothing', async () => {
    const expected = blobHash(bytes);
    const wrong = new TextEncoder().encode('hello verity!');
    await expect(store.blobs.putExpecting(expected, wrong)).rejects.toThrow(
      `blob hashes to ${blobHash(wrong)}, expected ${expected}`,
    );
    expect(await store.blobs.has(expected)).toBe(false);
    await store.blobs.putExpecting(expected, bytes);
    expect(await store.blobs.get(expected)).toEqual(bytes);
  });

  it('missing blobs are undefined, malformed hashes are refused', async () => {
    expect(await store.blobs.get(blobHash(bytes))).toBeUndefined();
    expect(await store.blobs.has(blobHash(bytes))).toBe(false);
    await expect(store.blobs.get('0x1234')).rejects.toThrow(/not a blob hash/);
  });
});
