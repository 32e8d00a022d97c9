// Attack: a then-chain scheduled in one event that spins in another event's slice. Event "access"
// waits on a promise only event "rewrite" resolves; its continuation loops in rewrite's slice, which
// must stop it with rewrite's budget.
let wake = null;
class Plugin {
  async access() {
    await new Promise((resolve) => (wake = resolve));
    for (;;) {}
  }
  rewrite() {
    if (wake) wake();
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
