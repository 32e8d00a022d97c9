// A kong-js-pdk style plugin, unchanged: reads a request header, sets response headers.
'use strict';

class KongPlugin {
  constructor(config) {
    this.config = config;
  }

  async access(kong) {
    const host = await kong.request.getHeader('host');
    if (host === undefined) {
      return await kong.log.err('unable to get header for request');
    }
    const message = this.config.message || 'hello';
    await kong.response.setHeader('x-hello-from-javascript', `Javascript says ${message} to ${host}`);
    await kong.response.setHeader('x-sandboxed', 'true');
  }
}

module.exports = {
  Plugin: KongPlugin,
  Schema: [{ message: { type: 'string' } }],
  Version: '0.1.0',
  Priority: 0,
};
