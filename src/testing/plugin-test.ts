// PluginTest: runs a plugin through one request exactly as the server runs it (esbuild bundle, the
// same isolate, sandbox runtime and limits; the instance host in a child process, so a plugin that
// kills V8 fails its own test only), with a fake Kong on the other side that drives the host like
// Kong's bridge loop and answers PDK calls like Kong's PDK.
// The API is kong-js-pdk's plugin_test (`new PluginTest(request)`, `await t.Run(plugin, config)`,
// `t.response`, `t.serviceRequest`, `t.serviceResponse`), so its tests run unchanged.
import type { PluginInfo, Phase } from '../rpc/protocol.ts';
import { LOCAL_HOST_OPTIONS, type LocalHostOptions } from '../sandbox/host-options.ts';
import { ToolHost } from './tool-host.ts';
import { toolOptions, DEFAULTS, type FailurePolicy, type ServerOptions } from '../config/options.ts';
import { buildPlugin } from '../plugins/loader.ts';
import type { CompiledPlugin } from '../plugins/compiler.ts';
import { mapPositions } from '../plugins/source-map.ts';
import { Request } from './request.ts';
import type { Response } from './response.ts';
import { Exchange, type KongVersion, type LogEntry, type ServiceSettings } from './exchange.ts';
import { FakeKongPdk } from './fake-kong-pdk.ts';
import { BridgeLoop, type PdkCallRecord } from './bridge-loop.ts';
import { kongConfig } from './kong-config.ts';
import { pluginSource, type PluginRef } from './plugin-source.ts';
import type { ServerRecord } from './capture-log.ts';

export interface PluginTestOptions {
  /**
   * The Kong to play. '3.x' (default): raw bodies arrive as Uint8Array, and a PDK function's error
   * is lost (the call resolves to undefined). '2.x': raw bodies arrive as strings, and a `nil, err`
   * return rejects the call with kong.Error (plugin.StepError).
   */
  kongVersion?: KongVersion;
  /** The server's limits, as its flags set them; the defaults are the server's. */
  limits?: {
    memoryLimitMb?: number;
    cpuLimitMs?: number;
    startTimeoutMs?: number;
    eventTimeoutMs?: number;
    maxPdkCalls?: number;
    maxPendingCalls?: number;
    maxPayloadBytes?: number;
    onPluginError?: FailurePolicy;
    /** `NAME=ORIGIN[,ORIGIN…]` entries, as --allow-fetch takes them: the origins fetch may reach (none by default) */
    allowFetch?: string[];
    fetchTimeoutMs?: number;
    maxFetchBytes?: number;
    maxFetchesPerEvent?: number;
    maxConcurrentFetches?: number;
    maxTimers?: number;
  };
}

/** A plugin the server would refuse to load (it does not build, or Kong would refuse its metadata). */
export class PluginLoadFailure extends Error {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`the server would not load ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'PluginLoadFailure';
    this.problems = problems;
  }
}

export type { PdkCallRecord };

export class PluginTest {
  /** the client request, as the test built it */
  readonly request: Request;
  /** every PDK call the plugin made, in order */
  readonly calls: PdkCallRecord[] = [];
  /** what the request went through: Lua errors the fake Kong raised, handler failures, limit breaches */
  readonly errors: string[] = [];
  /** the plugin's console.log and friends, as the server logs them */
  readonly console: string[] = [];
  /** the phases whose handler ran, in order */
  readonly phases: Phase[] = [];
  readonly #opts: ServerOptions;
  readonly #kongVersion: KongVersion;
  #ex: Exchange;
  #nextId = 1;

  constructor(request: Request = new Request(), options: PluginTestOptions = {}) {
    this.request = request;
    this.#kongVersion = options.kongVersion ?? '3.x';
    // Checked once, here, by the server's own option rules.
    this.#opts = toolOptions({ ...options.limits, onPluginError: options.limits?.onPluginError ?? DEFAULTS.onPluginError, pluginsDir: '.' });
    this.#ex = new Exchange(request, this.#kongVersion);
  }

  /** the response the client got */
  get response(): Response {
    return this.#ex.response;
  }

  /** the request as it went upstream, after the plugin changed it */
  get serviceRequest(): Request {
    return this.#ex.serviceRequest;
  }

  /** the upstream's answer; undefined when the request never reached it */
  get serviceResponse(): Response | undefined {
    return this.#ex.serviceResponse;
  }

  /** kong.log.* calls */
  get logs(): readonly LogEntry[] {
    return this.#ex.logs;
  }

  /** what Kong would have warned about: unknown PDK methods ("could not find pdk method"), restarts */
  get warnings(): readonly string[] {
    return this.#ex.warnings;
  }

  /** what kong.service.set_* and kong.service.request.enable_buffering recorded */
  get service(): Readonly<ServiceSettings> {
    return this.#ex.service;
  }

  /** kong.ctx.shared and ngx.ctx (kong.nginx.set_ctx) of the request */
  get ctx(): { readonly shared: ReadonlyMap<string, unknown>; readonly nginx: ReadonlyMap<string, unknown> } {
    return this.#ex.ctx;
  }

  /**
   * Loads the plugin as the server would (refusing what it would refuse), starts an instance with
   * `config` made as Kong makes it (defaults, nulls, metadata keys; a config Kong would refuse
   * throws), and runs the request through the plugin's phases in Kong's order: certificate (https:
   * and tls: URLs), rewrite, access, the upstream, response, log — or preread for tcp: and tls:.
   * After kong.response.exit only log runs. Resolves with the PluginInfo the server gives Kong.
   */
  async Run(plugin: PluginRef, config: Readonly<Record<string, unknown>> = {}): Promise<PluginInfo> {
    const source = pluginSource(plugin);
    let compiled: CompiledPlugin | null = null;
    const limits = Object.fromEntries(LOCAL_HOST_OPTIONS.map((k) => [k, this.#opts[k]])) as LocalHostOptions;
    const host = new ToolHost(limits, (r) => this.#onServerLog(r, compiled));
    try {
      const memoryLimitMb = this.#opts.pluginMemoryLimitMb[source.name] ?? this.#opts.memoryLimitMb;
      const built = await buildPlugin(source, host, { ...this.#opts, memoryLimitMb });
      if (host.crash) throw host.crash;
      if ('problems' in built) throw new PluginLoadFailure(source.entry, built.problems);
      const { info } = built.ok;
      compiled = built.ok.compiled;
      const schemaFields = (info.Schema.fields[0] as { config: { fields: unknown[] } }).config.fields;
      const instanceConfig = kongConfig(info.Name, schemaFields, config);
      const ex = new Exchange(this.request, this.#kongVersion);
      this.#ex = ex;
      const bundle = compiled;
      const start = async (): Promise<number> => {
        const instanceId = this.#nextId++;
        await host.startInstance({
          instanceId, plugin: info.Name, hash: bundle.hash, code: bundle.code, filename: bundle.source.entry, config: instanceConfig,
          memoryLimitMb,
        });
        return instanceId;
      };
      const loop = new BridgeLoop(host, new FakeKongPdk(ex), start, ex, this);
      for (const phase of this.#phasePlan()) {
        if (phase === 'proxy') {
          if (!ex.exited) ex.proxy();
          continue;
        }
        if (ex.exited && phase !== 'log') continue;
        if (phase === 'response' && ex.serviceResponse === undefined) continue;
        if (!info.Phases.includes(phase)) continue;
        await loop.run(phase);
        // the process holding the isolate died: nothing after this phase would be the plugin's doing
        if (host.crash) throw host.crash;
      }
      return info;
    } finally {
      await host.shutdown();
    }
  }

  /** Kong's order; "proxy" is where the upstream answers */
  #phasePlan(): Array<Phase | 'proxy'> {
    const r = this.request;
    const tls: Array<Phase | 'proxy'> = r.isHttps || r.isTLS ? ['certificate'] : [];
    return r.isStream ? [...tls, 'preread', 'proxy', 'log'] : [...tls, 'rewrite', 'access', 'proxy', 'response', 'log'];
  }

  #onServerLog(r: ServerRecord, compiled: CompiledPlugin | null): void {
    const text = compiled ? mapPositions(r.msg, compiled) : r.msg;
    if (r.event === 'plugin.log') this.console.push(text);
    else if (r.level === 'warn' || r.level === 'error' || r.level === 'fatal') this.errors.push(text);
  }
}
