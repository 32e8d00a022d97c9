// Bundler attack: a tsconfig.json that extends Kong's environment (esbuild follows extends to any file).
const stolen = 'nothing';
module.exports = {
  Plugin: class {
    async access(kong) {
      await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
    }
  },
  Version: '1.0.0',
};
