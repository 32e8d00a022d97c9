// One tenant's instance. x-mode "write": leave this tenant's secret everywhere an instance could leave
// state (globalThis, Object/Array prototypes, a module variable, a Symbol.for key, a replaced builtin).
// x-mode "read": report everything found there, and any trace of another secret anywhere on the global.
let lastSecret = null;

function scanGlobal() {
  const found = [];
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    let text;
    try {
      text = JSON.stringify(globalThis[name]);
    } catch {
      continue;
    }
    if (typeof text === 'string' && /secret-/.test(text)) found.push(name);
  }
  return found.sort();
}

class Plugin {
  constructor(config) {
    this.config = config;
  }
  async access(kong) {
    const mode = await kong.request.getHeader('x-mode');
    const secret = this.config.secret;
    if (mode === 'write') {
      globalThis.__tenantSecret = secret;
      Object.prototype.__tenantLeak = secret;
      Array.prototype.__tenantLeak = secret;
      globalThis[Symbol.for('tenant.secret')] = secret;
      lastSecret = secret;
      const stringify = JSON.stringify;
      JSON.stringify = function (v, r, s) {
        return stringify(v, r, s);
      };
      JSON.stringify.tenant = secret;
    }
    await kong.response.setHeader('x-got', JSON.stringify({
      mine: secret,
      globalSecret: globalThis.__tenantSecret ?? null,
      protoLeak: ({}).__tenantLeak ?? null,
      arrayLeak: [].__tenantLeak ?? null,
      symbolSecret: globalThis[Symbol.for('tenant.secret')] ?? null,
      moduleSecret: lastSecret,
      stringifyTenant: JSON.stringify.tenant ?? null,
      globalsMentioningSecrets: scanGlobal(),
    }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1, Schema: [{ secret: { type: 'string' } }] };
