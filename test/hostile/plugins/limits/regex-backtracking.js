// Attack: catastrophic regex backtracking, (a+)+$ on 'aaa…b': exponential time inside one builtin call.
class Plugin {
  async access(kong) {
    const input = await kong.request.getHeader('x-in');
    const matched = /^(a+)+$/.test(input);
    await kong.response.setHeader('x-got', JSON.stringify({ matched }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
