// Turns any plugin value into bounded text for logs and error reports, without trusting it:
// getters and toString may throw, so every step is guarded; builtins are the runtime's own copies.
import { $Error, $String, $Uint8Array, SafeSet, apply, jsonStringify, stringIndexOf, stringSlice } from './intrinsics.ts';

const MAX = 4000;

export function describeError(err: unknown): string {
  try {
    if (err instanceof $Error) {
      const stack = typeof err.stack === 'string' ? err.stack : '';
      const message = $String(err.message);
      const text = stringIndexOf(stack, message) >= 0 ? stack : `${$String(err.name)}: ${message}\n${stack}`;
      return clip(text);
    }
    return clip(formatValue(err));
  } catch {
    return '(unprintable error)';
  }
}

export function formatValue(value: unknown): string {
  try {
    if (typeof value === 'string') return clip(value);
    if (value instanceof $Error) return describeError(value);
    if (typeof value === 'object' && value !== null) {
      const seen = new SafeSet<unknown>();
      const text = apply(jsonStringify, null, [
        value,
        (_k: string, v: unknown) => {
          if (typeof v === 'bigint') return `${v}n`;
          if (v instanceof $Uint8Array) return `<${v.length} bytes>`;
          if (typeof v === 'object' && v !== null) {
            if (seen.has(v)) return '[Circular]';
            seen.add(v);
          }
          return v;
        },
      ]) as string | undefined;
      return clip(typeof text === 'string' ? text : $String(value));
    }
    return clip($String(value));
  } catch {
    return '(unprintable value)';
  }
}

export function clip(text: string): string {
  const s = typeof text === 'string' ? text : '(unprintable value)';
  return s.length > MAX ? `${stringSlice(s, 0, MAX)}… (${s.length - MAX} more chars)` : s;
}
