// Request and response bodies by MIME type, as Kong's get_body and set_body treat them: JSON
// (only an object or array is a body), and application/x-www-form-urlencoded. Multipart is not
// emulated: the fake says so instead of guessing.
import { decodeArgs, encodeArgs } from './query-string.ts';
import type { Body } from './request.ts';

/** A Lua function's two results: a value, or nil and an error message. */
export type LuaResult = { value: unknown } | { value?: undefined; error: string };

const JSON_TYPE = /^application\/(.+\+)?json\b/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;
const MULTIPART_TYPE = /^multipart\/form-data\b/i;

export function bodyText(body: Body): string {
  return typeof body === 'string' ? body : new TextDecoder().decode(body);
}

export function bodyBytes(body: Body): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}

/** kong.request.get_body / kong.service.response.get_body */
export function decodeBody(body: Body, contentType: string | undefined): LuaResult {
  if (contentType === undefined) return { error: 'missing content type' };
  const text = bodyText(body);
  if (JSON_TYPE.test(contentType)) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null) return { error: 'invalid json body' };
      return { value: parsed };
    } catch {
      return { error: 'invalid json body' };
    }
  }
  if (FORM_TYPE.test(contentType)) return { value: decodeArgs(text) };
  if (MULTIPART_TYPE.test(contentType)) return { error: 'multipart bodies are not emulated by the fake Kong of PluginTest' };
  return { error: `unsupported content type '${contentType}'` };
}

/** kong.service.request.set_body */
export function encodeBody(args: unknown, contentType: string | undefined): { body: string } | { error: string } {
  if (typeof args !== 'object' || args === null) return { error: 'args must be a table' };
  if (contentType === undefined) return { error: 'missing content type' };
  if (JSON_TYPE.test(contentType)) return { body: JSON.stringify(args) };
  if (FORM_TYPE.test(contentType)) return { body: encodeArgs(args as Record<string, unknown>) };
  if (MULTIPART_TYPE.test(contentType)) return { error: 'multipart bodies are not emulated by the fake Kong of PluginTest' };
  return { error: `unsupported content type '${contentType}'` };
}
