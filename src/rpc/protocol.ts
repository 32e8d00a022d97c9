// Wire shapes of Kong's MessagePack-RPC (docs/protocol.md, "Framing" and "Methods"). Field names
// are Kong's, exactly.

export const REQUEST = 0;
export const RESPONSE = 1;
export const NOTIFICATION = 2;

export type Request = [typeof REQUEST, number, string, unknown[]];

export const PHASES = ['certificate', 'rewrite', 'log', 'access', 'preread', 'response'] as const;
export type Phase = (typeof PHASES)[number];

export function isPhase(name: unknown): name is Phase {
  return typeof name === 'string' && (PHASES as readonly string[]).includes(name);
}

export interface PdkCall {
  Method: string;
  Args: unknown[];
}

/** Reply to HandleEvent and every Step*: Data is "ret" or the next PDK call. */
export interface StepData {
  EventId: number;
  Data: 'ret' | PdkCall;
}

export interface InstanceStatus {
  Name: string;
  Id: number;
  Config: unknown;
  StartTime: number;
}

export interface PluginInfo {
  Name: string;
  Version: string;
  Priority: number;
  Phases: Phase[];
  Schema: { name: string; fields: unknown[] };
}

/** PDK calls after which Kong never steps the event again (docs/protocol.md, "Terminal calls"). */
export const TERMINAL_METHODS: ReadonlySet<string> = new Set(['kong.response.exit', 'kong.response.error']);
