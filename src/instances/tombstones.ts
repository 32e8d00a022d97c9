// Events that ended with a terminal call (kong.response.exit/error) or a failure answer: Kong may
// still Step them (protocol.md §13), and must then get "ret", not an error. Kept for a while, bounded.
const TTL_MS = 120_000;

export class Tombstones {
  /** in insertion order, which is expiry order: every entry lives TTL_MS */
  readonly #until = new Map<number, number>();

  add(eventId: number): void {
    this.#sweep();
    this.#until.delete(eventId); // a re-added id moves to the end, keeping the order
    this.#until.set(eventId, Date.now() + TTL_MS);
  }

  has(eventId: number): boolean {
    const until = this.#until.get(eventId);
    if (until === undefined) return false;
    if (until < Date.now()) {
      this.#until.delete(eventId);
      return false;
    }
    return true;
  }

  /** Drops expired entries from the front; stops at the first live one (amortised O(1) per add). */
  #sweep(): void {
    const now = Date.now();
    for (const [id, until] of this.#until) {
      if (until >= now) break;
      this.#until.delete(id);
    }
  }
}
