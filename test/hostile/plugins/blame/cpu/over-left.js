// Attack: spend 70 ms of the 100 ms budget, then wait on Kong; when the event is abandoned the catch
// spends 70 ms more. Each part is under the budget, together they are not: the catch must be counted.
function burn(ms) {
  const t = Date.now();
  while (Date.now() - t < ms) {}
}
class Plugin {
  async access(kong) {
    burn(70);
    try {
      await kong.request.getHeader('x-never');
    } catch {
      burn(70);
    }
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
