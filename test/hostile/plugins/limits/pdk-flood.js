// Attack: 2000 PDK calls issued at once (Promise.all), then as many as it can one after another.
class Plugin {
  async access(kong) {
    const results = await Promise.allSettled(Array.from({ length: 2000 }, (_, i) => kong.node.getId(i)));
    const refused = results.filter((r) => r.status === 'rejected');
    let sequential = 0;
    let sequentialError = null;
    try {
      for (;;) {
        await kong.node.getId();
        sequential++;
      }
    } catch (e) {
      sequentialError = e.message;
    }
    // the per-event call limit is spent; report through the log
    console.log(JSON.stringify({ issued: results.length, refused: refused.length, firstRefusal: refused[0] && refused[0].reason.message, sequential, sequentialError }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
