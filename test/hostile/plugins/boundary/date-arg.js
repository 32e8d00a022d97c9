// Attack: a Date as a PDK argument. The copy accepts it; MessagePack has no plain type for it.
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-date', new Date(0));
    await kong.response.setHeader('x-got', JSON.stringify({ done: true }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
