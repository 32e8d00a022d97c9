// Bundler attack: a package from a node_modules shared in the plugins directory (the test makes it), not the plugin's own.
const stolen = require('leftpad-secret');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
