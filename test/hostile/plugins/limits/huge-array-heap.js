// Attack: fill a huge array element by element (heap growth V8 can account for).
class Plugin {
  async access() {
    const a = [];
    for (let i = 0; i < 2 ** 30; i++) a.push({ i });
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
