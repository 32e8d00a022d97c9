// The sandbox runtime: runs first in every isolate, before any plugin code. It takes the host bridge,
// installs console and the Web APIs (web/install.ts), and leaves the host one API object (which the
// host removes from the global before the plugin bundle runs). Everything it calls later is its own
// copy of the builtins (./intrinsics.ts): plugin code that replaces Promise.prototype.then, Map or
// JSON changes nothing here.
import { takeBridge } from './bridge.ts';
import { installConsole } from './console.ts';
import { installWebApis } from './web/install.ts';
import { formatValue } from './format.ts';
import { createKong } from './kong-proxy.ts';
import { EventQueue } from './event-queue.ts';
import { HostOps } from './host-ops.ts';
import { withholdUncountedMemory } from './uncounted-memory.ts';
import { SafeMap, apply, whenSettled } from './intrinsics.ts';
import { collectExports, describePlugin, type PluginExports, type PluginDescription } from './plugin-module.ts';

const post = takeBridge();
installConsole(post);
const ops = new HostOps(post);
// `limits` as the host gave them at start (before: the defaults; the host checks again anyway)
installWebApis((err, where) => post('log', -1, 'error', `uncaught error in ${where} callback: ${formatValue(err)}`), ops, {
  call: (op, args) => post('crypto', -1, op, args),
  limits: () => ({ maxDataBytes: Math.min(limits.maxCryptoBytes, limits.maxPayloadBytes), maxKeyBytes: limits.maxCryptoKeyBytes }),
});
// V8 runs FinalizationRegistry callbacks on its own, outside any time-limited call into the isolate:
// a callback that loops would burn its shard's core with nothing to stop it. Plugins do without.
delete (globalThis as Record<string, unknown>).FinalizationRegistry;
withholdUncountedMemory();

let mod: PluginExports | null = null;
let instance: Record<string, unknown> | null = null;
let limits = { maxPendingCalls: 100, maxPayloadBytes: 16 * 1024 * 1024, maxCryptoBytes: 4 * 1024 * 1024, maxCryptoKeyBytes: 16 * 1024 };

/** What the host gives `start`: the event queue's and crypto's limits, and the timers' and fetch's. */
interface StartLimits extends Partial<typeof limits> {
  plugin: string;
  /** origins (scheme://host[:port]) fetch may reach: --allow-fetch */
  fetchOrigins: string[];
  maxTimers: number;
  maxFetchesPerEvent: number;
}
const events = new SafeMap<number, EventQueue>();

// An event stays known while calls of it may still be settled; the handler may finish first.
// Its host operations end with it: the host cancels them when it learns the event is over.
function forgetIfClosed(ev: EventQueue): void {
  if (!ev.closed) return;
  events.delete(ev.id);
  ops.endEvent(ev.id, false);
}

function loaded(): PluginExports {
  if (!mod) mod = collectExports();
  return mod;
}

const api = {
  describe(maxMetadataBytes: number): PluginDescription {
    ops.enter(null);
    return describePlugin(loaded(), maxMetadataBytes);
  },

  start(config: unknown, given: StartLimits): void {
    const { plugin: _plugin, fetchOrigins: _origins, maxTimers: _timers, maxFetchesPerEvent: _fetches, ...rest } = given;
    limits = { ...limits, ...rest };
    ops.configure({ ...given, maxPayloadBytes: limits.maxPayloadBytes });
    ops.enter(null); // the constructor belongs to no event
    const Plugin = loaded().Plugin;
    instance = new Plugin(config);
  },

  handle(eventId: number, phase: string): void {
    const ev = new EventQueue(eventId, post, limits);
    events.set(eventId, ev);
    // what this slice (and the microtasks it runs) starts belongs to this event
    ops.enter(ev);
    const kong = createKong((method, args) => {
      const pending = ev.call(method, args);
      forgetIfClosed(ev); // a terminal call closes the event
      return pending;
    });
    let result: unknown;
    try {
      const handler = instance?.[phase];
      if (typeof handler !== 'function') {
        ev.handlerFinished();
        forgetIfClosed(ev);
        return;
      }
      result = apply(handler as (k: unknown) => unknown, instance, [kong]);
    } catch (err) {
      ev.handlerFailed(err);
      forgetIfClosed(ev);
      return;
    }
    whenSettled(
      result,
      () => {
        ev.handlerFinished();
        forgetIfClosed(ev);
      },
      (err: unknown) => {
        ev.handlerFailed(err);
        forgetIfClosed(ev);
      },
    );
  },

  settle(eventId: number, ok: boolean, value: unknown): void {
    const ev = events.get(eventId);
    if (!ev) return;
    ops.enter(ev);
    ev.settle(ok, value);
    forgetIfClosed(ev);
  },

  /** A host operation of the event completed (a timer fired, a response arrived). */
  settleOp(eventId: number, opId: number, ok: boolean, value: unknown): void {
    const ev = events.get(eventId);
    if (!ev) return;
    ops.enter(ev);
    ops.settle(eventId, opId, ok, value);
    forgetIfClosed(ev);
  },

  abandon(eventId: number): void {
    const ev = events.get(eventId);
    if (ev) ops.enter(ev);
    ev?.abandon();
    events.delete(eventId);
    ops.endEvent(eventId, true);
  },
};

(globalThis as Record<string, unknown>).__kps_runtime = api;
