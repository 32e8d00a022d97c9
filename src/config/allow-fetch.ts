// --allow-fetch NAME=ORIGIN[,ORIGIN…]: the origins a plugin's fetch may reach. None by default.
import { OptionError } from '../errors.ts';

/** plugin name (lower case) → its origins, each as URL.origin spells it (`https://a.example:8443`) */
export type FetchAllowList = Readonly<Record<string, readonly string[]>>;

/** One ORIGIN as given → URL.origin; scheme://host[:port] only, http or https. */
export function parseOrigin(given: string, flag = '--allow-fetch'): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new OptionError(`${flag}: "${given}" is not an origin (scheme://host[:port])`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OptionError(`${flag}: "${given}" must be http: or https:`);
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || /[/?#]./.test(given.replace(/^[a-z]+:\/\//i, ''))) {
    throw new OptionError(`${flag}: "${given}" must be an origin only (scheme://host[:port]), without path, query or credentials`);
  }
  return url.origin;
}

/** `NAME=ORIGIN[,ORIGIN…]` entries (repeatable; a name given twice gets both lists). */
export function parseAllowFetch(entries: readonly string[]): FetchAllowList {
  // no prototype: a plugin named "constructor" must not find Object.prototype.constructor here
  const out: Record<string, string[]> = Object.create(null);
  for (const entry of entries) {
    const m = /^([^=]+)=(.+)$/.exec(entry);
    if (!m) throw new OptionError(`--allow-fetch expects NAME=ORIGIN[,ORIGIN…], got "${entry}"`);
    const name = m[1]!.trim().toLowerCase();
    const list = (out[name] ??= []);
    for (const o of m[2]!.split(',')) {
      const origin = parseOrigin(o.trim());
      if (!list.includes(origin)) list.push(origin);
    }
  }
  for (const k of Object.keys(out)) Object.freeze(out[k]);
  return Object.freeze(out);
}

/** The origins of one plugin (own keys only: the table may have crossed a process as JSON). */
export function originsOf(allow: FetchAllowList, plugin: string): readonly string[] {
  const key = plugin.toLowerCase();
  return Object.prototype.hasOwnProperty.call(allow, key) ? (allow[key] ?? []) : [];
}
