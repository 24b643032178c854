// A Verity p2p node: libp2p over TCP (noise, yamux), gossipsub for the job/result/challenge
// topics, and the /verity/blob/1.0.0 protocol for content-addressed transfer of modules and
// inputs. Every node serves the blobs in its BlobStore; every fetched blob is checked against
// its keccak-256 before it is stored or returned. See docs/p2p.md.
import './polyfill.js'; // first: libp2p needs Promise.withResolvers, missing on Node 20
import { gossipsub, GossipSub } from '@chainsafe/libp2p-gossipsub';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import { KEEP_ALIVE, type Message, type PeerId, type PrivateKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { blobHash, blobHashBytes, parseBlobHash } from '../store/blob-hash.js';
import type { BlobStore } from '../store/blob-store.js';
import { encodeJsonBytes } from '../store/json-codec.js';
import { BLOB_PROTOCOL, DEFAULT_MAX_BLOB_BYTES, requestBlob, serveBlobRequest } from './blob-protocol.js';

export { TOPICS, type Topic } from './topics.js';
export { BLOB_PROTOCOL, DEFAULT_MAX_BLOB_BYTES } from './blob-protocol.js';

export interface P2POptions {
  /** Multiaddr to listen on. Default /ip4/127.0.0.1/tcp/0 (loopback, any free port). */
  listen?: string;
  /** Peers to dial at start (multiaddrs; with /p2p/<id> they are also re-dialed if they drop). */
  bootstrap?: string[];
  /** This node's key (from newIdentity()), so its peer id survives restarts. Default: a fresh one. */
  identity?: Uint8Array;
  /** Blobs this node serves, and where fetched blobs are stored. */
  blobs: BlobStore;
  /** Largest blob served or accepted. Default 16 MiB. */
  maxBlobBytes?: number;
  /** One-line reports of things that went wrong off the caller's path (a gossip handler that
   *  threw, an unreachable bootstrap peer). Default: written to stderr as `p2p: <message>`. */
  onError?: (message: string) => void;
  /** Called after a blob was sent to a peer in full (a submitter waits for this before it leaves). */
  onServed?: (hash: string, peer: string) => void;
}

export interface FetchBlobOptions {
  /** Per peer asked. Default 10 s. */
  timeoutMs?: number;
  /** Peer ids to ask, in order, instead of every connected peer. */
  from?: string[];
}

/** `from` is the publisher's peer id. An async handler's rejection is reported like a throw. */
export type MessageHandler = (message: Uint8Array, from: string) => void;

export interface P2PNode {
  readonly peerId: string;
  /** Dialable multiaddrs of this node, each ending in /p2p/<peerId>. */
  readonly addrs: string[];
  /** Publishes to `topic`: bytes as they are, anything else as JSON (json-codec.ts). Never fails
   *  for want of subscribers; the message then reaches nobody. */
  publish(topic: string, message: Uint8Array | object): Promise<void>;
  /** Calls `handler` for each message other nodes publish on `topic`. Returns an unsubscribe. */
  subscribe(topic: string, handler: MessageHandler): () => void;
  /** Peers known to be subscribed to `topic`. */
  topicPeers(topic: string): string[];
  /** Peers in this node's gossipsub mesh for `topic` (messages are forwarded to these). */
  meshPeers(topic: string): string[];
  /** Fetches a blob by hash from peers, checks it, stores it in `blobs` and returns it. */
  fetchBlob(hash: string, options?: FetchBlobOptions): Promise<Uint8Array>;
  /** Dials `addr`; returns the remote peer id. */
  connect(addr: string): Promise<string>;
  /** Ids of the peers with an open connection. */
  peers(): string[];
  /** Stops everything: connections, listeners, timers. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_LISTEN = '/ip4/127.0.0.1/tcp/0';
const DEFAULT_FETCH_TIMEOUT_MS = 10_000;
/** How long a serving node waits for a request and the write of its reply. */
const SERVE_TIMEOUT_MS = 60_000;

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}

function parseMultiaddr(addr: string): Multiaddr {
  try {
    return multiaddr(addr);
  } catch (error) {
    throw new Error(`invalid multiaddr "${addr}": ${messageOf(error)}`);
  }
}

function parsePeerId(id: string): PeerId {
  try {
    return peerIdFromString(id);
  } catch {
    throw new Error(`not a peer id: ${id}`);
  }
}

/** A new node identity (a protobuf-encoded Ed25519 libp2p key): store it to keep a peer id. */
export async function newIdentity(): Promise<Uint8Array> {
  return privateKeyToProtobuf(await generateKeyPair('Ed25519'));
}

function parseIdentity(identity: Uint8Array): PrivateKey {
  try {
    return privateKeyFromProtobuf(identity);
  } catch (error) {
    throw new Error(`invalid p2p identity: ${messageOf(error)}`);
  }
}

export async function startP2P(options: P2POptions): Promise<P2PNode> {
  const { blobs } = options;
  const maxBlobBytes = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  if (!Number.isSafeInteger(maxBlobBytes) || maxBlobBytes < 0 || maxBlobBytes > 0xffffffff) {
    throw new Error(`maxBlobBytes must be an integer from 0 to 2^32-1, got ${maxBlobBytes}`);
  }
  const report = options.onError ?? ((message: string) => void process.stderr.write(`p2p: ${message}\n`));
  const listen = parseMultiaddr(options.listen ?? DEFAULT_LISTEN);
  const bootstrap = (options.bootstrap ?? []).map(parseMultiaddr);

  const privateKey = options.identity === undefined ? undefined : parseIdentity(options.identity);

  const libp2p = await createLibp2p({
    start: false,
    privateKey,
    addresses: { listen: [listen.toString()] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      // libp2p's default admits 5 inbound connections per second per host: a seed that a
      // whole local network dials at once (the demo, the tests) would turn most away.
      inboundConnectionThreshold: 100,
      maxIncomingPendingConnections: 100,
      // A restarted peer (a watcher killed mid-dispute) gets about a minute and a half to return.
      reconnectRetries: 20,
      reconnectRetryInterval: 500,
      reconnectBackoffFactor: 1.2,
    },
    services: {
      identify: identify(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        // Two results can be byte-identical (two honest executors): not an error.
        ignoreDuplicatePublishError: true,
      }),
    },
  });
  const pubsub = libp2p.services.pubsub;
  if (!(pubsub instanceof GossipSub)) throw new Error('gossipsub service did not start');

  // Bootstrap peers with a known id are tagged keep-alive: libp2p re-dials them if they drop.
  for (const addr of bootstrap) {
    const id = addr.getPeerId();
    if (id !== null) {
      await libp2p.peerStore.merge(parsePeerId(id), { multiaddrs: [addr], tags: { [KEEP_ALIVE]: { value: 1 } } });
    }
  }

  const handlers = new Map<string, Set<MessageHandler>>();
  pubsub.addEventListener('message', (event: CustomEvent<Message>) => {
    const message = event.detail;
    const listeners = handlers.get(message.topic);
    if (listeners === undefined) return;
    const from = message.type === 'signed' ? message.from.toString() : '';
    // gossipsub hands over a Buffer; handlers get a plain Uint8Array, as blobs do.
    const data = new Uint8Array(message.data.buffer, message.data.byteOffset, message.data.byteLength);
    for (const handler of [...listeners]) {
      try {
        const result: unknown = handler(data, from);
        if (result instanceof Promise) result.catch((error: unknown) => report(`handler for ${message.topic} failed: ${messageOf(error)}`));
      } catch (error) {
        report(`handler for ${message.topic} failed: ${messageOf(error)}`);
      }
    }
  });

  await libp2p.handle(
    BLOB_PROTOCOL,
    ({ stream, connection }) => {
      const peer = connection.remotePeer.toString();
      void serveBlobRequest(stream, blobs, maxBlobBytes, SERVE_TIMEOUT_MS, (hash) => options.onServed?.(hash, peer));
    },
    { maxInboundStreams: 64 },
  );

  try {
    await libp2p.start();
  } catch (error) {
    try {
      await libp2p.stop();
    } catch {
      // the start error is the one worth reporting
    }
    throw new Error(`cannot start p2p node on ${listen.toString()}: ${messageOf(error)}`);
  }

  const dialBootstrap = async (quiet: boolean) => {
    await Promise.all(
      bootstrap.map(async (addr) => {
        const id = addr.getPeerId();
        if (id !== null && libp2p.getConnections(parsePeerId(id)).length > 0) return;
        try {
          await libp2p.dial(addr);
        } catch (error) {
          if (!quiet) report(`cannot reach bootstrap peer ${addr.toString()}: ${messageOf(error)}`);
        }
      }),
    );
  };
  await dialBootstrap(false);
  // A bootstrap peer that was down (or turned us away) at start is tried again now and then.
  const redial = bootstrap.length === 0 ? null : setInterval(() => void dialBootstrap(true), 2_000);
  redial?.unref();

  const peerId = libp2p.peerId.toString();
  let closed = false;
  const inFlight = new Map<string, Promise<Uint8Array>>();

  function peers(): string[] {
    return [...new Set(libp2p.getConnections().map((connection) => connection.remotePeer.toString()))];
  }

  async function askPeer(peer: string, hash: string, timeoutMs: number): Promise<Uint8Array | string> {
    let stream;
    try {
      stream = await libp2p.dialProtocol(parsePeerId(peer), BLOB_PROTOCOL, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      return `peer ${peer} unreachable: ${messageOf(error)}`;
    }
    let reply;
    try {
      reply = await requestBlob(stream, blobHashBytes(hash), maxBlobBytes, timeoutMs);
    } catch (error) {
      return `peer ${peer} failed: ${messageOf(error)}`;
    }
    if (reply.kind === 'not-found') return '';
    if (reply.kind === 'too-large') {
      return reply.bytes === undefined
        ? `peer ${peer} has the blob but it is over that peer's size limit`
        : `peer ${peer} offered a blob of ${reply.bytes} bytes, over the limit of ${maxBlobBytes} bytes`;
    }
    const actual = blobHash(reply.bytes);
    if (actual !== hash) return `peer ${peer} sent bytes hashing to ${actual}, expected ${hash}`;
    return reply.bytes;
  }

  async function fetchFromPeers(hash: string, options: FetchBlobOptions): Promise<Uint8Array> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
    const candidates = options.from ?? peers();
    candidates.forEach(parsePeerId); // bad ids are the caller's error, not a peer's
    const problems: string[] = [];
    for (const peer of candidates) {
      if (closed) break;
      const outcome = await askPeer(peer, hash, timeoutMs);
      if (typeof outcome !== 'string') {
        await blobs.putExpecting(hash, outcome);
        return outcome;
      }
      if (outcome !== '') problems.push(outcome);
    }
    const count = `${candidates.length} peer${candidates.length === 1 ? '' : 's'}`;
    throw new Error(`blob ${hash} not found on ${count}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`);
  }

  return {
    peerId,
    get addrs() {
      return libp2p.getMultiaddrs().map((addr) => addr.toString());
    },

    async publish(topic, message) {
      const data = message instanceof Uint8Array ? message : encodeJsonBytes(message);
      await pubsub.publish(topic, data);
    },

    subscribe(topic, handler) {
      let listeners = handlers.get(topic);
      if (listeners === undefined) {
        listeners = new Set();
        handlers.set(topic, listeners);
        pubsub.subscribe(topic);
      }
      // A wrapper per call, so subscribing one function twice needs two unsubscribes.
      const entry: MessageHandler = (data, from) => handler(data, from);
      listeners.add(entry);
      return () => {
        const current = handlers.get(topic);
        if (current === undefined || !current.delete(entry) || current.size > 0) return;
        handlers.delete(topic);
        if (!closed) pubsub.unsubscribe(topic);
      };
    },

    topicPeers(topic) {
      return pubsub.getSubscribers(topic).map((id) => id.toString());
    },

    meshPeers(topic) {
      return pubsub.getMeshPeers(topic);
    },

    async fetchBlob(hashInput, fetchOptions = {}) {
      const hash = parseBlobHash(hashInput);
      const local = await blobs.get(hash);
      if (local !== undefined) return local;
      // Concurrent fetches of one blob share the first one's network round.
      const running = inFlight.get(hash);
      if (running !== undefined) return running;
      const fetching = fetchFromPeers(hash, fetchOptions).finally(() => inFlight.delete(hash));
      inFlight.set(hash, fetching);
      return fetching;
    },

    async connect(addr) {
      const target = parseMultiaddr(addr);
      try {
        const connection = await libp2p.dial(target);
        return connection.remotePeer.toString();
      } catch (error) {
        throw new Error(`cannot connect to ${addr}: ${messageOf(error)}`);
      }
    },

    peers,

    async close() {
      if (closed) return;
      closed = true;
      if (redial !== null) clearInterval(redial);
      handlers.clear();
      await libp2p.stop();
    },
  };
}
