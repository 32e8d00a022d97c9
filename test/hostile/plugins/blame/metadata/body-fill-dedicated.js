// Attack: a --placement dedicated plugin whose module body kills its shard. Its metadata read runs
// on its own shard, so the shared shard never restarts for it.
new Array(2 ** 28).fill(0);
class Plugin {
  access() {}
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
