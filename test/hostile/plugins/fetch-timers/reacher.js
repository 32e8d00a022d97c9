// Requests to what the operator did not allow: loopback ports, the same port under another name,
// the server's own Unix socket, other schemes. Each outcome is reported.
class Plugin {
  async access(kong) {
    const targets = JSON.parse(await kong.request.getHeader('x-targets'));
    const got = {};
    for (const t of targets) {
      try {
        const res = await fetch(t);
        got[t] = `answered ${res.status}`;
      } catch (err) {
        got[t] = `${err.name}: ${err.message}`;
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
