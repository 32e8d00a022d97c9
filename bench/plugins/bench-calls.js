// The benchmark's plugin, in kong-js-pdk's format so both servers run the same file: it makes
// `config.calls` PDK calls (reads headers) and sets one response header from what it read.
class BenchCalls {
  constructor(config) {
    this.calls = config.calls || 0;
  }

  async access(kong) {
    let total = 0;
    for (let i = 0; i < this.calls; i++) {
      const v = await kong.request.getHeader(`x-bench-${i}`);
      total += v ? v.length : 0;
    }
    if (this.calls > 0) await kong.response.setHeader('x-bench-bytes', String(total));
  }
}

module.exports = { Plugin: BenchCalls, Version: '1.0.0', Priority: 0, Schema: [{ calls: { type: 'integer' } }] };
