// Attack: walk up the call stack to the runtime's functions (which hold the bridge in their closure):
// Function.caller and arguments.callee.caller from a sloppy-mode handler, and V8's structured stack
// traces (CallSite.getFunction / getThis) in the handler and inside a getter that runs while the
// runtime copies a PDK call's arguments.
let getterFrames = [];
let OWN_FILE = null;

function frames() {
  const saved = Error.prepareStackTrace;
  let out = [];
  Error.prepareStackTrace = (_e, callSites) => {
    out = callSites.map((c) => ({ fn: typeof c.getFunction(), self: typeof c.getThis(), file: c.getFileName() }));
    return '';
  };
  void new Error().stack;
  Error.prepareStackTrace = saved;
  OWN_FILE = OWN_FILE || out[0].file;
  return out;
}

// A sloppy-mode (not class) handler: .caller works on sloppy functions.
function access(kong) {
  const caller = access.caller;
  const callee = arguments.callee;
  let calleeCaller;
  try {
    calleeCaller = typeof callee.caller;
  } catch (e) {
    calleeCaller = e.name;
  }
  const inHandler = frames();
  const arg = {
    get v() {
      getterFrames = frames();
      return 1;
    },
  };
  return kong.request.getHeader(arg).then(() => {
    const all = [...inHandler, ...getterFrames];
    const got = {
      caller: caller === null ? 'null' : typeof caller,
      calleeCaller,
      // functions and receivers of the runtime's frames (the plugin's own sloppy functions are its own)
      functionsObtained: all.filter((f) => f.file !== OWN_FILE && f.fn === 'function').length,
      receiversObtained: all.filter((f) => f.file !== OWN_FILE && f.self !== 'undefined').length,
      ownFunctionsObtained: all.filter((f) => f.file === OWN_FILE && f.fn === 'function').length,
      framesSeen: all.length,
      runtimeFramesSeen: all.filter((f) => f.file === 'kps:sandbox-runtime.js').length,
    };
    return kong.response.setHeader('x-got', JSON.stringify(got));
  });
}

function Plugin() {}
Plugin.prototype.access = access;
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
