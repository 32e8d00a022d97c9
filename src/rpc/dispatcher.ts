// The plugin.* method table (docs/protocol.md, "Methods"): parameters in, result or typed error out.
import fs from 'node:fs';
import path from 'node:path';
import type { InstanceManager } from '../instances/manager.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { ReloadStats } from '../plugins/reloader.ts';
import { ErrorCode, UnknownMethodError, BadParamsError, KpsError } from '../errors.ts';
import { mapParam, idValue, stringValue, has } from './params.ts';
import { readEventCall, type EventCall } from './event-calls.ts';
import { PluginMethod as M, STEP_METHODS } from './protocol.ts';

export type Handler = (params: unknown[]) => unknown;

export interface DispatcherDeps {
  manager: InstanceManager;
  registry: PluginRegistry;
  /** SetPluginDir: load the plugins of another directory */
  reloadFrom(dir: string): Promise<void>;
  /** hot reload counters and last error, for GetStatus */
  reloadStats(): ReloadStats;
}

export class Dispatcher {
  readonly #table = new Map<string, Handler>();

  constructor(deps: DispatcherDeps) {
    const { manager, registry } = deps;
    const t = this.#table;

    t.set(M.SetPluginDir, async (params) => {
      const dir = path.resolve(stringValue(M.SetPluginDir, 'dir', params[0]));
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        throw new BadParamsError(M.SetPluginDir, `plugin directory ${dir} does not exist`);
      }
      await deps.reloadFrom(dir);
      return 'ok';
    });

    t.set(M.GetStatus, async () => ({ ...(await manager.statusReport()), Reload: deps.reloadStats() }));

    t.set(M.GetPluginInfo, (params) => registry.get(stringValue(M.GetPluginInfo, 'name', params[0])).info);

    t.set(M.StartInstance, (params) => {
      const m = M.StartInstance;
      const p = mapParam(m, params);
      return manager.start(stringValue(m, 'Name', p.Name), has(p, 'Config') ? stringValue(m, 'Config', p.Config) : 'null');
    });

    t.set(M.InstanceStatus, (params) => manager.status(idValue(M.InstanceStatus, 'id', params[0])));

    t.set(M.CloseInstance, (params) => manager.close(idValue(M.CloseInstance, 'id', params[0])));

    t.set(M.HandleEvent, (params) => {
      const call = readEventCall(M.HandleEvent, params) as Extract<EventCall, { kind: 'handle' }>;
      return manager.handleEvent(call.instanceId, call.phase);
    });

    for (const name of [...STEP_METHODS, M.StepError]) {
      t.set(name, (params) => {
        const call = readEventCall(name, params) as Extract<EventCall, { kind: 'step' }>;
        return manager.step(call.eventId, call.data);
      });
    }
  }

  get methods(): string[] {
    return [...this.#table.keys()];
  }

  /** Resolves with the result, or rejects with a KpsError (any other error is a bug, reported as such). */
  async dispatch(method: string, params: unknown[]): Promise<unknown> {
    const handler = this.#table.get(method);
    if (!handler) throw new UnknownMethodError(method);
    try {
      return await handler(params);
    } catch (err) {
      if (err instanceof KpsError) throw err;
      throw new KpsError(ErrorCode.INTERNAL, `internal error in ${method}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
