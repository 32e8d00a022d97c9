// The HandleEvent/Step state machine of the instance side. An event alternates between "the plugin
// is running" (a Kong RPC waits for the plugin's next PDK call or its end) and "Kong is running a PDK
// call" (we wait for Kong's Step). Every event ends: on "ret", on a terminal call, on its instance's
// death, or at its deadline; nothing grows without bound.
import type { Phase } from '../rpc/protocol.ts';
import { TERMINAL_METHODS } from '../rpc/protocol.ts';
import type { StepAnswer } from './host-api.ts';
import { Tombstones } from '../instances/tombstones.ts';

export interface EventRecord {
  readonly id: number;
  readonly instanceId: number;
  readonly phase: Phase;
  /** the Kong RPC waiting for the plugin's next answer, if any */
  waiter: ((answer: StepAnswer) => void) | null;
  /** an answer the plugin produced while no Kong RPC was waiting */
  buffered: StepAnswer | null;
  /** the answer was final: deliver it and forget the event */
  final: boolean;
  /** isolate CPU ms the plugin used for this event so far */
  cpuMs: number;
  pdkCalls: number;
  /** the PDK call Kong is running for this event */
  pendingMethod: string | null;
  deadline: NodeJS.Timeout | null;
}

export interface EventTableHooks {
  /** the event passed its deadline; `waitingOnPlugin` says whose turn it was */
  onDeadline(ev: EventRecord, waitingOnPlugin: boolean): void;
  /** the event is forgotten (answered for the last time, or dropped) */
  onEnded(ev: EventRecord): void;
}

export class EventTable {
  readonly #events = new Map<number, EventRecord>();
  readonly #tombstones = new Tombstones();
  readonly #deadlineMs: number;
  readonly #hooks: EventTableHooks;

  constructor(deadlineMs: number, hooks: EventTableHooks) {
    this.#deadlineMs = deadlineMs;
    this.#hooks = hooks;
  }

  get(id: number): EventRecord | undefined {
    return this.#events.get(id);
  }

  wasEnded(id: number): boolean {
    return this.#tombstones.has(id);
  }

  /** Starts an event; the returned promise is the answer to the Kong RPC that started it. */
  begin(id: number, instanceId: number, phase: Phase): { ev: EventRecord; answer: Promise<StepAnswer> } {
    const ev: EventRecord = { id, instanceId, phase, waiter: null, buffered: null, final: false, deadline: null, cpuMs: 0, pdkCalls: 0, pendingMethod: null };
    this.#events.set(id, ev);
    const answer = this.wait(ev);
    return { ev, answer };
  }

  /** A Kong RPC (HandleEvent or Step) now waits for this event's next answer. */
  wait(ev: EventRecord): Promise<StepAnswer> {
    this.#arm(ev, true);
    return new Promise<StepAnswer>((resolve) => {
      if (ev.buffered !== null) {
        const answer = ev.buffered;
        ev.buffered = null;
        this.#delivered(ev, answer);
        resolve(answer);
        return;
      }
      ev.waiter = resolve;
    });
  }

  /** The plugin's next answer: a PDK call, "ret", or the failure policy's answer. */
  answer(ev: EventRecord, answer: StepAnswer, final = false): void {
    if (!this.#events.has(ev.id) || ev.final) return;
    ev.final = final || answer === 'ret' || TERMINAL_METHODS.has(answer.Method);
    const waiter = ev.waiter;
    if (waiter) {
      ev.waiter = null;
      this.#delivered(ev, answer);
      waiter(answer);
    } else {
      ev.buffered = answer;
    }
  }

  /** Forgets an event without answering it (its Kong request is gone). */
  drop(ev: EventRecord): void {
    this.#end(ev);
  }

  #delivered(ev: EventRecord, answer: StepAnswer): void {
    if (ev.final) {
      this.#end(ev);
      if (answer !== 'ret') this.#tombstones.add(ev.id);
    } else {
      this.#arm(ev, false); // Kong's turn: it must Step before the deadline
    }
  }

  #end(ev: EventRecord): void {
    if (ev.deadline) clearTimeout(ev.deadline);
    ev.deadline = null;
    ev.waiter = null;
    if (!this.#events.delete(ev.id)) return;
    this.#hooks.onEnded(ev);
  }

  #arm(ev: EventRecord, waitingOnPlugin: boolean): void {
    if (ev.deadline) clearTimeout(ev.deadline);
    ev.deadline = setTimeout(() => {
      ev.deadline = null;
      this.#hooks.onDeadline(ev, waitingOnPlugin);
    }, this.#deadlineMs);
    ev.deadline.unref();
  }
}
