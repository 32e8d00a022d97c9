// Bundler attack: a CSS import (esbuild's css loader) inside the plugin's own directory.
const stolen = require('./style.css');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
