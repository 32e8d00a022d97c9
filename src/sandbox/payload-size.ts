// The size of a value crossing the isolate boundary, roughly as msgpack will carry it: UTF-8 bytes
// of strings, byte lengths, a few bytes per other value. It stops counting once past `limit`, so a
// 100 MB value costs no more to refuse than a small one.
export function payloadSize(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  const seen = new Set<object>();
  while (stack.length > 0 && total <= limit) {
    const v = stack.pop();
    // a string has at least as many UTF-8 bytes as UTF-16 units: a long one is refused unscanned
    if (typeof v === 'string') total += (v.length > limit - total ? v.length : Buffer.byteLength(v)) + 5;
    else if (v instanceof Uint8Array) total += v.byteLength + 5;
    else if (Array.isArray(v)) {
      if (seen.has(v)) continue;
      seen.add(v);
      total += 5;
      for (const item of v) stack.push(item);
    } else if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) continue;
      seen.add(v);
      total += 5;
      for (const [k, item] of Object.entries(v)) {
        total += k.length + 1;
        stack.push(item);
      }
    } else total += 9;
  }
  return total;
}
