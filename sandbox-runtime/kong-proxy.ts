// The `kong` object plugins receive: a Proxy chain that turns `kong.request.getHeader(x)` into the
// PDK call "kong.request.get_header" (kong-js-pdk naming, with digits handled: getTls1VersionStr →
// get_tls1_version_str). `then` and Symbols are not PDK paths, so `await kong.request` and
// `String(kong)` stay harmless.
import { PDKError } from './pdk-error.ts';

export function toSnakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** PDK paths by parent path and property, computed once per isolate (a handful in practice). */
const childPaths = new Map<string, string>();
const MAX_CHILD_PATHS = 10_000;

function childPath(path: string, prop: string): string {
  const key = `${path}\u0000${prop}`;
  let child = childPaths.get(key);
  if (child === undefined) {
    child = `${path}.${toSnakeCase(prop)}`;
    if (childPaths.size < MAX_CHILD_PATHS) childPaths.set(key, child);
  }
  return child;
}

export type PdkCaller = (method: string, args: unknown[]) => Promise<unknown>;

const NOT_PATHS = new Set(['then', 'catch', 'finally', 'constructor', 'toJSON', 'valueOf', 'toString']);

export function createKong(call: PdkCaller): unknown {
  return node('kong', call);
}

function node(path: string, call: PdkCaller): unknown {
  // An arrow function: callable, and without the non-configurable `prototype` that would make
  // some Proxy traps throw.
  const target = () => {};
  // `kong.request` is one object for the whole event, as in kong-js-pdk (and built once, not per call)
  let children: Map<string, unknown> | null = null;
  return new Proxy(target, {
    get(_t, prop) {
      if (typeof prop === 'symbol') {
        if (prop === Symbol.toPrimitive) return () => `[PDK ${path}]`;
        return undefined;
      }
      if (prop === 'toString' || prop === 'toJSON' || prop === 'valueOf') return () => `[PDK ${path}]`;
      if (NOT_PATHS.has(prop)) return undefined;
      if (path === 'kong' && prop === 'Error') return PDKError;
      children ??= new Map();
      let child = children.get(prop);
      if (child === undefined) {
        child = node(childPath(path, prop), call);
        children.set(prop, child);
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
