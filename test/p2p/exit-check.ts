// Run as a plain Node program (not under vitest) by test/p2p/p2p.test.ts: two nodes
// exchange a gossip message and a blob, then close. The process must then exit on its own;
// a leftover socket or timer would keep it alive. Prints "ok" on success.
import { TOPICS } from '../../node/p2p/node.js';
import { TestNet, waitFor } from './support.js';

const net = new TestNet();
try {
  const a = await net.start();
  const b = await net.start({ bootstrap: [a.p2p.addrs[0]] });
  const hash = await a.store.blobs.put(new TextEncoder().encode('exit check'));
  const fetched = await b.p2p.fetchBlob(hash);
  if (new TextDecoder().decode(fetched) !== 'exit check') throw new Error('wrong blob');

  let received = false;
  b.p2p.subscribe(TOPICS.jobs, () => {
    received = true;
  });
  a.p2p.subscribe(TOPICS.jobs, () => undefined);
  await waitFor('a to see b subscribed', () => a.p2p.topicPeers(TOPICS.jobs).includes(b.p2p.peerId));
  await a.p2p.publish(TOPICS.jobs, { hello: 1n });
  await waitFor('the message', () => received);
  process.stdout.write('ok\n');
} finally {
  await net.close();
}
