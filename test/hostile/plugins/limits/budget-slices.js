// Attack: stay under the per-call time limit by spreading the work over many slices (up to 60 ms of
// busy work after each PDK answer, for as long as it is let run), hoping the budget is per slice
// rather than per event. The loop is timed by the clock, so on a busy machine a slice uses less
// CPU than 60 ms and more slices run before the budget is spent: it never finishes by itself.
function busy(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {}
}
class Plugin {
  async access(kong) {
    for (let i = 0; i < 100000; i++) {
      await kong.node.getId();
      busy(60);
    }
    await kong.response.setHeader('x-got', JSON.stringify({ slices: 100000 }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
