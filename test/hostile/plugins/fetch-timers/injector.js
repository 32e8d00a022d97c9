// Header injection: CR, LF and NUL in header names and values, through every way a header gets in,
// and headers that would change how the request is framed or routed.
const attempts = (url) => ({
  'value CRLF': () => fetch(url, { headers: { 'x-a': 'v\r\nInjected: 1' } }),
  'value LF': () => fetch(url, { headers: { 'x-a': 'v\nInjected: 1' } }),
  'value CR': () => fetch(url, { headers: { 'x-a': 'v\rInjected: 1' } }),
  'value NUL': () => fetch(url, { headers: { 'x-a': 'v\0' } }),
  'name CRLF': () => fetch(url, { headers: { 'x-a\r\nInjected': '1' } }),
  'pairs': () => fetch(url, { headers: [['x-a', 'v\r\n\r\nGET /smuggled HTTP/1.1']] }),
  'Headers.set': () => { const h = new Headers(); h.set('x-a', 'a\r\nInjected: 1'); return fetch(url, { headers: h }); },
  'Request': () => fetch(new Request(url, { headers: { 'x-a': 'a\r\nInjected: 1' } })),
  'wide char': () => fetch(url, { headers: { 'x-a': 'v\u010aInjected: 1' } }),
  'method': () => fetch(url, { method: 'GET /x HTTP/1.1\r\nInjected: 1\r\n' }),
  'host header': () => fetch(url, { headers: { host: 'internal.example' } }),
  'transfer-encoding': () => fetch(url, { method: 'POST', body: 'x', headers: { 'transfer-encoding': 'chunked' } }),
  'CONNECT': () => fetch(url, { method: 'CONNECT' }),
});
class Plugin {
  async access(kong) {
    const url = await kong.request.getHeader('x-url');
    const got = {};
    for (const [name, attempt] of Object.entries(attempts(url))) {
      try {
        const res = await attempt();
        got[name] = `answered ${res.status}`;
      } catch (err) {
        got[name] = err.name;
      }
    }
    // the edges of a value are trimmed (as in browsers), never sent
    const res = await fetch(url, { headers: { 'x-a': '\r\n  padded \r\n' } });
    got.trimmed = await res.text();
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
