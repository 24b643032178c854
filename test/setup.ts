// Runs before every vitest file: the Promise.withResolvers polyfill (Node 20 lacks it;
// libp2p calls it), the same module the nodes load first (node/p2p/polyfill.ts).
import '../node/p2p/polyfill.js';
