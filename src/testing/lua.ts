// How the fake Kong's PDK functions answer, in Lua's terms: a first return value, a `nil, err`
// pair (Kong 3.x keeps only the nil; Kong 2.x turns the err into a StepError), or a raised Lua
// error (Kong stops the bridge loop). Plus the argument checks Kong's PDK makes before acting.
import type { Exchange } from './exchange.ts';

/** A Lua error(): Kong's bridge loop stops, and no Step follows. */
export class LuaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LuaError';
  }
}

/** `return nil, err` */
export class NilWithError {
  readonly error: string;
  constructor(error: string) {
    this.error = error;
  }
}

/** Lua's type() of a value as it arrives from MessagePack (bin and str are both Lua strings). */
export function luaType(v: unknown): 'nil' | 'string' | 'number' | 'boolean' | 'table' {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'string' || v instanceof Uint8Array) return 'string';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'table';
}

export function isNil(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

export function luaString(v: string | Uint8Array): string {
  return typeof v === 'string' ? v : new TextDecoder().decode(v);
}

export function requireString(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return luaString(v);
  throw new LuaError(`${what} must be a string`);
}

export function requireTable(v: unknown, what: string): Record<string, unknown> {
  if (luaType(v) !== 'table') throw new LuaError(`${what} must be a table`);
  return v as Record<string, unknown>;
}

/** kong.pdk.private.checks validate_header: the value Kong will send, or a Lua error. */
export function headerValues(name: unknown, value: unknown): { name: string; values: string[] } {
  if (typeof name !== 'string') throw new LuaError(`invalid header name "${String(name)}": got ${luaType(name)}, expected string`);
  const scalar = (v: unknown): string | null => {
    const t = luaType(v);
    if (t === 'string') return luaString(v as string | Uint8Array);
    if (t === 'number' || t === 'boolean') return String(v);
    return null;
  };
  const one = scalar(value);
  if (one !== null) return { name, values: [one] };
  if (Array.isArray(value)) {
    const values = value.map(scalar);
    if (values.every((v): v is string => v !== null)) return { name, values };
  }
  throw new LuaError(`invalid header value for "${name}": got ${luaType(value)}, expected string, number, boolean or array of strings`);
}

/** What Kong's logger writes for each argument (tostring; tables are shown as JSON here, for reading). */
export function logText(args: readonly unknown[]): string {
  return args
    .map((a) => {
      if (isNil(a)) return 'nil';
      if (typeof a === 'string') return a;
      if (a instanceof Uint8Array) return luaString(a);
      if (typeof a === 'object') return JSON.stringify(a);
      return String(a);
    })
    .join('');
}

/** One PDK function of the fake Kong: returns its first value (or NilWithError), throws LuaError. */
export type PdkFunction = (args: readonly unknown[], ex: Exchange) => unknown;

export type PdkTable = Readonly<Record<string, PdkFunction>>;
