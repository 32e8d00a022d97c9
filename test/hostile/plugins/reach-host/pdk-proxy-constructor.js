// Attack: the `kong` object is the one thing the host hands to plugin code. Walk its constructor and
// prototype chains, and those of a PDK call's promise and of kong.Error, looking for a foreign realm.
class Plugin {
  async access(kong) {
    const probe = (label, f) => {
      try {
        const v = f();
        return v === undefined ? 'undefined' : v === globalThis ? 'own global' : typeof v === 'function' ? `function ${v.name}` : typeof v;
      } catch (e) {
        return `${e.name}`;
      }
    };
    const pending = kong.request.getHeader('x-in');
    const got = {
      kongConstructor: probe('', () => kong.constructor),
      requestConstructor: probe('', () => kong.request.constructor),
      methodConstructor: probe('', () => kong.request.getHeader.constructor),
      protoFunctionGlobal: probe('', () => Object.getPrototypeOf(kong).constructor('return this')()),
      reflectProtoGlobal: probe('', () => Reflect.getPrototypeOf(kong.request.getHeader).constructor('return this')()),
      dunderProtoConstructor: probe('', () => kong.__proto__.constructor),
      promiseGlobal: probe('', () => pending.constructor.constructor('return this')()),
      errorClassGlobal: probe('', () => kong.Error.constructor('return this')()),
      errorProtoIsOwn: Object.getPrototypeOf(kong.Error.prototype) === Error.prototype,
      promiseIsOwn: pending instanceof Promise,
      processViaProto: Object.getPrototypeOf(kong).constructor('return typeof process')(),
      setOnKong: (() => {
        try {
          kong.request = 1;
          return typeof kong.request;
        } catch (e) {
          return e.name;
        }
      })(),
    };
    await pending;
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
