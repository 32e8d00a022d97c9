// Attack: the constructor runs a builtin V8 does not interrupt and that ends in an abort, so every
// StartInstance takes its shard down. Crashes during StartInstance are this plugin's to answer for.
class Plugin {
  constructor() {
    new Array(2 ** 28).fill(0);
  }
  access() {}
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
