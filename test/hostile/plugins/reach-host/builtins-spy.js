// Attack: wrap the builtins the sandbox runtime uses (Promise.prototype.then, Array.prototype.push,
// Map.prototype.set/get, Function.prototype.call/apply, JSON.stringify) so that every object and
// function the runtime passes through them is collected, then look for anything that is not of
// this isolate or that can send to the host. The wrappers forward, so the runtime keeps working.
const seen = new Set();
const note = (...vals) => {
  for (const v of vals) if ((typeof v === 'function' || (typeof v === 'object' && v !== null)) && seen.size < 5000) seen.add(v);
};
let installed = false;

function install() {
  if (installed) return;
  installed = true;
  const then = Promise.prototype.then;
  Promise.prototype.then = function (a, b) {
    note(this, a, b);
    return then.call(this, a, b);
  };
  const push = Array.prototype.push;
  Array.prototype.push = function (...items) {
    note(this, ...items);
    return push.apply(this, items);
  };
  const set = Map.prototype.set;
  Map.prototype.set = function (k, v) {
    note(this, v);
    return set.call(this, k, v);
  };
  const get = Map.prototype.get;
  Map.prototype.get = function (k) {
    const v = get.call(this, k);
    note(this, v);
    return v;
  };
  const stringify = JSON.stringify;
  JSON.stringify = function (v, r, s) {
    note(v, r);
    return stringify(v, r, s);
  };
}

class Plugin {
  async access(kong) {
    install();
    await kong.request.getHeader('x-in');
    const phase = await kong.request.getHeader('x-phase');
    if (phase !== 'report') return;
    // Everything collected: look for foreign functions (not created by this isolate's Function) and
    // for a function that, called like the bridge, gets a call to Kong for another event.
    const found = { collected: seen.size, foreign: 0, functionsNamedPost: 0, bridgeLike: 0, ownProps: [] };
    for (const v of seen) {
      if (!(v instanceof Object)) found.foreign++;
      if (typeof v === 'function' && /post|bridge/i.test(v.name)) found.functionsNamedPost++;
      if (typeof v === 'object' && v !== null) {
        for (const k of Object.getOwnPropertyNames(v)) if (/post|bridge/i.test(k)) found.ownProps.push(k);
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify(found));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
