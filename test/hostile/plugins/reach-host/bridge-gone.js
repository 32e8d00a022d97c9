// Attack: read the host bridge (__kps_bridge) and the runtime API (__kps_runtime) by name, from the
// module body (the earliest plugin code runs) and from a handler; list every __kps* global left.
function look() {
  return {
    bridge: typeof globalThis.__kps_bridge,
    runtime: typeof globalThis.__kps_runtime,
    bridgeIn: '__kps_bridge' in globalThis,
    runtimeIn: '__kps_runtime' in globalThis,
    viaEval: (0, eval)('typeof __kps_bridge + "/" + typeof __kps_runtime'),
    kpsGlobals: Object.getOwnPropertyNames(globalThis).filter((n) => n.startsWith('__kps')),
    descriptors: Object.getOwnPropertyNames(globalThis)
      .filter((n) => n.startsWith('__kps'))
      .map((n) => [n, typeof Object.getOwnPropertyDescriptor(globalThis, n).value]),
  };
}
const atLoad = look();

class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', JSON.stringify({ atLoad, inHandler: look() }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
