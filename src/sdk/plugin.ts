// definePlugin: a typed way to write the kong-js-pdk module format (`{ Plugin, Schema, Version,
// Priority, Name? }`). The handlers' `this.config` has the type the schema literal implies.
//
// Runs inside the sandbox too (plugins import it and esbuild bundles it): no Node APIs, no imports
// from the rest of src/.
import type { Kong } from './kong.ts';
import type { Schema, ConfigOf } from './schema.ts';

export type Phase = 'certificate' | 'rewrite' | 'access' | 'response' | 'preread' | 'log';

/** In the order Kong runs them; the server advertises a phase when the class has its method. */
export const PHASES: readonly Phase[] = ['certificate', 'rewrite', 'access', 'response', 'preread', 'log'];

/** What a handler sees as `this`. */
export interface PluginContext<C> {
  /** as Kong sent it: the schema's fields, plus Kong's metadata keys (route_id, __key__, …) */
  readonly config: C;
}

export type Handler<C> = (this: PluginContext<C>, kong: Kong) => void | Promise<void>;

export interface PluginSpec<S extends Schema> {
  /** defaults to the file or directory name */
  readonly name?: string;
  /** "x.y.z": Kong ≥ 3.0 refuses a plugin without one */
  readonly version: string;
  /** higher runs earlier; defaults to 0 */
  readonly priority?: number;
  readonly schema: S;
  readonly certificate?: Handler<ConfigOf<S>>;
  readonly rewrite?: Handler<ConfigOf<S>>;
  readonly access?: Handler<ConfigOf<S>>;
  /** defining it turns on buffered proxying for the route (kong.service.response bodies) */
  readonly response?: Handler<ConfigOf<S>>;
  readonly preread?: Handler<ConfigOf<S>>;
  /** runs after the response was sent, on Kong's snapshot of the request */
  readonly log?: Handler<ConfigOf<S>>;
}

export type PluginInstance<C> = PluginContext<C> & { readonly [P in Phase]?: (kong: Kong) => void | Promise<void> };

/** The kong-js-pdk module format: export it as the module (`module.exports =` or `export default`). */
export interface PluginModule<S extends Schema> {
  readonly Plugin: new (config: ConfigOf<S>) => PluginInstance<ConfigOf<S>>;
  readonly Schema: S;
  readonly Version: string;
  readonly Priority: number;
  readonly Name?: string;
}

const SPEC_KEYS = new Set<string>(['name', 'version', 'priority', 'schema', ...PHASES]);

export function definePlugin<const S extends Schema>(spec: PluginSpec<S>): PluginModule<S> {
  // Checked here as well as by the compiler: plain-JS plugins use this too, and a misspelt phase
  // would otherwise silently never run.
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key)) throw new TypeError(`definePlugin: unknown key "${key}" (phases are ${PHASES.join(', ')})`);
  }
  class Plugin {
    readonly config: ConfigOf<S>;
    constructor(config: ConfigOf<S>) {
      this.config = config;
    }
  }
  // Only the phases given become methods: the server reads the phases off the prototype.
  for (const phase of PHASES) {
    const handler = spec[phase];
    if (handler === undefined) continue;
    if (typeof handler !== 'function') throw new TypeError(`definePlugin: ${phase} must be a function`);
    Object.defineProperty(Plugin.prototype, phase, { value: handler, writable: true, configurable: true });
  }
  return {
    Plugin,
    Schema: spec.schema,
    Version: spec.version,
    Priority: spec.priority ?? 0,
    ...(spec.name === undefined ? {} : { Name: spec.name }),
  };
}
