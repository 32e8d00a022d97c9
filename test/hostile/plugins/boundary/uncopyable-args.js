// Attack: PDK arguments that cannot be data: a function, a symbol, a Proxy, a WeakMap, a Promise, the
// kong object itself, a host-made error with its prototype, a class instance with a private field.
class Secret {
  #hidden = 'private';
  constructor() {
    this.shown = 'public';
  }
}
class Plugin {
  async access(kong) {
    let hostError;
    try {
      await kong.request.getHeader(() => 0);
    } catch (e) {
      hostError = e;
    }
    const cases = {
      function: () => 'f',
      symbol: Symbol('s'),
      proxy: new Proxy({}, { get: () => 'trap' }),
      revokedProxy: (() => {
        const r = Proxy.revocable({}, {});
        r.revoke();
        return r.proxy;
      })(),
      weakMap: new WeakMap(),
      promise: Promise.resolve(1),
      kong,
      kongRequest: kong.request,
    };
    const got = {};
    for (const [label, value] of Object.entries(cases)) {
      try {
        await kong.response.setHeader(`x-${label}`, value);
        got[label] = 'sent';
      } catch (e) {
        got[label] = `${e.name}: ${e.message.replace(/\s+/g, ' ')}`;
      }
    }
    // copyable, but only as data: what Kong gets is checked by the test
    await kong.response.setHeader('x-host-error', hostError);
    await kong.response.setHeader('x-private', new Secret());
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
