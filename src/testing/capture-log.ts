// The instance host logs what happens inside the sandbox (a handler that threw, an instance stopped
// at a limit, the plugin's console output). PluginTest hands those records to the test
// instead of printing them: a failing test can then say why its plugin answered 500.
import { pino, type Logger } from 'pino';

export interface ServerRecord {
  level: 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** the server's event name: plugin.error, plugin.log, instance.killed, limit.breach, … */
  event: string | undefined;
  msg: string;
}

const LEVELS: Readonly<Record<number, ServerRecord['level']>> = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function captureLogger(onRecord: (record: ServerRecord) => void): Logger {
  return pino(
    { level: 'debug', base: null, timestamp: false },
    {
      write(line: string) {
        const r = JSON.parse(line) as { level: number; event?: string; msg?: string };
        onRecord({ level: LEVELS[r.level] ?? 'info', event: r.event, msg: r.msg ?? '' });
      },
    },
  );
}
