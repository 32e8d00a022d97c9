// Attack: spend 70 ms of the 100 ms budget, then wait on Kong; when the event is abandoned the catch
// spends 70 ms more. Each part is under the budget, together they are not: the catch must be counted.
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
  async access(kong) {
    burn(70);
    try {
      await kong.request.getHeader('x-never');
    } catch {
      burn(70);
    }
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
