// How a KpsError crosses a process boundary (the shard channel, the PluginTest child process): its
// code, its message and its own fields go over; the far side rebuilds it as the same class, so
// `instanceof NoPluginInstanceError` and the fields hold there as where it was raised.
import {
  ErrorCode,
  KpsError,
  BadConfigError,
  BadParamsError,
  EventBusyError,
  FrameTooLargeError,
  InstanceStartError,
  MalformedFrameError,
  MetricsListenError,
  NoPluginInstanceError,
  NoRunningEventError,
  OptionError,
  PluginCrashError,
  PluginLoadError,
  ShuttingDownError,
  UnknownMethodError,
  UnknownPluginError,
  errorMessage,
} from './errors.ts';

type ErrorClass = abstract new (...args: never[]) => KpsError;

/** The class each code is raised as; a Record, so a new code does not compile until it is given one. */
const CLASS_OF: Record<ErrorCode, ErrorClass> = {
  [ErrorCode.NO_INSTANCE]: NoPluginInstanceError,
  [ErrorCode.NO_EVENT]: NoRunningEventError,
  [ErrorCode.EVENT_BUSY]: EventBusyError,
  [ErrorCode.UNKNOWN_PLUGIN]: UnknownPluginError,
  [ErrorCode.PLUGIN_DELETED]: KpsError,
  [ErrorCode.BAD_CONFIG]: BadConfigError,
  [ErrorCode.INSTANCE_START]: InstanceStartError,
  [ErrorCode.UNKNOWN_METHOD]: UnknownMethodError,
  [ErrorCode.BAD_PARAMS]: BadParamsError,
  [ErrorCode.SHUTTING_DOWN]: ShuttingDownError,
  [ErrorCode.INTERNAL]: KpsError,
  [ErrorCode.FRAME_TOO_LARGE]: FrameTooLargeError,
  [ErrorCode.MALFORMED_FRAME]: MalformedFrameError,
  [ErrorCode.SOCKET_PATH]: KpsError,
  [ErrorCode.SOCKET_IN_USE]: KpsError,
  [ErrorCode.PLUGIN_LOAD]: PluginLoadError,
  [ErrorCode.PLUGIN_CRASH]: PluginCrashError,
  [ErrorCode.OPTION]: OptionError,
  [ErrorCode.METRICS_LISTEN]: MetricsListenError,
  [ErrorCode.CLIENT]: KpsError,
  [ErrorCode.TRY]: KpsError,
  [ErrorCode.CHANNEL]: KpsError,
  [ErrorCode.ENCODE]: KpsError,
  [ErrorCode.SHARD_DIED]: KpsError,
  [ErrorCode.CODE_UNKNOWN]: KpsError,
};

const CODES = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && CODES.has(code);
}

export type WireField = string | number | boolean | null;

/** An error as it travels: `fields` are the error's own fields (name, exitStatus, msgid, …). */
export interface WireError {
  code: string;
  message: string;
  fields?: Record<string, WireField>;
}

/** A KpsError as it is; anything else is a bug where it was raised: KPS_ERR_INTERNAL, with its message. */
export function errorToWire(err: unknown): WireError {
  if (!(err instanceof KpsError)) return { code: ErrorCode.INTERNAL, message: errorMessage(err) };
  const fields: Record<string, WireField> = {};
  for (const [key, value] of Object.entries(err)) {
    if (key !== 'code' && isField(value)) fields[key] = value;
  }
  return { code: err.code, message: err.message, fields };
}

/** Bounds what a received error may hold: the far side may quote a plugin in it. */
export interface WireBounds {
  clip: (text: string) => string;
  maxFields: number;
}

const UNBOUNDED: WireBounds = { clip: (t) => t, maxFields: Infinity };

/**
 * The error as it was raised: an instance of its code's class, with its message and fields. The
 * class's own constructor does not run (its arguments are gone; its message is already made):
 * KpsError's does, with the class as new.target, which gives the instance the class's prototype.
 * A code outside the set (a bug on the far side) arrives as KPS_ERR_INTERNAL.
 */
export function errorFromWire(w: WireError, bounds: WireBounds = UNBOUNDED): KpsError {
  const code: ErrorCode = isErrorCode(w.code) ? w.code : ErrorCode.INTERNAL;
  const message = bounds.clip(code === w.code ? String(w.message) : `${String(w.code).slice(0, 64)}: ${String(w.message)}`);
  const err = Reflect.construct(KpsError, [code, message], CLASS_OF[code]) as KpsError;
  let n = 0;
  for (const [key, value] of Object.entries(w.fields ?? {})) {
    // plain names only: never code, message, stack or anything the prototype chain has (toString…)
    if (n >= bounds.maxFields || !/^[a-z][A-Za-z]*$/.test(key) || !isField(value)) continue;
    if (key === 'code' || key === 'message' || key === 'stack' || (key in err && !Object.hasOwn(err, key))) continue;
    const field = typeof value === 'string' ? bounds.clip(value) : value;
    Object.defineProperty(err, key, { value: field, enumerable: true, writable: true, configurable: true });
    n++;
  }
  return err;
}

function isField(value: unknown): value is WireField {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
