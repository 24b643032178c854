// Reading the market's events in chain order, exactly once per node: the position of the
// last handled event is kept in the node's store, so a node that stops (or crashes)
// carries on after the last event it finished, and one that never ran starts at the
// market's deployment block. A handler that throws leaves the position before its event:
// the event is handled again on the next poll.
import { LOG_RANGE, type MarketClient, type MarketEvent } from '../chain/market.js';
import type { Collection } from '../store/store.js';

interface Cursor {
  block: number;
  logIndex: number;
}

export class ChainFollower {
  private cursor: Cursor | null = null;

  constructor(
    private readonly market: MarketClient,
    private readonly meta: Collection<Cursor>,
    /** Blocks behind the head to wait for (0 on a devnet; more where reorgs happen). */
    private readonly confirmations = 0,
  ) {}

  private async position(): Promise<Cursor> {
    this.cursor ??= (await this.meta.get('cursor')) ?? { block: this.market.deployment.deployBlock, logIndex: -1 };
    return this.cursor;
  }

  /** Handles every event up to the head; returns how many were handled. */
  async poll(handle: (event: MarketEvent) => Promise<void>): Promise<number> {
    const at = await this.position();
    const head = (await this.market.provider.getBlockNumber()) - this.confirmations;
    let handled = 0;
    for (let from = Math.max(at.block, this.market.deployment.deployBlock); from <= head; from += LOG_RANGE) {
      const to = Math.min(head, from + LOG_RANGE - 1);
      for (const event of await this.market.events(from, to)) {
        if (event.block < at.block || (event.block === at.block && event.logIndex <= at.logIndex)) continue;
        await handle(event);
        this.cursor = { block: event.block, logIndex: event.logIndex };
        await this.meta.put('cursor', this.cursor);
        handled++;
      }
    }
    return handled;
  }
}
