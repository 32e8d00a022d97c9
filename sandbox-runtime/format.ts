// Turns any plugin value into bounded text for logs and error reports, without trusting it:
// getters and toString may throw, so every step is guarded.
const MAX = 4000;

export function describeError(err: unknown): string {
  try {
    if (err instanceof Error) {
      const stack = typeof err.stack === 'string' ? err.stack : '';
      const text = stack.includes(String(err.message)) ? stack : `${err.name}: ${err.message}\n${stack}`;
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
    if (value instanceof Error) return describeError(value);
    if (typeof value === 'object' && value !== null) {
      const seen = new Set<unknown>();
      return clip(
        JSON.stringify(value, (_k, v: unknown) => {
          if (typeof v === 'bigint') return `${v}n`;
          if (v instanceof Uint8Array) return `<${v.length} bytes>`;
          if (typeof v === 'object' && v !== null) {
            if (seen.has(v)) return '[Circular]';
            seen.add(v);
          }
          return v;
        }) ?? String(value),
      );
    }
    return clip(String(value));
  } catch {
    return '(unprintable value)';
  }
}

function clip(text: string): string {
  return text.length > MAX ? `${text.slice(0, MAX)}… (${text.length - MAX} more chars)` : text;
}
