// setTimeout, setInterval, clearTimeout, clearInterval, served by the host (web/op-port.ts). A timer
// belongs to the event whose slice armed it: it fires in a slice of that event, charged to its CPU
// budget, and never after the event ended (the host clears it then). One armed by the module body or
// the constructor belongs to no event and is refused. An interval re-arms after each tick; no tick
// comes sooner than MIN_INTERVAL_MS after the last, so an interval costs its event a bounded number
// of slices.
import type { OpPort } from './op-port.ts';

const MAX_DELAY = 2 ** 31 - 1;
const MIN_INTERVAL_MS = 4;

interface Timer {
  opId: number;
  callback: (...args: unknown[]) => void;
  args: unknown[];
  delay: number;
  repeat: boolean;
}

export interface Timers {
  setTimeout(callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]): number;
  setInterval(callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]): number;
  clearTimeout(id?: number): void;
  clearInterval(id?: number): void;
}

function delayOf(value: unknown): number {
  const n = Number(value);
  if (!(n > 0)) return 0; // NaN, negative, missing: as soon as possible, as in browsers
  return n > MAX_DELAY ? MAX_DELAY : Math.floor(n);
}

/** `report`: where an error a callback throws goes (the plugin's console.error, as a browser does). */
export function createTimers(ops: OpPort, report: (err: unknown, where: string) => void): Timers {
  const timers = new Map<number, Timer>();
  let nextId = 1;

  function arm(id: number, t: Timer, api: string): void {
    t.opId = ops.start('timer', t.delay, api, (ok) => fire(id, ok));
  }

  function fire(id: number, ok: boolean): void {
    const t = timers.get(id);
    if (!t) return;
    if (!ok) {
      timers.delete(id); // its event ended first: forgotten, never run
      return;
    }
    if (t.repeat) {
      try {
        arm(id, t, 'setInterval');
      } catch {
        timers.delete(id); // its event has ended: the interval ends with it
      }
    } else {
      timers.delete(id);
    }
    try {
      Reflect.apply(t.callback, undefined, t.args);
    } catch (err) {
      report(err, t.repeat ? 'setInterval' : 'setTimeout');
    }
  }

  function add(api: string, repeat: boolean, callback: unknown, delay: unknown, args: unknown[]): number {
    if (typeof callback !== 'function') {
      throw new TypeError(`${api}: the callback must be a function (the sandbox evaluates no strings)`);
    }
    const d = delayOf(delay);
    const t: Timer = { opId: 0, callback: callback as Timer['callback'], args, delay: repeat && d < MIN_INTERVAL_MS ? MIN_INTERVAL_MS : d, repeat };
    const id = nextId++;
    arm(id, t, api); // throws (no event, event ended, too many timers) before the id exists
    timers.set(id, t);
    return id;
  }

  function clear(id: unknown): void {
    const key = Number(id);
    const t = timers.get(key);
    if (!t) return;
    timers.delete(key);
    ops.cancel(t.opId);
  }

  return {
    setTimeout: (callback, delay, ...args) => add('setTimeout', false, callback, delay, args),
    setInterval: (callback, delay, ...args) => add('setInterval', true, callback, delay, args),
    clearTimeout: (id) => clear(id),
    clearInterval: (id) => clear(id),
  };
}
