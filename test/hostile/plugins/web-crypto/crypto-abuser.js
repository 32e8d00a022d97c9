// Asks crypto.subtle for work the host must not do unboundedly (x-mode): 64 MB of data, an RSA key
// with a 16384-bit modulus (config.bigRsa, SPKI hex), 1 MB of HMAC key material, a JWK with a 1 MB
// modulus, or digests in a loop until the event's CPU budget, counted from host time, runs out.
// Reports with kong.response.exit(200, JSON) or set_header('x-got', JSON).
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
const nameOf = (p) => p.then(() => 'accepted', (e) => e && e.name);

class Plugin {
  constructor(config) {
    this.config = config;
  }

  async access(kong) {
    const mode = await kong.request.getHeader('x-mode');
    if (mode === 'sizes') {
      const got = {
        hugeData: await nameOf(crypto.subtle.digest('SHA-256', new Uint8Array(64 * 1024 * 1024))),
        bigRsa: await nameOf(crypto.subtle.importKey('spki', unhex(this.config.bigRsa), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify'])),
        hugeKey: await nameOf(crypto.subtle.importKey('raw', new Uint8Array(1024 * 1024), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])),
        hugeJwk: await nameOf(crypto.subtle.importKey('jwk', { kty: 'RSA', n: 'A'.repeat(1024 * 1024), e: 'AQAB' }, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify'])),
        fine: await nameOf(crypto.subtle.digest('SHA-256', new Uint8Array(1024))),
      };
      await kong.response.setHeader('x-got', JSON.stringify(got));
    } else if (mode === 'loop') {
      const data = new Uint8Array(1024 * 1024);
      let ops = 0;
      try {
        for (;;) {
          await crypto.subtle.digest('SHA-512', data);
          ops++;
        }
      } catch (err) {
        return kong.response.exit(200, JSON.stringify({ refused: err.name, ops }));
      }
    }
  }
}

module.exports = { Plugin, Version: '1.0.0', Priority: 1, Schema: [{ bigRsa: { type: 'string' } }] };
