// Every error the server raises, each with a stable code. The RPC layer sends `message` to Kong,
// so the messages are written for the person reading Kong's error.log. docs/errors.md says, for
// every code, when it happens and what to do (test/unit/error-codes.test.ts keeps the two in step).

/** The closed set of codes: every `KpsError` carries one of these, and nothing else. */
export const ErrorCode = {
  // Kong's calls
  NO_INSTANCE: 'KPS_ERR_NO_INSTANCE',
  NO_EVENT: 'KPS_ERR_NO_EVENT',
  EVENT_BUSY: 'KPS_ERR_EVENT_BUSY',
  UNKNOWN_PLUGIN: 'KPS_ERR_UNKNOWN_PLUGIN',
  PLUGIN_DELETED: 'KPS_ERR_PLUGIN_DELETED',
  BAD_CONFIG: 'KPS_ERR_BAD_CONFIG',
  INSTANCE_START: 'KPS_ERR_INSTANCE_START',
  UNKNOWN_METHOD: 'KPS_ERR_UNKNOWN_METHOD',
  BAD_PARAMS: 'KPS_ERR_BAD_PARAMS',
  SHUTTING_DOWN: 'KPS_ERR_SHUTTING_DOWN',
  INTERNAL: 'KPS_ERR_INTERNAL',
  // Kong's socket
  FRAME_TOO_LARGE: 'KPS_ERR_FRAME_TOO_LARGE',
  MALFORMED_FRAME: 'KPS_ERR_MALFORMED_FRAME',
  SOCKET_PATH: 'KPS_ERR_SOCKET_PATH',
  SOCKET_IN_USE: 'KPS_ERR_SOCKET_IN_USE',
  // plugins
  PLUGIN_LOAD: 'KPS_ERR_PLUGIN_LOAD',
  PLUGIN_CRASH: 'KPS_ERR_PLUGIN_CRASH',
  // starting the server, and its commands
  OPTION: 'KPS_ERR_OPTION',
  METRICS_LISTEN: 'KPS_ERR_METRICS_LISTEN',
  CLIENT: 'KPS_ERR_CLIENT',
  TRY: 'KPS_ERR_TRY',
  // between the supervisor and its shards
  CHANNEL: 'KPS_ERR_CHANNEL',
  ENCODE: 'KPS_ERR_ENCODE',
  SHARD_DIED: 'KPS_ERR_SHARD_DIED',
  /** a shard was named a plugin bundle by hash that it no longer keeps (the supervisor sends it again) */
  CODE_UNKNOWN: 'KPS_ERR_CODE_UNKNOWN',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class KpsError extends Error {
  readonly code: ErrorCode;
  /** the process's exit status when this error stops the server before it serves (2: a usage error) */
  readonly exitStatus: number = 2;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'KpsError';
    this.code = code;
  }
}

/** Kong string-matches "no plugin instance" (case-sensitive in 2.0-2.2) and then restarts the instance. */
export class NoPluginInstanceError extends KpsError {
  constructor(id: number) {
    super(ErrorCode.NO_INSTANCE, `No plugin instance ${id}`);
  }
}

/** True for "No plugin instance", wherever it was raised (src/error-wire.ts rebuilds it on this side). */
export function isNoInstance(err: unknown): boolean {
  return err instanceof KpsError && err.code === ErrorCode.NO_INSTANCE;
}

/** PluginTest / try: the process hosting the plugin's isolates died; nothing that ran in it can answer. */
export class PluginCrashError extends KpsError {
  constructor(how: string, detail: string | null) {
    super(ErrorCode.PLUGIN_CRASH, `the plugin's isolate process died (${how}): a failure V8 cannot contain, such as new Array(2**28).fill(0)${detail ? `; ${detail}` : ''}`);
    this.name = 'PluginCrashError';
  }
}

export class NoRunningEventError extends KpsError {
  constructor(id: number) {
    super(ErrorCode.NO_EVENT, `No running event ${id}`);
  }
}

/** A Step for an event whose plugin is still running: Kong has no call of ours to answer. */
export class EventBusyError extends KpsError {
  constructor(id: number) {
    super(ErrorCode.EVENT_BUSY, `event ${id} is running its plugin; a Step is only valid after a PDK call was sent`);
  }
}

export class UnknownPluginError extends KpsError {
  constructor(name: string, known: readonly string[]) {
    super(ErrorCode.UNKNOWN_PLUGIN, `plugin "${name}" is not loaded (loaded: ${known.join(', ') || 'none'})`);
  }
}

export class PluginLoadError extends KpsError {
  constructor(detail: string) {
    super(ErrorCode.PLUGIN_LOAD, detail);
  }
}

export class BadConfigError extends KpsError {
  constructor(plugin: string, detail: string) {
    super(ErrorCode.BAD_CONFIG, `Decoding config of ${plugin}: ${detail}`);
  }
}

export class InstanceStartError extends KpsError {
  constructor(plugin: string, detail: string) {
    super(ErrorCode.INSTANCE_START, `starting ${plugin}: ${detail}`);
  }
}

export class UnknownMethodError extends KpsError {
  constructor(method: string) {
    const [ns, name] = method.includes('.') ? method.split('.', 2) : ['', method];
    super(
      ErrorCode.UNKNOWN_METHOD,
      ns === 'plugin' || ns === '' ? `method ${name} not implemented` : `RPC for ${ns} is not supported`,
    );
  }
}

export class BadParamsError extends KpsError {
  constructor(method: string, detail: string) {
    super(ErrorCode.BAD_PARAMS, `${method}: ${detail}`);
  }
}

export class FrameTooLargeError extends KpsError {
  /** the request's msgid when its first bytes told it: the refusal is then answered, not just logged */
  readonly msgid: number | null;
  constructor(size: number, limit: number, msgid: number | null = null) {
    super(ErrorCode.FRAME_TOO_LARGE, `frame of at least ${size} bytes exceeds --max-frame-size ${limit}`);
    this.msgid = msgid;
  }
}

export class MalformedFrameError extends KpsError {
  constructor(detail: string) {
    super(ErrorCode.MALFORMED_FRAME, `malformed MessagePack-RPC frame: ${detail}`);
  }
}

export class OptionError extends KpsError {
  constructor(detail: string) {
    super(ErrorCode.OPTION, detail);
  }
}

/** --metrics-listen cannot be bound: the server does not start (and creates no socket) */
export class MetricsListenError extends KpsError {
  override readonly exitStatus = 1;
  constructor(address: string, cause: NodeJS.ErrnoException) {
    const why =
      cause.code === 'EADDRINUSE' ? 'the port is already in use (choose another one, or stop what listens there)'
      : cause.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
      : cause.code === 'EADDRNOTAVAIL' ? 'no interface of this machine has that address'
      : cause.message;
    super(ErrorCode.METRICS_LISTEN, `--metrics-listen ${address}: ${why}`);
  }
}

export class ShuttingDownError extends KpsError {
  constructor() {
    super(ErrorCode.SHUTTING_DOWN, 'plugin server is shutting down');
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
