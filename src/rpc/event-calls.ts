// The parameters of HandleEvent and the Step* calls, checked once: the dispatcher (decoding path,
// --shards 0) and a shard serving a forwarded frame (src/shards/event-frames.ts) read them with this,
// so Kong gets the same answer to the same bytes whichever way they went.
import { BadParamsError } from '../errors.ts';
import { PHASES, PluginMethod, isPhase, type Phase } from './protocol.ts';
import { mapParam, idValue, stringValue, has } from './params.ts';

export type EventCall =
  | { kind: 'handle'; instanceId: number; phase: Phase }
  | { kind: 'step'; eventId: number; data: { data?: unknown; error?: string } };

const PHASE_NAMES = PHASES.join(', ');

/** Throws BadParamsError as Kong must see it; `method` is one of HandleEvent, StepError, STEP_METHODS. */
export function readEventCall(method: string, params: unknown[]): EventCall {
  const p = mapParam(method, params);
  if (method === PluginMethod.HandleEvent) {
    const instanceId = idValue(method, 'InstanceId', p.InstanceId);
    const phase = p.EventName;
    if (!isPhase(phase)) throw new BadParamsError(method, `EventName must be one of ${PHASE_NAMES}`);
    return { kind: 'handle', instanceId, phase };
  }
  const eventId = idValue(method, 'EventId', p.EventId);
  if (method === PluginMethod.StepError) {
    const data = has(p, 'Data') && p.Data !== null ? p.Data : 'unknown error';
    return { kind: 'step', eventId, data: { error: typeof data === 'string' || data instanceof Uint8Array ? stringValue(method, 'Data', data) : JSON.stringify(data) } };
  }
  return { kind: 'step', eventId, data: has(p, 'Data') ? { data: p.Data } : {} };
}
