// Attack: hide behind a neighbour. The handler first spins 60 ms, so the neighbour's requests queue
// up on the shard behind it and are in flight when it dies, then runs the builtin that kills the
// shard. Only this plugin was running; the neighbour must never be charged.
class Plugin {
  access() {
    const t = Date.now();
    while (Date.now() - t < 60) {}
    new Array(2 ** 28).fill(0);
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
