// Attack: after abandonment the catch burns 250 ms (under the 300 ms a slice may run, over what the
// event has left) and then leaves a rejection unhandled, so the slice ends in an error, not a return:
// its CPU must be counted all the same.
// Burns CPU, not wall time: a loop timed by the clock uses only a share of its time as CPU on a
// busy machine, and the budget is CPU. The rate is the best seen over short windows at load (the
// windows the process was not descheduled in).
let perMs = 0;
for (let k = 0; k < 20; k++) {
  const t = Date.now();
  let n = 0;
  while (Date.now() - t < 5) n++;
  perMs = Math.max(perMs, n / 5);
}
function burn(ms) {
  const end = perMs * ms;
  for (let i = 0; i < end; i++) Date.now();
}
class Plugin {
  access(kong) {
    kong.request.getHeader('x-never').catch(() => {
      burn(250);
      kong.request.getHeader('x-after-end'); // rejected at once (the event ended), and nobody handles it
    });
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
