// Attack: PDK arguments whose getters throw while the runtime copies them (top level and nested).
class Plugin {
  async access(kong) {
    const got = {};
    const hostile = [
      ['top', { get v() { throw new Error('getter boom'); } }],
      ['nested', { a: [1, { get v() { throw new TypeError('nested boom'); } }] }],
      ['non-error', { get v() { throw { not: 'an error' }; } }],
    ];
    for (const [label, arg] of hostile) {
      try {
        await kong.response.setHeader('x-arg', arg);
        got[label] = 'sent';
      } catch (e) {
        got[label] = `${e.name}: ${e.message}`;
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
