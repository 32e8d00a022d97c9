// Where Kong lets a PDK function run. A call in the wrong phase raises a Lua error in Kong
// (kong/pdk/private/phases.lua): the bridge loop stops, no Step follows, and a request phase ends
// in a 500. The lists are Kong's @phases, less the phases external plugins never run in.
//
// The log phase of an external plugin is special: Kong runs it in a timer after the response was
// sent, on a snapshot of the request, and serves only the functions below from it; the rest have
// no request to work on there.
import type { Phase } from '../rpc/protocol.ts';

const LOG_SNAPSHOT = new Set([
  'kong.log.serialize',
  'kong.request.get_header',
  'kong.request.get_headers',
  'kong.request.get_uri_captures',
  'kong.response.get_status',
  'kong.response.get_header',
  'kong.response.get_headers',
  'kong.response.get_source',
  'kong.nginx.get_ctx',
  'kong.nginx.set_ctx',
  'kong.nginx.req_start_time',
  'kong.ctx.shared.get',
  'kong.ctx.shared.set',
]);

/** Functions that need no request at all, so they work in the log timer too. */
const CONTEXT_FREE = /^kong\.(log|node|cluster|vault|ip)\.|^kong\.nginx\.(get_subsystem|get_statistics)$|^kong\.plugin\.get_id$/;

const REQUEST_PHASES: readonly Phase[] = ['rewrite', 'access', 'response', 'log'];

const RULES: ReadonlyArray<readonly [RegExp, readonly Phase[]]> = [
  [/^kong\.request\.(get_raw_body|get_body)$/, ['rewrite', 'access', 'response']],
  [/^kong\.request\./, REQUEST_PHASES],
  [/^kong\.response\.(get_status|get_header|get_headers|get_source)$/, ['response', 'log']],
  [/^kong\.response\.(exit|error)$/, ['rewrite', 'access', 'response', 'preread']],
  [/^kong\.response\.(set_status|set_header|add_header|clear_header|set_headers)$/, ['rewrite', 'access', 'response']],
  [/^kong\.response\.(get_raw_body|set_raw_body)$/, []], // body_filter only
  [/^kong\.service\.request\./, ['rewrite', 'access']],
  [/^kong\.service\.response\./, ['response', 'log']],
  [/^kong\.service\.set_/, ['rewrite', 'access', 'preread']],
  [/^kong\.client\.(authenticate|authenticate_consumer_group_by_consumer_id)$/, ['access']],
  [/^kong\.client\.(get_credential|get_consumer|load_consumer|get_consumer_groups?|set_authenticated_consumer_groups?)$/, ['access', 'response', 'log']],
  [/^kong\.client\.tls\.(request_client_certificate|disable_session_reuse)$/, ['certificate']],
  [/^kong\.client\.tls\.get_full_client_certificate_chain$/, ['rewrite', 'access', 'response', 'log']],
  [/^kong\.client\.tls\.set_client_verify$/, ['rewrite', 'access']],
  [/^kong\.client\./, ['certificate', 'rewrite', 'access', 'response', 'log', 'preread']],
  [/^kong\.router\./, ['access', 'response', 'log', 'preread']],
  [/^kong\.nginx\.get_var$/, ['certificate', 'rewrite', 'access', 'response', 'log', 'preread']],
];

/** Only in the http subsystem (tcp:/tls: requests run preread in the stream subsystem). */
const HTTP_ONLY = /^kong\.(request|service\.request|service\.response)\.|^kong\.response\.(?!exit$|error$)/;

/** The Lua error Kong raises for this call, or null when Kong runs it. */
export function phaseError(method: string, phase: Phase, stream: boolean): string | null {
  if (phase === 'log' && !LOG_SNAPSHOT.has(method) && !CONTEXT_FREE.test(method)) {
    return `${method} cannot be called in the log phase of an external plugin: Kong runs that phase in a timer after the response was sent, and serves only ${[...LOG_SNAPSHOT].join(', ')} (and request-independent functions) from its snapshot`;
  }
  if (stream && HTTP_ONLY.test(method)) return `${method} is not available in the stream subsystem`;
  for (const [pattern, phases] of RULES) {
    if (!pattern.test(method)) continue;
    if (phases.includes(phase)) return null;
    return phases.length === 0
      ? `${method}: function cannot be called in ${phase} phase (only in: body_filter, which external plugins cannot run)`
      : `${method}: function cannot be called in ${phase} phase (only in: ${phases.join(', ')})`;
  }
  return null;
}
