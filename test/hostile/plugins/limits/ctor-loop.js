// Attack: an infinite loop in the constructor, run by StartInstance.
class Plugin {
  constructor() {
    for (;;) {}
  }
  access() {}
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
