// What becomes of a PDK call a plugin made: it goes to Kong as plain data, unless it breaks a bridge
// limit (its name, --max-pdk-calls, what toKongData refuses): then the plugin's call fails instead,
// or, for a terminal call nothing in the isolate waits on, Kong gets the failure policy's answer.
// A pure decision; the host acts on it (local-host.ts).
import { TERMINAL_METHODS } from '../rpc/protocol.ts';
import type { BreachKind } from '../instances/instance-host.ts';
import { toKongData } from './kong-data.ts';
import { isPdkMethodName } from './plugin-text.ts';

export interface PdkCallRefusal {
  /** what the plugin's call fails with; for a terminal call, why it could not be sent to Kong */
  readonly refusal: string;
  /** the limit the call ran into, to report (null: refused for its shape, or reported already this event) */
  readonly breach: { readonly kind: BreachKind; readonly detail: string } | null;
  /**
   * kong.response.exit/error: the runtime resolved the call and closed the event when it sent it,
   * so nothing in the isolate waits for an answer; the event gets the failure policy's.
   */
  readonly terminal: boolean;
}

/** `ok`: the call's arguments as Kong data, to send (toKongData's own answer: nothing more is built per call). */
export type PdkCallDecision = { readonly ok: unknown } | PdkCallRefusal;

/** The runtime never sends one; a bad name reaches no log line and no Kong. */
const BAD_NAME: PdkCallRefusal = Object.freeze({ refusal: 'not a PDK method name', breach: null, terminal: false });

/** `calls`: the event's PDK calls, this one included. */
export function decidePdkCall(
  method: string, args: unknown[], calls: number, limits: { readonly maxPdkCalls: number; readonly maxPayloadBytes: number },
): PdkCallDecision {
  if (!isPdkMethodName(method)) return BAD_NAME;
  // Terminal calls always pass the cap: a plugin can end the request whatever it did before.
  if (calls > limits.maxPdkCalls && !TERMINAL_METHODS.has(method)) {
    const refusal = `more than ${limits.maxPdkCalls} PDK calls in one event (--max-pdk-calls)`;
    return { refusal, breach: calls === limits.maxPdkCalls + 1 ? { kind: 'pdk_calls', detail: refusal } : null, terminal: false };
  }
  const checked = toKongData(args, limits.maxPayloadBytes);
  if ('ok' in checked) return checked;
  const refusal = checked.problem;
  return { refusal, breach: checked.tooLarge ? { kind: 'payload', detail: `${method}: ${refusal}` } : null, terminal: TERMINAL_METHODS.has(method) };
}
