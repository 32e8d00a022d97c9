// Asks an external authorization service whether a request may pass. The service's URL is in the
// config; the operator must allow its origin for this plugin (--allow-fetch external-authz=ORIGIN),
// or every request fails closed. The plugin POSTs {method, path, authorization} as JSON and reads
// {"allow": true|false, "reason"?: string, "subject"?: string}: a refusal ends the request with 403
// and the reason; an allowed request goes on with x-authz-subject for the service. If the service
// cannot answer in time or answers an error, the request fails closed with 503.
'use strict';

class ExternalAuthz {
  constructor(config) {
    this.config = config;
  }

  async access(kong) {
    const method = await kong.request.getMethod();
    const path = await kong.request.getPath();
    const authorization = (await kong.request.getHeader('authorization')) ?? null;
    let verdict;
    try {
      const res = await fetch(this.config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ method, path, authorization }),
        signal: AbortSignal.timeout(this.config.timeout_ms),
      });
      if (!res.ok) throw new Error(`the authorization service answered ${res.status}`);
      verdict = await res.json();
    } catch (err) {
      await kong.log.err(`external-authz: ${err.name}: ${err.message}`);
      return kong.response.exit(503, { message: 'authorization unavailable' });
    }
    if (verdict === null || typeof verdict !== 'object' || verdict.allow !== true) {
      const reason = typeof verdict?.reason === 'string' ? verdict.reason : 'forbidden';
      return kong.response.exit(403, { message: reason }, { 'x-authz': 'denied' });
    }
    if (typeof verdict.subject === 'string') await kong.service.request.setHeader('x-authz-subject', verdict.subject);
  }
}

module.exports = {
  Plugin: ExternalAuthz,
  Schema: [{ url: { type: 'string', required: true } }, { timeout_ms: { type: 'number', default: 2000 } }],
  Version: '1.0.0',
  Priority: 900,
};
