// Attack: a plugin whose exported Name is "__proto__" (it matches Kong's name pattern), hoping a
// table keyed by plugin name is a plain object.
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', JSON.stringify({ served: true }));
  }
}
module.exports = { Plugin, Name: '__proto__', Version: '1.0.0', Priority: 1 };
