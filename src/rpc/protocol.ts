// Wire shapes of Kong's MessagePack-RPC (docs/protocol.md, "Framing" and "Methods"). Field names
// are Kong's, exactly. Its constants (message types, method names, phases, terminal calls) are
// spelled here only; the sandbox runtime and the SDK, which may not import host values, check their
// copies against these types (sandbox-runtime/plugin-module.ts, event-queue.ts; the Phase check
// below).
import type { Phase as SdkPhase } from '../sdk/plugin.ts';

export const REQUEST = 0;
export const RESPONSE = 1;
export const NOTIFICATION = 2;

export type Request = [typeof REQUEST, number, string, unknown[]];

/** Kong's plugin.* methods (docs/protocol.md, "Methods"). */
export const PluginMethod = {
  SetPluginDir: 'plugin.SetPluginDir',
  GetStatus: 'plugin.GetStatus',
  GetPluginInfo: 'plugin.GetPluginInfo',
  StartInstance: 'plugin.StartInstance',
  InstanceStatus: 'plugin.InstanceStatus',
  CloseInstance: 'plugin.CloseInstance',
  HandleEvent: 'plugin.HandleEvent',
  /** a PDK call failed on Kong's side: its message is the Data */
  StepError: 'plugin.StepError',
} as const;

/** The Step* methods that carry a PDK call's result (StepError carries its failure). */
export const STEP_METHODS = [
  'plugin.Step', 'plugin.StepMultiMap', 'plugin.StepCredential', 'plugin.StepRoute', 'plugin.StepService',
  'plugin.StepConsumer', 'plugin.StepMemoryStats', 'plugin.StepPlugin',
] as const;

/** In the order Kong runs them. */
export const PHASES = ['certificate', 'rewrite', 'access', 'response', 'preread', 'log'] as const;
export type Phase = (typeof PHASES)[number];
// the SDK's Phase (src/sdk/plugin.ts, which imports nothing from the host) is this one
true satisfies ([Phase] extends [SdkPhase] ? ([SdkPhase] extends [Phase] ? true : false) : false);

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
export const TERMINAL_METHOD_NAMES = ['kong.response.exit', 'kong.response.error'] as const;
export type TerminalMethod = (typeof TERMINAL_METHOD_NAMES)[number];
export const TERMINAL_METHODS: ReadonlySet<string> = new Set(TERMINAL_METHOD_NAMES);

/** `true` when the list names every member of U (an isolate-side copy of a list here). */
export type NamesAll<List extends readonly string[], U extends string> = [U] extends [List[number]] ? true : false;
