// Events that ended with a terminal call (kong.response.exit/error) or a failure answer: Kong may
// still Step them (protocol.md §13), and must then get "ret", not an error. Kept for a while, bounded.
const TTL_MS = 120_000;
const SWEEP_AT = 1024;

export class Tombstones {
  readonly #until = new Map<number, number>();

  add(eventId: number): void {
    this.#until.set(eventId, Date.now() + TTL_MS);
    if (this.#until.size >= SWEEP_AT) this.#sweep();
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

  #sweep(): void {
    const now = Date.now();
    for (const [id, until] of this.#until) if (until < now) this.#until.delete(id);
  }
}
