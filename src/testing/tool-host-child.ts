// The entry of PluginTest's (and try's) isolate process: the instance host in a process of its own,
// so a plugin that aborts V8 or never returns kills this process, not the test. It answers ToolHost
// over node's IPC channel and lives exactly as long as that channel.
//
// Slices stay asynchronous (as with --shards 0): they run on isolated-vm's threads, so this thread
// sees a call that will not stop (a builtin ignores the timeout) and kills the process, as a shard's
// SliceWatchdog does. Sync slices would differ from what PluginTest has always shown: a slice that
// throws (an unhandled rejection) drops the PDK calls it queued.
import fs from 'node:fs';
import { LocalInstanceHost, type LocalHostOptions } from '../sandbox/local-host.ts';
import { KpsError } from '../errors.ts';
import { errorToWire } from '../error-wire.ts';
import { captureLogger } from './capture-log.ts';
import type { ToolHostReply, ToolHostRequest } from './tool-host.ts';

const config = JSON.parse(process.env.KPS_TOOL_HOST_CONFIG ?? '{}') as LocalHostOptions;
const send = (m: ToolHostReply): void => void process.send?.(m);
const host = new LocalInstanceHost(config, captureLogger((record) => send({ log: record })), {
  // A call past its limit + --kill-grace that will not stop: say which (fd 1 is a pipe the parent
  // reads, and written synchronously, unlike IPC), then die; the parent reports the crash.
  onHung: (plugin, _instanceId, why) => {
    fs.writeSync(1, `${JSON.stringify({ event: 'isolate.hung', plugin, msg: why })}\n`);
    process.kill(process.pid, 'SIGKILL');
  },
});
host.onInstanceGone((instanceId, reason) => send({ gone: { instanceId, reason } }));
host.onBreach((breach) => send({ breach }));

async function answer(req: ToolHostRequest): Promise<unknown> {
  switch (req.method) {
    case 'describePlugin': return host.describePlugin(req.params);
    case 'startInstance': return host.startInstance(req.params);
    case 'reloadInstance': return host.reloadInstance(req.params);
    case 'handleEvent': return host.handleEvent(req.params);
    case 'step': return host.step(req.params);
    case 'closeInstance': return host.closeInstance(req.params);
    case 'instanceStats': return host.instanceStats(req.params);
    case 'shutdown': return host.shutdown();
  }
}

process.on('message', (req: ToolHostRequest) => {
  answer(req).then(
    (ok) => send({ id: req.id, ok }),
    (err: unknown) => {
      if (err instanceof KpsError) return send({ id: req.id, error: errorToWire(err) });
      const e = err instanceof Error ? err : new Error(String(err));
      send({ id: req.id, error: { name: e.name, message: e.message } });
    },
  );
});
// the test process is gone (or done with us): nothing here may outlive it
process.on('disconnect', () => process.exit(0));
