// Attack: an infinite loop in the module body, which runs when the server reads the plugin's metadata.
for (;;) {}
class Plugin {
  access() {}
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
