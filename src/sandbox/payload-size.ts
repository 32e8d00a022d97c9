// The size of a value crossing the isolate boundary, roughly as msgpack will carry it: UTF-8 bytes
// of strings, byte lengths, a few bytes per other value. Measured as a tree, as it will be written:
// a shared object or string counts each time it appears (a cycle, endlessly), so there is no cap on
// visits; the walk stops once past `limit` instead, so a 100 MB value, or a 1 MB one that is 100 MB
// as a tree, costs no more to refuse than a small one.
export function payloadSize(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= limit) {
    const v = stack.pop();
    // a string has at least as many UTF-8 bytes as UTF-16 units: a long one is refused unscanned
    if (typeof v === 'string') total += (v.length > limit - total ? v.length : Buffer.byteLength(v)) + 5;
    else if (v instanceof Uint8Array) total += v.byteLength + 5;
    else if (Array.isArray(v)) {
      total += 5 + v.length; // a sparse array of 4 billion holes stops here
      for (let i = 0; i < v.length && total <= limit; i++) stack.push(v[i]);
    } else if (typeof v === 'object' && v !== null) {
      total += 5;
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        total += k.length + 1;
        if (total > limit) break;
        stack.push((v as Record<string, unknown>)[k]);
      }
    } else total += 9;
  }
  return total;
}
