// The Unix socket server Kong connects to: one request in flight per connection in practice, many
// connections at once; state lives in the dispatcher, never in a connection.
import net from 'node:net';
import fs from 'node:fs';
import type { Logger } from '../log.ts';
import { encode } from './codec.ts';
import { FrameReader, decodeRequest, type RpcRequest, type RoutableFrame } from './framing.ts';
import { NOTIFICATION, REQUEST, RESPONSE } from './protocol.ts';
import { responseFrame } from './response-frame.ts';
import { routingOf, type PeekedEvent } from './frame-peek.ts';
import { ErrorCode, KpsError, FrameTooLargeError, errorMessage } from '../errors.ts';
import type { Dispatcher } from './dispatcher.ts';

export interface RpcServerOptions {
  socketPath: string;
  maxFrameSize: number;
}

/**
 * Forwards event frames undecoded to where their instance lives (src/instances/event-router.ts).
 * `reply` takes Kong's complete answer frame and must be called exactly once.
 */
export interface FrameRouter {
  /** false: not forwarded (unknown instance or event, a shard gone, a Step out of turn): serve it by decoding */
  forward(peek: PeekedEvent, frame: Buffer, reply: (answer: Uint8Array) => void): boolean;
}

export class RpcServer {
  readonly #server: net.Server;
  readonly #opts: RpcServerOptions;
  readonly #log: Logger;
  readonly #dispatcher: Dispatcher;
  readonly #router: FrameRouter | null;
  readonly #sockets = new Set<net.Socket>();
  #inFlight = 0;
  #connSeq = 0;
  #idleWaiters: Array<() => void> = [];
  #closed: Promise<void> = Promise.resolve();

  constructor(opts: RpcServerOptions, dispatcher: Dispatcher, log: Logger, router: FrameRouter | null = null) {
    this.#opts = opts;
    this.#dispatcher = dispatcher;
    this.#router = router;
    this.#log = log;
    this.#server = net.createServer((s) => this.#onConnection(s));
  }

  get requestsInFlight(): number {
    return this.#inFlight;
  }

  async listen(): Promise<void> {
    await removeStaleSocket(this.#opts.socketPath);
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#opts.socketPath, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    // Kong runs as the same user that starts us; nobody else needs the socket.
    fs.chmodSync(this.#opts.socketPath, 0o660);
  }

  /** Stops accepting connections and waits, at most `timeoutMs`, for the requests in flight. */
  async drain(timeoutMs: number): Promise<void> {
    this.#closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (this.#inFlight === 0) return;
    await Promise.race([
      new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
      new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ]);
  }

  /** Closes every connection (after their last answers were written) and removes the socket file. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve)); // let answers just produced be written
    for (const s of this.#sockets) s.end();
    for (const s of this.#sockets) s.destroySoon();
    await this.#closed;
    fs.rmSync(this.#opts.socketPath, { force: true });
  }

  #onConnection(socket: net.Socket): void {
    const conn = ++this.#connSeq;
    this.#sockets.add(socket);
    const reader = new FrameReader(this.#opts.maxFrameSize);
    const routing = this.#router !== null;
    // Kong (go-pluginserver convention) learns our pid on every connection, so it notices a restart.
    socket.write(encode([NOTIFICATION, 'serverPid', process.pid]));
    const refuse = (err: unknown): void => {
      this.#log.warn({ event: 'rpc.bad_frame', conn, code: (err as KpsError).code }, `closing connection: ${errorMessage(err)}`);
      // The rest of the stream can't be trusted: answer the refused request if we know it, then close.
      if (err instanceof FrameTooLargeError && err.msgid !== null) {
        socket.end(encode([RESPONSE, err.msgid, err.message, null]));
        socket.destroySoon();
      } else {
        socket.destroy();
      }
    };
    const reply = (answer: Uint8Array): void => {
      if (!socket.destroyed) socket.write(answer);
      this.#done();
    };
    socket.on('data', (chunk: Buffer) => {
      let requests: Array<RpcRequest | RoutableFrame>;
      try {
        requests = routing ? reader.pushRoutable(chunk) : reader.push(chunk);
      } catch (err) {
        refuse(err);
        return;
      }
      for (const req of requests) {
        if ('peek' in req) {
          if (this.#forward(req.peek, req.bytes, reply)) continue;
          let decoded: RpcRequest;
          try {
            decoded = decodeRequest(req.bytes);
          } catch (err) {
            refuse(err);
            return;
          }
          this.#serve(socket, conn, decoded);
          continue;
        }
        // An event call in a frame the peek declined still goes to its shard, as the decoder read it.
        const route = this.#router === null ? null : routingOf(req.msgid, req.method, req.params);
        if (route !== null && this.#forward(route, encode([REQUEST, req.msgid, req.method, req.params]), reply)) continue;
        this.#serve(socket, conn, req);
      }
    });
    socket.on('error', (err) => this.#log.debug({ event: 'rpc.socket_error', conn }, errorMessage(err)));
    socket.on('close', () => this.#sockets.delete(socket));
  }

  #serve(socket: net.Socket, conn: number, req: RpcRequest): void {
    this.#inFlight++;
    this.#dispatcher.dispatch(req.method, req.params).then(
      (result) => this.#reply(socket, req.msgid, null, result ?? null),
      (err: unknown) => {
        const message = errorMessage(err);
        const level = err instanceof KpsError && err.code !== ErrorCode.INTERNAL ? 'info' : 'error';
        this.#log[level]({ event: 'rpc.error', conn, method: req.method, code: (err as KpsError).code }, message);
        this.#reply(socket, req.msgid, message, null);
      },
    ).finally(() => this.#done());
  }

  /** Hands the frame to the router; false: it declined, and the dispatcher answers. */
  #forward(peek: PeekedEvent, frame: Buffer, reply: (answer: Uint8Array) => void): boolean {
    this.#inFlight++;
    if (this.#router!.forward(peek, frame, reply)) return true;
    this.#inFlight--;
    return false;
  }

  #done(): void {
    if (--this.#inFlight === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  #reply(socket: net.Socket, msgid: number, error: string | null, result: unknown): void {
    if (socket.destroyed) return;
    socket.write(responseFrame(msgid, error, result));
  }
}

/** A socket file left by a dead server is removed; a live server on the path is never stolen. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socketPath);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new KpsError(ErrorCode.SOCKET_PATH, `${socketPath} exists and is not a socket; refusing to replace it`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new KpsError(ErrorCode.SOCKET_IN_USE, `another plugin server is listening on ${socketPath}; stop it or choose another --sock-name`);
  fs.rmSync(socketPath, { force: true });
}
