// The options an instance host needs; a shard receives exactly these from the supervisor.
import type { ServerOptions } from '../config/options.ts';

export const LOCAL_HOST_OPTIONS = [
  'cpuLimitMs', 'startTimeoutMs', 'eventTimeoutMs', 'killGraceMs', 'onPluginError', 'memoryWarnRatio',
  'maxPdkCalls', 'maxPendingCalls', 'maxEventsPerInstance', 'maxPayloadBytes', 'maxMetadataBytes', 'memoryLimitMb', 'isolatePool',
  'maxCryptoBytes', 'maxCryptoKeyBytes', 'maxRsaBits',
] as const;

export type LocalHostOptions = Pick<ServerOptions, (typeof LOCAL_HOST_OPTIONS)[number]>;
