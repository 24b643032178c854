// What the network bench records while the nodes work, all on one clock (performance.now()
// of this process, where every party runs): each node report as it arrives, each
// transaction a party sends (from the call to its receipt, with its gas and events), and
// each round of a node's loop (the time it was not asleep between polls). Timing wraps what
// the nodes call; nothing in the nodes changes behaviour for it.
import type { MarketClient, MarketEvent, Sent } from '../node/chain/market.js';
import type { ChainNode, NodeEvent } from '../node/runtime/node-base.js';

export interface TimedEvent extends NodeEvent {
  at: number;
}

export interface TxRecord {
  party: string;
  method: string;
  startMs: number;
  endMs: number;
  /** False for a transaction that reverted in simulation or failed (no gas then). */
  ok: boolean;
  gasUsed: bigint;
  events: MarketEvent[];
}

export interface RoundRecord {
  party: string;
  startMs: number;
  endMs: number;
}

/** Everything one scenario recorded. */
export interface Recording {
  events: TimedEvent[];
  txs: TxRecord[];
  rounds: RoundRecord[];
}

export class Probe implements Recording {
  readonly events: TimedEvent[] = [];
  readonly txs: TxRecord[] = [];
  readonly rounds: RoundRecord[] = [];

  constructor(private readonly onEvent: (event: TimedEvent) => void = () => {}) {}

  /** The nodes' `log`. */
  readonly log = (event: NodeEvent): void => {
    const timed = { ...event, at: performance.now() };
    this.events.push(timed);
    this.onEvent(timed);
  };

  /** Times every transaction `market` sends (its queue wait included: the party waits too). */
  watchSends(party: string, market: MarketClient): void {
    const send = market.send.bind(market);
    market.send = async (method: string, args: unknown[], value?: bigint): Promise<Sent> => {
      const startMs = performance.now();
      try {
        const sent = await send(method, args, value);
        this.txs.push({ party, method, startMs, endMs: performance.now(), ok: true, gasUsed: sent.gasUsed, events: sent.events });
        return sent;
      } catch (e) {
        this.txs.push({ party, method, startMs, endMs: performance.now(), ok: false, gasUsed: 0n, events: [] });
        throw e;
      }
    };
  }

  /** Times every round of a node's loop. */
  watchRounds(party: string, node: ChainNode): void {
    const round = node.round.bind(node);
    node.round = async (): Promise<void> => {
      const startMs = performance.now();
      try {
        await round();
      } finally {
        this.rounds.push({ party, startMs, endMs: performance.now() });
      }
    };
  }
}
