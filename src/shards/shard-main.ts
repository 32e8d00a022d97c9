// The entry of a shard process: it hosts isolates (a LocalInstanceHost) and answers the supervisor
// over the private channel on fd 3. It lives exactly as long as that channel.
import net from 'node:net';
import { Channel, shardFrameCap } from './channel.ts';
import { unknownMethod, type CodeRef, type ShardEnd, type SupervisorEnd } from './shard-protocol.ts';
import { SliceWatchdog } from '../sandbox/slice-watchdog.ts';
import { RunningPlugin } from './running-plugin.ts';
import { serveEventFrame } from './event-frames.ts';
import { LocalInstanceHost, type LocalHostOptions } from '../sandbox/local-host.ts';
import { createLogger } from '../log.ts';
import { ErrorCode, KpsError } from '../errors.ts';
import type { PluginCode } from '../instances/instance-host.ts';

export interface ShardConfig extends LocalHostOptions {
  shard: number;
  logLevel: string;
  logStream: 1 | 2;
}

const config = JSON.parse(process.env.KPS_SHARD_CONFIG ?? '{}') as ShardConfig;
const log = createLogger({ level: config.logLevel, stream: config.logStream }).child({ shard: config.shard });
const socket = new net.Socket({ fd: 3, readable: true, writable: true });
const channel = new Channel<ShardEnd, SupervisorEnd>(socket, { outgoing: shardFrameCap(config) });
// Slices run on this thread (applySync): the supervisor's heartbeat notices if one never returns.
const watchdog = new SliceWatchdog({ killGraceMs: config.killGraceMs, budgetMs: config.cpuLimitMs, logFd: config.logStream, victim: 'the shard', fields: { shard: config.shard } });
// Every entry into plugin code (module body, metadata read, constructor, event slice, abandon) arms
// the watchdog; the same hook names the plugin to the supervisor when it changes (crash blame).
const running = new RunningPlugin((plugin) => channel.notifyNow('running', plugin));
const host = new LocalInstanceHost(config, log, {
  watchdog: {
    name: (instanceId, plugin) => watchdog.name(instanceId, plugin),
    arm: (instanceId, plugin, budgetMs) => {
      running.enter(plugin);
      watchdog.arm(instanceId, plugin, budgetMs);
    },
    disarm: () => watchdog.disarm(),
  },
});
host.onInstanceGone((instanceId, reason) => channel.notify('instanceGone', { instanceId, reason }));
host.onBreach((breach) => channel.notify('breach', breach));

const codeByHash = new Map<string, { code: string; map: string | undefined }>();
const MAX_CODES = 64;

function withCode<T extends CodeRef<PluginCode>>(msg: T): T & { code: string } {
  if (typeof msg.code === 'string') {
    if (codeByHash.size >= MAX_CODES) codeByHash.delete(codeByHash.keys().next().value!);
    codeByHash.set(msg.hash, { code: msg.code, map: msg.map });
    return msg as T & { code: string };
  }
  const known = codeByHash.get(msg.hash);
  if (known === undefined) throw new KpsError(ErrorCode.CODE_UNKNOWN, `shard ${config.shard} has no code for ${msg.plugin} (${msg.hash})`);
  return { ...msg, code: known.code, map: known.map };
}

channel.handleRequests(async (method, params) => {
  switch (method) {
    case 'describePlugin':
      return host.describePlugin(withCode(params));
    case 'startInstance':
      return host.startInstance(withCode(params));
    case 'reloadInstance':
      return host.reloadInstance(withCode(params));
    case 'closeInstance':
      return host.closeInstance(params);
    case 'ping':
      return null;
    case 'instanceStats':
      return host.instanceStats(typeof params === 'number' ? params : undefined);
    case 'shutdown':
      await host.shutdown();
      return null;
    default:
      throw unknownMethod(method);
  }
});

// Kong's event frames, forwarded undecoded by the supervisor; answered already encoded for Kong.
channel.handleEventFrames((id, msgid, eventId, frame) =>
  serveEventFrame(host, log, msgid, eventId, frame, (status, answer) => channel.answerEvent(id, status, answer, msgid)),
);

// The supervisor is gone (or closed us): nothing here may outlive it.
channel.onClose(() => process.exit(0));
// Signals are the supervisor's to handle (Ctrl-C reaches the whole process group); it closes us.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('SIGHUP', () => {}); // a terminal's hangup reaches the whole process group: the supervisor decides
log.debug({ event: 'shard.started' }, `shard ${config.shard} started`);
