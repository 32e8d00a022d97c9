// Attack: a PDK method name of 4 MB, every event (a 4 MB log line per event if it reaches a log).
class Plugin {
  async access(kong) {
    let outcome;
    try {
      await kong['A'.repeat(4 << 20)]();
      outcome = 'called';
    } catch (e) {
      outcome = `${e.name}: ${e.message.slice(0, 300)}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({ outcome }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
