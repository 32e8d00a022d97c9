// Attack: allocate and keep objects until the heap limit.
const keep = [];
class Plugin {
  access() {
    for (;;) keep.push(new Array(100000).fill({ x: Math.random() }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
