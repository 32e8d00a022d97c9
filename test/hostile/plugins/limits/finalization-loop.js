// Attack: work V8 runs outside any call the host made. A FinalizationRegistry cleanup callback that
// loops forever, armed with 20 000 registered objects and some garbage to make the collector run
// after the event has ended.
const registry = new FinalizationRegistry(() => {
  for (;;) {}
});
class Plugin {
  async access(kong) {
    for (let i = 0; i < 20000; i++) registry.register({ i, pad: [i, i, i] }, i);
    let junk = [];
    for (let k = 0; k < 200; k++) {
      junk.push(new Array(10000).fill(k));
      if (junk.length > 20) junk = [];
    }
    await kong.response.setHeader('x-got', JSON.stringify({ registered: 20000 }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
