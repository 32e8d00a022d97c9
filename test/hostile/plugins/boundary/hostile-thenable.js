// Attack: the handler returns (instead of a promise) an object whose `then` getter throws (access),
// or a thenable that calls its callbacks many times and with hostile values (rewrite).
class Plugin {
  access() {
    return { get then() { throw new Error('then getter'); } };
  }
  rewrite() {
    return {
      then(resolve, reject) {
        for (let i = 0; i < 1000; i++) {
          resolve(this);
          reject(new Proxy({}, {}));
        }
      },
    };
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
