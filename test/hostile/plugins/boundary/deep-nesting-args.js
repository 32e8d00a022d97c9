// Attack: arrays nested 1 000, 10 000, 100 000 and 1 000 000 deep as PDK arguments (recursion in
// every encoder and decoder on the way to Kong).
class Plugin {
  async access(kong) {
    const depth = Number(await kong.request.getHeader('x-depth'));
    let v = 'leaf';
    for (let i = 0; i < depth; i++) v = [v];
    let outcome;
    try {
      await kong.response.setHeader('x-deep', v);
      outcome = 'sent';
    } catch (e) {
      outcome = `${e.name}: ${e.message.split('\n')[0]}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({ depth, outcome }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
