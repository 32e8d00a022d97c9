// Two connected sockets (a Unix socket in a temporary directory), as a shard's channel has.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export async function socketPair(): Promise<[net.Socket, net.Socket, () => void]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-chan-'));
  const file = path.join(dir, 's.sock');
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(file, r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect(file);
  await new Promise<void>((r) => client.once('connect', () => r()));
  const peer = await accepted;
  return [client, peer, () => {
    client.destroy();
    peer.destroy();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }];
}
