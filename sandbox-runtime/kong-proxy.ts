// The `kong` object plugins receive: a Proxy chain that turns `kong.request.getHeader(x)` into the
// PDK call "kong.request.get_header" (kong-js-pdk naming, with digits handled: getTls1VersionStr →
// get_tls1_version_str). `then` and Symbols are not PDK paths, so `await kong.request` and
// `String(kong)` stay harmless. A path that is no PDK method name (other characters, longer than
// MAX_METHOD_LENGTH) fails when called, in the plugin, and never reaches the host.
import { PDKError } from './pdk-error.ts';
import { $Promise, $Proxy, SafeMap, SafeSet, stringCharCodeAt, stringSlice, stringToLowerCase, symbolToPrimitive } from './intrinsics.ts';

/** Longest PDK method name sent to the host (Kong's longest is under 50); the host checks it too. */
export const MAX_METHOD_LENGTH = 256;

export function toSnakeCase(name: string): string {
  let out = '';
  let prevLowerOrDigit = false;
  for (let i = 0; i < name.length; i++) {
    const c = stringCharCodeAt(name, i);
    const upper = c >= 65 && c <= 90;
    if (upper && prevLowerOrDigit) out += '_';
    out += upper ? stringToLowerCase(stringSlice(name, i, i + 1)) : stringSlice(name, i, i + 1);
    prevLowerOrDigit = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
  }
  return out;
}

/** A property name that can be part of a PDK method name: letters, digits, "_". */
function isNamePart(prop: string): boolean {
  if (prop.length === 0 || prop.length > MAX_METHOD_LENGTH) return false;
  for (let i = 0; i < prop.length; i++) {
    const c = stringCharCodeAt(prop, i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
    if (!ok) return false;
  }
  return true;
}

/** PDK paths by parent path and property, computed once per isolate (a handful in practice). */
const childPaths = new SafeMap<string, string>();
const MAX_CHILD_PATHS = 10_000;

function childPath(path: string, prop: string): string | null {
  if (!isNamePart(prop)) return null;
  const key = `${path}\u0000${prop}`;
  let child = childPaths.get(key);
  if (child === undefined) {
    child = `${path}.${toSnakeCase(prop)}`;
    if (child.length > MAX_METHOD_LENGTH) return null;
    if (childPaths.size < MAX_CHILD_PATHS) childPaths.set(key, child);
  }
  return child;
}

export type PdkCaller = (method: string, args: unknown[]) => Promise<unknown>;

const NOT_PATHS = new SafeSet(['then', 'catch', 'finally', 'constructor', 'toJSON', 'valueOf', 'toString']);

export function createKong(call: PdkCaller): unknown {
  return node('kong', call);
}

function node(path: string, call: PdkCaller): unknown {
  // An arrow function: callable, and without the non-configurable `prototype` that would make
  // some Proxy traps throw.
  const target = () => {};
  // `kong.request` is one object for the whole event, as in kong-js-pdk (and built once, not per call)
  let children: SafeMap<string, unknown> | null = null;
  return new $Proxy(target, {
    get(_t, prop) {
      if (typeof prop === 'symbol') {
        if (prop === symbolToPrimitive) return () => `[PDK ${path}]`;
        return undefined;
      }
      if (prop === 'toString' || prop === 'toJSON' || prop === 'valueOf') return () => `[PDK ${path}]`;
      if (NOT_PATHS.has(prop)) return undefined;
      if (path === 'kong' && prop === 'Error') return PDKError;
      children ??= new SafeMap();
      let child = children.get(prop);
      if (child === undefined) {
        const childName = childPath(path, prop);
        child = childName === null ? notAMethod(path, prop) : node(childName, call);
        if (childName !== null) children.set(prop, child);
      }
      return child;
    },
    apply(_t, _this, args: unknown[]) {
      return call(path, args);
    },
    set() {
      return false;
    },
    defineProperty() {
      return false;
    },
  });
}

/** What `kong.<path>.<prop>` is when that is no PDK method name: calling it (or below it) fails. */
function notAMethod(path: string, prop: string): unknown {
  const shown = prop.length > 40 ? `${stringSlice(prop, 0, 40)}… (${prop.length} chars)` : prop;
  const message = `PDK method ${path}.${shown} failed:  not a PDK method name (letters, digits and "_", at most ${MAX_METHOD_LENGTH} characters in all)`;
  const self: unknown = new $Proxy(() => {}, {
    get: (_t, p) => (typeof p === 'symbol' || NOT_PATHS.has(p) ? undefined : self),
    apply: () => new $Promise((_resolve, reject) => reject(new PDKError(message))),
    set: () => false,
    defineProperty: () => false,
  });
  return self;
}
