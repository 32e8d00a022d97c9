// Bytes of one connection → complete MessagePack-RPC requests. Frames may be split at any byte
// or arrive several to a chunk; Kong has no length prefix, so "complete" means "decodes".
import { decodeAvailable } from './codec.ts';
import { FrameTooLargeError, MalformedFrameError, errorMessage } from '../errors.ts';
import { REQUEST } from './protocol.ts';

export interface RpcRequest {
  msgid: number;
  method: string;
  params: unknown[];
}

/** A frame that decoded but is not a request we can answer: close the connection. */
export class FrameReader {
  #pending: Buffer | null = null;
  readonly #maxFrameSize: number;

  constructor(maxFrameSize: number) {
    this.#maxFrameSize = maxFrameSize;
  }

  /** Feeds one chunk; returns the complete requests it finished. Throws on a frame that can't be served. */
  push(chunk: Buffer): RpcRequest[] {
    const buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    let decoded;
    try {
      decoded = decodeAvailable(buf);
    } catch (err) {
      throw new MalformedFrameError(errorMessage(err));
    }
    const tooLarge = decoded.sizes.findIndex((size) => size > this.#maxFrameSize);
    if (tooLarge >= 0) {
      const start = decoded.sizes.slice(0, tooLarge).reduce((a, b) => a + b, 0);
      throw new FrameTooLargeError(decoded.sizes[tooLarge]!, this.#maxFrameSize, peekMsgid(buf.subarray(start)));
    }
    const rest = buf.length - decoded.consumed;
    if (rest > this.#maxFrameSize) {
      throw new FrameTooLargeError(rest, this.#maxFrameSize, peekMsgid(buf.subarray(decoded.consumed)));
    }
    this.#pending = rest > 0 ? buf.subarray(decoded.consumed) : null;
    return decoded.values.map(toRequest);
  }

  get bufferedBytes(): number {
    return this.#pending?.length ?? 0;
  }
}

/** The msgid of a request frame from its first bytes (94 00 <uint>), so even a refused frame gets its answer. */
function peekMsgid(b: Buffer): number | null {
  if (b.length < 3 || b[0] !== 0x94 || b[1] !== 0x00) return null;
  const t = b[2]!;
  if (t < 0x80) return t;
  if (t === 0xcc && b.length >= 4) return b[3]!;
  if (t === 0xcd && b.length >= 5) return b.readUInt16BE(3);
  if (t === 0xce && b.length >= 7) return b.readUInt32BE(3);
  return null;
}

function toRequest(frame: unknown): RpcRequest {
  if (!Array.isArray(frame) || frame.length !== 4 || frame[0] !== REQUEST) {
    throw new MalformedFrameError('expected [0, msgid, method, params]');
  }
  const [, msgid, method, params] = frame as [number, unknown, unknown, unknown];
  if (typeof msgid !== 'number' || !Number.isInteger(msgid) || msgid < 0) {
    throw new MalformedFrameError('msgid is not an unsigned integer');
  }
  // A bad method or params still gets an RPC error: we know which msgid to answer.
  return {
    msgid,
    method: typeof method === 'string' ? method : `<${typeof method}>`,
    params: Array.isArray(params) ? params : [params],
  };
}
