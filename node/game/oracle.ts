// What a party of the dissection game believes about a run: the state hash at any trace
// index, the final-state claim, and (for a challenger) the proof of any step. The honest
// oracle is the interpreter's recorded trace (vm/state/trace.ts). A faulty one (the
// executor's `--fault` modes, for tests and demos) tells the same lie consistently all
// game long, like a real attacker would: it never gives a hash it could not defend.
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { StepProof } from '../../vm/proof/prove.js';
import { decodeHeader, encodeHeader } from '../../vm/state/commit.js';
import { StreamChain, toHex } from '../../vm/state/stream.js';
import type { Trace } from '../../vm/state/trace.js';

export type StateHash = string;

export interface StateOracle {
  /** Trace index of the claimed final state (N of the result). */
  readonly length: number;
  /** The claimed final state's header (its keccak is hashesAt([length])[0]). */
  readonly finalHeader: Uint8Array;
  /** The stdout the claim commits to. */
  readonly stdout: Uint8Array;
  hashesAt(indices: readonly number[]): StateHash[];
}

/** The truth: hashes, header and proofs from the interpreter's trace. */
export class TraceOracle implements StateOracle {
  readonly finalHeader: Uint8Array;

  constructor(readonly trace: Trace, readonly stdout: Uint8Array) {
    this.finalHeader = trace.finalHeader();
  }

  get length(): number {
    return this.trace.length;
  }

  hashesAt(indices: readonly number[]): StateHash[] {
    return this.trace.hashesAt(indices);
  }

  proofAt(i: number): StepProof {
    return this.trace.proofAt(i);
  }
}

/** How a lying executor lies (`verity executor --fault`). */
export type Fault =
  | { kind: 'wrong-output' } // claims (and publishes) a different stdout
  | { kind: 'wrong-final' } // claims a different exit code
  | { kind: 'wrong-state'; at: number }; // every state from trace index `at` on is made up

export const FAULT_KINDS = ['wrong-output', 'wrong-final', 'wrong-state'] as const;

/** Parses `wrong-output`, `wrong-final` or `wrong-state:<index>`. */
export function parseFault(text: string): Fault {
  if (text === 'wrong-output' || text === 'wrong-final') return { kind: text };
  const m = /^wrong-state:(\d+)$/.exec(text);
  if (m && Number(m[1]) >= 1 && Number.isSafeInteger(Number(m[1]))) return { kind: 'wrong-state', at: Number(m[1]) };
  throw new Error(`unknown fault '${text}': use wrong-output, wrong-final or wrong-state:<trace index >= 1>`);
}

export function describeFault(fault: Fault): string {
  return fault.kind === 'wrong-state' ? `wrong-state:${fault.at}` : fault.kind;
}

/** The stdout a `wrong-output` liar claims: every digit moved on by one, or a "!" added. */
export function forgeOutput(stdout: Uint8Array): Uint8Array {
  const forged = stdout.map((b) => (b >= 0x30 && b <= 0x39 ? 0x30 + ((b - 0x30 + 1) % 10) : b));
  if (forged.some((b, i) => b !== stdout[i])) return forged;
  const longer = new Uint8Array(stdout.length + 1);
  longer.set(stdout);
  longer[stdout.length] = 0x21;
  return longer;
}

function keccakHex(bytes: Uint8Array): StateHash {
  return toHex(keccak_256(bytes));
}

/** A consistent lie over the true trace: true hashes before the fault, made-up ones after. */
export class FaultyOracle implements StateOracle {
  readonly finalHeader: Uint8Array;
  readonly stdout: Uint8Array;
  private readonly finalHash: StateHash;
  /** First trace index whose hash is a lie. */
  private readonly liesFrom: number;

  constructor(private readonly truth: TraceOracle, readonly fault: Fault) {
    const header = decodeHeader(truth.finalHeader);
    this.stdout = truth.stdout;
    if (fault.kind === 'wrong-output') {
      this.stdout = forgeOutput(truth.stdout);
      const chain = new StreamChain();
      chain.append(this.stdout);
      header.out = { len: chain.length, acc: chain.acc(), pending: chain.pending() };
    } else {
      header.exitCode = header.exitCode ^ 1;
    }
    this.finalHeader = encodeHeader(header);
    this.finalHash = keccakHex(this.finalHeader);
    this.liesFrom = fault.kind === 'wrong-state' ? Math.min(fault.at, truth.length) : truth.length;
  }

  get length(): number {
    return this.truth.length;
  }

  hashesAt(indices: readonly number[]): StateHash[] {
    const honest = indices.filter((i) => i < this.liesFrom);
    const trueHashes = new Map<number, StateHash>();
    if (honest.length > 0) this.truth.hashesAt(honest).forEach((h, k) => trueHashes.set(honest[k], h));
    return indices.map((i) => {
      if (i < this.liesFrom) return trueHashes.get(i)!;
      if (i >= this.length) return this.finalHash;
      // Made up, but the same every time it is asked for.
      const seed = new Uint8Array(40);
      seed.set(Buffer.from(this.finalHash.slice(2), 'hex'), 0);
      new DataView(seed.buffer).setBigUint64(32, BigInt(i));
      return keccakHex(seed);
    });
  }
}
