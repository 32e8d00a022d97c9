// Starts the real server (bin/kong-sandbox-pluginserver) on a fresh socket and stops it with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { KongClient } from './kong-client.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = path.join(ROOT, 'bin/kong-sandbox-pluginserver');
export const FIXTURE_PLUGINS = path.join(ROOT, 'test/fixtures/plugins');

export interface LogLine {
  level: string;
  msg: string;
  event?: string;
  [k: string]: unknown;
}

export class ServerProcess {
  readonly child: ChildProcess;
  readonly socketPath: string;
  readonly prefix: string;
  readonly logs: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess, socketPath: string, prefix: string) {
    this.child = child;
    this.socketPath = socketPath;
    this.prefix = prefix;
    let buf = '';
    // KPS_TEST_LOG=FILE: every server's log lines are appended there too, to read after a failure
    const copyTo = process.env.KPS_TEST_LOG;
    child.stdout!.on('data', (c: Buffer) => {
      if (copyTo) fs.appendFileSync(copyTo, c);
      buf += c.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ level: 'raw', msg: line });
        }
      }
    });
    child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** `bin`: another install's bin (the installed package's, in package.test.ts); `env`: its environment */
  static async start(opts: { pluginsDir?: string; args?: string[]; bin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ServerProcess> {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-test-'));
    const socketPath = path.join(prefix, 'kps.sock');
    const child = spawn(opts.bin ?? BIN, ['-p', prefix, '--sock-name', 'kps.sock', '-d', opts.pluginsDir ?? FIXTURE_PLUGINS, ...(opts.args ?? [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    const server = new ServerProcess(child, socketPath, prefix);
    await server.#waitReady();
    return server;
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    let exitCode: number | null | undefined;
    void this.exited.then((c) => (exitCode = c));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`server exited with ${exitCode}: ${this.stderr}`);
      if (this.logs.some((l) => l.event === 'server.listening') && (await canConnect(this.socketPath))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`server did not start: ${this.stderr}`);
  }

  client(): KongClient {
    return new KongClient(this.socketPath);
  }

  logsOf(event: string): LogLine[] {
    return this.logs.filter((l) => l.event === event);
  }

  /** Waits for the first log line of `event` that matches `pred`. */
  async waitForLog(event: string, pred: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.logsOf(event).find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no "${event}" log line matched within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Waits until `count` log lines of `event` (only those that match `pred`, when given) were written,
   * and returns all such lines (logs arrive after the answers they explain).
   */
  async waitForLogs(event: string, count = 1, timeoutMs = 10_000, pred?: (l: LogLine) => boolean): Promise<LogLine[]> {
    const deadline = Date.now() + timeoutMs;
    const lines = () => (pred ? this.logsOf(event).filter(pred) : this.logsOf(event));
    for (;;) {
      const hits = lines();
      if (hits.length >= count) return hits;
      if (Date.now() > deadline) throw new Error(`expected ${count} ${pred ? 'matching ' : ''}"${event}" log lines within ${timeoutMs} ms, got ${hits.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const code = await this.exited;
    fs.rmSync(this.prefix, { recursive: true, force: true });
    return code;
  }
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
