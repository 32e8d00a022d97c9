// Attack: keep the `kong` object of one event and use it during a later one, hoping its calls reach
// Kong as part of the later request (or of nobody's).
let stale = null;

class Plugin {
  async access(kong) {
    const mode = await kong.request.getHeader('x-mode');
    if (mode === 'keep') {
      stale = kong;
      return;
    }
    const got = {};
    try {
      await stale.response.setHeader('x-stale', 'from an old event');
      got.stale = 'accepted';
    } catch (e) {
      got.stale = `${e.name}: ${e.message}`;
    }
    try {
      await stale.response.exit(200, 'owned by a stale event');
      got.staleExit = 'no error';
    } catch (e) {
      got.staleExit = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
