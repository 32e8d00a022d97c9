// Attack: a plugin whose exported Name is "constructor".
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', JSON.stringify({ served: true }));
  }
}
module.exports = { Plugin, Name: 'constructor', Version: '1.0.0', Priority: 1 };
