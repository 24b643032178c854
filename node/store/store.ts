// A node's durable state: typed JSON collections and a content-addressed blob store, all in
// one level database so a batch can update several collections atomically. A node that
// crashes mid-dispute reopens the same directory and carries on from what was committed.
import { Level } from 'level';
import { createBlobStore, type BlobStore } from './blob-store.js';
import { decodeJson, encodeJson } from './json-codec.js';

export type { BlobStore } from './blob-store.js';

/** A named keyed collection of JSON values (bigint and Uint8Array included, see json-codec.ts). */
export interface Collection<T> {
  readonly name: string;
  get(key: string): Promise<T | undefined>;
  put(key: string, value: T): Promise<void>;
  del(key: string): Promise<void>;
  /** Entries in key order (UTF-8 byte order: zero-pad numbers that should sort numerically). */
  entries(options?: { prefix?: string }): AsyncIterable<[string, T]>;
}

/** Writes to any collections of one store, committed all together or not at all by write(). */
export interface StoreBatch {
  put<T>(collection: Collection<T>, key: string, value: T): StoreBatch;
  del<T>(collection: Collection<T>, key: string): StoreBatch;
  /** Number of operations queued. */
  readonly length: number;
  write(): Promise<void>;
}

export interface NodeStore {
  readonly dir: string;
  readonly blobs: BlobStore;
  collection<T>(name: string): Collection<T>;
  batch(): StoreBatch;
  close(): Promise<void>;
}

const BLOBS = 'blobs';
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

type Db = Level<string, string>;
type JsonSublevel = ReturnType<typeof jsonSublevel>;

function jsonSublevel(db: Db, name: string) {
  return db.sublevel<string, string>(name, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new Error('store keys must be non-empty strings');
}

function describeOpenError(dir: string, error: unknown): string {
  const cause = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  const code = cause instanceof Error ? (cause as Error & { code?: unknown }).code : undefined;
  if (code === 'LEVEL_LOCKED') return `cannot open store ${dir}: it is in use by another process`;
  const message = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  return `cannot open store ${dir}: ${message.split('\n')[0]}`;
}

/** Opens (creating if needed) the store in directory `dir`. */
export async function openStore(dir: string): Promise<NodeStore> {
  const db: Db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open();
  } catch (error) {
    throw new Error(describeOpenError(dir, error));
  }

  const blobLevel = db.sublevel<string, Uint8Array>(BLOBS, { keyEncoding: 'utf8', valueEncoding: 'view' });
  const blobs = createBlobStore({
    async get(key) {
      const value = (await blobLevel.get(key)) as Uint8Array | undefined;
      // level hands back a Buffer; callers get a plain Uint8Array, as they stored.
      return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    },
    put: (key, value) => blobLevel.put(key, value),
    has: (key) => blobLevel.has(key),
  });

  // Which sublevel backs a collection: lets batch() refuse collections of another store.
  const sublevels = new WeakMap<Collection<unknown>, JsonSublevel>();
  const collections = new Map<string, Collection<unknown>>();

  function sublevelOf(collection: Collection<unknown>): JsonSublevel {
    const sublevel = sublevels.get(collection);
    if (sublevel === undefined) throw new Error(`collection "${collection.name}" belongs to another store`);
    return sublevel;
  }

  function collection<T>(name: string): Collection<T> {
    if (!NAME_PATTERN.test(name) || name === BLOBS) {
      throw new Error(`bad collection name "${name}": use lowercase letters, digits, ".", "_", "-" (not "${BLOBS}")`);
    }
    const existing = collections.get(name);
    if (existing !== undefined) return existing as Collection<T>;
    const sublevel = jsonSublevel(db, name);
    const created: Collection<T> = {
      name,
      async get(key) {
        checkKey(key);
        const text = (await sublevel.get(key)) as string | undefined;
        return text === undefined ? undefined : (decodeJson(text) as T);
      },
      async put(key, value) {
        checkKey(key);
        await sublevel.put(key, encodeJson(value));
      },
      async del(key) {
        checkKey(key);
        await sublevel.del(key);
      },
      async *entries(options = {}) {
        const prefix = options.prefix ?? '';
        // Seek to the prefix and stop at the first key past it: exact for any UTF-8 prefix.
        for await (const [key, text] of sublevel.iterator(prefix === '' ? {} : { gte: prefix })) {
          if (!key.startsWith(prefix)) break;
          yield [key, decodeJson(text) as T];
        }
      },
    };
    sublevels.set(created as Collection<unknown>, sublevel);
    collections.set(name, created as Collection<unknown>);
    return created;
  }

  function batch(): StoreBatch {
    const chained = db.batch();
    let written = false;
    const self: StoreBatch = {
      put(target, key, value) {
        checkKey(key);
        chained.put(key, encodeJson(value), { sublevel: sublevelOf(target as Collection<unknown>) });
        return self;
      },
      del(target, key) {
        checkKey(key);
        chained.del(key, { sublevel: sublevelOf(target as Collection<unknown>) });
        return self;
      },
      get length() {
        return chained.length;
      },
      async write() {
        if (written) throw new Error('batch already written');
        written = true;
        await chained.write();
      },
    };
    return self;
  }

  return {
    dir,
    blobs,
    collection,
    batch,
    close: () => db.close(),
  };
}
