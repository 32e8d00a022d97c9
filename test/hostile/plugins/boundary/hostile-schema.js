// Attack: metadata is read from the plugin's exports and copied to the host: a Schema whose field
// names are __proto__, constructor and toString, with a nested __proto__ record.
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', JSON.stringify({ served: true }));
  }
}
module.exports = {
  Plugin,
  Version: '1.0.0',
  Priority: 1,
  Schema: JSON.parse('[{"__proto__":{"type":"string","polluted":"yes"}},{"constructor":{"type":"record","fields":[{"__proto__":{"type":"string"}}]}},{"toString":{"type":"string"}}]'),
};
