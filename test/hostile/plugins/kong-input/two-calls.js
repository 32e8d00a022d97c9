// Two PDK calls with 300 ms of work between them, so that Kong can be made to Step while the plugin
// runs; reports both answers. Header a = "exit" ends the request with a 403 instead.
function busy(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {}
}
class Plugin {
  async access(kong) {
    const a = await kong.request.getHeader('a');
    if (a === 'exit') return kong.response.exit(403, 'stop');
    busy(300);
    const b = await kong.request.getHeader('b');
    await kong.response.setHeader('x-got', JSON.stringify({ a, b }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
