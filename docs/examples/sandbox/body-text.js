// Raw bodies arrive as bytes: this plugin decodes them as UTF-8 and reports the body's length in
// characters (a body that is not UTF-8 is refused, thanks to `fatal`).
const decoder = new TextDecoder('utf-8', { fatal: true });

class Plugin {
  async access(kong) {
    const raw = await kong.request.getRawBody(); // Uint8Array on Kong >= 3.0, a string on 2.x
    let text;
    try {
      text = typeof raw === 'string' ? raw : decoder.decode(raw ?? new Uint8Array(0));
    } catch {
      return kong.response.exit(400, { message: 'the body is not UTF-8' });
    }
    await kong.response.setHeader('x-body-chars', String(text.length));
  }
}

module.exports = { Plugin, Version: '1.0.0', Priority: 0 };
