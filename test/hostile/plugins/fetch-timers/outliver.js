// Timers scheduled to outlive their event. Each would count in `fired` and make a PDK call (a log
// line) if it ever ran; a later event on the same instance reports `fired` after its own, longer
// timer has run (the positive signal that the time has passed).
const fired = { n: 0, dueBy: 0 };
class Plugin {
  async access(kong) {
    const mode = await kong.request.getHeader('x-mode');
    if (mode === 'return') {
      // the handler returns: the event ends with its timers pending
      fired.dueBy = Math.max(fired.dueBy, Date.now() + 50);
      setTimeout(() => { fired.n++; kong.log.err('late timeout ran'); }, 50);
      setInterval(() => { fired.n++; kong.log.err('late interval ran'); }, 10);
      AbortSignal.timeout(30).onabort = () => { fired.n++; };
      return;
    }
    if (mode === 'deadline') {
      // the event is reaped at --event-timeout while it waits on a timer due after that
      fired.dueBy = Math.max(fired.dueBy, Date.now() + 1600);
      setTimeout(() => { fired.n++; kong.log.err('timer past the deadline ran'); }, 1600);
      await new Promise(() => {});
    }
    if (mode === 'check') {
      // until every timer above was due, and then some: in steps shorter than --event-timeout, each
      // ended by a PDK call (Kong's turn re-arms the deadline)
      while (Date.now() < fired.dueBy + 300) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await kong.request.getHeader('x-mode');
      }
      await kong.response.setHeader('x-got', JSON.stringify({ fired: fired.n, pastDue: Date.now() >= fired.dueBy + 300 }));
    }
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
