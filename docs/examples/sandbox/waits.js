// Builds, but fails when it runs: there are no timers in the isolate (setTimeout is not defined).
class Plugin {
  async access(kong) {
    const delay = Number(await kong.request.getHeader('x-delay-ms')) || 10;
    await new Promise((resolve) => setTimeout(resolve, delay));
    await kong.response.setHeader('x-waited', String(delay));
  }
}

module.exports = { Plugin, Version: '1.0.0', Priority: 0 };
