// A response as a PluginTest records it: the one the client got (`t.response`) and the one the
// fake upstream gave (`t.serviceResponse`). Field names are kong-js-pdk plugin_test's.
import { HeaderMap, type HeadersInit } from './header-map.ts';
import type { Body } from './request.ts';

export class Response {
  /** undefined until the request was proxied or ended by kong.response.exit */
  status: number | undefined;
  headers: HeaderMap;
  /** as sent: a table body given to kong.response.exit is JSON text, as Kong sends it */
  body: Body;

  constructor(init: { status?: number; headers?: HeadersInit | HeaderMap; body?: Body } = {}) {
    this.status = init.status;
    this.headers = new HeaderMap(init.headers);
    this.body = init.body ?? '';
  }

  /** the body as text (UTF-8) */
  get text(): string {
    return typeof this.body === 'string' ? this.body : new TextDecoder().decode(this.body);
  }

  /** the body parsed as JSON */
  json(): unknown {
    return JSON.parse(this.text);
  }
}
