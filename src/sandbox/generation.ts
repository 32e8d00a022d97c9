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

/**
 * Each live instance's current generation and counters, and the generation each running event is
 * on: a generation an instance no longer uses (reloaded, closed) lives until its last event ends.
 */
export class InstanceGenerations {
  readonly #current = new Map<number, Generation>();
  readonly #usage = new Map<number, Usage>();
  readonly #byEvent = new Map<number, Generation>();

  /** live instance id → its current generation */
  get current(): ReadonlyMap<number, Generation> {
    return this.#current;
  }

  usage(instanceId: number): Usage | undefined {
    return this.#usage.get(instanceId);
  }

  ofEvent(eventId: number): Generation | undefined {
    return this.#byEvent.get(eventId);
  }

  /** current generations, and retired ones that still run events */
  all(): Set<Generation> {
    return new Set([...this.#current.values(), ...this.#byEvent.values()]);
  }

  /** A new instance's first generation. */
  add(gen: Generation): void {
    this.#current.set(gen.instanceId, gen);
    this.#usage.set(gen.instanceId, { events: 0, pdkCalls: 0, errors: 0, generation: 1, cpuRetiredMs: 0, overSoftLimit: false });
  }

  /** Hot reload: `next` becomes the instance's current generation; false if the instance is gone. */
  swap(next: Generation): boolean {
    const current = this.#current.get(next.instanceId);
    if (!current) return false;
    this.#current.set(next.instanceId, next);
    const usage = this.#usage.get(next.instanceId);
    if (usage) usage.generation++;
    this.#retire(current);
    return true;
  }

  /** The instance is closed: its current generation goes once its events end. Returns false if there was none. */
  close(instanceId: number): boolean {
    const gen = this.#current.get(instanceId);
    if (!gen) return false;
    this.#current.delete(instanceId);
    this.#usage.delete(instanceId);
    this.#retire(gen);
    return true;
  }

  /** The generation is unusable: if it was its instance's current one the instance is forgotten (true). */
  drop(gen: Generation): boolean {
    if (this.#current.get(gen.instanceId) !== gen) return false;
    this.#current.delete(gen.instanceId);
    this.#usage.delete(gen.instanceId);
    return true;
  }

  beginEvent(gen: Generation, eventId: number): void {
    gen.events.add(eventId);
    this.#byEvent.set(eventId, gen);
    const usage = this.#usage.get(gen.instanceId);
    if (usage) usage.events++;
  }

  endEvent(eventId: number): void {
    const gen = this.#byEvent.get(eventId);
    this.#byEvent.delete(eventId);
    if (!gen) return;
    gen.events.delete(eventId);
    this.#disposeIfIdle(gen);
  }

  async stats(gen: Generation, cpuBudgetMs: number): Promise<InstanceStats> {
    const heap = await gen.isolate.heap();
    const usage = this.#usage.get(gen.instanceId); // after the heap: the instance may have gone meanwhile
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

  /** Replaced or closed: the generation takes no new events and goes as soon as it has none. */
  #retire(gen: Generation): void {
    gen.retired = true;
    this.#disposeIfIdle(gen);
  }

  /** A retired generation with no events left is disposed; its CPU stays counted in its instance's usage (if it lives). */
  #disposeIfIdle(gen: Generation): void {
    if (!gen.retired || gen.events.size > 0 || gen.isolate.disposed) return;
    const usage = this.#usage.get(gen.instanceId);
    if (usage) usage.cpuRetiredMs += gen.isolate.cpuMs;
    gen.isolate.dispose();
  }
}

/** Bundle positions in a text → the author's, through the plugin's source map if it has one. */
export function positionsOf(code: PluginCode): (text: string) => string {
  const { filename, map } = code;
  return map === undefined ? (text) => text : (text) => mapBundlePositions(text, filename, map);
}
