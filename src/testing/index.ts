// PluginTest (`kong-sandbox-pluginserver/testing`): test a plugin in the real sandbox against a
// fake Kong, with kong-js-pdk's plugin_test API.
//
//   const { PluginTest, Request } = require('kong-sandbox-pluginserver/testing');
//   const t = new PluginTest(new Request().useURL('http://example.com').useHeaders({ host: 'example.com' }));
//   await t.Run(require('./my-plugin'), { message: 'hi' });   // or a path / file URL
//   t.response.status; t.response.headers.get('x-hello'); t.serviceRequest.headers; t.logs; t.errors
import { PluginTest, type PluginTestOptions } from './plugin-test.ts';
import { Request } from './request.ts';

export { PluginTest, PluginLoadFailure, type PluginTestOptions, type PdkCallRecord } from './plugin-test.ts';
export { Request, type UpstreamSpec, type Body } from './request.ts';
export { Response } from './response.ts';
export { HeaderMap, type HeadersInit, type HeaderInput } from './header-map.ts';
export { ConfigError } from './kong-config.ts';
export { PluginCrashError } from '../errors.ts';
export type { KongVersion, LogEntry, ServiceSettings } from './exchange.ts';
export type { PluginRef } from './plugin-source.ts';

/**
 * PluginTest with options fixed for a whole test file, for tests whose only change from
 * kong-js-pdk is their import line: `const { PluginTest, Request } = require('…/testing').withOptions({ kongVersion: '2.x' })`.
 */
export function withOptions(defaults: PluginTestOptions): { PluginTest: typeof PluginTest; Request: typeof Request } {
  class ConfiguredPluginTest extends PluginTest {
    constructor(request?: Request, options: PluginTestOptions = {}) {
      super(request, { ...defaults, ...options, limits: { ...defaults.limits, ...options.limits } });
    }
  }
  return { PluginTest: ConfiguredPluginTest, Request };
}
