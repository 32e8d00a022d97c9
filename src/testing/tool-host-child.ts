// The entry of PluginTest's (and try's) isolate process: the instance host in a process of its own,
// so a plugin that aborts V8 or never returns kills this process, not the test. It answers ToolHost
// over node's IPC channel and lives exactly as long as that channel.
//
// Slices run on this thread as in a shard; a call that will not stop (a builtin ignores the
// timeout) is ended by the host's watchdog, which writes an isolate.hung line to fd 1 (a pipe the
// parent reads) and kills this process; the parent reports the crash.
import { LocalInstanceHost, type LocalHostOptions } from '../sandbox/local-host.ts';
import { KpsError } from '../errors.ts';
import { errorToWire } from '../error-wire.ts';
import { captureLogger } from './capture-log.ts';
import type { ToolHostReply, ToolHostRequest } from './tool-host.ts';

const config = JSON.parse(process.env.KPS_TOOL_HOST_CONFIG ?? '{}') as LocalHostOptions;
const send = (m: ToolHostReply): void => void process.send?.(m);
function newHost(): LocalInstanceHost {
  const h = new LocalInstanceHost(config, captureLogger((record) => send({ log: record })), {
    hungLog: { fd: 1, victim: "the test's isolate process" },
  });
  h.onInstanceGone((instanceId, reason) => send({ gone: { instanceId, reason } }));
  h.onBreach((breach) => send({ breach }));
  return h;
}
let host = newHost();

async function answer(req: ToolHostRequest): Promise<unknown> {
  switch (req.method) {
    case 'describePlugin': return host.describePlugin(req.params);
    case 'startInstance': return host.startInstance(req.params);
    case 'reloadInstance': return host.reloadInstance(req.params);
    case 'handleEvent': return host.handleEvent(req.params);
    case 'step': return host.step(req.params);
    case 'closeInstance': return host.closeInstance(req.params);
    case 'instanceStats': return host.instanceStats(req.params);
    // the Run is over and this process is whole: a fresh host (nothing of that Run's instances,
    // events or limits' state) for the next Run with the same options
    case 'reset':
      await host.shutdown();
      host = newHost();
      return null;
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
