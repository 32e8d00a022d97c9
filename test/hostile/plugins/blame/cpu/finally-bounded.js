// Not an attack: cleanup in a finally still runs when Kong abandons the event (within what is left of
// its budget). Phase "log" reports how many finally blocks ran.
let finallies = 0;
class Plugin {
  async access(kong) {
    try {
      await kong.request.getHeader('x-never');
    } finally {
      finallies++;
    }
  }
  async log(kong) {
    await kong.response.setHeader('x-got', JSON.stringify({ finallies }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
