// Shape checks for RPC parameters, with errors that name the method and the field.
import { BadParamsError } from '../errors.ts';

export function mapParam(method: string, params: unknown[]): Record<string, unknown> {
  const p = params[0];
  if (typeof p !== 'object' || p === null || Array.isArray(p) || p instanceof Uint8Array) {
    throw new BadParamsError(method, 'expected one map parameter');
  }
  return p as Record<string, unknown>;
}

export function idValue(method: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** 31) {
    throw new BadParamsError(method, `${field} must be a non-negative integer below 2^31`);
  }
  return v;
}

export function stringValue(method: string, field: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  throw new BadParamsError(method, `${field} must be a string`);
}

export function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}
