// The options an instance host needs; a shard receives exactly these from the supervisor. Which
// ones they are is config/option-table.ts's `host: true`.
import type { ServerOptions } from '../config/options.ts';
import { OPTION_TABLE, type HostOptionKey } from '../config/option-table.ts';
import { originsOf } from '../config/allow-fetch.ts';
import type { IsolateLimits } from './plugin-isolate.ts';

export const LOCAL_HOST_OPTIONS = Object.freeze(
  Object.entries(OPTION_TABLE)
    .filter(([, row]) => 'host' in row && row.host)
    .map(([key]) => key as HostOptionKey),
);

export type LocalHostOptions = Pick<ServerOptions, HostOptionKey>;

/** One isolate's limits from the host's options: `watch` tells the watchdog, `crypto` answers crypto.subtle. */
export function isolateLimits(
  o: LocalHostOptions, plugin: string, memoryLimitMb: number, watch: IsolateLimits['watch'], crypto: (op: unknown, args: unknown) => unknown,
): IsolateLimits {
  return {
    memoryLimitMb,
    maxPendingCalls: o.maxPendingCalls,
    maxPayloadBytes: o.maxPayloadBytes,
    crypto: { maxCryptoBytes: o.maxCryptoBytes, maxCryptoKeyBytes: o.maxCryptoKeyBytes, answer: crypto },
    maxMetadataBytes: o.maxMetadataBytes,
    plugin,
    fetchOrigins: originsOf(o.allowFetch, plugin),
    maxTimers: o.maxTimers,
    maxFetchesPerEvent: o.maxFetchesPerEvent,
    startTimeoutMs: o.startTimeoutMs,
    watch,
  };
}
