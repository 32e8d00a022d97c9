// Attack: create promises and reactions in a loop, never yielding.
class Plugin {
  async access() {
    const kept = [];
    for (;;) kept.push(Promise.resolve(kept.length).then((v) => v + 1));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
