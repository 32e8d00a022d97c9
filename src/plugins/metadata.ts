// Plugin metadata as Kong will judge it. The values come from inside a throwaway isolate (plugin
// code never runs in the host); here they are checked against what Kong ≥ 3.0 refuses at boot.
import { z } from 'zod';
import type { PluginDescription } from '../instances/instance-host.ts';
import type { PluginInfo } from '../rpc/protocol.ts';
import { PHASES } from '../rpc/protocol.ts';
import { schemaProblems } from './schema-check.ts';
import { clipPluginText } from '../sandbox/plugin-text.ts';

const describedSchema = z.object({
  name: z.string().min(1).nullable(),
  version: z
    .string({ error: 'Version is missing: Kong ≥ 3.0 refuses a plugin without a VERSION in "x.y.z" format (export Version = "1.0.0")' })
    .regex(/^\d+(\.\d+){0,2}$/, 'Version must look like "x.y.z" (Kong refuses the plugin otherwise)'),
  priority: z
    .union([z.number(), z.null()])
    .transform((p) => p ?? 0)
    .pipe(z.number().int('Priority must be an integer (Kong refuses fractions, NaN and infinity)')),
  phases: z.array(z.enum(PHASES)),
  filters: z.array(z.string()),
  schemaFields: z.array(z.record(z.string(), z.unknown()), { error: 'Schema must be an array of { field: { type: … } } entries' }),
});

/** Returns Kong's PluginInfo, or a list of problems in words the plugin author can act on. */
export function toPluginInfo(defaultName: string, d: PluginDescription): { info: PluginInfo } | { problems: string[] } {
  const parsed = describedSchema.safeParse(d);
  // The messages name the export themselves (Version, Priority, Schema).
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => i.message) };
  const v = parsed.data;
  const problems: string[] = [];
  const phases = v.phases;
  if (phases.length === 0) problems.push('Plugin has no phase handler (access, rewrite, log, response, certificate, preread)');
  if (v.filters.length > 0 && phases.includes('response')) {
    problems.push(`Plugin defines response together with ${v.filters.join(' and ')}: Kong (>= 2.2) refuses that combination; external plugins cannot run filter phases, use response`);
  }
  problems.push(...schemaProblems(v.schemaFields));
  const name = (v.name ?? defaultName).toLowerCase();
  if (!/^[a-z0-9_-]+$/.test(name)) problems.push(`Name "${clipPluginText(name, 100)}" may only hold a-z, 0-9, "-" and "_"`);
  if (problems.length) return { problems };
  return {
    info: {
      Name: name,
      Version: v.version,
      Priority: v.priority,
      Phases: phases,
      Schema: { name, fields: [{ config: { type: 'record', fields: v.schemaFields } }] },
    },
  };
}
