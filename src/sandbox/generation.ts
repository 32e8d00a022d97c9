// An instance runs one isolate at a time, its current generation. A hot reload builds the next
// generation first, then swaps it in: events already running finish on the old generation, which is
// retired and disposed when its last event ends; events that start after the swap run the new code.
import type { EventRecord } from '../events/event-table.ts';
import type { PluginIsolate } from './plugin-isolate.ts';
import { mapBundlePositions } from '../plugins/source-map.ts';
import type { PluginCode, InstanceStats } from '../instances/instance-host.ts';

/** One isolate of an instance, and the events running on it. */
export interface Generation {
  readonly instanceId: number;
  readonly plugin: string;
  readonly isolate: PluginIsolate;
  readonly events: Set<number>;
  /** bundle positions in a text → the author's (source map) */
  readonly positions: (text: string) => string;
  /** replaced (reload) or closed: disposed as soon as its last event ends */
  retired: boolean;
  /** the event whose slice runs now: host work done for the isolate (crypto) is charged to it */
  sliceEvent: EventRecord | null;
}

/** An instance's counters across its generations. */
export interface Usage {
  events: number;
  pdkCalls: number;
  /** handler exceptions */
  errors: number;
  generation: number;
  /** CPU of generations already disposed */
  cpuRetiredMs: number;
  /** above --memory-warn-ratio at the last sample */
  overSoftLimit: boolean;
}

export function newGeneration(code: PluginCode & { instanceId: number }, isolate: PluginIsolate): Generation {
  const positions = positionsOf(code);
  return { instanceId: code.instanceId, plugin: code.plugin, isolate, events: new Set(), positions, retired: false, sliceEvent: null };
}

export function newUsage(): Usage {
  return { events: 0, pdkCalls: 0, errors: 0, generation: 1, cpuRetiredMs: 0, overSoftLimit: false };
}

/** Replaced or closed: the generation takes no new events and goes as soon as it has none. */
export function retire(gen: Generation, usages: ReadonlyMap<number, Usage>): void {
  gen.retired = true;
  disposeIfIdle(gen, usages);
}

/** A retired generation with no events left is disposed; its CPU stays counted in its instance's usage (if it lives). */
export function disposeIfIdle(gen: Generation, usages: ReadonlyMap<number, Usage>): void {
  if (!gen.retired || gen.events.size > 0 || gen.isolate.disposed) return;
  const usage = usages.get(gen.instanceId);
  if (usage) usage.cpuRetiredMs += gen.isolate.cpuMs;
  gen.isolate.dispose();
}

/** `usages`: read after the heap is (the instance may have gone meanwhile). */
export async function statsOf(gen: Generation, usages: ReadonlyMap<number, Usage>, cpuBudgetMs: number): Promise<InstanceStats> {
  const heap = await gen.isolate.heap();
  const usage = usages.get(gen.instanceId);
  return {
    InstanceId: gen.instanceId,
    Plugin: gen.plugin,
    HeapUsed: heap.used,
    HeapTotal: heap.total,
    ExternalMemory: heap.external,
    HeapLimit: heap.limit,
    HeapFraction: heap.limit > 0 ? heap.used / heap.limit : 0,
    CpuTimeMs: (usage?.cpuRetiredMs ?? 0) + gen.isolate.cpuMs,
    CpuBudgetMs: cpuBudgetMs,
    EventsServed: usage?.events ?? 0,
    EventsInFlight: gen.events.size,
    PdkCalls: usage?.pdkCalls ?? 0,
    HandlerErrors: usage?.errors ?? 0,
    Generation: usage?.generation ?? 1,
  };
}

/** Bundle positions in a text → the author's, through the plugin's source map if it has one. */
export function positionsOf(code: PluginCode): (text: string) => string {
  const { filename, map } = code;
  return map === undefined ? (text) => text : (text) => mapBundlePositions(text, filename, map);
}
