// Every limit plugins ran into, counted by plugin and kind, with the last one per plugin and per
// instance: what GetStatus, the metrics and the status command show an operator.
import type { Breach, BreachKind } from './instance-host.ts';
import { clipPluginText } from '../sandbox/plugin-text.ts';

export interface BreachRecord {
  Kind: BreachKind;
  Detail: string;
  Time: number;
}

export interface PluginBreaches {
  Breaches: Partial<Record<BreachKind, number>>;
  /** instances stopped by a breach (Kong starts them again) */
  Restarts: number;
  LastBreach: BreachRecord | null;
}

const MAX_INSTANCE_RECORDS = 10_000;

export class BreachLedger {
  readonly #plugins = new Map<string, PluginBreaches>();
  readonly #instances = new Map<number, BreachRecord>();

  record(b: Breach): void {
    const rec: BreachRecord = { Kind: b.kind, Detail: clipPluginText(b.detail), Time: Date.now() / 1000 };
    const p = this.plugin(b.plugin);
    p.Breaches[b.kind] = (p.Breaches[b.kind] ?? 0) + 1;
    if (b.fatal) p.Restarts++;
    p.LastBreach = rec;
    if (b.instanceId !== null) {
      if (this.#instances.size >= MAX_INSTANCE_RECORDS) this.#instances.delete(this.#instances.keys().next().value!);
      this.#instances.set(b.instanceId, rec);
    }
  }

  plugin(name: string): PluginBreaches {
    let p = this.#plugins.get(name);
    if (!p) this.#plugins.set(name, (p = { Breaches: {}, Restarts: 0, LastBreach: null }));
    return p;
  }

  instance(id: number): BreachRecord | null {
    return this.#instances.get(id) ?? null;
  }

  forget(id: number): void {
    this.#instances.delete(id);
  }

  /** [plugin, kind, count] for every kind seen */
  counts(): Array<[string, BreachKind, number]> {
    return [...this.#plugins].flatMap(([name, p]) =>
      Object.entries(p.Breaches).map(([k, n]) => [name, k as BreachKind, n] as [string, BreachKind, number]));
  }
}
