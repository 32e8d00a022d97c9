// Bytes of one connection → complete MessagePack-RPC requests. Frames may be split at any byte
// or arrive several to a chunk; Kong has no length prefix, so where a frame ends is read from its
// MessagePack headers (src/rpc/frame-scanner.ts).
import { isUtf8 } from 'node:buffer';
import { MessageStream } from './message-stream.ts';
import { decodeOne } from './codec.ts';
import { peekEventFrame, type PeekedEvent } from './frame-peek.ts';
import { FrameTooLargeError, MalformedFrameError, errorMessage } from '../errors.ts';
import { REQUEST } from './protocol.ts';

export interface RpcRequest {
  msgid: number;
  method: string;
  params: unknown[];
}

/** An event frame to forward undecoded: its routing fields and its bytes (valid until the next push). */
export interface RoutableFrame {
  peek: PeekedEvent;
  bytes: Buffer;
}

/** Requests out of one connection's bytes; throws on a frame that can't be served (close the connection). */
export class FrameReader {
  readonly #stream = new MessageStream();
  readonly #maxFrameSize: number;

  constructor(maxFrameSize: number) {
    this.#maxFrameSize = maxFrameSize;
  }

  /** Feeds one chunk; returns the complete requests it finished, in order. */
  push(chunk: Buffer): RpcRequest[] {
    return this.#push(chunk, false) as RpcRequest[];
  }

  /** As push, but event frames of the plain shape come out undecoded, as RoutableFrames (a router forwards them). */
  pushRoutable(chunk: Buffer): Array<RpcRequest | RoutableFrame> {
    return this.#push(chunk, true);
  }

  #push(chunk: Buffer, peek: boolean): Array<RpcRequest | RoutableFrame> {
    const requests: Array<RpcRequest | RoutableFrame> = [];
    const max = this.#maxFrameSize;
    this.#stream.push(
      chunk,
      (value, size, bytes) => {
        if (size > max) throw new FrameTooLargeError(size, max, peekMsgid(bytes));
        requests.push(toRequest(value));
      },
      peek
        ? (bytes, strings) => {
            if (bytes.length > max) return false; // refused by the decoding path, with its msgid
            const peek = peekEventFrame(bytes);
            // Strings that are not UTF-8 are repaired by the decoding path (message-stream.ts).
            if (peek === null || !allUtf8(bytes, strings)) return false;
            requests.push({ peek, bytes });
            return true;
          }
        : undefined,
    );
    if (this.#stream.pending > this.#maxFrameSize) {
      throw new FrameTooLargeError(this.#stream.pending, this.#maxFrameSize, peekMsgid(this.#stream.pendingBytes()));
    }
    return requests;
  }

  get bufferedBytes(): number {
    return this.#stream.pending;
  }
}

/** The request in a frame that was peeked but is served by decoding after all (the router declined it). */
export function decodeRequest(bytes: Buffer): RpcRequest {
  let value: unknown;
  try {
    value = decodeOne(bytes);
  } catch (err) {
    throw new MalformedFrameError(errorMessage(err));
  }
  return toRequest(value);
}

function allUtf8(bytes: Buffer, strings: readonly number[]): boolean {
  for (let i = 0; i < strings.length; i += 2) {
    const start = strings[i]!;
    if (!isUtf8(bytes.subarray(start, start + strings[i + 1]!))) return false;
  }
  return true;
}

/** The msgid of a request frame from its first bytes (94 00 <uint>), so even a refused frame gets its answer. */
function peekMsgid(b: Buffer): number | null {
  if (b.length < 3 || b[0] !== 0x94 || b[1] !== REQUEST) return null; // REQUEST is a positive fixint: its own byte
  const t = b[2]!;
  if (t < 0x80) return t;
  if (t === 0xcc && b.length >= 4) return b[3]!;
  if (t === 0xcd && b.length >= 5) return b.readUInt16BE(3);
  if (t === 0xce && b.length >= 7) return b.readUInt32BE(3);
  return null;
}

export function toRequest(frame: unknown): RpcRequest {
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
