// Raw bodies arrive as bytes and the isolate has no TextDecoder: this plugin decodes UTF-8 itself
// and reports the body's length in characters.
function utf8(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return decodeURIComponent(escape(binary)); // throws URIError on invalid UTF-8
}

class Plugin {
  async access(kong) {
    const raw = await kong.request.getRawBody(); // Uint8Array on Kong >= 3.0, a string on 2.x
    const text = typeof raw === 'string' ? raw : utf8(raw ?? new Uint8Array(0));
    await kong.response.setHeader('x-body-chars', String(text.length));
  }
}

module.exports = { Plugin, Version: '1.0.0', Priority: 0 };
