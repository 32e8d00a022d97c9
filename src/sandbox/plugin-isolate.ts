// One V8 isolate (isolated-vm) with the sandbox runtime and one plugin bundle loaded. The host keeps
// References to the runtime's API; plugin code gets nothing but copies through the one bridge.
import type ivm from 'isolated-vm';
import { compileCached } from './code-cache.ts';
import { createBlankIsolate, type BlankIsolate, type RuntimeApi } from './blank-isolate.ts';
import type { BridgeMessage, Inbox } from './isolate-bridge.ts';
import { recordSlice } from './cpu-share.ts';
import type { PluginCode, PluginDescription } from '../instances/instance-host.ts';

export interface HeapFigures {
  used: number;
  total: number;
  external: number;
  limit: number;
}

/**
 * Host work done for the isolate inside its running slice (a bridge request: crypto), reset as each
 * slice starts. The host that does the work fills it in (event-slice.ts); a slice with host work is
 * judged by the process's CPU alone (see below), and the host judges each request against the
 * event's budget with `since`.
 */
export interface SliceHostWork {
  /** host CPU spent for the isolate in this slice so far, µs */
  us: number;
  /** process CPU when the slice's first host request began (null: none yet) */
  since: NodeJS.CpuUsage | null;
}

export interface IsolateLimits {
  memoryLimitMb: number;
  /** PDK calls one event may have queued inside the isolate */
  maxPendingCalls: number;
  /** arguments larger than this are refused inside the isolate, before any copy */
  maxPayloadBytes: number;
  /** the exported metadata, counted as a tree, is refused past this inside the isolate */
  maxMetadataBytes: number;
  /** the plugin's name, and the origins its fetch may reach (--allow-fetch) */
  plugin?: string;
  fetchOrigins?: readonly string[];
  /** timers one event may have pending at once (--max-timers; default 100) */
  maxTimers?: number;
  /** fetches one event may start (--max-fetches-per-event; default 16) */
  maxFetchesPerEvent?: number;
  /** ms for the module body and the constructor */
  startTimeoutMs: number;
  /**
   * Told when a slice starts and ends: the watchdog thread (src/sandbox/slice-watchdog.ts) that
   * kills the process if V8 runs a builtin past the slice's timeout + --kill-grace.
   */
  watch: { arm(budgetMs: number): void; disarm(): void } | null;
  /** crypto.subtle: absent, the runtime is told it is not available */
  crypto?: {
    /** data and key material caps, told to the runtime (the host checks them again) */
    maxCryptoBytes: number;
    maxCryptoKeyBytes: number;
    /** answers the runtime's requests (Inbox.onCrypto) */
    answer(op: unknown, args: unknown): unknown;
  };
}

const COPY = { arguments: { copy: true } } as const;

/** Why an isolate stopped being usable; the instance is then gone. */
export class IsolateFailure extends Error {
  readonly reason: 'timeout' | 'memory' | 'disposed';
  constructor(reason: IsolateFailure['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

// Every entry into the isolate is a synchronous slice (applySync) on the calling thread: a crossing
// costs a fraction of a hop to isolated-vm's thread pool (measured, see docs/performance.md), one
// code path for the server, --shards 0, try and PluginTest, and a bridge that may answer the
// runtime at once. The price is that this thread is blocked for the slice: a builtin that ignores
// the timeout is the watchdog's (`watch`).
//
// A slice's CPU is the smaller of two clocks, neither of which is right alone:
// - isolated-vm's `cpuTime` is wall time while the isolate runs (measured on a loaded 2-core
//   machine, many times the thread's CPU; see docs/performance.md), so alone it made plugins look
//   over budget on a busy machine; it leaves out our plumbing around the call, and host work
//   inside a bridge callback (crypto) with isolated-vm's copies for it: a slice that asked the
//   host for work (`hostWork`) is judged by the second clock alone;
// - the process's CPU over the call (process.cpuUsage; threadCpuUsage moves in 4 ms ticks: 98 % of
//   500 short slices read 0) has all the CPU, and a little of other threads' (a GC helper).
// On an idle machine the first is the smaller (the plugin's own time), on a busy one the second.
export class PluginIsolate {
  readonly #isolate: ivm.Isolate;
  readonly #context: ivm.Context;
  readonly #api: RuntimeApi;
  readonly #limits: IsolateLimits;
  readonly #inbox: Inbox;
  /** CPU of this isolate's slices so far, µs */
  #cpuUs = 0;
  /** host work in the running slice (bridge requests): written by the host, reset by each slice */
  readonly hostWork: SliceHostWork = { us: 0, since: null };

  private constructor(isolate: ivm.Isolate, context: ivm.Context, api: RuntimeApi, limits: IsolateLimits, inbox: Inbox) {
    this.#inbox = inbox;
    this.#isolate = isolate;
    this.#context = context;
    this.#api = api;
    this.#limits = limits;
  }

  /** `blank`: a pooled isolate built with this memory limit; else one is built here. */
  static create(
    code: PluginCode, limits: IsolateLimits, onMessage: (m: BridgeMessage) => void, blank?: BlankIsolate | null,
  ): PluginIsolate {
    const t = limits.startTimeoutMs;
    const base = blank ?? createBlankIsolate(limits.memoryLimitMb, t);
    const { isolate, context, api, inbox } = base;
    inbox.onMessage = onMessage;
    inbox.onCrypto = limits.crypto?.answer ?? null;
    try {
      // Compiling is the plugin's too (its bundle decides what V8's parser does): watched and
      // announced like the module body, so a crash there is charged to it, not to a neighbour.
      limits.watch?.arm(t);
      let script: ivm.Script;
      try {
        script = compileCached(isolate, code.code, code.filename, code.hash);
      } finally {
        limits.watch?.disarm();
      }
      const plugin = new PluginIsolate(isolate, context, api, limits, inbox);
      plugin.#run(t, true, () => script.runSync(context, { timeout: t }));
      script.release();
      return plugin;
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw err;
    }
  }

  /** Reads the exports (getters, toJSON: plugin code), under --start-timeout and its watchdog. */
  describe(): PluginDescription {
    const t = this.#limits.startTimeoutMs;
    const options = { result: { copy: true }, timeout: t } as const;
    let described: unknown;
    this.#run(t, true, () => (described = this.#api.describe.applySync(undefined, [this.#limits.maxMetadataBytes], options)));
    return described as PluginDescription;
  }

  start(config: unknown): void {
    const t = this.#limits.startTimeoutMs;
    const l = this.#limits;
    const crypto = l.crypto ? { maxCryptoBytes: l.crypto.maxCryptoBytes, maxCryptoKeyBytes: l.crypto.maxCryptoKeyBytes } : {};
    const runtimeLimits = {
      maxPendingCalls: l.maxPendingCalls, maxPayloadBytes: l.maxPayloadBytes, ...crypto,
      plugin: l.plugin ?? '', fetchOrigins: [...(l.fetchOrigins ?? [])], maxTimers: l.maxTimers ?? 100, maxFetchesPerEvent: l.maxFetchesPerEvent ?? 16,
    };
    this.#run(t, true, () => this.#api.start.applySync(undefined, [config, runtimeLimits], { ...COPY, timeout: t }));
  }

  /** Starts an event's handler; returns the isolate CPU ms its first slice took. */
  handle(eventId: number, phase: string, budgetMs: number): number {
    return this.#slice(budgetMs, this.#api.handle, [eventId, phase], false);
  }

  /** Delivers Kong's answer; returns the isolate CPU ms the plugin then ran. */
  settle(eventId: number, ok: boolean, value: unknown, budgetMs: number): number {
    return this.#slice(budgetMs, this.#api.settle, [eventId, ok, value], true);
  }

  /** A host operation of the event completed (a timer fired, a response came); returns the isolate CPU ms. */
  settleOp(eventId: number, opId: number, ok: boolean, value: unknown, budgetMs: number): number {
    return this.#slice(budgetMs, this.#api.settleOp, [eventId, opId, ok, value], true);
  }

  /**
   * Kong gave up on the event: the runtime rejects its pending PDK calls, so the plugin's catch and
   * finally run here, a slice like any other, under what is left of the event's budget; returns
   * the isolate CPU ms they took.
   */
  abandon(eventId: number, budgetMs: number): number {
    return this.#slice(budgetMs, this.#api.abandon, [eventId], false);
  }

  /** CPU time of this isolate's slices so far, ms (kept after dispose). */
  get cpuMs(): number {
    return this.#cpuUs / 1000;
  }

  async heap(): Promise<HeapFigures> {
    const none = { used: 0, total: 0, external: 0, limit: 0 };
    if (this.#isolate.isDisposed) return none;
    let h: ivm.HeapStatistics;
    try {
      h = await this.#isolate.getHeapStatistics();
    } catch (err) {
      // stopped while the figures were read (a limit, the heap sampler, a close): it holds nothing now
      if (this.#isolate.isDisposed) return none;
      throw err;
    }
    return { used: h.used_heap_size, total: h.total_heap_size, external: h.externally_allocated_size, limit: h.heap_size_limit };
  }

  // The apply timeout interrupts a slice at the event's remaining budget (code after an `await`
  // runs inside the slice that settled it); the thread's CPU time gives what the slice really used.
  #slice(budgetMs: number, fn: ivm.Reference, args: unknown[], copy: boolean): number {
    const before = this.#cpuUs;
    const options = copy ? { ...COPY, timeout: budgetMs } : { timeout: budgetMs };
    this.#run(budgetMs, false, () => fn.applySync(undefined, args, options));
    return (this.#cpuUs - before) / 1000;
  }

  /**
   * Runs one slice on this thread: the watchdog armed for `timeoutMs` meanwhile, its CPU counted,
   * a failure mapped onto the reasons an operator can act on (`start`: the module body or
   * constructor), and the inbox settled whatever happens (the messages the slice queued handed on,
   * or dropped if it failed; acting on them is the host's work, not counted).
   */
  #run(timeoutMs: number, start: boolean, run: () => unknown): void {
    this.#limits.watch?.arm(timeoutMs);
    // what the slice asked for is void only when the isolate failed (timeout, heap limit): an error
    // of the plugin's own that isolated-vm throws out of the call (an unhandled rejection) leaves
    // the isolate whole, and the calls and results the slice queued stand
    let voided = false;
    const cpu0 = process.cpuUsage();
    const inside0 = this.#isolate.cpuTime;
    const hostWork = this.hostWork;
    hostWork.us = 0;
    hostWork.since = null;
    try {
      run();
    } catch (err) {
      const failure = failureOf(this.#isolate, err, timeoutMs, start);
      voided = failure instanceof IsolateFailure;
      throw failure;
    } finally {
      const cpu1 = process.cpuUsage();
      const processUs = cpu1.user - cpu0.user + (cpu1.system - cpu0.system);
      // the isolate's clock is wall time while it ran: the slice's wall time, for the stretch too
      const insideUs = this.#isolate.isDisposed ? processUs : Number(this.#isolate.cpuTime - inside0) / 1000;
      const cpuUs = hostWork.us !== 0 ? processUs : Math.min(processUs, insideUs);
      this.#cpuUs += cpuUs;
      recordSlice(cpuUs, insideUs);
      this.#limits.watch?.disarm();
      this.#inbox.deliver(voided);
    }
  }

  get disposed(): boolean {
    return this.#isolate.isDisposed;
  }

  dispose(): void {
    if (this.#isolate.isDisposed) return;
    this.#context.release();
    this.#isolate.dispose();
  }
}

function failureOf(isolate: ivm.Isolate, err: unknown, timeoutMs: number, start = false): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (/memory limit/i.test(message) || (isolate.isDisposed && /disposed/i.test(message))) {
    return new IsolateFailure('memory', 'the plugin exceeded its heap limit (--memory-limit)');
  }
  if (/timed out/i.test(message)) {
    return new IsolateFailure('timeout', start ? `the module body or constructor ran longer than ${timeoutMs} ms (--start-timeout)` : `the plugin ran past its time limit (${timeoutMs} ms left of its budget)`);
  }
  if (isolate.isDisposed) return new IsolateFailure('disposed', 'the isolate was disposed');
  return err;
}

/**
 * The message of an error thrown by plugin code, with where it was thrown (`at <file>:line:col`,
 * bundle positions; the supervisor maps them back to the author's source).
 */
export function pluginErrorText(err: unknown, filename: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
  const at = stack.split('\n').find((line) => line.includes(`${filename}:`));
  const pos = at ? /([^\s()]+:\d+:\d+)\)?\s*$/.exec(at)?.[1] : undefined;
  return pos ? `${message} (at ${pos})` : message;
}
