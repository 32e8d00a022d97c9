// The Web platform APIs inside the sandbox (sandbox-runtime/web/), run by a plugin in a real isolate
// through PluginTest, compared with Node's own implementations in this process: the same snippets run
// in both, and what they return or throw (test/fixtures/web-apis/web-apis/harness.js) must be the same.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createCipheriv, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { PluginTest, Request, PluginLoadFailure } from '../../src/testing/index.ts';
import { chacha20Block } from '../../sandbox-runtime/web/chacha20.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = path.join(ROOT, 'test/fixtures/web-apis/web-apis');
const { runSnippets } = createRequire(import.meta.url)(path.join(ROOT, 'test/fixtures/web-apis/web-apis/harness.js')) as {
  runSnippets: (s: string[]) => Promise<unknown[]>;
};

async function inSandbox(snippets: string[]): Promise<unknown[]> {
  // one event runs a whole table of snippets (each compiled with new Function): more CPU than a request needs
  const t = new PluginTest(new Request().useBody(JSON.stringify(snippets)), { limits: { cpuLimitMs: 3000, eventTimeoutMs: 10000 } });
  await t.Run(FIXTURE);
  assert.deepEqual(t.errors, []);
  assert.equal(t.response.status, 200, t.response.text);
  return JSON.parse(t.response.text) as unknown[];
}

/** Runs the snippets in the sandbox and in Node; every result must match Node's. */
async function sameAsNode(snippets: string[]): Promise<unknown[]> {
  const [ours, node] = await Promise.all([inSandbox(snippets), runSnippets(snippets)]);
  assert.equal(ours.length, snippets.length);
  for (let i = 0; i < snippets.length; i++) assert.deepEqual(ours[i], node[i], `snippet: ${snippets[i]}`);
  return ours;
}

const bytes = (a: number[]) => `new Uint8Array(${JSON.stringify(a)})`;

describe('TextEncoder / TextDecoder', () => {
  test('invalid UTF-8, fatal mode, BOM handling and labels decode as in Node', async () => {
    const inputs = [
      [0x61, 0x62], [0xff], [0x80], [0xc0, 0x80], [0xc1, 0xbf], [0xc2], [0xc2, 0x41], [0xe0, 0x80, 0x80], [0xe0, 0xa0],
      [0xed, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xef, 0xbf, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf0, 0x9f, 0x98, 0x80],
      [0xf0, 0x9f, 0x98], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0x61, 0xff, 0x62, 0xe2, 0x82, 0x63], [0xef, 0xbb, 0xbf, 0x41], [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf], [0xef, 0xbb, 0xbf], [0xef, 0xbb],
      [0xe2, 0x82, 0xac, 0xe2, 0x82],
    ];
    const snippets: string[] = [];
    for (const b of inputs) {
      snippets.push(`return new TextDecoder().decode(${bytes(b)})`);
      snippets.push(`return new TextDecoder('utf-8', { fatal: true }).decode(${bytes(b)})`);
      snippets.push(`return new TextDecoder('utf8', { ignoreBOM: true }).decode(${bytes(b)}.buffer)`);
    }
    snippets.push(
      `const d = new TextDecoder(' UNICODE-1-1-UTF-8 '); return [d.encoding, d.fatal, d.ignoreBOM]`,
      `const d = new TextDecoder('utf-8', { fatal: 1, ignoreBOM: 'yes' }); return [d.encoding, d.fatal, d.ignoreBOM]`,
      `return new TextDecoder('bogus-label')`,
      `return new TextDecoder('utf-16le-nope')`,
      `return new TextDecoder().decode()`,
      `return new TextDecoder().decode(new DataView(${bytes([0x41, 0xe2, 0x82, 0xac, 0x42])}.buffer, 1, 3))`,
      `return new TextDecoder().decode(new Uint16Array([0x4241, 0x4443]))`,
      `return new TextDecoder().decode('not bytes')`,
      `const d = new TextDecoder('utf-8', { fatal: true }); try { d.decode(${bytes([0xff])}); } catch {} return d.decode(${bytes([0x41])})`,
    );
    await sameAsNode(snippets);
  });

  test('streaming: every split of multi-byte text, BOM and errors across chunks', async () => {
    const text = [0xef, 0xbb, 0xbf, 0x61, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xc3, 0xa9, 0x62];
    const snippets: string[] = [];
    for (let i = 0; i <= text.length; i++) {
      for (const j of [i, Math.min(text.length, i + 1), Math.min(text.length, i + 2)]) {
        snippets.push(
          `const b = ${bytes(text)}; const d = new TextDecoder(); return [d.decode(b.subarray(0, ${i}), { stream: true }), d.decode(b.subarray(${i}, ${j}), { stream: true }), d.decode(b.subarray(${j}))]`,
        );
      }
    }
    snippets.push(
      `const d = new TextDecoder('utf-8', { fatal: true }); return [d.decode(${bytes([0xe2, 0x82])}, { stream: true }), d.decode(${bytes([0xac])})]`,
      `const d = new TextDecoder('utf-8', { fatal: true }); d.decode(${bytes([0xe2, 0x82])}, { stream: true }); return d.decode()`,
      `const d = new TextDecoder(); return [d.decode(${bytes([0xe2, 0x82])}, { stream: true }), d.decode()]`,
      `const d = new TextDecoder(); return [d.decode(${bytes([0xef, 0xbb, 0xbf, 0x41])}), d.decode(${bytes([0xef, 0xbb, 0xbf, 0x42])})]`,
      `const d = new TextDecoder(); return [d.decode(${bytes([0xef, 0xbb, 0xbf, 0x41])}, { stream: true }), d.decode(${bytes([0xef, 0xbb, 0xbf, 0x42])})]`,
    );
    await sameAsNode(snippets);
  });

  test('encode and encodeInto: surrogates, lone surrogates, short destinations', async () => {
    const snippets = [
      `return new TextEncoder().encode('a€😀b\\ud800x\\udc00')`,
      `return new TextEncoder().encode()`,
      `return new TextEncoder().encode(12.5)`,
      `return new TextEncoder().encoding`,
      `return new TextEncoder().encode('x'.repeat(70000) + '€').length`,
    ];
    for (let n = 0; n <= 12; n++) {
      snippets.push(`const d = new Uint8Array(${n}); const r = new TextEncoder().encodeInto('a€😀b\\ud800', d); return [r.read, r.written, d]`);
    }
    snippets.push(`return new TextEncoder().encodeInto('a', new Uint16Array(2))`);
    await sameAsNode(snippets);
  });
});

describe('atob / btoa', () => {
  test('forgiving base64, whitespace, padding and InvalidCharacterError as in Node', async () => {
    const atobInputs = ['', 'YQ', 'YQ=', 'YQ==', 'YQ===', 'Y', 'YWJj', 'YW Jj', ' YWJj\\n', '\\tYW\\fJj\\r', 'YWJj=', 'YR==', 'YS==',
      'ab=c', '====', '=', 'a===', '!!!!', 'YWJjZA==', 'YWJjZA', '\\u00ffA==', 'YW\\u00a0Jj', 'YWJj\\u000b', '/+/+', '-_-_', 'AAAA'.repeat(3)];
    const snippets = atobInputs.map((s) => `return atob('${s}')`);
    snippets.push('return atob(undefined)', 'return atob(null)', 'return atob(12345)', 'return atob(1234)', 'return atob()');
    const btoaInputs = ['', 'a', 'ab', 'abc', 'abcd', '\\xff\\xfe\\x00', 'é', '€', '\\u0100', '\\ud83d\\ude00'];
    snippets.push(...btoaInputs.map((s) => `return btoa('${s}')`));
    snippets.push('return btoa(undefined)', 'return btoa(null)', 'return btoa(123)', 'return btoa()',
      `let s = ''; for (let i = 0; i < 256; i++) s += String.fromCharCode(i); return atob(btoa(s)) === s`);
    const ours = await sameAsNode(snippets);
    // the DOMException is a real one: name, legacy code, instanceof
    assert.deepEqual(ours[atobInputs.indexOf('Y')], { threw: 'InvalidCharacterError', code: 5, isDOMException: true });
  });
});

// [input, base?]: special and non-special schemes, relative resolution, IPv4/IPv6 hosts,
// percent-encoding sets, opaque paths, file URLs, failures.
const URL_CASES: [string, string?][] = [
  ['https://example.com'], ['HTTPS://EXAMPLE.COM/A?B#C'], ['http://example.com:80/'], ['http://example.com:8080/'],
  ['https://example.com:443'], ['ws://h:80/'], ['wss://h:443/x'], ['ftp://h:21/x'], ['http://user:pa ss@host/'],
  ['http://@host/'], ['http://user@/x'], ['http://a:b@c:d@e/'], ['http://[::1]/'], ['http://[::1]:8080/'],
  ['http://[2001:db8:0:0:1:0:0:1]/'], ['http://[0:0:0:0:0:0:0:0]/'], ['http://[1:2:3:4:5:6:7:8]/'], ['http://[::ffff:192.168.0.1]/'],
  ['http://[1::2::3]/'], ['http://[::1/'], ['http://[::1]x/'], ['http://192.168.0.1/'], ['http://0x7f.1/'], ['http://2130706433/'],
  ['http://0177.0.0.1/'], ['http://256.0.0.1/'], ['http://1.2.3.4.5/'], ['http://1.2.3.08/'], ['http://4294967295/'],
  ['http://0x100000000/'], ['http://foo.0x4/'], ['http://1.2.3.4./'], ['http://example.com./'], ['http://ex%41mple.com/'],
  ['http://ex%00mple.com/'], ['http://exa mple.com/'], ['http://münchen.de/'], ['http://xn--mnchen-3ya.de/'], ['http://EXAMPLE.com/%7Efoo'],
  ['http://h/a b/c"d<e>f`g{h}i^j|k'], ["http://h/?q=a b\"<>'`{}"], ["foo://h/?q=a b'"], ['http://h/#a b"<>`{}'], ['http://h/a/./b/../c'],
  ['http://h/a/%2e%2E/b'], ['http://h/..'], ['http:\\\\h\\a\\b'], [' \t http://h/x\n '], ['http://h/\ta\nb'],
  ['mailto:Joe@Example.COM'], ['javascript:alert(1)'], ['data:text/plain,hi there'], ['urn:isbn:0451450523'], ['foo://Host/Path'],
  ['foo:/a/../b'], ['foo://'], ['foo:'], ['file:///C:/x/../y'], ['file://localhost/etc/passwd'], ['file:///etc/passwd'],
  ['file://host/share'], ['file:c:\\foo'], ['file:///C|/x'], ['blob:https://example.com/uuid'], ['//other.com/p', 'https://ex.com/a'],
  ['../x', 'http://h/a/b/c'], ['?q', 'http://h/p?o#f'], ['#h', 'http://h/p?o'], ['', 'http://h/p?o#f'], ['/abs', 'http://h/a/b'],
  ['x', 'mailto:a'], ['#f', 'mailto:a'], ['rel'], ['http://h:65536/'], ['http://h:0065535/'], ['http://h:x/'], ['https://h:/'],
  ['non-spec://h:8080/p'], ['sc://ñ.test/'], ['sc://%/'], ['sc://a b/'], ['http://h/p?a=1&b=2'], ['https://h/\u{1F600}'],
  ['http://a.b.c/😀?😀#😀'], ['HTTP://h/%zz'], ['http://h/%'], ['http:/h/x'], ['http:h/x'], ['http:h/x', 'http://o/a/b'],
  ['https://h/a?b#c#d'], ['sc:\\../'], ['view-source+http://h/'], ['x', 'http://h/a?q#f'], ['..', 'file:///C:/a'], ['/c:/x', 'file:///d:/y'],
  ['http://h/\ud800'], ['http://h/?\ud800'], ['http://EX\u00adAMPLE.com/'],
];

describe('URL', () => {
  test(`${URL_CASES.length} parsing cases (with and without a base) give Node's components, or fail where Node fails`, async () => {
    const snippets = URL_CASES.map(([input, base]) => {
      const args = base === undefined ? JSON.stringify(input) : `${JSON.stringify(input)}, ${JSON.stringify(base)}`;
      return `const u = new URL(${args}); return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, URL.canParse(${args}), JSON.stringify(u), String(u)]`;
    });
    snippets.push(...URL_CASES.map(([input, base]) => `return URL.canParse(${JSON.stringify(input)}${base === undefined ? '' : `, ${JSON.stringify(base)}`})`));
    const ours = await sameAsNode(snippets);
    // the table exercises both outcomes
    assert.ok(ours.filter((r) => 'threw' in (r as object)).length >= 15);
    assert.ok(ours.filter((r) => 'ok' in (r as object)).length >= 60);
  });

  test('setters behave as Node, and searchParams is bound to its URL both ways', async () => {
    const set = (href: string, prop: string, value: string) =>
      `const u = new URL(${JSON.stringify(href)}); u.${prop} = ${JSON.stringify(value)}; return [u.href, u.${prop}, [...u.searchParams]]`;
    const snippets = [
      set('http://h/p?a=1', 'search', 'x=1&y= 2'), set('http://h/p?a=1', 'search', ''), set('http://h/p?a=1', 'search', '?'),
      set('http://h/p', 'protocol', 'https'), set('http://h/p', 'protocol', 'foo'), set('foo://h/p', 'protocol', 'http'), set('https://h:8080/', 'protocol', 'http:'),
      set('https://h/', 'port', '8443'), set('https://h:8443/', 'port', '443'), set('https://h/', 'port', '99999'), set('https://h/', 'port', '12ab'), set('https://h:1/', 'port', ''),
      set('http://h/', 'host', 'x.com:81'), set('http://h/', 'host', 'x.com:abc'), set('http://h/', 'hostname', 'y.org'), set('http://h/', 'hostname', 'y.org:5'),
      set('http://h/', 'host', ''), set('foo://h/', 'host', ''), set('http://h/', 'pathname', '/a b/../c'), set('mailto:x', 'pathname', '/y'),
      set('http://h/', 'hash', 'x y'), set('http://h/#a', 'hash', ''), set('http://h/', 'username', 'u@s:er'), set('http://h/', 'password', 'p@ss'),
      set('file:///x', 'username', 'u'), set('file:///x', 'host', 'server'), set('http://h/', 'href', 'https://other/x?y=1'), set('http://h/', 'href', 'not a url'),
      set('data:space   ?q', 'search', ''), set('data:space   #f', 'hash', ''),
      `const u = new URL('http://h/?a=1&b=2'); u.searchParams.append('c', '3 4'); u.searchParams.delete('a'); return [u.href, u.search]`,
      `const u = new URL('http://h/?a=1'); u.searchParams.delete('a'); return [u.href, u.search]`,
      `const u = new URL('http://h/'); const p = u.searchParams; u.search = 'z=9'; return [p.get('z'), p === u.searchParams]`,
      `const u = new URL('http://h/?b=2&a=1&b=0'); u.searchParams.sort(); return u.href`,
      `return new URL('http://h/').toJSON()`,
      `return URL.parse('nope') === null && URL.parse('/x', 'http://h/').href`,
      `return new URL(new URL('http://h/a'), 'http://other/').href`,
      `return new URL()`,
      `const u = new URL('http://h/??a=1&b'); return [[...u.searchParams], u.search]`,
    ];
    await sameAsNode(snippets);
  });
});

describe('URLSearchParams', () => {
  test('parse, append, delete, set, sort, has, size, iteration and toString as in Node', async () => {
    const snippets = [
      `return [...new URLSearchParams('?a=1&b=2&a=3')]`,
      `return [...new URLSearchParams('a=b=c&&=x&y&+z+=%2B%20&%zz=%e2%82&é=€')]`,
      `return new URLSearchParams('q=a b&r=ü&s=*-._~!\\'()+,;:@/?').toString()`,
      `return new URLSearchParams({ a: '1', b: 'x y', c: 'ü' }).toString()`,
      `return new URLSearchParams([['a', '1'], ['a', '2'], ['b', '']]).toString()`,
      `return new URLSearchParams(new Map([['m', 'n']])).toString()`,
      `return new URLSearchParams([['only-one']])`,
      `const p = new URLSearchParams('a=1&b=2&a=3'); p.delete('a', '3'); return p.toString()`,
      `const p = new URLSearchParams('a=1&b=2&a=3'); p.delete('a'); return [p.toString(), p.size]`,
      `const p = new URLSearchParams('a=1&b=2&a=3'); p.set('a', 'x'); return p.toString()`,
      `const p = new URLSearchParams('a=1&b=2'); p.set('c', 'y'); return p.toString()`,
      `const p = new URLSearchParams('z=1&a=2&é=3&Z=4&a=1&ä=5&\\u{1F600}=6&\\uFFFD=7'); p.sort(); return p.toString()`,
      `const p = new URLSearchParams('a=1&b=2&a=3'); return [p.get('a'), p.get('c'), p.getAll('a'), p.has('b'), p.has('a', '3'), p.has('a', '4'), p.size]`,
      `const p = new URLSearchParams('a=1&b=2'); const seen = []; p.forEach((v, k, o) => seen.push([k, v, o === p])); return seen`,
      `const p = new URLSearchParams('a=1&b=2'); return [[...p.keys()], [...p.values()], [...p.entries()]]`,
      `const p = new URLSearchParams('a=1&b=2&c=3'); const out = []; for (const [k] of p) { out.push(k); if (k === 'a') p.delete('b'); } return out`,
      `const p = new URLSearchParams(); p.append('x', '\\ud800'); p.append(1, null); return p.toString()`,
      `return String(new URLSearchParams('a=1'))`,
    ];
    await sameAsNode(snippets);
  });
});

describe('structuredClone', () => {
  test('graphs with cycles, shared references, Map, Set, Date, RegExp, buffers, views and errors clone as in Node', async () => {
    const snippets = [
      `const a = { x: 1 }; a.self = a; a.list = [a, { a }]; const c = structuredClone(a); return [c, c !== a, c.self === c, c.list[1].a === c]`,
      `const shared = { s: 1 }; const c = structuredClone({ p: shared, q: shared, r: [shared] }); return [c, c.p === c.q && c.q === c.r[0]]`,
      `const k = { key: true }; const m = new Map([[k, 'v'], ['k2', k]]); const c = structuredClone(m); return [c, [...c.keys()][0] === c.get('k2')]`,
      `return structuredClone(new Set([1, 'a', { b: 2 }, null]))`,
      `return structuredClone([new Date(1700000000123), new Date(NaN), /a.b/gimsuy, /x/y])`,
      `const r = /a/g; r.lastIndex = 3; return structuredClone(r).lastIndex`,
      `const b = new ArrayBuffer(8); const v1 = new Uint8Array(b, 2, 4); v1.set([1, 2, 3, 4]); const v2 = new Uint16Array(b, 4, 2); const c = structuredClone({ v1, v2 }); return [c, c.v1.buffer === c.v2.buffer, c.v1.buffer !== b]`,
      `return structuredClone([new DataView(new Uint8Array([9, 8, 7]).buffer, 1), new Float64Array([1.5, -0, NaN]), new BigInt64Array([-1n]), new Uint8ClampedArray([300])])`,
      `const e = new TypeError('bad', { cause: { why: 1 } }); const c = structuredClone(e); return [c, c instanceof TypeError, c.stack === e.stack]`,
      `return structuredClone([new RangeError('r'), new SyntaxError('s'), new URIError('u'), new EvalError('e'), new ReferenceError('f'), new Error('plain')])`,
      `class Custom extends Error { constructor() { super('c'); this.name = 'Custom'; this.extra = 1; } } return structuredClone(new Custom())`,
      `return structuredClone([new Number(3), new String('s'), new Boolean(false), Object(5n), 7n, -0, NaN, Infinity, undefined, null, ''])`,
      `const a = [1, , 3]; a.extra = 'x'; return structuredClone(a)`,
      `return structuredClone(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'))`,
      `class P { constructor() { this.x = 1; } get y() { return 2; } } return structuredClone(new P())`,
      `const o = {}; Object.defineProperty(o, 'hidden', { value: 1, enumerable: false }); Object.defineProperty(o, 'g', { get() { return 'got'; }, enumerable: true }); o[Symbol('s')] = 1; return structuredClone(o)`,
      `return structuredClone(function f() {})`,
      `return structuredClone(Symbol('x'))`,
      `return structuredClone({ a: { b: () => 1 } })`,
      `return structuredClone(new WeakMap())`,
      `return structuredClone(new WeakSet())`,
      `return structuredClone(Promise.resolve(1))`,
      `return structuredClone()`,
      `return structuredClone(new Map([[1, Symbol('in map')]]))`,
    ];
    const ours = await sameAsNode(snippets);
    assert.deepEqual(ours[16], { threw: 'DataCloneError', code: 25, isDOMException: true });
  });

  test('queueMicrotask runs callbacks in order, before a resolved promise queued later, and rejects a non-function', async () => {
    await sameAsNode([
      `const order = []; queueMicrotask(() => order.push(1)); Promise.resolve().then(() => order.push(2)); queueMicrotask(() => order.push(3)); order.push(0); await null; await null; await null; return order`,
      `return queueMicrotask('nope')`,
      `return typeof queueMicrotask`,
    ]);
  });
});

describe('crypto.getRandomValues / randomUUID', () => {
  test('argument checks and the 65536-byte quota are as in Node', async () => {
    await sameAsNode([
      `return crypto.getRandomValues(new Uint8Array(65536)).length`,
      `return crypto.getRandomValues(new Uint8Array(65537))`,
      `return crypto.getRandomValues(new Uint32Array(16385))`,
      `return crypto.getRandomValues(new BigUint64Array(8192)).length`,
      `return crypto.getRandomValues(new Float32Array(4))`,
      `return crypto.getRandomValues(new Float64Array(4))`,
      `const a = new Int16Array(4); return crypto.getRandomValues(a) === a`,
      `return crypto.getRandomValues(new Uint8Array(0)).length`,
      `return typeof crypto.randomUUID()`,
      `return crypto.getRandomValues([1, 2, 3])`,
      `return crypto.getRandomValues(new DataView(new ArrayBuffer(4)))`,
      `return crypto.getRandomValues(new ArrayBuffer(4))`,
      `return crypto.getRandomValues()`,
    ]);
  });

  test('bytes vary, differ between two isolates, and randomUUID is a v4 UUID', async () => {
    const snippets = [
      `const b = crypto.getRandomValues(new Uint8Array(1000)); return Array.from(b)`,
      `const s = new Set(); for (let i = 0; i < 100; i++) s.add(crypto.randomUUID()); return [...s]`,
      `const a = new Uint8Array(64); crypto.getRandomValues(a.subarray(16, 48)); return Array.from(a)`,
    ];
    const [first, second] = await Promise.all([inSandbox(snippets), inSandbox(snippets)]);
    const bytesA = (first[0] as { ok: { items: [string, number][] } }).ok.items.map(([, v]) => v);
    const bytesB = (second[0] as { ok: { items: [string, number][] } }).ok.items.map(([, v]) => v);
    assert.equal(bytesA.length, 1000);
    // 1000 uniform bytes take ~250 distinct values; a constant or short-cycled source takes few
    assert.ok(new Set(bytesA).size > 200, `only ${new Set(bytesA).size} distinct byte values`);
    const ones = bytesA.reduce((n, b) => n + popcount(b), 0);
    assert.ok(ones > 3700 && ones < 4300, `${ones} of 8000 bits set`);
    assert.notDeepEqual(bytesA, bytesB, 'two isolates produced the same bytes');
    let equalAt = 0;
    for (let i = 0; i < 1000; i++) if (bytesA[i] === bytesB[i]) equalAt++;
    assert.ok(equalAt < 20, `${equalAt} equal positions between two isolates`);
    const uuids = (first[1] as { ok: { items: [string, string][] } }).ok.items.map(([, v]) => v);
    assert.equal(uuids.length, 100);
    for (const u of uuids) assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const region = (first[2] as { ok: { items: [string, number][] } }).ok.items.map(([, v]) => v);
    assert.deepEqual(region.slice(0, 16), new Array(16).fill(0));
    assert.deepEqual(region.slice(48), new Array(16).fill(0));
    assert.ok(region.slice(16, 48).some((b) => b !== 0));
  });

  test('the generator is ChaCha20: its blocks equal Node\'s chacha20 keystream', () => {
    for (let round = 0; round < 4; round++) {
      const key = randomBytes(32);
      const words = new Uint32Array(8);
      for (let i = 0; i < 8; i++) words[i] = key.readUInt32LE(i * 4);
      const ours = new Uint8Array(64 * 3);
      for (let b = 0; b < 3; b++) chacha20Block(words, b, ours, b * 64);
      // Node's IV: 32-bit little-endian counter, then the 96-bit nonce (zero here)
      const node = createCipheriv('chacha20', key, Buffer.alloc(16)).update(Buffer.alloc(64 * 3));
      assert.deepEqual(Buffer.from(ours), node);
    }
  });
});

describe('captured builtins', () => {
  test('once loaded, the Web APIs keep working in a plugin that then replaces the String and Reflect builtins they use', async () => {
    const battery = `return [new TextDecoder().decode(new Uint8Array([0x68, 0xc3, 0xa9, 0xff])), btoa('hi'), atob('aGk='), new URL('HTTP://A.example/x y?q=é').href, new URLSearchParams('b=1&a=2').toString()]`;
    const tamper = `const saved = [String.prototype.charCodeAt, String.fromCharCode, String.prototype.toLowerCase, String.prototype.slice, Reflect.apply];
      String.prototype.charCodeAt = () => 0; String.fromCharCode = () => 'X'; String.prototype.toLowerCase = () => 'pwned'; String.prototype.slice = () => 'pwned'; Reflect.apply = () => { throw new Error('tampered'); };
      try { ${battery.replace('return ', 'return ')} } finally { [String.prototype.charCodeAt, String.fromCharCode, String.prototype.toLowerCase, String.prototype.slice, Reflect.apply] = saved; }`;
    const [before, after] = await inSandbox([battery, tamper]);
    const [node] = await runSnippets([battery]);
    assert.deepEqual(before, node);
    assert.deepEqual(after, node);
  });
});

describe('for plugin authors', () => {
  test('importing a Node built-in is refused with the Web API to use instead', async () => {
    await assert.rejects(new PluginTest().Run(path.join(ROOT, 'test/fixtures/web-apis/uses-buffer.js')), (err: unknown) => {
      assert.ok(err instanceof PluginLoadFailure);
      assert.match(err.message, /import "node:buffer" is not available: plugins run in a V8 isolate without Node\.js APIs \(use Uint8Array with TextEncoder \/ TextDecoder/);
      return true;
    });
  });

  test('a TypeScript plugin gets the globals typed with kong-sandbox-pluginserver/globals, and nothing the sandbox lacks', () => {
    // as a plugin project has it: the package in its node_modules
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-web-globals-'));
    try {
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'kong-sandbox-pluginserver'));
      fs.copyFileSync(path.join(ROOT, 'test/fixtures/web-apis/typed/index.ts'), path.join(dir, 'index.ts'));
      const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
      const args = [tsc, '--ignoreConfig', '--noEmit', '--strict', '--target', 'es2024', '--lib', 'es2024', '--module', 'nodenext', 'index.ts'];
      try {
        execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
      } catch (err) {
        assert.fail(`tsc failed: ${(err as { stdout?: string }).stdout}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Headers, Request, Response, AbortController, timers', () => {
  test('behave as in Node (inside an event: timers and AbortSignal.timeout need one)', async () => {
    await sameAsNode([
      `const h = new Headers({ B: '2', a: ' 1 ' }); h.append('a', 'x'); h.append('set-cookie', 'c=1'); h.append('Set-Cookie', 'd=2'); return [...h]`,
      `const h = new Headers([['x', 'y']]); h.set('X', 'z'); h.delete('nope'); return [h.get('x'), h.has('X'), h.get('q'), [...h.keys()], h.getSetCookie()]`,
      `return new Headers({ x: ' \t trimmed \r\n' }).get('x')`,
      `return new Headers({ x: 'a\r\nb' })`,
      `return new Headers({ x: 'a\nb' })`,
      `return new Headers({ x: 'a\0' })`,
      `return new Headers({ 'x y': 'a' })`,
      `return new Headers({ 'x\r\ny': 'a' })`,
      `return new Headers([['a']])`,
      `const h = new Headers(); h.append('x', 'a\u0100'); return h`,
      `const r = new Response('hé', { status: 201, statusText: 'Made', headers: { a: 'b' } }); return [r.status, r.ok, r.statusText, r.headers.get('content-type'), r.headers.get('a'), await r.text(), r.bodyUsed]`,
      `const r = Response.json({ a: [1] }); const c = r.clone(); return [await r.json(), await c.text(), r.headers.get('content-type'), r.status]`,
      `const r = new Response('x'); await r.text(); return await r.text()`,
      `return new Response(null, { status: 600 })`,
      `return new Response('x', { status: 204 })`,
      `return new Uint8Array(await new Response(new Uint8Array([1, 2, 3])).arrayBuffer())`,
      `return [Response.redirect('https://a.example/x', 301).headers.get('location'), Response.redirect('https://a.example/', 301).status]`,
      `return Response.redirect('https://a.example/', 200)`,
      `return Response.error().type`,
      `const r = new Request('https://a.example/p?q#h', { method: 'post', body: new URLSearchParams('a=1 2') }); return [r.url, r.method, r.headers.get('content-type'), await r.text(), r.redirect, r.bodyUsed]`,
      `const r = new Request('https://a.example/', { method: 'PUT', body: 'x' }); const c = r.clone(); return [await c.text(), c.method, new Request(r).url]`,
      `return new Request('https://a.example', { method: 'GET', body: 'x' })`,
      `return new Request('/relative')`,
      `return new Request('https://a.example', { method: 'CONNECT' })`,
      `return new Request('https://a.example', { method: 'bad method' })`,
      `return new Request('https://a.example', { redirect: 'sometimes' })`,
      `return [new Request('https://a.example', { method: 'patch' }).method, new Request('https://a.example', { method: 'custom' }).method]`,
      `return [new Request('https://a.example').signal.aborted, new Request('https://a.example').credentials === undefined]`,
      `const c = new AbortController(); const seen = []; c.signal.addEventListener('abort', (e) => seen.push(e.type)); c.signal.onabort = () => seen.push('on'); c.abort('why'); c.abort('again'); return [c.signal.aborted, c.signal.reason, seen]`,
      `const c = new AbortController(); const seen = []; c.signal.onabort = () => seen.push('on'); c.signal.addEventListener('abort', () => seen.push('listener'), { once: true }); c.abort(); return [seen, c.signal.reason]`,
      `const s = AbortSignal.abort(); return [s.aborted, s.reason]`,
      `AbortSignal.abort(new RangeError('r')).throwIfAborted()`,
      `const a = new AbortController(); const any = AbortSignal.any([a.signal, new AbortController().signal]); a.abort('r'); return [any.aborted, any.reason]`,
      `return AbortSignal.any([AbortSignal.abort('first'), AbortSignal.abort('second')]).reason`,
      `return new AbortSignal()`,
      `return [new Headers(), new Response(), new Request('https://a.example'), new AbortController(), AbortSignal.abort()].map((v) => Object.prototype.toString.call(v))`,
      `const order = []; await new Promise((r) => { setTimeout(() => order.push(2), 15); setTimeout((x) => order.push(x), 1, 1); const t = setTimeout(() => order.push('cleared'), 5); clearTimeout(t); setTimeout(r, 40); }); return order`,
      `let n = 0; await new Promise((r) => { const i = setInterval(() => { if (++n === 3) { clearInterval(i); r(); } }, 1); }); return n`,
      `const s = AbortSignal.timeout(5); await new Promise((r) => { s.onabort = r; }); return [s.aborted, s.reason.name, s.reason.code]`,
    ]);
  });
});

function popcount(b: number): number {
  let n = 0;
  for (; b; b >>= 1) n += b & 1;
  return n;
}
