// A dependency's module body runs before the plugin's: the earliest point an npm package could try to
// grab the bridge. It tries to call it if it is there.
const found = {
  bridge: typeof globalThis.__kps_bridge,
  runtime: typeof globalThis.__kps_runtime,
  kpsGlobals: Object.getOwnPropertyNames(globalThis).filter((n) => n.startsWith('__kps')),
  called: 'no bridge to call',
};
if (typeof globalThis.__kps_bridge === 'function') {
  try {
    globalThis.__kps_bridge('call', 0, 'kong.response.exit', [200, 'owned']);
    found.called = 'CALLED';
  } catch (e) {
    found.called = String(e);
  }
}
module.exports = { found };
