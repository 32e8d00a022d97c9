// Crash blame, the shard's half. When a shard dies (V8 aborts, the watchdog kills it, the supervisor
// kills it), nothing in it can speak any more, and shared memory between processes is not on offer
// in Node. So the shard tells the supervisor which plugin's code it is about to run before it runs
// it, written to the channel at once, so it is in the kernel before the plugin's first instruction.
// It says so only when that plugin differs from the last one it named: a shard that serves one
// plugin pays one write per restart, a shared shard one per switch between plugins, never one per
// event of the same plugin. The supervisor blames the last plugin named (src/shards/supervisor.ts).
export class RunningPlugin {
  readonly #announce: (plugin: string) => void;
  #last: string | null = null;

  constructor(announce: (plugin: string) => void) {
    this.#announce = announce;
  }

  /** Called right before plugin code of `plugin` runs on this thread. */
  enter(plugin: string): void {
    if (plugin === this.#last) return;
    this.#last = plugin;
    this.#announce(plugin);
  }
}
