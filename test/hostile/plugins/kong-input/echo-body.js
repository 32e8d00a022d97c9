// Sends the raw body it got straight back to Kong as the upstream body.
class Plugin {
  async access(kong) {
    const body = await kong.request.getRawBody();
    await kong.service.request.setRawBody(body);
    await kong.response.setHeader('x-got', JSON.stringify({ isBytes: body instanceof Uint8Array, length: body.length }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
