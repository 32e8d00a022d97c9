// queueMicrotask: the callback runs as a microtask; what it throws is reported (console.error, as
// a browser reports it), never turned into an unhandled rejection.
const resolved = Promise.resolve();
const then = Promise.prototype.then;

export function createQueueMicrotask(report: (err: unknown) => void): (callback: () => void) => void {
  return function queueMicrotask(callback: () => void): void {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function.');
    void Reflect.apply(then, resolved, [
      () => {
        try {
          callback();
        } catch (err) {
          report(err);
        }
      },
    ]);
  };
}
