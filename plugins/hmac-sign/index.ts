// Signs each request body for the service behind Kong: HMAC-SHA256 over the raw body with a shared
// secret (crypto.subtle, done by the host), sent upstream as `sha256=<hex>` in a header, so the
// service can tell the request came through the gateway unchanged.
interface Config {
  secret: string;
  /** the upstream request header that carries the signature */
  header?: string | null;
}

interface Kong {
  request: { getRawBody(): Promise<Uint8Array | string | null | undefined> };
  service: { request: { setHeader(name: string, value: string): Promise<void> } };
}

export class Plugin {
  readonly #header: string;
  /** imported once per instance; non-extractable: plugin code can sign with it, never read it back */
  readonly #key: Promise<CryptoKey>;

  constructor(config: Config) {
    this.#header = config.header ?? 'x-body-signature';
    this.#key = crypto.subtle.importKey('raw', new TextEncoder().encode(config.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  }

  async access(kong: Kong): Promise<void> {
    const raw = (await kong.request.getRawBody()) ?? new Uint8Array(0);
    const body = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await this.#key, body));
    let hex = '';
    for (const b of mac) hex += b.toString(16).padStart(2, '0');
    await kong.service.request.setHeader(this.#header, `sha256=${hex}`);
  }
}

export const Version = '1.0.0';
export const Priority = 800;
export const Schema = [{ secret: { type: 'string', required: true } }, { header: { type: 'string', default: 'x-body-signature' } }];
