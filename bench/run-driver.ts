// Runs bench/driver.ts (the process that plays Kong) and reads what it prints: "measuring" when its
// warm-up ends, "measured" when the measured events are done (the caller samples the server's CPU
// at both), then one JSON result.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DRIVER = fileURLToPath(new URL('./driver.ts', import.meta.url));

export interface DriverOptions {
  socket: string;
  plugin: string;
  workers: number;
  inFlight: number;
  pdkCalls: number;
  payloadBytes: number;
  seconds: number;
  warmupSeconds: number;
  /** events per second, open loop; 0 = closed loop */
  rate: number;
}

export interface DriverResult {
  events: number;
  perSecond: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
}

export function runDriver(opts: DriverOptions, onPhase: (phase: 'measuring' | 'measured') => void): Promise<DriverResult> {
  return new Promise((resolve, reject) => {
    // no NODE_OPTIONS: a profiler asked for the server must not profile the driver
    const d = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', path.resolve(DRIVER), JSON.stringify(opts)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let out = '';
    let result: DriverResult | null = null;
    d.stdout.on('data', (c: Buffer) => {
      out += c;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line === 'measuring' || line === 'measured') onPhase(line);
        else result = JSON.parse(line) as DriverResult;
      }
    });
    d.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`driver exited ${code}`))));
  });
}
