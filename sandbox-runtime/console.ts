// A console for plugin code: every line goes to the host logger tagged with the instance
// (and the event, when the runtime knows it). Values are formatted inside the isolate, and the line
// is bounded here (the host bounds it again).
import { clip, formatValue } from './format.ts';
import { arrayJoin, arrayPush, defineProperty, newArray, record } from './intrinsics.ts';
import type { Post } from './bridge.ts';

/** characters of one console line, at most (as the host's MAX_LOG_LINE) */
const MAX_LINE = 8192;

export function installConsole(post: Post): void {
  const emit = (level: string) => (...args: unknown[]) => {
    const parts = newArray<string>();
    let length = 0;
    // rest parameters are a fresh array (no iterator); stop formatting once the line is full
    for (let i = 0; i < args.length && length <= MAX_LINE; i++) {
      const text = formatValue(args[i]);
      length += text.length + 1;
      arrayPush(parts, text);
    }
    const line = arrayJoin(parts, ' ');
    post('log', -1, level, line.length > MAX_LINE ? clip(line) : line);
  };
  const console = record({
    log: emit('info'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    debug: emit('debug'),
    trace: emit('debug'),
  });
  defineProperty(globalThis, 'console', { value: console, writable: true, configurable: true, enumerable: false });
}
