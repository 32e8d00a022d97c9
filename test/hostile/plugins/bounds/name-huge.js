// Attack: a plugin Name of 2 MB (all allowed characters): it would be in every log line and status.
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', '{}');
  }
}
module.exports = { Plugin, Name: 'n'.repeat(2 << 20), Version: '1.0.0', Priority: 1 };
