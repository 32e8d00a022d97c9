// The HandleEvent/Step state machine of the instance side. An event alternates between "the plugin
// is running" (a Kong RPC waits for the plugin's next PDK call or its end) and "Kong is running a PDK
// call" (we wait for Kong's Step). Every event ends: on "ret", on a terminal call, on its instance's
// death, or at its deadline; nothing grows without bound.
import type { Phase } from '../rpc/protocol.ts';
import { TERMINAL_METHODS } from '../rpc/protocol.ts';
import type { StepAnswer } from '../instances/instance-host.ts';
import { Tombstones } from './tombstones.ts';

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
  /** Date.now() past which the sweep ends the event; 0 once it has ended */
  deadline: number;
  /** whose turn it is at the deadline: the plugin's (a Kong RPC waits) or Kong's (a Step is due) */
  waitingOnPlugin: boolean;
}

export interface EventTableHooks {
  /** the event passed its deadline; `waitingOnPlugin` says whose turn it was */
  onDeadline(ev: EventRecord, waitingOnPlugin: boolean): void;
  /** the event is forgotten (answered for the last time, or dropped) */
  onEnded(ev: EventRecord): void;
}

/**
 * Deadlines are checked by one sweep while events exist, not by a timer per turn: an event changes
 * turns four times or more, and arming and clearing a Node timer each time was measurable on the
 * event path. An event therefore ends between its deadline and one sweep interval after it.
 */
export class EventTable {
  readonly #events = new Map<number, EventRecord>();
  readonly #tombstones = new Tombstones();
  readonly #deadlineMs: number;
  readonly #sweepMs: number;
  readonly #hooks: EventTableHooks;
  #sweeper: NodeJS.Timeout | null = null;

  constructor(deadlineMs: number, hooks: EventTableHooks) {
    this.#deadlineMs = deadlineMs;
    this.#sweepMs = Math.max(10, Math.min(1000, Math.floor(deadlineMs / 10)));
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
    const ev: EventRecord = {
      id, instanceId, phase, waiter: null, buffered: null, final: false, deadline: 0, waitingOnPlugin: true,
      cpuMs: 0, pdkCalls: 0, pendingMethod: null,
    };
    this.#events.set(id, ev);
    if (this.#sweeper === null) {
      this.#sweeper = setInterval(() => this.#sweep(), this.#sweepMs);
      this.#sweeper.unref();
    }
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
    ev.deadline = 0;
    ev.waiter = null;
    if (!this.#events.delete(ev.id)) return;
    if (this.#events.size === 0 && this.#sweeper !== null) {
      clearInterval(this.#sweeper);
      this.#sweeper = null;
    }
    this.#hooks.onEnded(ev);
  }

  #arm(ev: EventRecord, waitingOnPlugin: boolean): void {
    ev.deadline = Date.now() + this.#deadlineMs;
    ev.waitingOnPlugin = waitingOnPlugin;
  }

  #sweep(): void {
    const now = Date.now();
    const due: EventRecord[] = [];
    for (const ev of this.#events.values()) if (ev.deadline !== 0 && ev.deadline <= now) due.push(ev);
    for (const ev of due) {
      if (ev.deadline === 0 || !this.#events.has(ev.id)) continue; // ended by an earlier one's hook
      ev.deadline = 0;
      this.#hooks.onDeadline(ev, ev.waitingOnPlugin);
    }
  }
}
