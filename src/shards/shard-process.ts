// One shard process as the supervisor sees it: spawn, the channel on fd 3, RSS, kill, exit.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Channel, shardFrameCap } from './channel.ts';
import type { ShardEnd, SupervisorEnd } from './shard-protocol.ts';
import type { ShardConfig } from './shard-main.ts';

// shard-main.ts in a checkout, shard-main.js in the built package (dist/)
const SHARD_MAIN = fileURLToPath(new URL(`./shard-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

export interface ShardExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** why the supervisor killed it, if it did */
  killedFor: string | null;
}

export class ShardProcess {
  readonly child: ChildProcess;
  readonly channel: Channel<SupervisorEnd, ShardEnd>;
  /** code hashes this process already holds */
  readonly sentCode = new Set<string>();
  /** the plugin whose code this shard last entered, as it said before running it (crash blame) */
  running: string | null = null;
  readonly exited: Promise<ShardExit>;
  #killedFor: string | null = null;
  /** heartbeat: when the unanswered ping was sent, and whether the shard ever answered one */
  pingSentAt: number | null = null;
  answeredPing = false;
  #dead = false;

  constructor(config: ShardConfig) {
    this.child = spawn(process.execPath, ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', SHARD_MAIN], {
      // stdout carries the shard's log lines where the supervisor's go; fd 3 is the private channel
      stdio: ['ignore', config.logStream, 2, 'pipe'],
      env: { ...process.env, KPS_SHARD_CONFIG: JSON.stringify(config) },
    });
    this.channel = new Channel<SupervisorEnd, ShardEnd>(this.child.stdio[3] as net.Socket, { incoming: shardFrameCap(config) });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#dead = true;
        resolve({ code, signal, killedFor: this.#killedFor });
      });
    });
    this.child.once('error', () => this.kill('could not be started'));
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  /** exited, or about to: its channel is closed */
  get dead(): boolean {
    return this.#dead || this.channel.closed;
  }

  /** Resident memory in MB, read from /proc (works even while the shard's threads are busy). */
  rssMb(): number {
    if (this.#dead || !this.child.pid) return 0; // a closing shard still counts until it exits
    try {
      const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+)/.exec(status);
      return kb ? Number(kb[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  }

  kill(why: string): void {
    if (this.#dead) return;
    this.#killedFor ??= why;
    this.child.kill('SIGKILL');
  }
}
