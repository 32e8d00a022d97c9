// The floor: a minimal server on the same socket and framing that answers like a plugin making
// `calls` PDK calls, without any plugin, isolate or instance. What it costs is the round trip itself.
// Usage: node bench/echo-server.ts <socket path>
import net from 'node:net';
import fs from 'node:fs';
import { encode } from '../src/rpc/codec.ts';
import { FrameReader } from '../src/rpc/framing.ts';

const socketPath = process.argv[2]!;
fs.rmSync(socketPath, { force: true });
const calls = new Map<number, number>(); // instance → PDK calls per event
const remaining = new Map<number, number>(); // event → answers left before "ret"
let nextId = 1;

function answer(method: string, p: any): unknown {
  switch (method) {
    case 'plugin.StartInstance': {
      const id = nextId++;
      calls.set(id, JSON.parse(p.Config).calls ?? 0);
      return { Name: p.Name, Id: id, Config: {}, StartTime: Date.now() / 1000 };
    }
    case 'plugin.HandleEvent': {
      const eventId = nextId++;
      // as bench-calls.js: `calls` getHeaders, then one setHeader when it made any
      const n = calls.get(p.InstanceId) ?? 0;
      remaining.set(eventId, n > 0 ? n + 1 : 0);
      return next(eventId);
    }
    default:
      return next(p.EventId);
  }
}

function next(eventId: number): unknown {
  const left = remaining.get(eventId) ?? 0;
  if (left === 0) {
    remaining.delete(eventId);
    return { EventId: eventId, Data: 'ret' };
  }
  remaining.set(eventId, left - 1);
  if (left === 1) return { EventId: eventId, Data: { Method: 'kong.response.set_header', Args: ['x-bench-bytes', '0'] } };
  return { EventId: eventId, Data: { Method: 'kong.request.get_header', Args: ['x-bench'] } };
}

net
  .createServer((s) => {
    const reader = new FrameReader(64 * 1024 * 1024); // the server's own framing, per connection
    s.on('data', (chunk: Buffer) => {
      for (const r of reader.push(chunk)) s.write(encode([1, r.msgid, null, answer(r.method, r.params[0])]));
    });
    s.on('error', () => {});
  })
  .listen(socketPath);
process.on('SIGTERM', () => process.exit(0));
