// node/p2p on real TCP over 127.0.0.1: gossip across a line of nodes, blob transfer with
// hash checks and size limits, and a clean shutdown.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newIdentity, TOPICS } from '../../node/p2p/node.js';
import { blobHash } from '../../node/store/blob-hash.js';
import type { BlobStore } from '../../node/store/blob-store.js';
import { decodeJsonBytes } from '../../node/store/json-codec.js';
import { TestNet, waitFor, type TestNode } from './support.js';

let net: TestNet;
beforeEach(() => {
  net = new TestNet();
});
afterEach(async () => {
  await net.close();
});

const text = (s: string) => new TextEncoder().encode(s);

/** A blob store that answers every lookup with the same (wrong) bytes. */
function lyingBlobs(bytes: Uint8Array): BlobStore {
  return {
    put: async () => blobHash(bytes),
    putExpecting: async () => undefined,
    get: async () => bytes,
    has: async () => true,
  };
}

/** Nodes A - B - C, each connected only to its neighbours. */
async function line(): Promise<[TestNode, TestNode, TestNode]> {
  const a = await net.start();
  const b = await net.start({ bootstrap: [a.p2p.addrs[0]] });
  const c = await net.start({ bootstrap: [b.p2p.addrs[0]] });
  return [a, b, c];
}

describe('gossip', () => {
  it('a message published at A reaches C through B, as JSON with bigint', async () => {
    const [a, b, c] = await line();
    expect(a.p2p.peers()).toEqual([b.p2p.peerId]);
    expect(c.p2p.peers()).toEqual([b.p2p.peerId]);

    const got: Array<{ node: string; message: unknown; from: string }> = [];
    for (const [name, node] of [['a', a], ['b', b], ['c', c]] as const) {
      node.p2p.subscribe(TOPICS.jobs, (message, from) => {
        got.push({ node: name, message: decodeJsonBytes(message), from });
      });
    }
    // A floods its own messages to every subscriber it knows (B); B forwards to its mesh (C).
    await waitFor('A to see B subscribed', () => a.p2p.topicPeers(TOPICS.jobs).includes(b.p2p.peerId));
    await waitFor('C in B’s mesh', () => b.p2p.meshPeers(TOPICS.jobs).includes(c.p2p.peerId));

    const job = { jobId: 7n, fee: 10n ** 18n, module: '0xabc' };
    await a.p2p.publish(TOPICS.jobs, job);
    await waitFor('the job at C', () => got.some((entry) => entry.node === 'c'));
    await waitFor('the job at B', () => got.some((entry) => entry.node === 'b'));
    const atC = got.find((entry) => entry.node === 'c');
    expect(atC?.message).toEqual(job);
    expect(atC?.from).toBe(a.p2p.peerId);
    // The publisher does not hear itself, and A and C never connected directly.
    expect(got.filter((entry) => entry.node === 'a')).toEqual([]);
    expect(a.p2p.peers()).not.toContain(c.p2p.peerId);
  });

  it('raw bytes go through unchanged, topic by topic', async () => {
    const a = await net.start();
    const b = await net.start({ bootstrap: [a.p2p.addrs[0]] });
    const results: Uint8Array[] = [];
    const challenges: Uint8Array[] = [];
    b.p2p.subscribe(TOPICS.results, (message) => results.push(message));
    b.p2p.subscribe(TOPICS.challenges, (message) => challenges.push(message));
    await waitFor('A to see B on both topics', () =>
      a.p2p.topicPeers(TOPICS.results).includes(b.p2p.peerId) && a.p2p.topicPeers(TOPICS.challenges).includes(b.p2p.peerId),
    );
    await a.p2p.publish(TOPICS.results, new Uint8Array([1, 2, 3]));
    await a.p2p.publish(TOPICS.challenges, new Uint8Array([9]));
    await waitFor('both messages', () => results.length === 1 && challenges.length === 1);
    expect(results[0]).toEqual(new Uint8Array([1, 2, 3]));
    expect(challenges[0]).toEqual(new Uint8Array([9]));
  });

  it('publishing with nobody subscribed does not throw', async () => {
    const lone = await net.start();
    await expect(lone.p2p.publish(TOPICS.results, { nobody: 'listens' })).resolves.toBeUndefined();
    const a = await net.start();
    await net.start({ bootstrap: [a.p2p.addrs[0]] });
    await expect(a.p2p.publish(TOPICS.challenges, new Uint8Array([1]))).resolves.toBeUndefined();
  });

  it('a handler that throws is reported in one line and does not stop other handlers', async () => {
    const a = await net.start();
    const errors: string[] = [];
    const b = await net.start({ bootstrap: [a.p2p.addrs[0]], onError: (message) => errors.push(message) });
    let delivered = 0;
    b.p2p.subscribe(TOPICS.jobs, () => {
      throw new Error('bad job\nsecond line');
    });
    b.p2p.subscribe(TOPICS.jobs, () => {
      delivered += 1;
    });
    await waitFor('A to see B subscribed', () => a.p2p.topicPeers(TOPICS.jobs).includes(b.p2p.peerId));
    await a.p2p.publish(TOPICS.jobs, { n: 1 });
    await waitFor('delivery', () => delivered === 1);
    expect(errors).toEqual([`handler for ${TOPICS.jobs} failed: bad job`]);
  });

  it('an async handler that rejects is reported too', async () => {
    const a = await net.start();
    const errors: string[] = [];
    const b = await net.start({ bootstrap: [a.p2p.addrs[0]], onError: (message) => errors.push(message) });
    b.p2p.subscribe(TOPICS.results, async () => {
      throw new Error('cannot store result');
    });
    await waitFor('A to see B subscribed', () => a.p2p.topicPeers(TOPICS.results).includes(b.p2p.peerId));
    await a.p2p.publish(TOPICS.results, { n: 1 });
    await waitFor('the report', () => errors.length === 1);
    expect(errors).toEqual([`handler for ${TOPICS.results} failed: cannot store result`]);
  });

  it('unsubscribing the last handler leaves the topic', async () => {
    const a = await net.start();
    const b = await net.start({ bootstrap: [a.p2p.addrs[0]] });
    const first = b.p2p.subscribe(TOPICS.jobs, () => undefined);
    const second = b.p2p.subscribe(TOPICS.jobs, () => undefined);
    await waitFor('A to see B subscribed', () => a.p2p.topicPeers(TOPICS.jobs).includes(b.p2p.peerId));
    first();
    second();
    await waitFor('A to see B leave', () => !a.p2p.topicPeers(TOPICS.jobs).includes(b.p2p.peerId));
    expect(a.p2p.topicPeers(TOPICS.jobs)).toEqual([]);
  });
});

describe('blob transfer', () => {
  it('fetches a blob from a peer, checks it and stores it', async () => {
    const a = await net.start();
    const b = await net.start({ bootstrap: [a.p2p.addrs[0]] });
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 31) & 0xff);
    const hash = await a.store.blobs.put(bytes);
    expect(await b.store.blobs.has(hash)).toBe(false);
    const fetched = await b.p2p.fetchBlob(hash.toUpperCase().replace('0X', '0x'));
    expect(fetched).toBeInstanceOf(Uint8Array);
    // Buffer.equals: a deep toEqual over 200,000 elements is slow.
    expect(Buffer.from(fetched).equals(bytes)).toBe(true);
    expect(Buffer.from((await b.store.blobs.get(hash)) ?? []).equals(bytes)).toBe(true);
    // The empty blob is a blob too.
    const empty = await a.store.blobs.put(new Uint8Array());
    expect(await b.p2p.fetchBlob(empty)).toEqual(new Uint8Array());
  });

  it('skips a peer that sends wrong bytes and takes the right ones from the next', async () => {
    const bytes = text('the real module');
    const liar = await net.start({ blobs: lyingBlobs(text('a forged module')) });
    const honest = await net.start();
    await honest.store.blobs.put(bytes);
    const client = await net.start({ bootstrap: [liar.p2p.addrs[0], honest.p2p.addrs[0]] });
    const hash = blobHash(bytes);
    expect(await client.p2p.fetchBlob(hash, { from: [liar.p2p.peerId, honest.p2p.peerId] })).toEqual(bytes);
    expect(await client.store.blobs.get(hash)).toEqual(bytes);
  });

  it('refuses wrong bytes with a clear error when no peer has the right ones', async () => {
    const forged = text('a forged module');
    const liar = await net.start({ blobs: lyingBlobs(forged) });
    const client = await net.start({ bootstrap: [liar.p2p.addrs[0]] });
    const hash = blobHash(text('the real module'));
    await expect(client.p2p.fetchBlob(hash)).rejects.toThrow(
      `blob ${hash} not found on 1 peer (peer ${liar.p2p.peerId} sent bytes hashing to ${blobHash(forged)}, expected ${hash})`,
    );
    expect(await client.store.blobs.has(hash)).toBe(false);
    expect(await client.store.blobs.has(blobHash(forged))).toBe(false);
  });

  it('reports a blob nobody has', async () => {
    const a = await net.start();
    const b = await net.start();
    const client = await net.start({ bootstrap: [a.p2p.addrs[0], b.p2p.addrs[0]] });
    const hash = blobHash(text('nobody has this'));
    await expect(client.p2p.fetchBlob(hash)).rejects.toThrow(`blob ${hash} not found on 2 peers`);
    const lone = await net.start();
    await expect(lone.p2p.fetchBlob(hash)).rejects.toThrow(`blob ${hash} not found on 0 peers`);
    await expect(lone.p2p.fetchBlob('0x1234')).rejects.toThrow(/not a blob hash/);
    await expect(lone.p2p.fetchBlob(hash, { from: ['not-a-peer'] })).rejects.toThrow('not a peer id: not-a-peer');
  });

  it('enforces the size limit on the receiving side', async () => {
    const a = await net.start();
    const client = await net.start({ bootstrap: [a.p2p.addrs[0]], maxBlobBytes: 100 });
    const hash = await a.store.blobs.put(new Uint8Array(101));
    await expect(client.p2p.fetchBlob(hash)).rejects.toThrow(
      `peer ${a.p2p.peerId} offered a blob of 101 bytes, over the limit of 100 bytes`,
    );
    const fits = await a.store.blobs.put(new Uint8Array(100));
    expect((await client.p2p.fetchBlob(fits)).length).toBe(100);
  });

  it('enforces the size limit on the serving side', async () => {
    const a = await net.start({ maxBlobBytes: 100 });
    const client = await net.start({ bootstrap: [a.p2p.addrs[0]] });
    const hash = await a.store.blobs.put(new Uint8Array(101));
    await expect(client.p2p.fetchBlob(hash)).rejects.toThrow(
      `blob ${hash} not found on 1 peer (peer ${a.p2p.peerId} has the blob but it is over that peer's size limit)`,
    );
  });

  it('gives up on a peer that does not answer in time', async () => {
    const stalled: BlobStore = { ...lyingBlobs(new Uint8Array()), get: () => new Promise(() => undefined) };
    const slow = await net.start({ blobs: stalled });
    const client = await net.start({ bootstrap: [slow.p2p.addrs[0]] });
    const hash = blobHash(text('x'));
    await expect(client.p2p.fetchBlob(hash, { timeoutMs: 300 })).rejects.toThrow(
      new RegExp(`^blob ${hash} not found on 1 peer \\(peer ${slow.p2p.peerId} failed: .*timed out after 300 ms`),
    );
  });
});

describe('connections', () => {
  it('connect returns the remote peer id; addrs are dialable and end in the peer id', async () => {
    const a = await net.start();
    const b = await net.start();
    expect(a.p2p.addrs.length).toBeGreaterThan(0);
    for (const addr of a.p2p.addrs) expect(addr).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${a.p2p.peerId}$`));
    expect(await b.p2p.connect(a.p2p.addrs[0])).toBe(a.p2p.peerId);
    await waitFor('A to see B', () => a.p2p.peers().includes(b.p2p.peerId));
  });

  it('a stored identity keeps the peer id across restarts', async () => {
    const identity = await newIdentity();
    const first = await net.start({ identity });
    const id = first.p2p.peerId;
    await first.p2p.close();
    expect((await net.start({ identity })).p2p.peerId).toBe(id);
    expect((await net.start()).p2p.peerId).not.toBe(id);
    await expect(net.start({ identity: new Uint8Array([1, 2, 3]) })).rejects.toThrow(/^invalid p2p identity: /);
  });

  it('bad addresses fail with one-line errors', async () => {
    const a = await net.start();
    await expect(a.p2p.connect('not a multiaddr')).rejects.toThrow(/^invalid multiaddr "not a multiaddr": /);
    const dead = await net.start();
    const deadAddr = dead.p2p.addrs[0];
    await dead.p2p.close();
    const error = await a.p2p.connect(deadAddr).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toMatch(new RegExp(`^cannot connect to ${deadAddr}: `));
    expect(error?.message).not.toContain('\n');
    await expect(net.start({ bootstrap: ['/ip4/1.2.3'] })).rejects.toThrow(/^invalid multiaddr/);
    const taken = a.p2p.addrs[0].replace(/\/p2p\/.*$/, '');
    await expect(net.start({ listen: taken })).rejects.toThrow(new RegExp(`^cannot start p2p node on ${taken}: `));
  });

  it('an unreachable bootstrap peer is reported, not fatal', async () => {
    const dead = await net.start();
    const deadAddr = dead.p2p.addrs[0];
    await dead.p2p.close();
    const errors: string[] = [];
    const node = await net.start({ bootstrap: [deadAddr], onError: (message) => errors.push(message) });
    expect(node.p2p.peers()).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^cannot reach bootstrap peer ${deadAddr}: `));
  });

  it('close() lets a plain Node process exit by itself', async () => {
    const script = join(__dirname, '..', '..', 'dist', 'test', 'p2p', 'exit-check.js');
    expect(existsSync(script), `${script} missing: run npm run build`).toBe(true);
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running after 15 s');
      }, 15_000);
      child.on('exit', (exitCode, signal) => {
        clearTimeout(timer);
        resolve(exitCode ?? String(signal));
      });
    });
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
  });
});
