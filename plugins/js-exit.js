// An access-phase plugin that ends requests itself: without the expected API key, the request
// never reaches the service.
'use strict';

class KeyGate {
  constructor(config) {
    this.config = config;
  }

  async access(kong) {
    const key = await kong.request.getHeader(this.config.header || 'x-api-key');
    if (key !== this.config.key) {
      return kong.response.exit(403, { message: 'invalid or missing API key' }, { 'x-gate': 'js-exit' });
    }
    await kong.service.request.setHeader('x-gate-passed', 'true');
  }
}

module.exports = {
  Plugin: KeyGate,
  Schema: [{ header: { type: 'string', default: 'x-api-key' } }, { key: { type: 'string', required: true } }],
  Version: '1.0.0',
  Priority: 1000,
};
