// Reports exactly what a value from Kong looks like inside the isolate (type, prototype, own keys,
// bytes, depth) and whether any prototype of the isolate got polluted: access describes the raw
// body (plugin.Step), rewrite the header map and response the query map (plugin.StepMultiMap).
function depthOf(v) {
  let d = 0;
  while (Array.isArray(v) && v.length > 0) {
    v = v[0];
    d++;
  }
  return d;
}

function describe(v, depth) {
  if (depth > 8) return { t: 'deeper' };
  if (v === null) return { t: 'null' };
  if (v === undefined) return { t: 'undefined' };
  if (typeof v === 'number') {
    const shown = Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : Number.isFinite(v) ? v : String(v);
    return { t: 'number', v: shown };
  }
  if (typeof v === 'string') return { t: 'string', v: v.length > 64 ? `${v.slice(0, 64)}…` : v, units: v.length };
  if (typeof v === 'boolean') return { t: 'boolean', v };
  if (v instanceof Uint8Array) {
    return { t: 'bytes', length: v.length, hex: Array.from(v.subarray(0, 32), (b) => b.toString(16).padStart(2, '0')).join('') };
  }
  if (v instanceof Date) return { t: 'date', v: v.getTime() };
  if (Array.isArray(v)) return { t: 'array', length: v.length, depth: depthOf(v), items: v.slice(0, 8).map((x) => describe(x, depth + 1)) };
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    const keys = Object.keys(v);
    return {
      t: 'object',
      proto: proto === null ? 'null' : proto === Object.prototype ? 'Object' : `other ${proto.constructor && proto.constructor.name}`,
      count: keys.length,
      entries: keys.slice(0, 12).map((k) => [k, describe(v[k], depth + 1)]),
    };
  }
  return { t: typeof v };
}

function pollution() {
  return { object: ({}).polluted === undefined, array: [].polluted === undefined, protoKeys: Object.getOwnPropertyNames(Object.prototype).length };
}

async function report(kong, value) {
  await kong.response.setHeader('x-got', JSON.stringify({ value: describe(value, 0), clean: pollution() }));
}

class Plugin {
  async access(kong) {
    await report(kong, await kong.request.getRawBody());
  }
  async rewrite(kong) {
    await report(kong, await kong.request.getHeaders());
  }
  async response(kong) {
    await report(kong, await kong.request.getQuery());
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
