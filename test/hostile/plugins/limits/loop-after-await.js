// Attack: behave for one PDK call, then loop forever in the code after the await.
class Plugin {
  async access(kong) {
    await kong.request.getHeader('x-in');
    for (;;) {}
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
