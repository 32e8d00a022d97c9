// The kinds of value a server option takes, as zod checks. Each takes the flag's name (`--cpu-limit`)
// so every message names the flag to fix; option-table.ts says which option is which kind.
import { z } from 'zod';
import { OptionError } from '../errors.ts';
import { parseAllowFetch } from './allow-fetch.ts';

/** A check for one option, built for the flag it validates. */
export type Check<V extends z.ZodType = z.ZodType> = (flag: string) => V;

function wholeNumber(flag: string, min: number, max: number) {
  return z.coerce
    .number({ error: `${flag} must be a number` })
    .int(`${flag} must be a whole number`)
    .min(min, `${flag} must be at least ${min}`)
    .max(max, `${flag} must be at most ${max}`);
}

/** A whole number from min (at least 1) to max: 0 is never accepted. */
export function positiveInt(min: number, max: number): Check<ReturnType<typeof wholeNumber>> {
  if (!(min >= 1)) throw new Error(`positiveInt(${min}, ${max}): use nonNegativeInt for a range that takes 0`);
  return (flag) => wholeNumber(flag, min, max);
}

/** A whole number from 0 to max, for options where 0 means something (none, off, at once). */
export function nonNegativeInt(max: number): Check<ReturnType<typeof wholeNumber>> {
  return (flag) => wholeNumber(flag, 0, max);
}

/** A fraction above 0, at most 1. */
export const ratio: Check<z.ZodCoercedNumber> = (flag) =>
  z.coerce.number({ error: `${flag} must be a number` }).gt(0, `${flag} must be above 0`).max(1, `${flag} must be at most 1`);

/** A string that may not be empty; `missing` is the message when it is. */
export function text(missing?: string): Check<z.ZodString> {
  return (flag) => z.string().min(1, missing ?? `${flag} must not be empty`);
}

/** One of a fixed set of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const quoted = values.map((v) => `"${v}"`);
  const list = `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
  return (flag: string) => z.string().pipe(z.enum(values, { error: `${flag} must be ${list}` }));
}

/** An on/off flag (`--watch`, `--no-watch`). */
export const flagOnOff: Check<z.ZodBoolean> = () => z.boolean();

/** How often a flag was given (`-vv` is 2). */
export const count: Check<z.ZodNumber> = () => z.number().int().min(0);

/** A repeatable flag's values, each matching `pattern`, else `message`; one value is taken as a list of one. */
export function repeatable(pattern: RegExp, message: string) {
  return () =>
    z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .pipe(z.array(z.string().regex(pattern, message)));
}

/** Repeatable NAME=MB: a per-plugin heap limit, under the lower-cased plugin name, the last one for a name winning. */
export function perPluginMb(min: number, max: number) {
  return (flag: string) =>
    z.array(z.string()).readonly().transform((entries, ctx) => {
      // no prototype: a plugin named "constructor" must not find Object.prototype.constructor here
      const perPlugin: Record<string, number> = Object.create(null);
      for (const entry of entries) {
        const m = /^([^=]+)=(\d+)$/.exec(entry);
        if (!m) {
          ctx.addIssue({ code: 'custom', message: `${flag} expects NAME=MB, got "${entry}"` });
          return z.NEVER;
        }
        const mb = Number(m[2]);
        if (mb < min || mb > max) {
          ctx.addIssue({ code: 'custom', message: `${flag} ${m[1]} must be between ${min} and ${max} MB` });
          return z.NEVER;
        }
        perPlugin[m[1]!.toLowerCase()] = mb;
      }
      return Object.freeze(perPlugin);
    });
}

/** `[HOST:]PORT`, or nothing (off): "9100" is loopback only; "0.0.0.0:9100" or "[::1]:9100" that address. */
export const listenAddress = (flag: string) =>
  z
    .string()
    .regex(/^(([^:]+|\[[0-9a-fA-F:]+\]):)?\d{1,5}$/, `${flag} expects PORT or HOST:PORT`)
    .optional()
    .transform((spec, ctx) => {
      if (spec === undefined) return null;
      const i = spec.lastIndexOf(':');
      const host = i < 0 ? '127.0.0.1' : spec.slice(0, i).replace(/^\[|\]$/g, '');
      const port = Number(i < 0 ? spec : spec.slice(i + 1));
      if (port > 65535) {
        ctx.addIssue({ code: 'custom', message: `${flag} port must be at most 65535` });
        return z.NEVER;
      }
      return { host, port };
    });

/** Repeatable NAME=ORIGIN[,ORIGIN…]: the origins each plugin's fetch may reach (see allow-fetch.ts). */
export const allowList = () =>
  z
    .array(z.string())
    .readonly()
    .transform((entries, ctx) => {
      try {
        return parseAllowFetch(entries);
      } catch (err) {
        if (!(err instanceof OptionError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
        return z.NEVER;
      }
    });
