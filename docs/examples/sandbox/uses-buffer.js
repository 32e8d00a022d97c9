// Builds, but fails when it runs: there is no Buffer in the isolate (Buffer is not defined).
class Plugin {
  async access(kong) {
    const auth = (await kong.request.getHeader('authorization')) || '';
    const user = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString().split(':')[0];
    await kong.response.setHeader('x-user', user);
  }
}

module.exports = { Plugin, Version: '1.0.0', Priority: 0 };
