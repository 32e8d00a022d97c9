// Bundler attack: a glob-style require into a directory whose package.json is a FIFO (made by the test): esbuild's own resolver reads it and never returns, so only --build-timeout ends the build.
const stolen = require('./hang/' + globalThis.name + '.js');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
