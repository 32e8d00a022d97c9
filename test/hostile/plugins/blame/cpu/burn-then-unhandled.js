// Attack: after abandonment the catch burns 250 ms (under the 300 ms a slice may run, over what the
// event has left) and then leaves a rejection unhandled, so the slice ends in an error, not a return:
// its CPU must be counted all the same.
function burn(ms) {
  const t = Date.now();
  while (Date.now() - t < ms) {}
}
class Plugin {
  access(kong) {
    kong.request.getHeader('x-never').catch(() => {
      burn(250);
      kong.request.getHeader('x-after-end'); // rejected at once (the event ended), and nobody handles it
    });
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
