// The rest of the fake Kong's PDK: the client and its authentication, kong.ctx.shared and ngx.ctx,
// kong.log, the node, cluster, plugin and router entities, trusted IPs, and the env vault. Values
// are fixed and plausible (a single node, one route and service, client 127.0.0.1:40000), so tests
// can assert them.
import type { Exchange } from './exchange.ts';
import { LuaError, NilWithError, isNil, logText, luaType, requireString, type PdkTable } from './lua.ts';
import { PLUGIN_ID } from './kong-config.ts';

export const NODE_ID = '0c4b5a7e-3f1d-4e2b-8a6c-9d0e1f2a3b4c';
export const CLUSTER_ID = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
export const ROUTE_ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
export const SERVICE_ID = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
export const NODE_HOSTNAME = 'kong-plugin-test';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REFERENCE = /^\{vault:\/\/([^/}]+)\/([^/}]+)(?:\/([^/}]+))?\/?\}$/;

function tableOrNil(v: unknown, what: string): unknown {
  if (!isNil(v) && luaType(v) !== 'table') throw new LuaError(`${what} must be a table or nil`);
  return isNil(v) ? undefined : v;
}

/** The env vault: `{vault://env/my-secret}` reads MY_SECRET; a key reads a field of its JSON. */
function vaultGet(reference: string): unknown {
  const m = REFERENCE.exec(reference);
  if (!m) return new NilWithError(`not a reference: ${reference}`);
  const [, name, resource, key] = m;
  if (name !== 'env') return new NilWithError(`vault not found (${name}): the fake Kong of PluginTest only has the env vault`);
  const value = process.env[resource!.toUpperCase().replace(/-/g, '_')];
  if (value === undefined) return new NilWithError(`could not get value from external vault (no value found (${reference}))`);
  if (key === undefined) return value;
  try {
    const field = (JSON.parse(value) as Record<string, unknown>)[key];
    return typeof field === 'string' ? field : new NilWithError(`could not get subfield value (${key})`);
  } catch {
    return new NilWithError(`could not decode secret (${reference})`);
  }
}

/** kong.vault.update: every reference in the table replaced by its value. */
function resolveReferences(v: unknown): unknown {
  if (typeof v === 'string' && REFERENCE.test(v)) {
    const value = vaultGet(v);
    return value instanceof NilWithError ? v : value;
  }
  if (Array.isArray(v)) return v.map(resolveReferences);
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveReferences(x)]));
  }
  return v;
}

function memoryStats(unit: unknown, scale: unknown): unknown {
  const units: Record<string, [number, string]> = { k: [1024, 'KiB'], m: [1024 ** 2, 'MiB'], g: [1024 ** 3, 'GiB'] };
  const u = typeof unit === 'string' ? units[unit.toLowerCase()] : undefined;
  const digits = typeof scale === 'number' ? scale : 2;
  const size = (bytes: number): number | string => (u === undefined ? bytes : `${(bytes / u[0]).toFixed(digits)} ${u[1]}`);
  return {
    lua_shared_dicts: {
      kong: { allocated_slabs: size(40960), capacity: size(5242880) },
      kong_db_cache: { allocated_slabs: size(774144), capacity: size(134217728) },
    },
    workers_lua_vms: [
      { http_allocated_gc: size(43910234), pid: 18004 },
      { http_allocated_gc: size(44210881), pid: 18005 },
    ],
  };
}

function serialize(ex: Exchange): string {
  const req = ex.serviceRequest;
  const out: Record<string, unknown> = {
    request: {
      method: req.method,
      uri: ex.request.url.pathname + ex.request.url.search,
      url: ex.request.url.toString(),
      querystring: Object.fromEntries(new URLSearchParams(req.url.search)),
      headers: Object.fromEntries(req.headers.entries()),
      size: 0,
    },
    upstream_uri: req.url.pathname + req.url.search,
    response: { status: ex.response.status, headers: Object.fromEntries(ex.response.headers.entries()), size: 0 },
    route: { id: ROUTE_ID },
    service: { id: SERVICE_ID },
    consumer: ex.auth.consumer ?? null,
    client_ip: '127.0.0.1',
    started_at: ex.startedAt,
    latencies: { kong: 0, proxy: ex.serviceResponse === undefined ? -1 : 0, request: Date.now() - ex.startedAt },
    source: ex.source,
  };
  for (const [path, value] of Object.entries(ex.serializeExtras)) {
    const keys = path.split('.');
    let node = out;
    for (const k of keys.slice(0, -1)) node = (node[k] = typeof node[k] === 'object' && node[k] !== null ? node[k] : {}) as Record<string, unknown>;
    node[keys.at(-1)!] = value;
  }
  return JSON.stringify(out);
}

const LOG_LEVELS = ['alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug', 'deprecation', 'inspect'];

export const contextPdk: PdkTable = {
  ...Object.fromEntries(
    LOG_LEVELS.map((level) => [
      `kong.log.${level}`,
      (args: readonly unknown[], ex: Exchange) => void ex.logs.push({ level, message: logText(args), args: [...args], phase: ex.phase }),
    ]),
  ),
  'kong.log.serialize': (_a, ex) => serialize(ex),
  'kong.log.set_serialize_value': ([key, value], ex) => {
    ex.serializeExtras[requireString(key, 'key')] = value;
  },

  'kong.client.get_ip': () => '127.0.0.1',
  'kong.client.get_forwarded_ip': () => '127.0.0.1',
  'kong.client.get_port': () => 40000,
  'kong.client.get_forwarded_port': () => 40000,
  'kong.client.get_protocol': (_a, ex) => ex.request.url.protocol.replace(/:$/, ''),
  'kong.client.get_credential': (_a, ex) => ex.auth.credential,
  'kong.client.get_consumer': (_a, ex) => ex.auth.consumer,
  'kong.client.load_consumer': ([id, byUsername]) => {
    const consumerId = requireString(id, 'consumer_id');
    if (!UUID.test(consumerId) && byUsername !== true) throw new LuaError('cannot load a consumer with an id that is not a uuid');
    return undefined; // the fake Kong's database has no consumers
  },
  'kong.client.authenticate': ([consumer, credential], ex) => {
    const c = tableOrNil(consumer, 'consumer');
    const cred = tableOrNil(credential, 'credential');
    if (c === undefined && cred === undefined) throw new LuaError('either credential or consumer must be provided');
    ex.auth.consumer = c;
    ex.auth.credential = cred;
  },
  'kong.client.get_consumer_groups': (_a, ex) => ex.auth.groups,
  'kong.client.get_consumer_group': (_a, ex) => (Array.isArray(ex.auth.groups) ? ex.auth.groups[0] : ex.auth.groups),
  'kong.client.set_authenticated_consumer_groups': ([groups], ex) => {
    ex.auth.groups = tableOrNil(groups, 'consumer group');
  },
  'kong.client.set_authenticated_consumer_group': ([group], ex) => {
    ex.auth.groups = tableOrNil(group, 'consumer group');
  },
  'kong.client.authenticate_consumer_group_by_consumer_id': () => undefined, // no consumer groups in the fake database
  'kong.client.tls.request_client_certificate': () => true,
  'kong.client.tls.disable_session_reuse': () => true,
  'kong.client.tls.get_full_client_certificate_chain': () => undefined, // the client sent no certificate
  'kong.client.tls.set_client_verify': () => undefined,

  'kong.ctx.shared.get': ([key], ex) => ex.ctx.shared.get(requireString(key, 'key')),
  'kong.ctx.shared.set': ([key, value], ex) => void ex.ctx.shared.set(requireString(key, 'key'), value),
  'kong.nginx.get_ctx': ([key], ex) => ex.ctx.nginx.get(requireString(key, 'key')),
  'kong.nginx.set_ctx': ([key, value], ex) => void ex.ctx.nginx.set(requireString(key, 'key'), value),
  'kong.nginx.req_start_time': (_a, ex) => ex.startedAt / 1000,
  'kong.nginx.get_subsystem': (_a, ex) => (ex.request.isStream ? 'stream' : 'http'),
  'kong.nginx.get_tls1_version_str': (_a, ex) => (ex.request.isHttps || ex.request.isTLS ? 'TLSv1.3' : undefined),
  'kong.nginx.get_statistics': () => ({
    connections_active: 1, connections_reading: 0, connections_writing: 1, connections_waiting: 0,
    connections_accepted: 1, connections_handled: 1, total_requests: 1,
  }),

  'kong.node.get_id': () => NODE_ID,
  'kong.node.get_hostname': () => NODE_HOSTNAME,
  'kong.node.get_memory_stats': ([unit, scale]) => memoryStats(unit, scale),
  'kong.cluster.get_id': () => CLUSTER_ID,
  'kong.plugin.get_id': () => PLUGIN_ID,
  'kong.ip.is_trusted': ([address]) => {
    requireString(address, 'address');
    return false; // no trusted_ips in the fake Kong's configuration
  },

  'kong.router.get_route': () => ({
    id: ROUTE_ID, name: 'plugin-test-route', protocols: ['http', 'https'], paths: ['/'], methods: null, hosts: null,
    strip_path: true, preserve_host: false, service: { id: SERVICE_ID }, tags: null,
  }),
  'kong.router.get_service': (_a, ex) => ({
    id: SERVICE_ID, name: 'plugin-test-service', protocol: 'http', host: ex.request.url.hostname, port: 80, path: null,
    retries: 5, connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true, tags: null,
  }),

  'kong.vault.get': ([reference]) => vaultGet(requireString(reference, 'reference')),
  'kong.vault.is_reference': ([reference]) => typeof reference === 'string' && reference.startsWith('{vault://') && reference.endsWith('}'),
  'kong.vault.parse_reference': ([reference]) => {
    const m = REFERENCE.exec(requireString(reference, 'reference'));
    if (!m) return new NilWithError(`not a reference: ${String(reference)}`);
    return { name: m[1], resource: m[2], ...(m[3] === undefined ? {} : { key: m[3] }) };
  },
  'kong.vault.update': ([options]) => resolveReferences(options),
  'kong.vault.flush': () => undefined,
};
