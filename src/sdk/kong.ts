// The `kong` object a plugin's handlers receive, typed as it really answers through this plugin
// server on Kong ≥ 3.0:
// - every method returns a Promise (each call is a round trip to Kong);
// - only a Lua function's first return value arrives (Kong 3.x drops the rest, errors included:
//   a PDK call that fails in Kong resolves to undefined), so `getBody()` is the body, not a tuple;
// - Lua nil arrives as undefined;
// - raw bodies are Uint8Array (Kong sends them as MessagePack bin);
// - header and query maps are Record<string, string[]> (Kong's fix_mmap makes every value an array).
// Names are kong-js-pdk's camelCase of Kong's snake_case (`getRawBody` → `kong.request.get_raw_body`).
// Types only: nothing here exists at run time.

/** A header or query map as Kong sends it: lower-case names, every value an array. */
export type MultiMap = Record<string, string[]>;

/** What Kong accepts as a header value: scalars are converted to text, an array sets several. */
export type HeaderValue = string | number | boolean | readonly (string | number | boolean)[];

export type HeaderTable = Readonly<Record<string, HeaderValue>>;

/** A query argument: `true` is an argument without a value (`?debug`). */
export type QueryValue = string | number | boolean | readonly (string | number | boolean)[];

export type QueryTable = Readonly<Record<string, QueryValue>>;

/** A value that survives MessagePack to Kong and back. */
export type PdkValue = string | number | boolean | null | Uint8Array | readonly PdkValue[] | { readonly [key: string]: PdkValue };

/** What every Kong entity the PDK returns carries; Kong versions add fields, hence the index. */
export interface KongEntity {
  id: string;
  tags?: string[] | null;
  created_at?: number;
  updated_at?: number;
  [field: string]: unknown;
}

export interface Consumer extends KongEntity {
  username?: string | null;
  custom_id?: string | null;
}

export interface Credential extends KongEntity {
  consumer_id?: string;
  consumer?: { id: string } | null;
}

export interface ConsumerGroup extends KongEntity {
  name: string;
}

export interface Route extends KongEntity {
  name?: string | null;
  protocols?: string[];
  methods?: string[] | null;
  hosts?: string[] | null;
  paths?: string[] | null;
  headers?: Record<string, string[]> | null;
  strip_path?: boolean;
  preserve_host?: boolean;
  service?: { id: string } | null;
}

export interface Service extends KongEntity {
  name?: string | null;
  protocol?: string;
  host?: string;
  port?: number;
  path?: string | null;
  retries?: number;
  connect_timeout?: number;
  write_timeout?: number;
  read_timeout?: number;
  enabled?: boolean;
}

/** The section this server adds to Kong's memory statistics: the calling instance's quotas. */
export interface SandboxMemoryStats {
  instance_id: number;
  heap_used: number;
  heap_total: number;
  external_memory: number;
  heap_limit: number;
  /** heap_used / heap_limit, 0–1 */
  heap_used_ratio: number;
  cpu_time_ms: number;
  /** CPU budget of one event */
  cpu_budget_ms: number;
}

/** Numbers are bytes, or text such as "12.00 MiB" when a unit was asked for. */
export interface MemoryStats {
  lua_shared_dicts: Record<string, { allocated_slabs: number | string; capacity: number | string }>;
  workers_lua_vms: Array<{ pid: number; http_allocated_gc?: number | string; err?: string }>;
  sandbox: SandboxMemoryStats;
}

export interface UriCaptures {
  unnamed: string[];
  named: Record<string, string>;
}

export interface VaultReference {
  name: string;
  resource: string;
  key?: string;
  config?: Record<string, unknown>;
  version?: number;
}

/** kong.client.tls: mutual TLS with the client (certificate phase). */
export interface ClientTls {
  /** CA certificates cannot cross the RPC boundary (cdata): call it without arguments */
  requestClientCertificate(): Promise<boolean | undefined>;
  disableSessionReuse(): Promise<boolean | undefined>;
  /** PEM chain, or undefined without a client certificate */
  getFullClientCertificateChain(): Promise<string | undefined>;
  setClientVerify(verify?: string): Promise<void>;
}

export interface Client {
  tls: ClientTls;
  getIp(): Promise<string>;
  getForwardedIp(): Promise<string>;
  getPort(): Promise<number>;
  getForwardedPort(): Promise<number>;
  getCredential(): Promise<Credential | undefined>;
  getConsumer(): Promise<Consumer | undefined>;
  loadConsumer(consumerId: string, searchByUsername?: boolean): Promise<Consumer | undefined>;
  authenticate(consumer: Consumer | null, credential: Credential | null): Promise<void>;
  getProtocol(allowTerminated?: boolean): Promise<'http' | 'https' | 'tcp' | 'tls' | 'udp' | 'grpc' | 'grpcs' | undefined>;
  /** Kong Enterprise */
  getConsumerGroups(): Promise<ConsumerGroup[] | undefined>;
  /** Kong Enterprise; deprecated for getConsumerGroups */
  getConsumerGroup(): Promise<ConsumerGroup | undefined>;
  /** Kong Enterprise */
  setAuthenticatedConsumerGroups(groups: readonly ConsumerGroup[] | null): Promise<void>;
  /** Kong Enterprise; deprecated for setAuthenticatedConsumerGroups */
  setAuthenticatedConsumerGroup(group: ConsumerGroup | null): Promise<void>;
  /** Kong Enterprise */
  authenticateConsumerGroupByConsumerId(consumerId: string | null): Promise<void>;
}

export interface Cluster {
  getId(): Promise<string | undefined>;
}

export interface SharedCtx {
  /** a value another plugin (Lua or external) of this request stored */
  get(key: string): Promise<unknown>;
  set(key: string, value: PdkValue): Promise<void>;
}

export interface Ctx {
  shared: SharedCtx;
}

export interface Ip {
  isTrusted(address: string): Promise<boolean>;
}

/** Arguments are joined without separators, as Kong's kong.log does. */
export interface Log {
  alert(...args: unknown[]): Promise<void>;
  crit(...args: unknown[]): Promise<void>;
  err(...args: unknown[]): Promise<void>;
  warn(...args: unknown[]): Promise<void>;
  notice(...args: unknown[]): Promise<void>;
  info(...args: unknown[]): Promise<void>;
  debug(...args: unknown[]): Promise<void>;
  deprecation(...args: unknown[]): Promise<void>;
  inspect(...args: unknown[]): Promise<void>;
  /** Kong answers with the serialized request as JSON text (never a table over RPC) */
  serialize(): Promise<string>;
  setSerializeValue(key: string, value: PdkValue, options?: { mode?: 'set' | 'add' | 'replace' }): Promise<void>;
}

export interface Nginx {
  /** an nginx variable, e.g. "request_uri" */
  getVar(name: string): Promise<string | undefined>;
  /** Kong's name for it is get_tls1_version_str */
  getTls1VersionStr(): Promise<string | undefined>;
  /** ngx.ctx of this request */
  getCtx(key: string): Promise<unknown>;
  setCtx(key: string, value: PdkValue): Promise<void>;
  /** seconds since the epoch, with milliseconds */
  reqStartTime(): Promise<number>;
  getSubsystem(): Promise<'http' | 'stream'>;
  getStatistics(): Promise<Record<string, number>>;
}

export interface KongNode {
  getId(): Promise<string>;
  getHostname(): Promise<string>;
  getMemoryStats(unit?: 'b' | 'k' | 'm' | 'g', scale?: number): Promise<MemoryStats>;
}

export interface KongPlugin {
  /** the id of this plugin configuration (Kong ≥ 3.3) */
  getId(): Promise<string>;
}

export interface KongRequest {
  getScheme(): Promise<string>;
  getHost(): Promise<string>;
  getPort(): Promise<number>;
  getForwardedScheme(): Promise<string>;
  getForwardedHost(): Promise<string>;
  getForwardedPort(): Promise<number>;
  getForwardedPath(): Promise<string>;
  getForwardedPrefix(): Promise<string | undefined>;
  getHttpVersion(): Promise<number | undefined>;
  getMethod(): Promise<string>;
  getPath(): Promise<string>;
  getRawPath(): Promise<string>;
  getPathWithQuery(): Promise<string>;
  /** without the "?" */
  getRawQuery(): Promise<string>;
  /** the first value; true for an argument without one (`?debug`) */
  getQueryArg(name: string): Promise<string | true | undefined>;
  getQuery(maxArgs?: number): Promise<MultiMap>;
  /** the first value; names are case-insensitive, and "_" matches "-" */
  getHeader(name: string): Promise<string | undefined>;
  getHeaders(maxHeaders?: number): Promise<MultiMap>;
  getRawBody(): Promise<Uint8Array | undefined>;
  /** the parsed body (JSON, form or multipart; by Content-Type or `mimetype`); undefined if it does not parse */
  getBody(mimetype?: string, maxArgs?: number, maxAllowedFileSize?: number): Promise<Record<string, unknown> | unknown[] | undefined>;
  getUriCaptures(): Promise<UriCaptures>;
  /** milliseconds since the epoch */
  getStartTime(): Promise<number>;
}

export interface KongResponse {
  getStatus(): Promise<number>;
  getHeader(name: string): Promise<string | undefined>;
  getHeaders(maxHeaders?: number): Promise<MultiMap>;
  getSource(): Promise<'service' | 'exit' | 'error'>;
  setStatus(status: number): Promise<void>;
  setHeader(name: string, value: HeaderValue): Promise<void>;
  addHeader(name: string, value: HeaderValue): Promise<void>;
  clearHeader(name: string): Promise<void>;
  setHeaders(headers: HeaderTable): Promise<void>;
  /** Ends the request: a table body is sent as JSON. Terminal: resolves at once, later calls are refused. */
  exit(
    status: number, body?: string | Uint8Array | Readonly<Record<string, unknown>> | readonly unknown[], headers?: HeaderTable,
  ): Promise<void>;
  /** Ends the request with Kong's error body for the status. Terminal, like exit. */
  error(status: number, message?: string, headers?: HeaderTable): Promise<void>;
}

export interface Router {
  getRoute(): Promise<Route | undefined>;
  getService(): Promise<Service | undefined>;
}

export interface ServiceRequest {
  setScheme(scheme: 'http' | 'https' | 'grpc' | 'grpcs'): Promise<void>;
  setPath(path: string): Promise<void>;
  /** without the "?" */
  setRawQuery(query: string): Promise<void>;
  setMethod(method: string): Promise<void>;
  /** replaces the whole query string */
  setQuery(args: QueryTable): Promise<void>;
  setHeader(name: string, value: HeaderValue): Promise<void>;
  addHeader(name: string, value: HeaderValue): Promise<void>;
  clearHeader(name: string): Promise<void>;
  setHeaders(headers: HeaderTable): Promise<void>;
  setRawBody(body: string | Uint8Array): Promise<void>;
  /** encodes `args` by `mimetype` or the request's Content-Type (JSON, form) */
  setBody(args: Readonly<Record<string, unknown>>, mimetype?: string): Promise<boolean | undefined>;
  /** buffered proxying without a response handler: kong.service.response bodies become readable */
  enableBuffering(): Promise<void>;
  disableTls(): Promise<boolean | undefined>;
}

export interface ServiceResponse {
  getStatus(): Promise<number | undefined>;
  getHeader(name: string): Promise<string | undefined>;
  getHeaders(maxHeaders?: number): Promise<MultiMap>;
  /** needs buffered proxying: a response handler, or enableBuffering() in access */
  getRawBody(): Promise<Uint8Array | undefined>;
  getBody(mimetype?: string, maxArgs?: number): Promise<Record<string, unknown> | unknown[] | undefined>;
}

export interface KongService {
  request: ServiceRequest;
  response: ServiceResponse;
  /** an Upstream entity's name */
  setUpstream(host: string): Promise<boolean | undefined>;
  setTarget(host: string, port: number): Promise<void>;
  setRetries(retries: number): Promise<void>;
  setTimeouts(connectTimeout: number, writeTimeout: number, readTimeout: number): Promise<void>;
  setTlsVerify(on: boolean): Promise<boolean | undefined>;
  setTlsVerifyDepth(depth: number): Promise<boolean | undefined>;
}

export interface Vault {
  /** resolves `{vault://<name>/<resource>[/<key>]}` */
  get(reference: string): Promise<string | undefined>;
  isReference(reference: string): Promise<boolean>;
  parseReference(reference: string): Promise<VaultReference | undefined>;
  update(options: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>>;
  flush(): Promise<void>;
}

/** The error class of a failed PDK call on Kong 2.x (Kong ≥ 3.0 answers failed calls with undefined). */
export interface PdkErrorClass {
  new (message: string): Error;
}

export interface Kong {
  client: Client;
  cluster: Cluster;
  ctx: Ctx;
  ip: Ip;
  log: Log;
  nginx: Nginx;
  node: KongNode;
  plugin: KongPlugin;
  request: KongRequest;
  response: KongResponse;
  router: Router;
  service: KongService;
  vault: Vault;
  Error: PdkErrorClass;
}
