// The shard's half of the frame router: a Kong frame forwarded undecoded is decoded here once, read
// by the same parameter checks as the dispatcher's (src/rpc/event-calls.ts), run through the same
// LocalInstanceHost as every other path, and answered with Kong's complete response frame.
import { decodeOne } from '../rpc/codec.ts';
import { readEventCall } from '../rpc/event-calls.ts';
import { responseFrame } from '../rpc/response-frame.ts';
import { PluginMethod, TERMINAL_METHODS } from '../rpc/protocol.ts';
import { ErrorCode, KpsError, errorMessage } from '../errors.ts';
import type { LocalInstanceHost } from '../sandbox/local-host.ts';
import type { Logger } from '../log.ts';
import type { StepAnswer } from '../instances/instance-host.ts';
import { EventStatus } from './event-status.ts';

export type AnswerFrame = (status: number, answer: Uint8Array) => void;

/** `eventId`: the id the supervisor gave a HandleEvent (-1 for a Step, whose frame names its event). */
export function serveEventFrame(
  host: LocalInstanceHost, log: Logger, msgid: number, eventId: number, frame: Uint8Array, answer: AnswerFrame,
): void {
  let method: string = PluginMethod.HandleEvent;
  let work: Promise<StepAnswer>;
  let id: number;
  try {
    const request = decodeOne(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)) as unknown[];
    method = String(request[2]);
    const params = Array.isArray(request[3]) ? request[3] : [request[3]];
    const call = readEventCall(method, params);
    if (call.kind === 'handle') {
      id = eventId;
      work = host.handleEvent({ instanceId: call.instanceId, eventId, phase: call.phase });
    } else {
      id = call.eventId;
      work = host.step({ eventId: id, ...call.data });
    }
  } catch (err) {
    answer(statusOf(err), refusal(log, msgid, method, err));
    return;
  }
  work.then(
    (data) => answer(data === 'ret' ? EventStatus.ENDED : TERMINAL_METHODS.has(data.Method) ? EventStatus.ENDED_TERMINAL : EventStatus.RUNNING, responseFrame(msgid, null, { EventId: id, Data: data })),
    (err: unknown) => answer(statusOf(err), refusal(log, msgid, method, err)),
  );
}

function statusOf(err: unknown): number {
  if (err instanceof KpsError && err.code === ErrorCode.NO_INSTANCE) return EventStatus.NO_INSTANCE;
  if (err instanceof KpsError && err.code === ErrorCode.NO_EVENT) return EventStatus.NO_EVENT;
  return EventStatus.REFUSED;
}

/** Kong's error answer, worded and logged as the RPC server does: a KpsError's own message, anything else an internal error. */
function refusal(log: Logger, msgid: number, method: string, err: unknown): Buffer {
  const code = err instanceof KpsError ? err.code : ErrorCode.INTERNAL;
  const message = err instanceof KpsError ? err.message : `internal error in ${method}: ${errorMessage(err)}`;
  log[code === ErrorCode.INTERNAL ? 'error' : 'info']({ event: 'rpc.error', method, code }, message);
  return responseFrame(msgid, message, null);
}
