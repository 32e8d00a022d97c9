// The config a plugin instance receives, made the way Kong makes it from what an admin configured:
// the schema validates it (unknown fields, types, required fields, one_of), defaults fill missing
// fields, a record that was not given becomes a record of its own defaults, every other unset field
// becomes null, and Kong's metadata keys are added (docs/protocol.md, `plugin.StartInstance`). Then
// it crosses as JSON, as Kong's cjson-encoded Config string does.

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`schema violation (${problems.join('; ')})`);
    this.name = 'ConfigError';
  }
}

type Decl = Record<string, unknown>;

/** The ids Kong would give this plugin configuration (fixed, so tests can assert them). */
export const PLUGIN_ID = '6b1f3c2e-0d6a-4f7e-9a51-3c8d2e4f5a61';

export function kongConfig(
  pluginName: string, schemaFields: unknown, given: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const problems: string[] = [];
  const config = processRecord(Array.isArray(schemaFields) ? schemaFields : [], given ?? {}, 'config', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const decorated = {
    ...config,
    route_id: null,
    service_id: null,
    consumer_id: null,
    __key__: `plugins:${pluginName}::::${PLUGIN_ID}`,
    __seq__: 1,
    __plugin_id: PLUGIN_ID,
    plugin_instance_name: null,
  };
  return JSON.parse(JSON.stringify(decorated)) as Record<string, unknown>;
}

function processRecord(
  fields: readonly unknown[], value: Readonly<Record<string, unknown>>, path: string, problems: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const declared = new Map<string, Decl>();
  for (const entry of fields) {
    if (typeof entry !== 'object' || entry === null) continue;
    for (const [name, decl] of Object.entries(entry)) declared.set(name, decl as Decl);
  }
  for (const name of Object.keys(value)) {
    if (!declared.has(name)) problems.push(`${path}.${name}: unknown field`);
  }
  for (const [name, decl] of declared) {
    out[name] = processField(decl, value[name], `${path}.${name}`, problems);
  }
  return out;
}

function processField(decl: Decl, given: unknown, path: string, problems: string[]): unknown {
  let value = given === undefined ? null : given;
  if (value === null && decl.default !== undefined) value = structuredClone(decl.default);
  if (value === null) {
    if (decl.required === true) {
      problems.push(`${path}: required field missing`);
      return null;
    }
    // Kong's handle_missing_field: an optional record defaults to a record of its own defaults.
    if (decl.type === 'record' && Array.isArray(decl.fields)) return processRecord(decl.fields, {}, path, problems);
    return null;
  }
  return checkValue(decl, value, path, problems);
}

function checkValue(decl: Decl, value: unknown, path: string, problems: string[]): unknown {
  const expect = (ok: boolean, what: string): boolean => {
    if (!ok) problems.push(`${path}: expected ${what}`);
    return ok;
  };
  switch (decl.type) {
    case 'string':
      if (expect(typeof value === 'string', 'a string')) checkOneOf(decl, value, path, problems);
      return value;
    case 'number':
      if (expect(typeof value === 'number' && Number.isFinite(value), 'a number')) checkOneOf(decl, value, path, problems);
      return value;
    case 'integer':
      if (expect(Number.isInteger(value), 'an integer')) checkOneOf(decl, value, path, problems);
      return value;
    case 'boolean':
      expect(typeof value === 'boolean', 'a boolean');
      return value;
    case 'array':
    case 'set': {
      if (!expect(Array.isArray(value), value === null || typeof value !== 'object' ? 'an array' : 'an array, got an object')) return value;
      const elements = decl.elements as Decl | undefined;
      const items = (value as unknown[]).map((v, i) => (elements ? checkValue(elements, v, `${path}[${i + 1}]`, problems) : v));
      return decl.type === 'set' ? [...new Set(items)] : items;
    }
    case 'map': {
      if (!expect(typeof value === 'object' && value !== null && !Array.isArray(value), 'a map')) return value;
      const values = decl.values as Decl | undefined;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = values ? checkValue(values, v, `${path}.${k}`, problems) : v;
      return out;
    }
    case 'record':
      if (!expect(typeof value === 'object' && value !== null && !Array.isArray(value), 'a record')) return value;
      return processRecord(Array.isArray(decl.fields) ? decl.fields : [], value as Record<string, unknown>, path, problems);
    default:
      return value; // json, and types this check does not know: Kong's own validators apply
  }
}

function checkOneOf(decl: Decl, value: unknown, path: string, problems: string[]): void {
  if (Array.isArray(decl.one_of) && !decl.one_of.includes(value)) {
    problems.push(`${path}: expected one of: ${decl.one_of.join(', ')}`);
  }
}
