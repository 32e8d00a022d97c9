// Bundler attack: a file the binary/dataurl loaders would turn into data (by extension).
const stolen = require('./blob.bin');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
