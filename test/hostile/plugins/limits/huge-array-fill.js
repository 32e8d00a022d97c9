// Attack: one allocation V8 aborts the whole process on, whatever the isolate's heap limit
// (Array(2**28).fill: a 2 GB backing store). It runs with --placement dedicated, so it aborts only
// its own shard.
class Plugin {
  access() {
    new Array(2 ** 28).fill(0.5);
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
