// The private channel between the supervisor and a shard: the same msgpack codec over a socketpair
// (an inherited file descriptor, nothing on the filesystem). Requests [0, id, method, params],
// responses [1, id, error, result], notifications [2, kind, args]. Errors keep their stable code.
// Kong's event frames travel undecoded: [3, id, msgid, eventId, frame] to the shard, and
// [4, id, status, answer] back, where answer is Kong's complete response frame; the supervisor
// keeps a callback per id (no promise), and writes the answer to Kong's socket as it is.
// The methods, notifications and tags are src/shards/shard-protocol.ts's: a Channel is typed by what
// its own end accepts and what its peer's end accepts.
import type net from 'node:net';
import { encode } from '../rpc/codec.ts';
import { MessageStream } from '../rpc/message-stream.ts';
import { ErrorCode, KpsError, errorMessage } from '../errors.ts';
import { errorFromWire, errorToWire, type WireError } from '../error-wire.ts';
import { clipPluginText } from '../sandbox/plugin-text.ts';
import { encodeEventAnswer, encodeEventFrame, readEventMessage, type EventMessage } from './event-wire.ts';
import {
  ChannelMessage, type ChannelEnd, type Kind, type Method, type NotificationHandler, type Params, type RequestHandler, type Result,
} from './shard-protocol.ts';

const { REQUEST, RESPONSE, NOTIFICATION, EVENT_FRAME } = ChannelMessage;

/**
 * Largest frame a shard may send its supervisor: everything a shard answers is bounded before it is
 * encoded (PDK arguments by --max-payload-size, metadata by --max-metadata-size, texts clipped), so
 * a larger frame means a bug, and it is refused without being decoded: the supervisor never holds
 * more than this of one frame, whatever a plugin did.
 */
export function shardFrameCap(o: { maxPayloadBytes: number; maxMetadataBytes: number }): number {
  return Math.max(64 * 1024 * 1024, 2 * o.maxPayloadBytes + o.maxMetadataBytes + 1024 * 1024);
}

/** `incoming`: frames larger are refused (the channel closes); `outgoing`: an answer larger fails that request only. */
export interface FrameCaps {
  incoming?: number;
  outgoing?: number;
}

/** A forwarded Kong frame: answer it with answerEvent(id, …), once. `eventId` is -1 for a Step. */
export type EventFrameHandler = (id: number, msgid: number, eventId: number, frame: Uint8Array) => void;
/** Kong's answer frame and what it did to the event; `answer` is null if the channel closed first. */
export type EventAnswerCallback = (status: number, answer: Uint8Array | null) => void;

/**
 * `Self`: the requests this end serves and the notifications it is sent; `Peer`: the other end's.
 * The defaults accept any method (tests of the channel itself).
 */
export class Channel<Self extends ChannelEnd = ChannelEnd, Peer extends ChannelEnd = ChannelEnd> {
  readonly #socket: net.Socket;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  readonly #events = new Map<number, EventAnswerCallback>();
  #nextId = 1;
  readonly #stream = new MessageStream();
  #closed = false;
  /** frames written this turn of the event loop, sent with one syscall (measured: writes dominate) */
  #outbox: Buffer[] = [];
  // Held as the wire has them: the typed handlers are given what the peer sent, read as the protocol says.
  #onRequest: (method: unknown, params: unknown) => Promise<unknown> = async (method) => {
    throw new KpsError(ErrorCode.CHANNEL, `no handler for ${String(method)}`);
  };
  #onNotification: (kind: unknown, payload: unknown) => void = () => {};
  #onEventFrame: EventFrameHandler = (id, msgid) => this.answerEvent(id, -1, encode([RESPONSE, msgid, 'no event handler on this channel', null]));
  #onClose: (why: string) => void = () => {};

  readonly #caps: FrameCaps;

  constructor(socket: net.Socket, caps: FrameCaps = {}) {
    this.#socket = socket;
    this.#caps = caps;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#close(`channel error: ${err.message}`));
    socket.on('close', () => this.#close('channel closed'));
  }

  /** `handler` switches on the method (its params narrow with it) and ends in unknownMethod(method). */
  handleRequests(handler: RequestHandler<Self>): void {
    this.#onRequest = handler as (method: unknown, params: unknown) => Promise<unknown>;
  }

  handleEventFrames(handler: EventFrameHandler): void {
    this.#onEventFrame = handler;
  }

  handleNotifications(handler: NotificationHandler<Self>): void {
    this.#onNotification = handler as (kind: unknown, payload: unknown) => void;
  }

  onClose(handler: (why: string) => void): void {
    this.#onClose = handler;
  }

  get closed(): boolean {
    return this.#closed;
  }

  request<M extends Method<Peer>>(method: M, params: Params<Peer, M>): Promise<Result<Peer, M>> {
    if (this.#closed) return Promise.reject(new KpsError(ErrorCode.CHANNEL, 'shard channel is closed'));
    const id = this.#nextId++;
    return new Promise<Result<Peer, M>>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#send(encode([REQUEST, id, method, params]));
    });
  }

  /** Forwards Kong's frame (copied into the channel message at once). False if the channel is closed. */
  forwardEvent(msgid: number, eventId: number, frame: Uint8Array, done: EventAnswerCallback): boolean {
    if (this.#closed) return false;
    const id = this.#nextId++;
    this.#events.set(id, done);
    this.#send(encodeEventFrame(id, msgid, eventId, frame));
    return true;
  }

  /** The shard's side: Kong's answer frame to a forwarded one (over the outgoing cap: an error frame instead). */
  answerEvent(id: number, status: number, answer: Uint8Array, msgid = -1): void {
    if (this.#closed) return;
    const cap = this.#caps.outgoing ?? Infinity;
    if (answer.length + 64 > cap && msgid >= 0) {
      answer = encode([RESPONSE, msgid, `an answer of ${answer.length} bytes is over the channel's cap of ${cap}`, null]);
    }
    this.#send(encodeEventAnswer(id, status, answer));
  }

  notify<K extends Kind<Peer>>(kind: K, args: Peer['notifications'][K]): void {
    if (!this.#closed) this.#send(encode([NOTIFICATION, kind, args]));
  }

  /**
   * A notification written at once, with whatever waits in the outbox, before the caller goes on:
   * on return it is in the kernel (unless the peer stopped reading), so it outlives this process.
   */
  notifyNow<K extends Kind<Peer>>(kind: K, args: Peer['notifications'][K]): void {
    if (this.#closed) return;
    this.#outbox.push(encode([NOTIFICATION, kind, args]));
    this.#flush();
  }

  close(): void {
    this.#socket.end();
  }

  #onData(chunk: Buffer): void {
    const messages: Array<unknown[] | EventMessage> = [];
    const cap = this.#caps.incoming ?? Infinity;
    try {
      this.#stream.push(
        chunk,
        (value, size) => {
          if (size > cap) throw new KpsError(ErrorCode.CHANNEL, `a frame of ${size} bytes, over the channel's cap of ${cap}`);
          messages.push(value as unknown[]);
        },
        // Kong's frames and answers are read by hand (src/shards/event-wire.ts), not decoded.
        (bytes) => {
          if (bytes.length > cap) return false;
          const event = readEventMessage(bytes);
          if (event === null) return false;
          messages.push(event);
          return true;
        },
      );
      // refused while it arrives, before it is complete or decoded
      if (this.#stream.pending > cap) throw new KpsError(ErrorCode.CHANNEL, `a frame of more than ${cap} bytes, over the channel's cap`);
    } catch (err) {
      this.#socket.destroy();
      this.#close(`undecodable channel data: ${errorMessage(err)}`);
      return;
    }
    for (const msg of messages) {
      if (Array.isArray(msg)) this.#onMessage(msg);
      else this.#onEvent(msg);
    }
  }

  #onEvent(m: EventMessage): void {
    if (m.type === EVENT_FRAME) {
      this.#onEventFrame(m.id, m.a, m.b, m.bytes); // served at once: the view is still valid
      return;
    }
    const done = this.#events.get(m.id);
    if (!done) return;
    this.#events.delete(m.id);
    done(m.a, Buffer.from(m.bytes)); // a copy: Kong's socket writes it later, and the receive buffer is reused
  }

  #onMessage(msg: unknown[]): void {
    const [type, a, b, c] = msg;
    if (type === REQUEST) {
      const id = a as number;
      this.#onRequest(b, c).then(
        (result) => this.#write([RESPONSE, id, null, result ?? null]),
        (err: unknown) => this.#write([RESPONSE, id, errorToWire(err), null]),
      );
    } else if (type === RESPONSE) {
      const p = this.#pending.get(a as number);
      if (!p) return;
      this.#pending.delete(a as number);
      if (b) p.reject(fromWire(b as WireError));
      else p.resolve(c);
    } else if (type === NOTIFICATION) {
      this.#onNotification(a, b);
    }
  }

  #write(msg: unknown[]): void {
    if (this.#closed) return;
    let bytes: Buffer;
    try {
      bytes = encode(msg);
    } catch (err) {
      // not KPS_ERR_CHANNEL: the channel is fine, only this answer could not be written
      bytes = encode([RESPONSE, msg[1], { code: ErrorCode.ENCODE, message: `could not encode: ${errorMessage(err)}` }, null]);
    }
    const cap = this.#caps.outgoing ?? Infinity;
    if (bytes.length > cap) {
      bytes = encode([RESPONSE, msg[1], { code: ErrorCode.ENCODE, message: `an answer of ${bytes.length} bytes is over the channel's cap of ${cap}` }, null]);
    }
    this.#send(bytes);
  }

  #send(bytes: Buffer): void {
    if (this.#outbox.push(bytes) === 1) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const out = this.#outbox;
    this.#outbox = [];
    if (this.#closed || out.length === 0) return;
    this.#socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  }

  #close(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = new KpsError(ErrorCode.CHANNEL, why);
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    const events = [...this.#events.values()];
    this.#events.clear();
    for (const done of events) done(-1, null);
    this.#onClose(why);
  }
}

/** A shard's error, rebuilt as its class; its text may quote a plugin: bounded before a log line or a status. */
function fromWire(w: WireError): KpsError {
  return errorFromWire(w, { clip: (text) => clipPluginText(text, 16 * 1024), maxFields: 16 });
}
