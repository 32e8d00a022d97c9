// Where a plugin's instances live: general shards shared by plugins (spread placement), shards of
// their own for --placement dedicated plugins, and quarantine shards for plugins that crashed
// their shard repeatedly. A slot keeps its number across restarts of its process.
import type { ShardProcess } from './shard-process.ts';

export type SlotKind = 'general' | 'dedicated' | 'quarantine';

export interface ShardSlot {
  readonly index: number;
  readonly kind: SlotKind;
  /** the plugin a dedicated or quarantine slot serves */
  readonly owner: string | null;
  proc: ShardProcess;
  /** resolves to the live process; a restart after a crash waits its backoff first */
  ready: Promise<ShardProcess>;
  restarts: number;
  backoffMs: number;
  lastStart: number;
}

/**
 * spread: all instances of a plugin share the general shard that serves the fewest plugins (a
 * plugin that aborts V8 costs one shard; one busy plugin is capped at one core). balance: each new
 * instance goes to the general shard that holds the fewest instances (one busy plugin can use
 * every core, since Kong starts one instance per worker; a plugin that aborts V8 reaches every
 * shard until it is quarantined).
 */
export type PlacementMode = 'spread' | 'balance';

export class Placement {
  readonly #general: ShardSlot[] = [];
  readonly #own = new Map<string, ShardSlot>();
  /** spread: the one general slot of each plugin; balance: the slot of its latest instance */
  readonly #byPlugin = new Map<string, ShardSlot>();
  /** balance: every general slot a plugin has had instances on */
  readonly #slotsOf = new Map<string, Set<ShardSlot>>();
  readonly #dedicated: ReadonlySet<string>;
  readonly #quarantined = new Set<string>();
  readonly #mode: PlacementMode;
  #describeTurn = 0;

  constructor(dedicated: readonly string[], mode: PlacementMode = 'spread') {
    this.#dedicated = new Set(dedicated);
    this.#mode = mode;
  }

  get slots(): ShardSlot[] {
    return [...this.#general, ...this.#own.values()];
  }

  get quarantined(): string[] {
    return [...this.#quarantined];
  }

  addGeneral(slot: ShardSlot): void {
    this.#general.push(slot);
  }

  isQuarantined(plugin: string): boolean {
    return this.#quarantined.has(plugin);
  }

  quarantine(plugin: string): void {
    this.#quarantined.add(plugin);
    this.#byPlugin.delete(plugin);
    this.#slotsOf.delete(plugin);
  }

  /**
   * The slot for a plugin's next instance; `create` makes a dedicated or quarantine slot;
   * `instancesOn` (balance) counts the instances a general slot holds now.
   */
  slotFor(plugin: string, create: (kind: SlotKind, owner: string) => ShardSlot, instancesOn?: (slot: ShardSlot) => number): ShardSlot {
    if (this.#quarantined.has(plugin) || this.#dedicated.has(plugin)) {
      const kind: SlotKind = this.#quarantined.has(plugin) ? 'quarantine' : 'dedicated';
      let slot = this.#own.get(`${kind}:${plugin}`);
      if (!slot) this.#own.set(`${kind}:${plugin}`, (slot = create(kind, plugin)));
      return slot;
    }
    if (this.#mode === 'balance' && instancesOn) {
      // the first of the least loaded: ties go to the lower shard number, so placement is predictable
      const slot = this.#general.reduce((best, s) => (instancesOn(s) < instancesOn(best) ? s : best));
      this.#byPlugin.set(plugin, slot);
      let set = this.#slotsOf.get(plugin);
      if (!set) this.#slotsOf.set(plugin, (set = new Set()));
      set.add(slot);
      return slot;
    }
    let slot = this.#byPlugin.get(plugin);
    if (!slot) {
      // spread: each plugin goes to the general shard that serves the fewest plugins
      const load = (s: ShardSlot) => [...this.#byPlugin.values()].filter((x) => x === s).length;
      slot = this.#general.reduce((best, s) => (load(s) < load(best) ? s : best));
      this.#byPlugin.set(plugin, slot);
    }
    return slot;
  }

  pluginsOf(slot: ShardSlot): string[] {
    if (slot.owner) return [slot.owner];
    if (this.#mode === 'balance') return [...this.#slotsOf].filter(([, set]) => set.has(slot)).map(([p]) => p);
    return [...this.#byPlugin].filter(([, s]) => s === slot).map(([p]) => p);
  }

  /**
   * Where a plugin's metadata read runs: its own shard if it is dedicated or quarantined (it never
   * runs code on a shared shard), the shard of its instances if it has one, else the general shards
   * in turn (without tying the plugin to one: that is decided at its first instance).
   */
  describeSlotFor(plugin: string, create: (kind: SlotKind, owner: string) => ShardSlot): ShardSlot {
    if (this.#quarantined.has(plugin) || this.#dedicated.has(plugin)) return this.slotFor(plugin, create);
    return this.#byPlugin.get(plugin) ?? this.#general[this.#describeTurn++ % this.#general.length]!;
  }
}
