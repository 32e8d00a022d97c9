// Served version: harmless. The test rewrites this file (in a copy of the directory) with a version
// whose constructor kills the shard: the reload of the live instance is charged to this plugin.
class Plugin {
  access() {}
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
