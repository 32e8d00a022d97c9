// The `kong` object plugins receive: a Proxy chain that turns `kong.request.getHeader(x)` into the
// PDK call "kong.request.get_header" (kong-js-pdk naming, with digits handled: getTls1VersionStr →
// get_tls1_version_str). `then` and Symbols are not PDK paths, so `await kong.request` and
// `String(kong)` stay harmless.
import { PDKError } from './pdk-error.ts';

export function toSnakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
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
  return new Proxy(target, {
    get(_t, prop) {
      if (typeof prop === 'symbol') {
        if (prop === Symbol.toPrimitive) return () => `[PDK ${path}]`;
        return undefined;
      }
      if (prop === 'toString' || prop === 'toJSON' || prop === 'valueOf') return () => `[PDK ${path}]`;
      if (NOT_PATHS.has(prop)) return undefined;
      if (path === 'kong' && prop === 'Error') return PDKError;
      return node(`${path}.${toSnakeCase(prop)}`, call);
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
