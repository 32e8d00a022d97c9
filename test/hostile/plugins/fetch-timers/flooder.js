// Fetch floods: many requests one after the other in one event (--max-fetches-per-event), many at
// once on one instance (--max-concurrent-fetches), many timers at once (--max-timers).
const outcome = (r) => (r.status === 'fulfilled' ? 'ok' : /--max-[a-z-]+/.exec(r.reason.message)?.[0] ?? r.reason.message);
class Plugin {
  async access(kong) {
    const mode = await kong.request.getHeader('x-mode');
    const url = await kong.request.getHeader('x-url');
    let got;
    if (mode === 'sequential') {
      got = [];
      for (let i = 0; i < 10; i++) {
        got.push(outcome(await fetch(url).then((r) => r.text()).then((v) => ({ status: 'fulfilled', value: v }), (e) => ({ status: 'rejected', reason: e }))));
      }
    } else if (mode === 'parallel') {
      got = (await Promise.allSettled(Array.from({ length: 6 }, () => fetch(url).then((r) => r.text())))).map(outcome);
    } else if (mode === 'timers') {
      got = [];
      for (let i = 0; i < 1000; i++) {
        try {
          setTimeout(() => {}, 60_000);
        } catch (err) {
          got.push(i, err.message);
          break;
        }
      }
    } else if (mode === 'churn') {
      // arm and clear in a loop: one timer pending at most, two posts to the host per turn
      got = [];
      for (let i = 0; i < 1_000_000; i++) {
        try {
          clearTimeout(setTimeout(() => {}, 60_000));
        } catch (err) {
          got.push(i, err.message);
          break;
        }
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
