// The fake Kong's side of a PDK call, as Kong's plugin server bridge runs it: resolve the method
// (an unknown one is logged "could not find pdk method" and answered nil), check the phase, run
// the function on this request's state, and hand back what Kong would step with. Kong 3.x keeps
// only the first return value; Kong 2.x turns `nil, err` into plugin.StepError. A Lua error stops
// the bridge loop: no Step follows.
import { TERMINAL_METHODS } from '../rpc/protocol.ts';
import type { Exchange } from './exchange.ts';
import { LuaError, NilWithError, type PdkFunction } from './lua.ts';
import { phaseError } from './phase-rules.ts';
import { requestPdk } from './pdk-request.ts';
import { responsePdk } from './pdk-response.ts';
import { servicePdk } from './pdk-service.ts';
import { contextPdk } from './pdk-context.ts';

/** What Kong does next after running a PDK call. */
export type CallOutcome =
  /** plugin.Step with this Data (absent when undefined) */
  | { kind: 'step'; data: unknown }
  /** plugin.StepError (Kong 2.x, for a `nil, err` return) */
  | { kind: 'step-error'; error: string }
  /** the Lua function raised: Kong logs it and stops the loop */
  | { kind: 'lua-error'; message: string }
  /** kong.response.exit/error ran: Kong never steps this event again */
  | { kind: 'terminal' };

const TABLE: ReadonlyMap<string, PdkFunction> = new Map(Object.entries({ ...requestPdk, ...responsePdk, ...servicePdk, ...contextPdk }));

/**
 * Functions Kong has that this fake does not emulate (they take Lua callbacks or cdata, or manage
 * Kong's own vault cache). Kong would run them; the fake answers nil and says so in t.warnings.
 */
const NOT_EMULATED = new Set([
  'kong.response.get_raw_body',
  'kong.response.set_raw_body',
  'kong.service.set_target_retry_callback',
  'kong.service.set_tls_cert_key',
  'kong.service.set_tls_verify_store',
  'kong.vault.warmup',
  'kong.vault.init_worker',
]);

export class FakeKongPdk {
  readonly #ex: Exchange;

  constructor(ex: Exchange) {
    this.#ex = ex;
  }

  call(method: string, args: readonly unknown[]): CallOutcome {
    const ex = this.#ex;
    const fn = TABLE.get(method);
    if (fn === undefined && !NOT_EMULATED.has(method)) {
      ex.warnings.push(`could not find pdk method: ${method}`);
      return { kind: 'step', data: undefined };
    }
    const wrongPhase = phaseError(method, ex.phase, ex.request.isStream);
    if (wrongPhase !== null) return { kind: 'lua-error', message: wrongPhase };
    if (fn === undefined) {
      ex.warnings.push(`${method} is not emulated by the fake Kong of PluginTest; answered nil`);
      return { kind: 'step', data: undefined };
    }
    let result: unknown;
    try {
      result = fn(args, ex);
    } catch (err) {
      if (err instanceof LuaError) return { kind: 'lua-error', message: `${method}: ${err.message}` };
      throw err;
    }
    if (TERMINAL_METHODS.has(method)) return { kind: 'terminal' };
    if (result instanceof NilWithError) return ex.kongVersion === '2.x' ? { kind: 'step-error', error: result.error } : { kind: 'step', data: undefined };
    return { kind: 'step', data: result };
  }
}
