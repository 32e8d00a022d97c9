// Bytes of one connection → complete MessagePack-RPC requests. Frames may be split at any byte
// or arrive several to a chunk; Kong has no length prefix, so where a frame ends is read from its
// MessagePack headers (src/rpc/frame-scanner.ts).
import { MessageStream } from './message-stream.ts';
import { FrameTooLargeError, MalformedFrameError } from '../errors.ts';
import { REQUEST } from './protocol.ts';

export interface RpcRequest {
  msgid: number;
  method: string;
  params: unknown[];
}

/** Requests out of one connection's bytes; throws on a frame that can't be served (close the connection). */
export class FrameReader {
  readonly #stream = new MessageStream();
  readonly #maxFrameSize: number;

  constructor(maxFrameSize: number) {
    this.#maxFrameSize = maxFrameSize;
  }

  /** Feeds one chunk; returns the complete requests it finished. */
  push(chunk: Buffer): RpcRequest[] {
    const requests: RpcRequest[] = [];
    this.#stream.push(chunk, (value, size, bytes) => {
      if (size > this.#maxFrameSize) throw new FrameTooLargeError(size, this.#maxFrameSize, peekMsgid(bytes));
      requests.push(toRequest(value));
    });
    if (this.#stream.pending > this.#maxFrameSize) {
      throw new FrameTooLargeError(this.#stream.pending, this.#maxFrameSize, peekMsgid(this.#stream.pendingBytes()));
    }
    return requests;
  }

  get bufferedBytes(): number {
    return this.#stream.pending;
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
