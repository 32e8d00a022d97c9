// Attack: console lines with the runtime's join and slice replaced: 2 MB in one call, every event.
Array.prototype.join = function () { return 'C'.repeat(2 << 20); };
Array.prototype.map = function () { return this; };
String.prototype.slice = function () { return String(this); };
class Plugin {
  async access(kong) {
    console.log('a', 'b');
    console.error(...new Array(500).fill('L'.repeat(4000)));
    await kong.response.setHeader('x-got', '{"logged":true}');
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
