// Attack: hooks for unhandled rejections that loop (browser- and Node-style names), then a PDK call
// left unhandled, rejected when Kong abandons the event. The isolate has no such hooks: nothing runs.
globalThis.onunhandledrejection = () => {
  for (;;) {}
};
globalThis.process = { on() {}, emit() { for (;;) {} } };
class Plugin {
  access(kong) {
    kong.request.getHeader('x-never');
  }
  async log(kong) {
    await kong.response.setHeader('x-got', JSON.stringify({ alive: true }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
