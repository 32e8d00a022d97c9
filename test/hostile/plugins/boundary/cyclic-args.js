// Attack: a cyclic PDK argument (an object that contains itself, and a cycle through an array).
class Plugin {
  async access(kong) {
    const a = { name: 'a' };
    a.self = a;
    const list = [a];
    a.list = list;
    let outcome;
    try {
      await kong.response.setHeader('x-arg', a);
      outcome = 'sent';
    } catch (e) {
      outcome = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({ outcome }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
