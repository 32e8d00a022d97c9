// Bundler attack: a glob-style require, which esbuild expands itself (onResolve never sees it), reaching out of the directory.
const stolen = require('../outside/' + globalThis.name + '.js');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
