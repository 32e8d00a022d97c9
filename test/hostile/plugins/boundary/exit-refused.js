// Attack: a terminal call (kong.response.exit) whose arguments cannot reach Kong. It resolves at once
// inside the plugin (as in kong-js-pdk), so the plugin goes on as if the request had ended; the
// request must then fail by the failure policy, never pass as if the plugin had let it through.
// Header "case": cyclic | huge | uncopyable | after-flood (exit after 150 unawaited calls).
class Plugin {
  async access(kong) {
    const which = await kong.request.getHeader('case');
    if (which === 'cyclic') {
      const body = { a: 1 };
      body.self = body;
      await kong.response.exit(403, body);
    } else if (which === 'huge') {
      await kong.response.exit(403, 'x'.repeat(17 * 1024 * 1024));
    } else if (which === 'uncopyable') {
      await kong.response.exit(403, { f() {} });
    } else if (which === 'after-flood') {
      for (let i = 0; i < 150; i++) kong.request.getHeader(`h${i}`).catch(() => {});
      await kong.response.exit(403, 'stop');
    }
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
