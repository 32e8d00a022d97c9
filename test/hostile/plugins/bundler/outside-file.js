// Bundler attack: ../ out of the plugins directory to a file beside it (the test puts a marker there).
const stolen = require('../outside/secret.js');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
