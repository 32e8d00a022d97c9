// A console for plugin code: every line goes to the host logger tagged with the instance
// (and the event, when the runtime knows it). Values are formatted inside the isolate.
import { formatValue } from './format.ts';
import type { Post } from './bridge.ts';

export function installConsole(post: Post): void {
  const emit = (level: string) => (...args: unknown[]) => {
    post('log', -1, level, args.map(formatValue).join(' '));
  };
  const console = {
    log: emit('info'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    debug: emit('debug'),
    trace: emit('debug'),
  };
  Object.defineProperty(globalThis, 'console', { value: console, writable: true, configurable: true, enumerable: false });
}
