// Instance and event ids: non-negative integers below 2^31 (Go decodes them into int, Kong keeps
// doubles) that do not repeat across a server restart: each run starts at a random point, so ids a
// Kong worker cached from a previous run are answered with "No plugin instance" instead of running
// another instance's config (Kong/kong#8370).
import { randomInt } from 'node:crypto';

const MAX = 2 ** 31 - 1;

export class IdSequence {
  #next: number;

  constructor(start = randomInt(1, 2 ** 30)) {
    this.#next = start;
  }

  next(): number {
    const id = this.#next;
    this.#next = id >= MAX ? 1 : id + 1;
    return id;
  }
}
