// Attack: String.prototype.slice/includes replaced (so a runtime clipping with them clips nothing),
// then a 4 MB error message with control characters thrown every event.
String.prototype.slice = function () { return String(this); };
String.prototype.includes = () => true;
class Plugin {
  async access() {
    throw new Error(`\u001b[31m\n${'E'.repeat(4 << 20)}`);
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
