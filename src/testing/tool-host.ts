// PluginTest's instance host: the server's LocalInstanceHost, run in a child process of its own
// (tool-host-child.ts) as the server runs isolates in shards, so that a plugin V8 cannot contain (an
// abort, a builtin that ignores the timeout) kills that child and fails its own test with
// PluginCrashError, and the tests after it run. One child per PluginTest.Run at a time: a Run that
// ends with its child whole gives it back (with a fresh instance host, see tool-host-child.ts) to
// the next Run with the same options, which saves that Run the process start-up; a child that died
// or did not answer is never given back.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LocalHostOptions } from '../sandbox/host-options.ts';
import type {
  InstanceHostApi, PluginCode, PluginDescription, StartInstanceMsg, HandleEventMsg, StepMsg, StepAnswer, HostStatus, Breach, InstanceStats,
} from '../instances/instance-host.ts';
import { PluginCrashError } from '../errors.ts';
import { errorFromWire, type WireError } from '../error-wire.ts';
import type { ServerRecord } from './capture-log.ts';

// tool-host-child.ts in a checkout, tool-host-child.js in the built package (dist/)
const CHILD_MAIN = fileURLToPath(new URL(`./tool-host-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

export type ToolHostRequest = { id: number } & (
  | { method: 'describePlugin'; params: PluginCode & { memoryLimitMb: number } }
  | { method: 'startInstance' | 'reloadInstance'; params: StartInstanceMsg }
  | { method: 'handleEvent'; params: HandleEventMsg }
  | { method: 'step'; params: StepMsg }
  | { method: 'closeInstance'; params: number }
  | { method: 'instanceStats'; params: number | undefined }
  | { method: 'reset'; params: null }
);

export type ToolHostReply =
  | { id: number; ok: unknown }
  /** a KpsError as it crossed (src/error-wire.ts), or any other error by its name and message */
  | { id: number; error: WireError | { name: string; message: string } }
  | { log: ServerRecord }
  | { gone: { instanceId: number; reason: string } }
  | { breach: Breach };

/** what the watchdog's log line may say about why it killed the child (bounded) */
const MAX_STDOUT = 64 * 1024;

/** Children whole after their Run, by the options they were started with (unref'd while idle). */
const idle = new Map<string, Array<{ child: ChildProcess; drop: () => void }>>();

function takeIdle(key: string): ChildProcess | null {
  for (let entry = idle.get(key)?.pop(); entry; entry = idle.get(key)?.pop()) {
    entry.child.off('exit', entry.drop);
    if (entry.child.connected && entry.child.exitCode === null && entry.child.signalCode === null) return entry.child;
  }
  return null;
}

/** The child's handles stop (or start again) keeping this process alive. */
function holdOpen(child: ChildProcess, hold: boolean): void {
  const handles = [child, child.channel, child.stdout as unknown as { ref?: () => void; unref?: () => void } | null];
  for (const h of handles) {
    if (hold) h?.ref?.();
    else h?.unref?.();
  }
}

export class ToolHost implements InstanceHostApi {
  readonly #child: ChildProcess;
  readonly #key: string;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #exited: Promise<void>;
  readonly #detach: () => void;
  #nextId = 1;
  #crash: PluginCrashError | null = null;
  #closing = false;
  #stdout = '';
  #goneListener: (instanceId: number, reason: string) => void = () => {};
  #breachListener: (breach: Breach) => void = () => {};

  constructor(opts: LocalHostOptions, onLog: (record: ServerRecord) => void) {
    this.#key = JSON.stringify(opts);
    const child = takeIdle(this.#key) ?? spawn(process.execPath, ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', CHILD_MAIN], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, KPS_TOOL_HOST_CONFIG: this.#key },
    });
    this.#child = child;
    holdOpen(child, true);
    child.stdout!.setEncoding('utf8');
    const onStdout = (chunk: string): void => {
      if (this.#stdout.length < MAX_STDOUT) this.#stdout += chunk;
    };
    const onMessage = (m: ToolHostReply): void => {
      if ('log' in m) onLog(m.log);
      else if ('gone' in m) this.#goneListener(m.gone.instanceId, m.gone.reason);
      else if ('breach' in m) this.#breachListener(m.breach);
      else this.#settle(m);
    };
    child.stdout!.on('data', onStdout);
    child.on('message', onMessage);
    let onExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => {};
    let onError: (err: Error) => void = () => {};
    this.#exited = new Promise((resolve) => {
      const gone = (crash: PluginCrashError | null): void => {
        if (!this.#closing) this.#crash ??= crash;
        const err = this.#crash ?? new PluginCrashError('closed', null);
        for (const p of this.#pending.values()) p.reject(err);
        this.#pending.clear();
        resolve();
      };
      onExit = (code, signal) => gone(new PluginCrashError(signal ? `signal ${signal}` : `exit status ${code}`, this.#watchdogSaid()));
      // not started at all (no 'exit' follows), or could not be signalled
      onError = (err) => {
        gone(new PluginCrashError('could not be started', err.message));
        child.kill('SIGKILL');
      };
      child.once('exit', onExit);
      child.once('error', onError);
    });
    this.#detach = () => {
      child.stdout!.off('data', onStdout);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
  }

  /** the child's death, if it died while in use */
  get crash(): PluginCrashError | null {
    return this.#crash;
  }

  describePlugin(msg: PluginCode & { memoryLimitMb: number }): Promise<PluginDescription> {
    return this.#call({ method: 'describePlugin', params: msg });
  }
  startInstance(msg: StartInstanceMsg): Promise<void> {
    return this.#call({ method: 'startInstance', params: msg });
  }
  reloadInstance(msg: StartInstanceMsg): Promise<void> {
    return this.#call({ method: 'reloadInstance', params: msg });
  }
  handleEvent(msg: HandleEventMsg): Promise<StepAnswer> {
    return this.#call({ method: 'handleEvent', params: msg });
  }
  step(msg: StepMsg): Promise<StepAnswer> {
    return this.#call({ method: 'step', params: msg });
  }
  closeInstance(instanceId: number): Promise<void> {
    return this.#call({ method: 'closeInstance', params: instanceId });
  }
  instanceStats(instanceId?: number): Promise<InstanceStats[]> {
    return this.#call({ method: 'instanceStats', params: instanceId });
  }
  onInstanceGone(listener: (instanceId: number, reason: string) => void): void {
    this.#goneListener = listener;
  }
  onBreach(listener: (breach: Breach) => void): void {
    this.#breachListener = listener;
  }
  status(): HostStatus {
    return { Shards: [], Quarantined: [] };
  }

  /**
   * Disposes the isolates; a child that answered, with nothing else pending, waits idle for the next
   * Run with the same options; any other is ended (it exits when its channel closes).
   */
  async shutdown(): Promise<void> {
    const alive = (): boolean => this.#child.exitCode === null && this.#child.signalCode === null && this.#crash === null;
    if (alive()) {
      const reset = await this.#call({ method: 'reset', params: null }).then(() => true, () => false);
      if (reset && alive() && this.#child.connected && this.#pending.size === 0) return this.#release();
      this.#closing = true;
      if (this.#child.connected) this.#child.disconnect();
    }
    await this.#exited;
  }

  #release(): void {
    this.#closing = true;
    this.#detach();
    const child = this.#child;
    holdOpen(child, false);
    const list = idle.get(this.#key) ?? [];
    idle.set(this.#key, list);
    // dies while idle (killed from outside): it is not handed out
    const entry = {
      child,
      drop: (): void => {
        const i = list.indexOf(entry);
        if (i >= 0) list.splice(i, 1);
      },
    };
    child.once('exit', entry.drop);
    list.push(entry);
  }

  #call<T>(req: Omit<ToolHostRequest, 'id'>): Promise<T> {
    if (this.#crash) return Promise.reject(this.#crash);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.send({ id, ...req }, () => {}); // a dead child: its exit rejects this call
    });
  }

  #settle(m: Extract<ToolHostReply, { id: number }>): void {
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if ('ok' in m) return p.resolve(m.ok);
    // the same class on this side for the server's errors (BridgeLoop restarts on "No plugin instance")
    if ('code' in m.error) return p.reject(errorFromWire(m.error));
    const err = new Error(m.error.message);
    err.name = m.error.name;
    p.reject(err);
  }

  /** why the child killed itself, when it did: a call that would not stop */
  #watchdogSaid(): string | null {
    for (const line of this.#stdout.split('\n')) {
      try {
        const r = JSON.parse(line) as { event?: string; plugin?: string | null; msg?: string };
        if (r.event === 'isolate.hung' && r.msg) return r.plugin ? `${r.plugin}: ${r.msg}` : r.msg;
      } catch {
        // not a log line
      }
    }
    return null;
  }
}
