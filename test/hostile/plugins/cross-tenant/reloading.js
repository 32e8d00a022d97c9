// Generation 1 of a plugin the test rewrites while an instance runs (hot reload). x-mode "write"
// leaves state behind; every event reports what it finds.
const GENERATION = 1;
let events = 0;
class Plugin {
  constructor(config) {
    this.config = config;
  }
  async access(kong) {
    events++;
    const mode = await kong.request.getHeader('x-mode');
    if (mode === 'write') {
      globalThis.__reloadMark = this.config.secret;
      Object.prototype.__reloadLeak = `gen${GENERATION}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({
      generation: GENERATION,
      events,
      secret: this.config.secret,
      mark: globalThis.__reloadMark ?? null,
      leak: ({}).__reloadLeak ?? null,
    }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
