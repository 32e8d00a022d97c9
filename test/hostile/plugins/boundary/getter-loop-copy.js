// Attack: a PDK argument whose getter loops forever while the runtime copies it.
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-arg', { get v() { for (;;) {} } });
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
