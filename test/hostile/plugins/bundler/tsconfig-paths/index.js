// Bundler attack: a tsconfig.json paths alias that points out of the directory (esbuild reads tsconfig.json).
const stolen = require('secret');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
