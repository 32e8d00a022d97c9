// One V8 isolate (isolated-vm) with the sandbox runtime and one plugin bundle loaded. The host keeps
// References to the runtime's API; plugin code gets nothing but copies through the one bridge.
import ivm from 'isolated-vm';
import { compileCached } from './code-cache.ts';
import { createBlankIsolate, type BlankIsolate, type RuntimeApi } from './blank-isolate.ts';
import type { BridgeMessage, Inbox } from './isolate-bridge.ts';
import type { PluginCode, PluginDescription } from './host-api.ts';

export interface HeapFigures {
  used: number;
  total: number;
  external: number;
  limit: number;
}

export interface IsolateLimits {
  memoryLimitMb: number;
  /** PDK calls one event may have queued inside the isolate */
  maxPendingCalls: number;
  /** arguments larger than this are refused inside the isolate, before any copy */
  maxPayloadBytes: number;
  /** the exported metadata, counted as a tree, is refused past this inside the isolate */
  maxMetadataBytes: number;
  /** ms for the module body and the constructor */
  startTimeoutMs: number;
  /** ms past a timeout after which a call that still runs counts as hung (see onHung) */
  killGraceMs: number;
  /**
   * V8 does not interrupt some long builtin calls (`new Array(2**28).fill(0)`), not even on timeout
   * or dispose. Called when a call outlives its timeout by killGraceMs: only killing the process helps.
   */
  onHung: (why: string) => void;
  /**
   * Run event slices with applySync on the calling thread: about 7 µs a crossing instead of 65 µs
   * for a hop to isolated-vm's thread pool (measured), at the price of blocking this thread for the
   * slice. Right in a shard process (its supervisor watches it); wrong in the supervisor itself.
   */
  syncSlices: boolean;
  /** told when a synchronous slice starts and ends (the shard's watchdog thread) */
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

export class PluginIsolate {
  readonly #isolate: ivm.Isolate;
  readonly #context: ivm.Context;
  readonly #api: RuntimeApi;
  readonly #limits: IsolateLimits;
  readonly #inbox: Inbox;
  /** cpuTime when the last async slice finished: queued slices run one after another */
  #lastSliceDone = 0n;

  private constructor(isolate: ivm.Isolate, context: ivm.Context, api: RuntimeApi, limits: IsolateLimits, inbox: Inbox) {
    this.#inbox = inbox;
    this.#isolate = isolate;
    this.#context = context;
    this.#api = api;
    this.#limits = limits;
  }

  /** `blank`: a pooled isolate built with this memory limit and slice mode; else one is built here. */
  static async create(code: PluginCode, limits: IsolateLimits, onMessage: (m: BridgeMessage) => void, blank?: BlankIsolate | null): Promise<PluginIsolate> {
    const t = limits.startTimeoutMs;
    // In a shard every step runs on this thread (see syncSlices): a dozen hops saved per instance.
    // A pooled isolate was built by this host, so with the same slice mode and bridge.
    const sync = limits.syncSlices;
    const base = blank ?? (await createBlankIsolate(limits.memoryLimitMb, sync, t));
    const { isolate, context, api, inbox } = base;
    inbox.onMessage = onMessage;
    inbox.onCrypto = limits.crypto?.answer ?? null;
    try {
      // Compiling is the plugin's too (its bundle decides what V8's parser does): watched and
      // announced like the module body, so a crash there is charged to it, not to a neighbour.
      limits.watch?.arm(t);
      let script: ivm.Script;
      try {
        script = await compileCached(isolate, code.code, code.filename, code.hash, sync);
      } finally {
        limits.watch?.disarm();
      }
      if (sync) {
        runSyncSlice(isolate, inbox, limits, t, true, () => script.runSync(context, { timeout: t }));
      } else {
        await guard(isolate, script.run(context, { timeout: t }), t, limits);
      }
      script.release();
      return new PluginIsolate(isolate, context, api, limits, inbox);
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw err;
    }
  }

  /** Reads the exports (getters, toJSON: plugin code), under --start-timeout and, in a shard, its watchdog. */
  async describe(): Promise<PluginDescription> {
    const t = this.#limits.startTimeoutMs;
    const args = [this.#limits.maxMetadataBytes];
    const options = { result: { copy: true }, timeout: t } as const;
    if (!this.#limits.syncSlices) return (await guard(this.#isolate, this.#api.describe.apply(undefined, args, options), t, this.#limits)) as PluginDescription;
    let described: unknown;
    runSyncSlice(this.#isolate, this.#inbox, this.#limits, t, true, () => (described = this.#api.describe.applySync(undefined, args, options)));
    return described as PluginDescription;
  }

  async start(config: unknown): Promise<void> {
    const t = this.#limits.startTimeoutMs;
    const l = this.#limits;
    const crypto = l.crypto ? { maxCryptoBytes: l.crypto.maxCryptoBytes, maxCryptoKeyBytes: l.crypto.maxCryptoKeyBytes } : {};
    const runtimeLimits = { maxPendingCalls: l.maxPendingCalls, maxPayloadBytes: l.maxPayloadBytes, ...crypto };
    if (!this.#limits.syncSlices) {
      await guard(this.#isolate, this.#api.start.apply(undefined, [config, runtimeLimits], { ...COPY, timeout: t }), t, this.#limits);
      return;
    }
    runSyncSlice(this.#isolate, this.#inbox, this.#limits, t, true, () => this.#api.start.applySync(undefined, [config, runtimeLimits], { ...COPY, timeout: t }));
  }

  /** Starts an event's handler; resolves with the isolate CPU ms its first slice took. */
  handle(eventId: number, phase: string, budgetMs: number): Promise<number> {
    return this.#slice(budgetMs, this.#api.handle, [eventId, phase], false);
  }

  /** Delivers Kong's answer; resolves with the isolate CPU ms the plugin then ran. */
  settle(eventId: number, ok: boolean, value: unknown, budgetMs: number): Promise<number> {
    return this.#slice(budgetMs, this.#api.settle, [eventId, ok, value], true);
  }

  /**
   * Kong gave up on the event: the runtime rejects its pending PDK calls, so the plugin's catch and
   * finally run here, a slice like any other, under what is left of the event's budget; resolves
   * with the isolate CPU ms they took.
   */
  abandon(eventId: number, budgetMs: number): Promise<number> {
    return this.#slice(budgetMs, this.#api.abandon, [eventId], false);
  }

  /** Isolate CPU time so far, ms (all threads that ran it). */
  get cpuMs(): number {
    return this.#isolate.isDisposed ? 0 : Number(this.#isolate.cpuTime) / 1e6;
  }

  async heap(): Promise<HeapFigures> {
    if (this.#isolate.isDisposed) return { used: 0, total: 0, external: 0, limit: 0 };
    const h = await this.#isolate.getHeapStatistics();
    return { used: h.used_heap_size, total: h.total_heap_size, external: h.externally_allocated_size, limit: h.heap_size_limit };
  }

  // The apply timeout interrupts a slice at the event's remaining budget (code after an `await`
  // runs inside the slice that settled it); cpuTime gives what the slice really used.
  async #slice(budgetMs: number, fn: ivm.Reference, args: unknown[], copy: boolean): Promise<number> {
    const before = this.#isolate.cpuTime;
    const options = copy ? { ...COPY, timeout: budgetMs } : { timeout: budgetMs };
    if (this.#limits.syncSlices) {
      runSyncSlice(this.#isolate, this.#inbox, this.#limits, budgetMs, false, () => fn.applySync(undefined, args, options));
    } else {
      await guard(this.#isolate, fn.apply(undefined, args, options), budgetMs, this.#limits, false);
      if (this.#isolate.isDisposed) return 0;
      // Async slices queue on the isolate's thread: this one started after those queued before it
      // ended, so it is charged from then, not from when it was queued.
      const done = this.#isolate.cpuTime;
      const start = this.#lastSliceDone > before ? this.#lastSliceDone : before;
      this.#lastSliceDone = done;
      return Number(done - start) / 1e6;
    }
    return this.#isolate.isDisposed ? 0 : Number(this.#isolate.cpuTime - before) / 1e6;
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

/** Maps isolated-vm's failures onto the reasons an operator can act on, and watches for hung calls. */
async function guard<T>(isolate: ivm.Isolate, work: Promise<T>, timeoutMs: number, limits: IsolateLimits, start = true): Promise<T> {
  const watchdog = setTimeout(
    () => limits.onHung(`a plugin call ran ${timeoutMs + limits.killGraceMs} ms, past its ${timeoutMs} ms limit, without stopping`),
    timeoutMs + limits.killGraceMs,
  );
  watchdog.unref();
  try {
    return await work;
  } catch (err) {
    throw failureOf(isolate, err, timeoutMs, start);
  } finally {
    clearTimeout(watchdog);
  }
}

/**
 * Runs one synchronous slice on this thread: the watchdog armed for `timeoutMs` meanwhile, a
 * failure mapped by failureOf (`start`: the module body or constructor), and the inbox settled
 * whatever happens (the messages the slice queued handed on, or dropped if it threw).
 */
function runSyncSlice(isolate: ivm.Isolate, inbox: Inbox, limits: IsolateLimits, timeoutMs: number, start: boolean, run: () => unknown): void {
  limits.watch?.arm(timeoutMs);
  // what the slice asked for is void only when the isolate failed (timeout, heap limit): an error
  // of the plugin's own that isolated-vm throws out of the call (an unhandled rejection) leaves
  // the isolate whole, and the calls and results the slice queued stand
  let voided = false;
  try {
    run();
  } catch (err) {
    const failure = failureOf(isolate, err, timeoutMs, start);
    voided = failure instanceof IsolateFailure;
    throw failure;
  } finally {
    limits.watch?.disarm();
    inbox.deliver(voided);
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
