// `/verity/blob/1.0.0`: fetch one content-addressed blob from one peer (docs/p2p.md).
//
//   request  (client -> server): the 32-byte keccak-256, then the client closes its write side
//   response (server -> client): one status byte, then for FOUND a u32 big-endian length and
//            that many bytes; the server then closes the stream
//
// This module frames bytes and enforces sizes. It does not check hashes: the caller does,
// because only the caller knows which peer to blame.
import type { Stream } from '@libp2p/interface';
import type { BlobStore } from '../store/blob-store.js';

export const BLOB_PROTOCOL = '/verity/blob/1.0.0';
export const DEFAULT_MAX_BLOB_BYTES = 16 * 1024 * 1024;

const HASH_BYTES = 32;
const LENGTH_BYTES = 4;

/** The response's first byte. TooLarge: the server has the blob but it is over its own limit. */
export const BlobStatus = { Found: 0, NotFound: 1, TooLarge: 2 } as const;

export type BlobReply =
  | { kind: 'found'; bytes: Uint8Array }
  | { kind: 'not-found' }
  | { kind: 'too-large'; bytes?: number };

/** Pulls exact byte counts out of a stream's chunked source. */
class ByteReader {
  private pending: Uint8Array = new Uint8Array(0);
  private ended = false;
  private readonly chunks: AsyncIterator<{ subarray(): Uint8Array }>;

  constructor(source: AsyncIterable<{ subarray(): Uint8Array }>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.chunks.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    this.pending = next.value.subarray();
    return true;
  }

  /** Exactly n bytes; throws if the stream ends first. */
  async readExactly(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.pending.length === 0 && !(await this.pull())) {
        throw new Error(`stream ended after ${filled} of ${n} bytes`);
      }
      const take = Math.min(n - filled, this.pending.length);
      out.set(this.pending.subarray(0, take), filled);
      this.pending = this.pending.subarray(take);
      filled += take;
    }
    return out;
  }

  /** True when the sender has closed its side with nothing left unread. */
  async atEnd(): Promise<boolean> {
    while (this.pending.length === 0) {
      if (!(await this.pull())) return true;
    }
    return false;
  }
}

/** Aborts `stream` if `work` has not finished within `ms`. */
async function withDeadline<T>(stream: Stream, ms: number, work: () => Promise<T>): Promise<T> {
  const timer = setTimeout(() => stream.abort(new Error(`timed out after ${ms} ms`)), ms);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Server side: answers one request on `stream` from `blobs`. Never throws. */
export async function serveBlobRequest(
  stream: Stream, blobs: BlobStore, maxBytes: number, timeoutMs: number, onServed?: (hash: string) => void,
): Promise<void> {
  try {
    await withDeadline(stream, timeoutMs, async () => {
      const reader = new ByteReader(stream.source);
      const hash = '0x' + hex(await reader.readExactly(HASH_BYTES));
      if (!(await reader.atEnd())) throw new Error(`request longer than ${HASH_BYTES} bytes`);
      const bytes = await blobs.get(hash);
      if (bytes === undefined) {
        await stream.sink([Uint8Array.of(BlobStatus.NotFound)]);
      } else if (bytes.length > maxBytes) {
        await stream.sink([Uint8Array.of(BlobStatus.TooLarge)]);
      } else {
        const header = new Uint8Array(1 + LENGTH_BYTES);
        header[0] = BlobStatus.Found;
        new DataView(header.buffer).setUint32(1, bytes.length);
        await stream.sink([header, bytes]);
        onServed?.(hash);
      }
    });
  } catch (error) {
    // A peer that sends garbage, stalls or hangs up is not our error to report.
    stream.abort(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * Client side: sends the request for `hashBytes` on `stream` and reads the reply, refusing
 * (before reading the body) a blob over `maxBytes`. Throws on protocol violations or timeout.
 */
export async function requestBlob(stream: Stream, hashBytes: Uint8Array, maxBytes: number, timeoutMs: number): Promise<BlobReply> {
  try {
    const reply = await withDeadline(stream, timeoutMs, async (): Promise<BlobReply> => {
      await stream.sink([hashBytes]);
      const reader = new ByteReader(stream.source);
      const status = (await reader.readExactly(1))[0];
      let reply: BlobReply;
      if (status === BlobStatus.NotFound) {
        reply = { kind: 'not-found' };
      } else if (status === BlobStatus.TooLarge) {
        reply = { kind: 'too-large' };
      } else if (status === BlobStatus.Found) {
        const length = new DataView((await reader.readExactly(LENGTH_BYTES)).buffer).getUint32(0);
        if (length > maxBytes) return { kind: 'too-large', bytes: length };
        reply = { kind: 'found', bytes: await reader.readExactly(length) };
      } else {
        throw new Error(`unknown status byte ${status}`);
      }
      if (!(await reader.atEnd())) throw new Error('sent more bytes than it announced');
      return reply;
    });
    if (reply.kind === 'too-large') stream.abort(new Error('blob over the size limit'));
    else await stream.close();
    return reply;
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
