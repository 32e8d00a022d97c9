// The supervisor as a frame router (docs/protocol.md, "Shards"): HandleEvent and Step frames go
// undecoded to the shard that owns their instance or event, and the shard's answer frame goes to
// Kong as it is. What the supervisor answers itself (unknown instances and events, Steps out of
// turn, dead shards, tombstones of events whose shard died) takes the decoding path, which answers
// exactly as before.
import type { FrameRouter } from '../rpc/server.ts';
import type { PeekedEvent } from '../rpc/frame-peek.ts';
import type { InstanceManager } from './manager.ts';
import type { ShardSupervisor } from '../shards/supervisor.ts';

export class EventRouter implements FrameRouter {
  readonly #manager: InstanceManager;
  readonly #shards: ShardSupervisor;

  constructor(manager: InstanceManager, shards: ShardSupervisor) {
    this.#manager = manager;
    this.#shards = shards;
  }

  forward(peek: PeekedEvent, frame: Buffer, reply: (answer: Uint8Array) => void): boolean {
    if (peek.kind === 'step') return this.#shards.forwardStep(peek.eventId, peek.msgid, frame, reply);
    const { instanceId, phase, msgid } = peek;
    return this.#manager.forwardHandleEvent(instanceId, phase, (eventId) =>
      this.#shards.forwardHandleEvent(instanceId, eventId, phase, msgid, frame, reply),
    );
  }
}
