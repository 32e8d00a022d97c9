// Kong's answer frame [1, msgid, error, result], encoded once, wherever the answer is produced (the
// supervisor, or the shard that served a forwarded event frame).
import { encode } from './codec.ts';
import { RESPONSE } from './protocol.ts';
import { errorMessage } from '../errors.ts';

export function responseFrame(msgid: number, error: string | null, result: unknown): Buffer {
  try {
    return encode([RESPONSE, msgid, error, result ?? null]);
  } catch (err) {
    return encode([RESPONSE, msgid, `could not encode the result: ${errorMessage(err)}`, null]);
  }
}
