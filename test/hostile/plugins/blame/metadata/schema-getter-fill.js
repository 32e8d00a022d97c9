// Attack: the module body is harmless; the Schema export is a getter that runs an uninterruptible
// builtin when the runtime reads the metadata (after the module body, a separate call in).
class Plugin {
  access() {}
}
module.exports = {
  Plugin,
  Version: '1.0.0',
  Priority: 1,
  get Schema() {
    new Array(2 ** 28).fill(0);
    return [];
  },
};
