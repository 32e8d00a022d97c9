// The message-shaped boundary between the RPC side and the side that hosts isolates. Plain data in
// and out, so the instance side can live in another process (a shard) without the RPC side changing.
import type { Phase, PdkCall } from '../rpc/protocol.ts';

export interface PluginCode {
  plugin: string;
  /** sha256 of the bundle; shards keep code by it, so it crosses the channel once per shard */
  hash: string;
  /** the bundled classic script */
  code: string;
  /** shown in stack traces */
  filename: string;
  /** the bundle's source map: logged and reported positions are the author's, not the bundle's */
  map?: string;
}

/** What a plugin's module exported, as read inside a throwaway isolate (validated by the caller). */
export interface PluginDescription {
  name: string | null;
  version: unknown;
  priority: unknown;
  phases: string[];
  /** filter handlers Kong cannot call on external plugins (header_filter, body_filter) */
  filters: string[];
  schemaFields: unknown;
}

export interface StartInstanceMsg extends PluginCode {
  instanceId: number;
  config: unknown;
  memoryLimitMb: number;
}

export interface HandleEventMsg {
  instanceId: number;
  eventId: number;
  phase: Phase;
}

export interface StepMsg {
  eventId: number;
  /** absent = Kong sent no Data (nil) */
  data?: unknown;
  /** set for plugin.StepError: the pending PDK call fails with this message */
  error?: string;
}

export type StepAnswer = 'ret' | PdkCall;

/** A limit a plugin ran into. `fatal`: the instance was stopped for it. */
export interface Breach {
  plugin: string;
  instanceId: number | null;
  kind: BreachKind;
  detail: string;
  fatal: boolean;
}

export type BreachKind =
  | 'memory' | 'memory_soft' | 'cpu' | 'deadline' | 'pdk_calls' | 'pending_calls' | 'payload' | 'events_in_flight'
  | 'hung' | 'shard_crash' | 'shard_memory' | 'isolate' | 'timers' | 'fetch';

/** What GetStatus, InstanceStatus, metrics and the status command show per instance. */
export interface InstanceStats {
  InstanceId: number;
  Plugin: string;
  HeapUsed: number;
  HeapTotal: number;
  ExternalMemory: number;
  HeapLimit: number;
  /** HeapUsed / HeapLimit */
  HeapFraction: number;
  /** isolate CPU time of this instance, all generations */
  CpuTimeMs: number;
  /** CPU budget of one event */
  CpuBudgetMs: number;
  EventsServed: number;
  EventsInFlight: number;
  PdkCalls: number;
  /** phase handlers that threw or rejected */
  HandlerErrors: number;
  /** 1, plus one per hot reload */
  Generation: number;
}

export interface InstanceHostApi {
  describePlugin(msg: PluginCode & { memoryLimitMb: number }): Promise<PluginDescription>;
  startInstance(msg: StartInstanceMsg): Promise<void>;
  /** Hot reload: the same instance id gets a new isolate from new code with the same config. */
  reloadInstance(msg: StartInstanceMsg): Promise<void>;
  handleEvent(msg: HandleEventMsg): Promise<StepAnswer>;
  step(msg: StepMsg): Promise<StepAnswer>;
  closeInstance(instanceId: number): Promise<void>;
  /** Called when the host loses an instance on its own (a limit breach): the RPC side forgets it. */
  onInstanceGone(listener: (instanceId: number, reason: string) => void): void;
  /** Called for every limit a plugin runs into (the host has logged it). */
  onBreach(listener: (breach: Breach) => void): void;
  /** Figures of live instances (all, or the one asked for). */
  instanceStats(instanceId?: number): Promise<InstanceStats[]>;
  /** what GetStatus shows about where isolates live */
  status(): HostStatus;
  shutdown(): Promise<void>;
}

export interface ShardStatus {
  Shard: number;
  Kind: 'general' | 'dedicated' | 'quarantine';
  Pid: number | null;
  Plugins: string[];
  Instances: number;
  RssMb: number;
  Restarts: number;
}

export interface HostStatus {
  Shards: ShardStatus[];
  Quarantined: string[];
}
