// What Kong is told when a plugin fails (throws, breaches a limit, misses its deadline, dies).
import type { FailurePolicy } from '../config/options.ts';
import type { Phase } from '../rpc/protocol.ts';
import type { StepAnswer } from '../instances/instance-host.ts';

/** The body Kong itself sends when a Lua plugin throws in a request phase. */
export const FAIL_CLOSED_BODY = { message: 'An unexpected error occurred' };

export function failureAnswer(policy: FailurePolicy, phase: Phase): StepAnswer {
  // The log phase runs after the response was sent: there is nothing left to close.
  if (policy === 'open' || phase === 'log') return 'ret';
  return { Method: 'kong.response.exit', Args: [500, FAIL_CLOSED_BODY] };
}
