// Attack: a plugin directory whose local dependency (lib.js, required at top level) looks for the bridge.
const { found } = require('./lib.js');

class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', JSON.stringify(found));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
