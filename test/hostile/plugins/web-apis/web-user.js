// Uses the sandbox's Web APIs (x-mode "use"), replaces the builtins and Web API globals they could
// lean on (x-mode "tamper"), or asks crypto.getRandomValues for 1 GB (x-mode "huge"). Reports with
// set_header('x-got', JSON).
function battery() {
  const out = {};
  const attempt = (name, fn) => {
    try {
      out[name] = fn();
    } catch (err) {
      out[name] = `threw ${err && err.name}`;
    }
  };
  attempt('decode', () => new TextDecoder().decode(new Uint8Array([0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff])));
  attempt('encode', () => Array.from(new TextEncoder().encode('h€')));
  attempt('base64', () => [btoa('hello'), atob('aGVsbG8=')]);
  attempt('url', () => {
    const u = new URL('../b?x=1 2#f', 'HTTPS://Example.COM:443/a/c');
    u.searchParams.append('y', 'é');
    return [u.href, u.host, u.origin];
  });
  attempt('params', () => new URLSearchParams({ b: '2', a: '1 +' }).toString());
  attempt('clone', () => {
    const o = { d: new Date(5), m: new Map([[1, 2]]) };
    o.self = o;
    const c = structuredClone(o);
    return [c.self === c, c.d.getTime(), c.m.get(1)];
  });
  attempt('uuid', () => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()));
  attempt('random', () => new Set(crypto.getRandomValues(new Uint8Array(256))).size > 64);
  return out;
}

class Plugin {
  async access(kong) {
    const mode = await kong.request.getHeader('x-mode');
    const stringify = JSON.stringify;
    let got;
    if (mode === 'use') got = battery();
    else if (mode === 'tamper') {
      const boom = () => {
        throw new Error('tampered');
      };
      // (Array, Map and Promise methods the runtime's own plumbing uses are left alone: keeping the
      // runtime whole under those is sandbox-runtime/intrinsics.ts's job, not the Web APIs')
      String.prototype.charCodeAt = () => 0;
      String.prototype.slice = boom;
      String.prototype.toWellFormed = boom;
      String.fromCharCode = () => 'X';
      Reflect.apply = boom;
      Object.getOwnPropertyDescriptor = boom;
      Object.getPrototypeOf = boom;
      Array.from = boom;
      ArrayBuffer.isView = boom;
      Uint8Array.prototype.subarray = boom;
      TextDecoder.prototype.decode = () => 'pwned';
      URL.prototype.toString = () => 'pwned';
      globalThis.URL = function URL() {
        return { href: 'pwned' };
      };
      globalThis.atob = () => 'pwned';
      crypto.getRandomValues = (a) => a.fill(0);
      crypto.randomUUID = () => '00000000-0000-4000-8000-000000000000';
      globalThis.structuredClone = (v) => v;
      got = 'tampered';
    } else if (mode === 'huge') {
      got = {};
      try {
        crypto.getRandomValues(new Uint8Array(2 ** 30));
        got.huge = 'filled';
      } catch (err) {
        got.huge = err.name;
      }
      // a view that lies about its size: the real length is what counts
      class Liar extends Uint8Array {
        get byteLength() {
          return 2 ** 30;
        }
        get length() {
          return 2 ** 30;
        }
      }
      const liar = new Liar(64);
      crypto.getRandomValues(liar);
      got.liar = new Uint8Array(liar.buffer).some((b) => b !== 0) && liar.buffer.byteLength === 64;
      try {
        crypto.getRandomValues(new Uint8Array(65537));
        got.over = 'filled';
      } catch (err) {
        got.over = err.name;
      }
    }
    await kong.response.setHeader('x-got', stringify(got));
  }
}

module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
