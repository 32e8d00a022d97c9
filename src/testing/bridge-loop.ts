// Kong's bridge_loop (docs/protocol.md, "The event loop"), played against the instance host: HandleEvent
// (starting the instance first, and again when the host says "No plugin instance", as Kong does),
// then for every PDK call the host answers with, the fake Kong runs it and steps the result back
// (no Data for nil, StepError for a Kong 2.x error), until "ret", a terminal call (Kong never steps
// after exit), or a Lua error (Kong stops, and answers 500 in a request phase).
// Not shared with kong-driver/ (the tests' and benches' Kong, over a real socket): this loop ships in
// PluginTest and calls the host in-process, and the product imports nothing from outside src/.
import type { Phase } from '../rpc/protocol.ts';
import type { InstanceHostApi, StepAnswer, StepMsg } from '../instances/instance-host.ts';
import { errorMessage, isNoInstance } from '../errors.ts';
import type { Exchange } from './exchange.ts';
import type { FakeKongPdk } from './fake-kong-pdk.ts';

export interface PdkCallRecord {
  phase: Phase;
  method: string;
  args: unknown[];
}

/** Where the loop writes what happened, for the test to read. */
export interface BridgeRecord {
  readonly phases: Phase[];
  readonly calls: PdkCallRecord[];
  readonly errors: string[];
}

/** Kong starts a fresh instance when the server says "No plugin instance"; a test stops after a few. */
const MAX_RESTARTS = 3;

/** One per request: like Kong's per-worker cache, it keeps the instance id across the phases. */
export class BridgeLoop {
  readonly #host: InstanceHostApi;
  readonly #pdk: FakeKongPdk;
  readonly #start: () => Promise<number>;
  readonly #ex: Exchange;
  readonly #record: BridgeRecord;
  #instanceId: number | null = null;
  #nextEventId = 1;

  constructor(host: InstanceHostApi, pdk: FakeKongPdk, start: () => Promise<number>, ex: Exchange, record: BridgeRecord) {
    this.#host = host;
    this.#pdk = pdk;
    this.#start = start;
    this.#ex = ex;
    this.#record = record;
  }

  /** One event of the phase, from HandleEvent to "ret", a terminal call, or a Lua error. */
  async run(phase: Phase): Promise<void> {
    const ex = this.#ex;
    ex.phase = phase;
    this.#record.phases.push(phase);
    const eventId = this.#nextEventId++;
    let answer = await this.#handleEvent(phase, eventId);
    while (answer !== null && answer !== 'ret') {
      const args = Array.isArray(answer.Args) ? answer.Args : answer.Args === undefined ? [] : [answer.Args];
      this.#record.calls.push({ phase, method: answer.Method, args });
      const outcome = this.#pdk.call(answer.Method, args);
      if (outcome.kind === 'terminal') return; // Kong never steps after exit/error
      if (outcome.kind === 'lua-error') {
        this.#kongError(phase, outcome.message);
        return;
      }
      const msg: StepMsg = outcome.kind === 'step-error' ? { eventId, error: outcome.error } : outcome.data === undefined ? { eventId } : { eventId, data: outcome.data };
      try {
        answer = await this.#host.step(msg);
      } catch (err) {
        // Kong logs an RPC error and goes on without the plugin.
        this.#record.errors.push(`${phase}: plugin.Step failed: ${errorMessage(err)}`);
        return;
      }
    }
  }

  /** HandleEvent, starting the instance first as Kong's get_instance_id does; null when the phase cannot run. */
  async #handleEvent(phase: Phase, eventId: number): Promise<StepAnswer | null> {
    for (let restarts = 0; ; restarts++) {
      if (this.#instanceId === null) {
        try {
          this.#instanceId = await this.#start();
        } catch (err) {
          this.#kongError(phase, `starting instance: ${errorMessage(err)}`);
          return null;
        }
      }
      try {
        return await this.#host.handleEvent({ instanceId: this.#instanceId, eventId, phase });
      } catch (err) {
        if (!isNoInstance(err) || restarts >= MAX_RESTARTS) {
          this.#record.errors.push(`${phase}: plugin.HandleEvent failed: ${errorMessage(err)}`);
          return null;
        }
        this.#ex.warnings.push(`${errorMessage(err)}: Kong starts a new instance and retries`);
        this.#instanceId = null;
      }
    }
  }

  /** A Lua error on Kong's side ends the loop; in a request phase Kong answers 500 itself. */
  #kongError(phase: Phase, message: string): void {
    this.#record.errors.push(`${phase}: ${message}`);
    if (phase !== 'log') this.#ex.unexpectedError();
  }
}
