// JSON with the two value kinds plain JSON lacks and Verity's records carry: bigint (chain
// ids, amounts, step counts) and byte strings. Used for stored values and gossip messages,
// so a record reads back exactly as it was written.
//
//   bigint      -> {"$bigint":"<decimal>"}
//   Uint8Array  -> {"$bytes":"0x<lowercase hex>"}
//
// An object of one key named like a tag would read back as the tagged value, so encoding
// refuses it rather than changing it silently.

const BIGINT_TAG = '$bigint';
const BYTES_TAG = '$bytes';

function isTagShaped(value: object): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === BIGINT_TAG || keys[0] === BYTES_TAG);
}

function toHex(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Encodes a value as JSON text. Throws on values JSON cannot carry faithfully. */
export function encodeJson(value: unknown): string {
  if (value === undefined) throw new Error('cannot encode undefined');
  return JSON.stringify(value, function replacer(this: unknown, key: string, item: unknown): unknown {
    // `this[key]` is the raw value: JSON.stringify has already called toJSON on `item`,
    // which turns a Buffer into {type, data}.
    const raw = (this as Record<string, unknown>)[key];
    if (typeof item === 'bigint') return { [BIGINT_TAG]: item.toString(10) };
    if (raw instanceof Uint8Array) return { [BYTES_TAG]: toHex(raw) };
    if (typeof item === 'number' && !Number.isFinite(item)) throw new Error(`cannot encode the number ${item}`);
    if (typeof item === 'function' || typeof item === 'symbol') throw new Error(`cannot encode a ${typeof item}`);
    if (item !== null && typeof item === 'object' && !Array.isArray(item) && isTagShaped(item)) {
      throw new Error(`cannot encode an object whose only key is "${Object.keys(item)[0]}" (reserved tag)`);
    }
    return item;
  });
}

/** Decodes JSON text written by encodeJson. Throws a one-line error on malformed input. */
export function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text, (_key, item: unknown) => {
      if (item !== null && typeof item === 'object' && !Array.isArray(item) && isTagShaped(item)) {
        const record = item as Record<string, unknown>;
        if (BIGINT_TAG in record) {
          const digits = record[BIGINT_TAG];
          if (typeof digits !== 'string' || !/^-?\d+$/.test(digits)) throw new Error(`bad ${BIGINT_TAG} value`);
          return BigInt(digits);
        }
        const hex = record[BYTES_TAG];
        if (typeof hex !== 'string' || !/^0x(?:[0-9a-f]{2})*$/.test(hex)) throw new Error(`bad ${BYTES_TAG} value`);
        return new Uint8Array(Buffer.from(hex.slice(2), 'hex'));
      }
      return item;
    });
  } catch (error) {
    throw new Error(`malformed JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** UTF-8 bytes of encodeJson(value): the wire form of gossip messages. */
export function encodeJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(encodeJson(value));
}

/** Inverse of encodeJsonBytes. Invalid UTF-8 is refused, not replaced. */
export function decodeJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error('malformed JSON: not valid UTF-8');
  }
  return decodeJson(text);
}
