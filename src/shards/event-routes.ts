// The supervisor's side of Kong's events: which shard holds each event, so Kong's frames for it are
// forwarded there undecoded (src/shards/event-frames.ts serves them). Kong's event rules (after the
// end, after a terminal call, the failure policy) are the shard's LocalInstanceHost's; this answers
// only what no shard can: events whose shard died (the failure policy, then "ret"), ids that belong
// to no event, and a Step sent before Kong had the answer to the event's previous frame (the shard
// may have answered already; only the supervisor knows the answer has not reached Kong).
import type { FailurePolicy } from '../config/options.ts';
import { EventBusyError, NoRunningEventError } from '../errors.ts';
import { failureAnswer } from '../events/failure-answer.ts';
import { Tombstones } from '../events/tombstones.ts';
import { responseFrame } from '../rpc/response-frame.ts';
import type { Phase } from '../rpc/protocol.ts';
import type { StepAnswer } from '../instances/instance-host.ts';
import { EventStatus } from './event-status.ts';
import type { ShardProcess } from './shard-process.ts';

type Reply = (answer: Uint8Array) => void;

interface EventRoute {
  proc: ShardProcess;
  phase: Phase;
  /** frames of this event out at the shard */
  out: number;
  /** the shard died while Kong held the event: its next Step gets the failure answer */
  lost: boolean;
  touched: number;
}

export class EventRoutes {
  readonly #events = new Map<number, EventRoute>();
  /**
   * Events that ended with a terminal call: late Steps go to the shard that holds the event's own
   * tombstone; null when the supervisor gave the final answer itself (the shard died).
   */
  readonly #ended = new Tombstones<ShardProcess | null>();
  readonly #policy: FailurePolicy;
  readonly #onInstanceLost: (instanceId: number) => void;

  constructor(policy: FailurePolicy, onInstanceLost: (instanceId: number) => void) {
    this.#policy = policy;
    this.#onInstanceLost = onInstanceLost;
  }

  /** HandleEvent (the event's id is already given): false if nothing was sent (the shard is gone). */
  begin(proc: ShardProcess, instanceId: number, eventId: number, phase: Phase, msgid: number, frame: Uint8Array, reply: Reply): boolean {
    if (proc.dead) return false;
    const route: EventRoute = { proc, phase, out: 1, lost: false, touched: Date.now() };
    this.#events.set(eventId, route);
    const sent = proc.channel.forwardEvent(msgid, eventId, frame, (status, answer) => {
      if (status === EventStatus.NO_INSTANCE) this.#onInstanceLost(instanceId);
      if (status === EventStatus.REFUSED && this.#events.get(eventId) === route) this.#events.delete(eventId); // it never began
      reply(this.#settle(eventId, route, msgid, status, answer));
    });
    if (!sent) this.#events.delete(eventId);
    return sent;
  }

  /** A Step: forwarded to the shard holding the event (or its tombstone); false: ownAnswer() answers. */
  step(eventId: number, msgid: number, frame: Uint8Array, reply: Reply): boolean {
    const route = this.#events.get(eventId);
    if (route === undefined) {
      const proc = this.#ended.get(eventId);
      if (!proc || proc.dead) return false;
      return proc.channel.forwardEvent(msgid, -1, frame, (_status, answer) => reply(answer ?? responseFrame(msgid, null, { EventId: eventId, Data: 'ret' })));
    }
    // Out of turn: Kong has not had the answer to the event's previous frame, so this Step is not
    // for that event. Only the supervisor can tell: the shard may have answered already, and its
    // answer be on its way to Kong.
    if (route.lost || route.proc.dead || route.out > 0) return false;
    route.out++;
    route.touched = Date.now();
    const sent = route.proc.channel.forwardEvent(msgid, -1, frame, (status, answer) =>
      reply(this.#settle(eventId, route, msgid, status, answer)));
    if (!sent) route.out--;
    return sent;
  }

  /** The answer to a Step that step() did not forward: the event's shard died, or there is no such event. */
  ownAnswer(eventId: number): StepAnswer {
    const route = this.#events.get(eventId);
    if (route !== undefined) {
      if (route.lost || route.proc.dead) return this.#final(eventId, failureAnswer(this.#policy, route.phase));
      throw new EventBusyError(eventId);
    }
    if (this.#ended.has(eventId)) return 'ret';
    throw new NoRunningEventError(eventId);
  }

  /** The shard died: events Kong holds answer their next Step by the failure policy. */
  markLost(proc: ShardProcess): void {
    for (const route of this.#events.values()) if (route.proc === proc) route.lost = true;
  }

  /** Routes of events Kong abandoned: the shard reaped them at its deadline; forget them here too. */
  sweep(olderThan: number): void {
    for (const [id, route] of this.#events) if (route.out === 0 && route.touched < olderThan) this.#events.delete(id);
  }

  /** Keeps the route by what the shard said the frame did; a shard gone answers by the failure policy. */
  #settle(eventId: number, route: EventRoute, msgid: number, status: number, answer: Uint8Array | null): Uint8Array {
    route.out--;
    route.touched = Date.now();
    const current = this.#events.get(eventId) === route;
    if (answer === null || status === EventStatus.LOST) {
      // another frame of this event already had the final answer: the event is over
      return responseFrame(msgid, null, { EventId: eventId, Data: current ? this.#final(eventId, failureAnswer(this.#policy, route.phase)) : 'ret' });
    }
    if (!current) return answer;
    if (status === EventStatus.ENDED || status === EventStatus.NO_EVENT || status === EventStatus.NO_INSTANCE) this.#events.delete(eventId);
    else if (status === EventStatus.ENDED_TERMINAL) {
      this.#events.delete(eventId);
      this.#ended.add(eventId, route.proc);
    }
    return answer;
  }

  #final(eventId: number, answer: StepAnswer): StepAnswer {
    this.#events.delete(eventId);
    if (answer !== 'ret') this.#ended.add(eventId, null);
    return answer;
  }
}
