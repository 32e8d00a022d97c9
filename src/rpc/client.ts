// A minimal MessagePack-RPC client for our own tools (the status command): one call per connection.
import net from 'node:net';
import { encode, decodeAvailable } from './codec.ts';
import { KpsError } from '../errors.ts';

export async function callServer(socketPath: string, method: string, params: unknown[], timeoutMs = 10_000): Promise<unknown> {
  const socket = net.connect(socketPath);
  try {
    return await new Promise<unknown>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new KpsError('KPS_ERR_CLIENT', `no answer from ${socketPath} within ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new KpsError('KPS_ERR_CLIENT', `cannot reach a plugin server on ${socketPath}: ${err.message}`));
      });
      socket.once('connect', () => socket.write(encode([0, 1, method, params])));
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        const { values, consumed } = decodeAvailable(buf);
        buf = buf.subarray(consumed);
        for (const v of values as unknown[][]) {
          if (v[0] !== 1 || v[1] !== 1) continue; // the serverPid notification
          clearTimeout(timer);
          if (v[2] !== null && v[2] !== undefined) reject(new KpsError('KPS_ERR_CLIENT', String(v[2])));
          else resolve(v[3]);
        }
      });
    });
  } finally {
    socket.destroy();
  }
}
