// Attack: stay under the per-call time limit by spreading the work over many slices (60 ms of busy
// work after each of 20 PDK answers), hoping the budget is per slice rather than per event.
function busy(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {}
}
class Plugin {
  async access(kong) {
    for (let i = 0; i < 20; i++) {
      await kong.node.getId();
      busy(60);
    }
    await kong.response.setHeader('x-got', JSON.stringify({ slices: 20 }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
