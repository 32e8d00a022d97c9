// The options an instance host needs; a shard receives exactly these from the supervisor. Which
// ones they are is config/option-table.ts's `host: true`.
import type { ServerOptions } from '../config/options.ts';
import { OPTION_TABLE, type HostOptionKey } from '../config/option-table.ts';

export const LOCAL_HOST_OPTIONS = Object.freeze(
  Object.entries(OPTION_TABLE)
    .filter(([, row]) => 'host' in row && row.host)
    .map(([key]) => key as HostOptionKey),
);

export type LocalHostOptions = Pick<ServerOptions, HostOptionKey>;
