// Events that ended with a terminal call (kong.response.exit/error) or a failure answer: Kong may
// still Step them (docs/protocol.md, "Open questions"), and must then get "ret", not an error.
// Kept for a while, bounded.
// An entry may carry a value (the supervisor keeps the shard that holds the event's own tombstone).
const TTL_MS = 120_000;

export class Tombstones<T = true> {
  /** in insertion order, which is expiry order: every entry lives TTL_MS */
  readonly #until = new Map<number, { until: number; value: T }>();

  add(eventId: number, value: T = true as T): void {
    this.#sweep();
    this.#until.delete(eventId); // a re-added id moves to the end, keeping the order
    this.#until.set(eventId, { until: Date.now() + TTL_MS, value });
  }

  has(eventId: number): boolean {
    return this.get(eventId) !== undefined;
  }

  /** The entry's value, while it lives. */
  get(eventId: number): T | undefined {
    const entry = this.#until.get(eventId);
    if (entry === undefined) return undefined;
    if (entry.until < Date.now()) {
      this.#until.delete(eventId);
      return undefined;
    }
    return entry.value;
  }

  /** Drops expired entries from the front; stops at the first live one (amortised O(1) per add). */
  #sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.#until) {
      if (entry.until >= now) break;
      this.#until.delete(id);
    }
  }
}
