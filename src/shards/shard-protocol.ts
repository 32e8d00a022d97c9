// What the supervisor and a shard say to each other over their private channel (src/shards/channel.ts),
// in one place: each end's requests with their params and results, its notifications with their
// payloads, and the channel's message tags. Channel is generic over these, so a misspelt method, a
// wrong payload or a handler that forgets a method is a compile error, not a runtime "unknown method".
import { REQUEST, RESPONSE, NOTIFICATION } from '../rpc/protocol.ts';
import { ErrorCode, KpsError } from '../errors.ts';
import type { Breach, InstanceStats, PluginCode, PluginDescription, StartInstanceMsg } from '../instances/instance-host.ts';

/**
 * The channel's message types: [REQUEST, id, method, params], [RESPONSE, id, error, result],
 * [NOTIFICATION, kind, payload] (MessagePack-RPC's own, so the codec's tags), and the two hand-written
 * ones that carry Kong's event frames (src/shards/event-wire.ts): [EVENT_FRAME, id, msgid, eventId, frame]
 * and [EVENT_ANSWER, id, status, answer].
 */
export const ChannelMessage = {
  REQUEST,
  RESPONSE,
  NOTIFICATION,
  EVENT_FRAME: 3,
  EVENT_ANSWER: 4,
} as const;

/** A plugin's code, or (once the shard holds that hash) only its hash. */
export type CodeRef<M extends PluginCode> = Omit<M, 'code'> & { code?: string };

/** What one end of the channel accepts: the requests it serves and the notifications it is sent. */
export interface ChannelEnd {
  requests: { [method: string]: { params: unknown; result: unknown } };
  notifications: { [kind: string]: unknown };
}

/** The shard's end: the supervisor asks it to host plugins; it is sent no notifications. */
export interface ShardEnd {
  requests: {
    describePlugin: { params: CodeRef<PluginCode & { memoryLimitMb: number }>; result: PluginDescription };
    startInstance: { params: CodeRef<StartInstanceMsg>; result: void };
    reloadInstance: { params: CodeRef<StartInstanceMsg>; result: void };
    closeInstance: { params: number; result: void };
    /** the supervisor's heartbeat */
    ping: { params: null; result: null };
    /** null: every instance the shard holds */
    instanceStats: { params: number | null; result: InstanceStats[] };
    /** answer every event by the failure policy and dispose of the isolates */
    shutdown: { params: null; result: null };
  };
  notifications: Record<never, never>;
}

/** The supervisor's end: it serves no requests; a shard tells it what happened. */
export interface SupervisorEnd {
  requests: Record<never, never>;
  notifications: {
    /** the plugin whose code the shard is about to enter (crash blame), written at once */
    running: string;
    /** an instance was stopped (Kong will start it again) */
    instanceGone: { instanceId: number; reason: string };
    /** a plugin ran into a limit */
    breach: Breach;
  };
}

export type Method<E extends ChannelEnd> = keyof E['requests'] & string;
export type Params<E extends ChannelEnd, M extends Method<E>> = E['requests'][M]['params'];
export type Result<E extends ChannelEnd, M extends Method<E>> = E['requests'][M]['result'];
export type Kind<E extends ChannelEnd> = keyof E['notifications'] & string;

/** [method, params] for each request: a handler's parameters narrow together in a switch on the method. */
export type RequestArgs<E extends ChannelEnd> = { [M in Method<E>]: [method: M, params: Params<E, M>] }[Method<E>];
/** [kind, payload] for each notification, likewise. */
export type NotificationArgs<E extends ChannelEnd> = { [K in Kind<E>]: [kind: K, payload: E['notifications'][K]] }[Kind<E>];

/** Serves every request of E; it resolves with one of E's results (a switch on the method, ending in unknownMethod). */
export type RequestHandler<E extends ChannelEnd> = (...args: RequestArgs<E>) => Promise<Result<E, Method<E>>>;
export type NotificationHandler<E extends ChannelEnd> = (...args: NotificationArgs<E>) => void;

/**
 * The default of a handler's switch: `method` has type never once every case is handled, so a method
 * added to the protocol and not served is a compile error; at run time it names what the peer sent.
 */
export function unknownMethod(method: never): KpsError {
  return new KpsError(ErrorCode.CHANNEL, `unknown shard method ${String(method)}`);
}
