// Hostile family 1: plugin code trying to reach the host (its global, process, require, the bridge,
// the runtime's functions, host errors) or to disturb the sandbox runtime. Every attack must come
// back empty-handed while a neighbour instance keeps answering and the server's memory comes back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Family, stageFamily, EXIT_500, KongFailure, headers, reported, namesNoHost, timed } from './helpers.ts';

/** What ECMAScript (V8 13.6) puts on a global, plus the sandbox's console and the bundle's export slot. */
const ALLOWED_GLOBALS = new Set([
  'Object', 'Function', 'Array', 'Number', 'parseFloat', 'parseInt', 'Infinity', 'NaN', 'undefined', 'Boolean', 'String',
  'Symbol', 'Date', 'Promise', 'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError',
  'SyntaxError', 'TypeError', 'URIError', 'SuppressedError', 'globalThis', 'JSON', 'Math', 'Intl', 'ArrayBuffer',
  'Atomics', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float16Array',
  'Float32Array', 'Float64Array', 'Uint8ClampedArray', 'BigUint64Array', 'BigInt64Array', 'DataView', 'Map', 'BigInt',
  'Set', 'WeakMap', 'WeakSet', 'Proxy', 'Reflect', 'FinalizationRegistry', 'WeakRef', 'decodeURI', 'decodeURIComponent',
  'encodeURI', 'encodeURIComponent', 'escape', 'unescape', 'eval', 'isFinite', 'isNaN', 'Iterator', 'SharedArrayBuffer',
  'WebAssembly', 'DisposableStack', 'AsyncDisposableStack', 'console', '__kps_exports',
  // the Web APIs of sandbox-runtime/web/: plain JavaScript inside the isolate
  'TextEncoder', 'TextDecoder', 'atob', 'btoa', 'URL', 'URLSearchParams', 'structuredClone', 'queueMicrotask',
  'DOMException', 'crypto', 'CryptoKey',
  // timers and fetch: served by the host as operations of the running event (sandbox-runtime/host-ops.ts)
  'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'AbortController', 'AbortSignal', 'Headers', 'Request',
  'Response', 'fetch',
]);

const f = await Family.start(stageFamily('reach-host'), [
  '--shards', '2', '--memory-limit', '32', '--cpu-limit', '200', '--max-payload-size', '65536', '--event-timeout', '3000',
]);
after(() => f.stop());

test('the Function constructor (any function, arrow, bind) gives the isolate\'s own global: no process, require or host names', async () => {
  const inst = await f.kong.startInstance('fn-constructor-global');
  const got = reported(await f.attack(() => f.kong.runPhase(inst.Id, 'access')));
  assert.equal(got.sameAsOwnGlobal, true);
  for (const name of ['process', 'require', 'module', 'Buffer']) assert.equal(got[name], 'undefined', name);
  assert.equal(got.setTimeout, 'function'); // the event-bound timer (sandbox-runtime/web/timers.ts)
  assert.equal(got.indirectEvalProcess, 'undefined');
  const foreign = (got.globals as string[]).filter((n) => !ALLOWED_GLOBALS.has(n));
  assert.deepEqual(foreign, [], `globals beyond ECMAScript, console and the sandbox's Web APIs: ${foreign.join(', ')}`);
});

test('this.constructor.constructor and the async/generator Function constructors find no process, require or global', async () => {
  const inst = await f.kong.startInstance('this-constructor');
  const got = reported(await f.attack(() => f.kong.runPhase(inst.Id, 'access')));
  assert.deepEqual(
    { process: got.process, require: got.require, global: got.global, asyncProcess: got.asyncProcess, genProcess: got.genProcess },
    { process: 'undefined', require: 'undefined', global: 'undefined', asyncProcess: 'undefined', genProcess: 'undefined' },
  );
  assert.equal(got.sameGlobal, true);
  assert.equal(got.hostProcessViaThrow, 'ReferenceError: process is not defined');
});

test('the kong PDK proxy: its constructor and prototype chains (and those of its promises and kong.Error) lead only to the isolate', async () => {
  const inst = await f.kong.startInstance('pdk-proxy-constructor');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access', headers({ 'x-in': 'v' })));
  const got = reported(run);
  assert.deepEqual(got, {
    kongConstructor: 'undefined',
    requestConstructor: 'undefined',
    methodConstructor: 'undefined',
    protoFunctionGlobal: 'own global',
    reflectProtoGlobal: 'own global',
    dunderProtoConstructor: 'undefined',
    promiseGlobal: 'own global',
    errorClassGlobal: 'own global',
    errorProtoIsOwn: true,
    promiseIsOwn: true,
    processViaProto: 'undefined',
    setOnKong: 'TypeError',
  });
  // Writing to kong changed nothing Kong sees: only the header read and the report went out.
  assert.deepEqual(run.calls.map((c) => c.Method), ['kong.request.get_header', 'kong.response.set_header']);
});

test('errors the host throws into plugin code (StepError, uncopyable arguments) are isolate objects that lead nowhere', async () => {
  const inst = await f.kong.startInstance('host-error-constructor');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access', (c) => (c.Args[0] === 'x-fails' ? new KongFailure('kong says no') : undefined)));
  const got = reported(run);
  for (const key of ['stepError', 'cloneError']) {
    const e = got[key];
    assert.equal(e.name, 'PDKError', key);
    assert.equal(e.isOwnError, true, key);
    assert.equal(e.ctorChainGlobal, true, key);
    assert.equal(e.ctorChainProcess, 'undefined', key);
    assert.deepEqual(e.protoChain, ['PDKError', 'Error', 'Object'], key);
    assert.ok(namesNoHost(`${e.message}\n${e.stack}`, f.fileOf('host-error-constructor')), `${key} names the host: ${e.stack}`);
  }
  assert.equal(got.stepError.message, 'PDK method kong.request.get_header failed:  kong says no');
  assert.match(got.cloneError.message, /^PDK method kong\.response\.set_header failed: {2}arguments cannot be sent to Kong: .*could not be cloned/);
  // The uncopyable call never reached Kong.
  assert.ok(!run.calls.some((c) => c.Args[0] === 'x-fn'));
});

test('process, require, module, Buffer, setImmediate, __dirname: absent, or the bundler\'s shims that load nothing', async () => {
  const inst = await f.kong.startInstance('globals-lookup');
  const got = reported(await f.attack(() => f.kong.runPhase(inst.Id, 'access')));
  // (queueMicrotask exists now: sandbox-runtime/web/queue-microtask.ts, a promise job inside the isolate;
  // setTimeout too: a host timer of the running event, sandbox-runtime/web/timers.ts)
  assert.equal(got.setTimeout, 'function');
  for (const name of ['process', 'globalProcess', 'global', 'Buffer', 'setImmediate', 'dirname', 'filename', 'globalRequire', 'globalModule', 'requireMain', 'requireCache']) {
    assert.equal(got[name], 'undefined', name);
  }
  assert.match(got.requireFs, /^Error: Dynamic require of "fs" is not supported$/);
  assert.match(got.requireChildProcess, /^Error: Dynamic require of "child_process" is not supported$/);
  assert.deepEqual(got.moduleKeys, ['exports']);
  assert.equal(got.moduleCtorProcess, 'undefined');
});

test('import() of node:fs, bare names, data: and file URLs is refused by V8 inside the isolate', async () => {
  const inst = await f.kong.startInstance('dynamic-import');
  const got = reported(await f.attack(() => f.kong.runPhase(inst.Id, 'access')));
  assert.equal(Object.keys(got).length, 10);
  for (const [how, outcome] of Object.entries(got)) {
    assert.doesNotMatch(String(outcome), /LOADED/, how);
    assert.equal(outcome, 'Error: Not supported', how);
  }
});

test('__kps_bridge and __kps_runtime are gone before the first line of plugin code runs, and stay gone', async () => {
  const inst = await f.kong.startInstance('bridge-gone');
  const got = reported(await f.attack(() => f.kong.runPhase(inst.Id, 'access')));
  for (const when of ['atLoad', 'inHandler']) {
    const seen = got[when];
    assert.equal(seen.bridge, 'undefined', when);
    assert.equal(seen.runtime, 'undefined', when);
    assert.equal(seen.bridgeIn, false, when);
    assert.equal(seen.runtimeIn, false, when);
    assert.equal(seen.viaEval, 'undefined/undefined', when);
    // Only the bundle's export slot is left, and it holds nothing callable.
    assert.deepEqual(seen.kpsGlobals, ['__kps_exports'], when);
    assert.deepEqual(seen.descriptors, [['__kps_exports', 'undefined']], when);
  }
});

test('a dependency (lib.js required at the top of a plugin directory) finds no bridge to call, and no call reaches Kong', async () => {
  const inst = await f.kong.startInstance('dependency-bridge');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  assert.deepEqual(reported(run), { bridge: 'undefined', runtime: 'undefined', kpsGlobals: ['__kps_exports'], called: 'no bridge to call' });
  assert.equal(run.exited, null);
  assert.deepEqual(run.calls.map((c) => c.Method), ['kong.response.set_header']);
});

test('caller chains and structured stack traces give no function or receiver of the runtime', async () => {
  const inst = await f.kong.startInstance('caller-chain');
  const got = reported(await f.attack(() => f.kong.runPhase(inst.Id, 'access')));
  assert.equal(got.caller, 'null');
  assert.equal(got.calleeCaller, 'object'); // null: the caller of the sloppy handler is strict runtime code
  assert.ok(got.runtimeFramesSeen > 0, 'the stack did pass through runtime frames');
  assert.ok(got.ownFunctionsObtained > 0, 'the technique works: it yields the plugin\'s own sloppy functions');
  assert.equal(got.functionsObtained, 0);
  assert.equal(got.receiversObtained, 0);
});

test('spying on the builtins the runtime would use (then, push, Map get/set, JSON.stringify) collects nothing: the runtime calls its own copies', async () => {
  const inst = await f.kong.startInstance('builtins-spy');
  // Event 1 installs the spies; events 2 and 3 run the runtime through them; event 3 reports.
  await f.kong.runPhase(inst.Id, 'access', headers({ 'x-phase': 'install' }));
  await f.kong.runPhase(inst.Id, 'access', headers({ 'x-phase': 'collect' }));
  const got = reported(await f.attack(() => f.kong.runPhase(inst.Id, 'access', headers({ 'x-phase': 'report' }))));
  assert.equal(got.collected, 0, `the spies saw ${got.collected} runtime values`);
  assert.equal(got.foreign, 0);
  assert.equal(got.functionsNamedPost, 0);
  assert.deepEqual(got.ownProps, []);
});

test('breaking Promise.prototype.then, push, shift, Map, JSON.stringify and Function.prototype.call wrecks only that instance: Kong is answered, a fresh instance and the neighbour are pristine', async () => {
  const inst = await f.kong.startInstance('builtins-break');
  const first = await f.kong.runPhase(inst.Id, 'access');
  assert.deepEqual(reported(first), { pristine: true });
  const { value: second, ms } = await f.attack(() =>
    timed(async () => {
      try {
        return await f.kong.runPhase(inst.Id, 'access');
      } catch (err) {
        return err as Error;
      }
    }),
  );
  // The wrecked instance gets Kong an answer within the event timeout: the policy's 500, or it is gone.
  assert.ok(ms < 4000, `answered after ${ms} ms`);
  if (second instanceof Error) assert.equal(second.message, `No plugin instance ${inst.Id}`);
  else assert.deepEqual(second.exited, EXIT_500);
  // Another instance of the same plugin starts on pristine builtins.
  const fresh = await f.kong.startInstance('builtins-break');
  assert.deepEqual(reported(await f.kong.runPhase(fresh.Id, 'access')), { pristine: true });
});

test('a kong object kept from a finished event cannot act in a later event: Kong sees only the new event\'s own calls', async () => {
  const inst = await f.kong.startInstance('stale-kong');
  const keep = await f.kong.runPhase(inst.Id, 'access', headers({ 'x-mode': 'keep' }));
  assert.deepEqual(keep.calls.map((c) => c.Method), ['kong.request.get_header']);
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access', headers({ 'x-mode': 'use' })));
  assert.equal(run.exited, null, 'a stale kong.response.exit ended the new request');
  assert.deepEqual(run.calls.map((c) => [c.Method, c.Args[0]]), [
    ['kong.request.get_header', 'x-mode'],
    ['kong.response.set_header', 'x-got'],
  ]);
  const got = reported(run);
  assert.match(got.stale, new RegExp(`^PDKError: PDK method kong.response.set_header failed: {2}event ${keep.eventId} has already ended$`));
  assert.match(got.staleExit, /^PDKError: PDK method kong.response.exit failed: {2}event \d+ has already ended$/);
});

test('the message and stack of every host-made error name no host path, module or object', async () => {
  const inst = await f.kong.startInstance('host-error-text');
  const run = await f.attack(() =>
    f.kong.runPhase(inst.Id, 'access', (c) => {
      if (c.Args[0] === 'x-fails') return new KongFailure('kong says no');
      if (c.Method === 'kong.request.get_raw_body') return new Uint8Array(100_000);
      return undefined;
    }),
  );
  const errors = reported(run) as Array<{ name: string; message: string; stack: string; own: boolean; keys: string[] }>;
  assert.equal(errors.length, 4);
  for (const e of errors) {
    assert.equal(e.name, 'PDKError');
    assert.equal(e.own, true);
    assert.deepEqual(e.keys.sort(), ['message', 'name', 'stack']);
    assert.ok(namesNoHost(`${e.message}\n${e.stack}`, f.fileOf('host-error-text')), `names the host: ${e.stack}`);
  }
  assert.equal(errors[0]!.message, 'PDK method kong.request.get_header failed:  kong says no');
  assert.match(errors[1]!.message, /arguments cannot be sent to Kong: TypeError: Symbol\(s\) could not be cloned/);
  assert.equal(errors[2]!.message, 'PDK method kong.response.set_header failed:  arguments larger than 65536 bytes (--max-payload-size)');
  assert.equal(errors[3]!.message, 'PDK method kong.request.get_raw_body failed:  the result of kong.request.get_raw_body is larger than 65536 bytes (--max-payload-size)');
  // Neither refused call reached Kong.
  assert.deepEqual(run.calls.map((c) => c.Args[0] ?? c.Method), ['x-fails', 'kong.request.get_raw_body', 'x-got']);
});
