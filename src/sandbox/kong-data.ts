// What a plugin hands to a PDK call, turned into plain MessagePack data for Kong, or refused with a
// reason the plugin sees as its PDKError. Everything arrives here as a structured-clone copy, which
// still allows cycles, shared subgraphs (a small copy that encodes to gigabytes), sparse arrays of
// any length, BigInt, and typed arrays (which msgpackr would write with bytes that are not theirs).
// So each value is walked once, rebuilt, and counted every time it appears.

/** `tooLarge`: refused for --max-payload-size (a breach of a limit), not for its shape. */
export type KongData = { ok: unknown } | { problem: string; tooLarge: boolean };

/** Deeper than this is refused: the encoder and Kong's decoder both recurse. */
export const MAX_DEPTH = 1024;

class Refusal extends Error {
  readonly tooLarge: boolean;
  constructor(message: string, tooLarge = false) {
    super(message);
    this.tooLarge = tooLarge;
  }
}

export function toKongData(value: unknown, limitBytes: number): KongData {
  let size = 0;
  const ancestors = new Set<object>();
  const count = (n: number) => {
    size += n;
    if (size > limitBytes) throw new Refusal(`arguments larger than ${limitBytes} bytes (--max-payload-size)`, true);
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH) throw new Refusal(`arguments nested deeper than ${MAX_DEPTH} levels`);
    switch (typeof v) {
      case 'string':
        // at least as many UTF-8 bytes as UTF-16 units: a long string is refused unscanned
        count(v.length > limitBytes - size ? v.length : Buffer.byteLength(v));
        // a lone surrogate has no UTF-8 form: U+FFFD, as TextEncoder writes it
        return v.isWellFormed() ? v : v.toWellFormed();
      case 'number':
      case 'boolean':
        count(9);
        return v;
      case 'undefined':
        count(1);
        return null;
      case 'bigint':
        // MessagePack integers are 64 bits; Kong (Lua) reads every number as a double
        if (v < -(2n ** 63n) || v >= 2n ** 64n) throw new Refusal('a BigInt beyond 64 bits cannot be sent to Kong (use a string)');
        count(9);
        return Number(v);
      case 'object':
        break;
      default:
        throw new Refusal(`a ${typeof v} cannot be sent to Kong`);
    }
    if (v === null) {
      count(1);
      return null;
    }
    if (v instanceof Uint8Array) {
      count(v.byteLength + 5);
      return v;
    }
    if (ArrayBuffer.isView(v)) {
      count(v.byteLength + 5);
      return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    }
    if (v instanceof ArrayBuffer) {
      count(v.byteLength + 5);
      return new Uint8Array(v.slice(0));
    }
    if (v instanceof Date) {
      count(30);
      return Number.isNaN(v.getTime()) ? null : v.toISOString();
    }
    if (v instanceof RegExp) return walk(String(v), depth);
    if (v instanceof Error) return walk({ name: v.name, message: v.message }, depth);
    if (v instanceof Boolean || v instanceof Number || v instanceof String) return walk(v.valueOf(), depth);
    if (ancestors.has(v)) throw new Refusal('a cyclic structure cannot be sent to Kong');
    ancestors.add(v);
    try {
      if (Array.isArray(v) || v instanceof Set) {
        const items = v instanceof Set ? [...v] : v;
        count(5 + items.length); // an array of 4 billion holes is refused before it is walked
        const out = new Array<unknown>(items.length);
        for (let i = 0; i < items.length; i++) out[i] = walk(items[i], depth + 1);
        return out;
      }
      const entries: Array<[unknown, unknown]> = v instanceof Map ? [...v] : Object.entries(v);
      count(5);
      const out: Record<string, unknown> = Object.create(null);
      for (const [k, item] of entries) {
        const key = String(k).toWellFormed();
        count(key.length + 1);
        Object.defineProperty(out, key, { value: walk(item, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    } finally {
      ancestors.delete(v);
    }
  };
  try {
    return { ok: walk(value, 0) };
  } catch (err) {
    if (err instanceof Refusal) return { problem: err.message, tooLarge: err.tooLarge };
    if (err instanceof RangeError) return { problem: `arguments cannot be sent to Kong: ${err.message}`, tooLarge: false };
    throw err;
  }
}
