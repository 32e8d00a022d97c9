// Bundler attack: a .txt file, which esbuild's default loaders read as text.
const stolen = require('./notes.txt');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
