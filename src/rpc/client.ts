// A minimal MessagePack-RPC client for our own tools (the status command): one call per connection.
import net from 'node:net';
import { encode } from './codec.ts';
import { MessageStream } from './message-stream.ts';
import { REQUEST, RESPONSE } from './protocol.ts';
import { ErrorCode, KpsError } from '../errors.ts';

/** the msgid of the one request a connection makes */
const MSGID = 1;

export async function callServer(socketPath: string, method: string, params: unknown[], timeoutMs = 10_000): Promise<unknown> {
  const socket = net.connect(socketPath);
  try {
    return await new Promise<unknown>((resolve, reject) => {
      const stream = new MessageStream();
      const timer = setTimeout(() => reject(new KpsError(ErrorCode.CLIENT, `no answer from ${socketPath} within ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new KpsError(ErrorCode.CLIENT, `cannot reach a plugin server on ${socketPath}: ${err.message}`));
      });
      socket.once('connect', () => socket.write(encode([REQUEST, MSGID, method, params])));
      socket.on('data', (chunk: Buffer) => {
        stream.push(chunk, (value) => {
          const v = value as unknown[];
          if (v[0] !== RESPONSE || v[1] !== MSGID) return; // the serverPid notification
          clearTimeout(timer);
          if (v[2] !== null && v[2] !== undefined) reject(new KpsError(ErrorCode.CLIENT, String(v[2])));
          else resolve(v[3]);
        });
      });
    });
  } finally {
    socket.destroy();
  }
}
