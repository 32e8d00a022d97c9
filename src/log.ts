// Structured logs: one JSON line each (pino). Kong captures the server's output line by line into
// its error.log. Dump modes log to stderr so stdout carries only the JSON Kong parses.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level: string; stream: 1 | 2 }): Logger {
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: opts.stream, sync: true }),
  );
}

/** A logger that drops everything (tests of pure modules). */
export const silentLogger: Logger = pino({ level: 'silent' });
