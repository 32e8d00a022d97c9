// Attack: the module body runs one builtin V8 does not interrupt (a 2 GB fill, which ends in an
// abort). It runs when the server reads the plugin's metadata: under the shard's watchdog, and the
// shard's death is charged to this plugin.
new Array(2 ** 28).fill(0);
class Plugin {
  access() {}
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
