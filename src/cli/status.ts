// `kong-sandbox-pluginserver status`: asks a running server (plugin.GetStatus over its socket) and
// prints its plugins and instances: heap used against quota as a bar, CPU, events, breaches.
import fs from 'node:fs';
import path from 'node:path';
import { parseCommand } from './command-args.ts';
import { callServer } from '../rpc/client.ts';
import { PluginMethod } from '../rpc/protocol.ts';
import { DEFAULTS } from '../config/options.ts';
import { givenOptions, optionSpec } from './args.ts';
import { ErrorCode, KpsError, errorMessage } from '../errors.ts';
import type { InstanceStats } from '../instances/instance-host.ts';

interface StatusPlugin {
  Name: string;
  Version?: string;
  Instances: Array<{ Id: number; Stats: InstanceStats | null; LastBreach: { Kind: string; Detail: string } | null }>;
  Breaches?: Record<string, number>;
  Restarts?: number;
}

interface StatusReport {
  Pid: number;
  Plugins: Record<string, StatusPlugin>;
  Shards?: Array<{
    Shard: number; Kind: string; Pid: number | null; Plugins: string[]; Instances: number; RssMb: number; Restarts: number;
  }>;
  Quarantined?: string[];
  Reload?: { Watching: boolean; Reloads: number; Failures: number; LastError?: { Plugin: string; Message: string; Time: number } | null };
}

export const STATUS_HELP = `Usage: kong-sandbox-pluginserver status [-p <kong-prefix>] [--sock-name <name>] [--socket <path>] [--json]

Prints the plugins, instances (heap used / quota, CPU, events, breaches) and shards of a running server.
Without -p or --socket it asks the server on /usr/local/kong (Kong's default prefix), else the one on
/tmp (where \`npm start\` serves).
`;

export async function runStatus(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, {
      ...optionSpec(['kongPrefix', 'sockName']),
      socket: { type: 'string' },
      json: { type: 'boolean' },
    }, STATUS_HELP);
  if (!parsed) return 0;
  const { values } = parsed;
  const sockName = givenOptions(values).sockName ?? DEFAULTS.sockName;
  // no -p: Kong's default prefix, then the one `npm start` serves on
  const candidates = values.socket !== undefined ? [values.socket]
    : values['kong-prefix'] !== undefined ? [path.resolve(values['kong-prefix'], sockName)]
    : [path.join(DEFAULTS.kongPrefix, sockName), path.join(NPM_START_PREFIX, sockName)];
  const { socketPath, report } = await firstAnswer(candidates);
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report, socketPath));
  return 0;
}

/** the -p of `npm start` (package.json) */
export const NPM_START_PREFIX = '/tmp';

async function firstAnswer(sockets: string[]): Promise<{ socketPath: string; report: StatusReport }> {
  const failures: string[] = [];
  for (const socketPath of sockets) {
    if (sockets.length > 1 && !fs.existsSync(socketPath)) {
      failures.push(`${socketPath}: no such socket`);
      continue;
    }
    try {
      return { socketPath, report: (await callServer(socketPath, PluginMethod.GetStatus, [])) as StatusReport };
    } catch (err) {
      if (sockets.length === 1) throw err;
      failures.push(errorMessage(err).replace('cannot reach a plugin server on ', ''));
    }
  }
  throw new KpsError(ErrorCode.CLIENT, `cannot reach a plugin server; tried ${failures.join(', and ')} (-p <kong-prefix> or --socket <path> names another)`);
}

const MB = 1024 * 1024;

function bar(fraction: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function renderStatus(r: StatusReport, socketPath: string): string {
  const rows: string[][] = [['PLUGIN', 'INSTANCE', 'HEAP USED / QUOTA', '', 'CPU', 'EVENTS', 'PDK CALLS', 'BREACHES']];
  for (const p of Object.values(r.Plugins)) {
    const breaches = Object.entries(p.Breaches ?? {}).map(([k, n]) => `${k}:${n}`).join(' ') || '-';
    if (p.Instances.length === 0) rows.push([p.Name, '-', '', '', '', '', '', breaches]);
    for (const inst of p.Instances) {
      const s = inst.Stats;
      rows.push([
        p.Name,
        String(inst.Id),
        s ? `${bar(s.HeapFraction)} ${(s.HeapUsed / MB).toFixed(1)}/${(s.HeapLimit / MB).toFixed(0)} MB` : '(no figures)',
        s ? `${Math.round(s.HeapFraction * 100)}%` : '',
        s ? `${s.CpuTimeMs.toFixed(0)} ms` : '',
        s ? String(s.EventsServed) : '',
        s ? String(s.PdkCalls) : '',
        inst.LastBreach ? `${breaches} (last: ${inst.LastBreach.Kind})` : breaches,
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
  const lines = [`kong-sandbox-pluginserver pid ${r.Pid} on ${socketPath}`, '', table, ''];
  if (r.Shards?.length) {
    lines.push('SHARDS');
    for (const s of r.Shards) {
      lines.push(`  #${s.Shard} ${s.Kind.padEnd(10)} pid ${String(s.Pid ?? 'down').padEnd(8)} ${String(s.Instances).padStart(4)} instances  ${String(s.RssMb).padStart(5)} MB RSS  ${s.Restarts} restarts  ${s.Plugins.join(', ')}`);
    }
    lines.push('');
  }
  if (r.Quarantined?.length) lines.push(`QUARANTINED: ${r.Quarantined.join(', ')}`, '');
  if (r.Reload) lines.push(`hot reload: ${r.Reload.Watching ? 'on' : 'off'}, ${r.Reload.Reloads} reloads, ${r.Reload.Failures} failures`, '');
  if (r.Reload?.LastError) lines.push(`still failing to reload: ${r.Reload.LastError.Plugin}: ${r.Reload.LastError.Message}`, '');
  return lines.join('\n');
}
