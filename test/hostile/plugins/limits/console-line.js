// Attack: one console.log call with 500 arguments of 4 000 characters each (each argument is
// clipped, but is the line?), 2 MB into the server's log in one line.
class Plugin {
  async access(kong) {
    console.log(...new Array(500).fill('L'.repeat(4000)));
    await kong.response.setHeader('x-got', JSON.stringify({ logged: true }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
