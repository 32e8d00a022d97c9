// Type tests of the SDK, checked by `tsc --noEmit -p .` (never run). Each `@ts-expect-error` line
// must fail to compile: if the SDK stopped catching the mistake, tsc reports the unused directive.
import { definePlugin, defineSchema, type ConfigOf, type Kong, type MultiMap, type SandboxMemoryStats } from '../../src/sdk/index.ts';
// The example plugin is part of this program, so it is type-checked too.
import greeting from '../../plugins/ts-typed-greeting/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

// ---- config inference ------------------------------------------------------------------------

const basic = defineSchema([{ header: { type: 'string', required: true } }, { count: { type: 'integer' } }] as const);
expectType<Equal<ConfigOf<typeof basic>, { header: string; count?: number | null }>>();

const rich = defineSchema([
  { mode: { type: 'string', one_of: ['allow', 'deny'], default: 'allow' } },
  { ratio: { type: 'number', required: true } },
  { enabled: { type: 'boolean', default: true } },
  { tags: { type: 'array', elements: { type: 'string' } } },
  { limits: { type: 'map', keys: { type: 'string' }, values: { type: 'integer' } } },
  { redis: { type: 'record', fields: [{ host: { type: 'string' } }, { port: { type: 'integer', default: 6379 } }] } },
  { extra: { type: 'json' } },
] as const);
expectType<
  Equal<
    ConfigOf<typeof rich>,
    {
      mode: 'allow' | 'deny';
      ratio: number;
      enabled: boolean;
      redis: { port: number; host?: string | null };
      tags?: string[] | null;
      limits?: Record<string, number> | null;
      extra?: unknown;
    }
  >
>();

// the `const` type parameter keeps literals without `as const` too
const inline = defineSchema([{ level: { type: 'integer', required: true } }]);
expectType<Equal<ConfigOf<typeof inline>, { level: number }>>();

// ---- handlers see the typed config ---------------------------------------------------------------

definePlugin({
  version: '1.0.0',
  schema: basic,
  async access(kong) {
    const header: string = this.config.header;
    const count: number | null | undefined = this.config.count;
    // @ts-expect-error: a field the schema does not declare
    void this.config.heder;
    // @ts-expect-error: count may be null or absent, so it is not a plain number
    const n: number = this.config.count;
    // @ts-expect-error: header is a string, not a number
    const h: number = this.config.header;
    await kong.response.setHeader(header, String(count ?? 0) + String(n) + String(h));
  },
});

definePlugin({
  version: '1.0.0',
  schema: basic,
  // @ts-expect-error: not a phase; a misspelt handler would never run
  acess() {},
});

definePlugin({
  version: '1.0.0',
  schema: basic,
  // @ts-expect-error: handlers return nothing (Kong ignores a result)
  access: async () => 'done',
});

// @ts-expect-error: "text" is not a Kong field type
defineSchema([{ x: { type: 'text' } }] as const);

// @ts-expect-error: an array declares its elements
defineSchema([{ xs: { type: 'array' } }] as const);

// @ts-expect-error: a default must have the field's type
defineSchema([{ n: { type: 'integer', default: 'five' } }] as const);

// ---- the kong object ---------------------------------------------------------------------------

async function pdkShapes(kong: Kong): Promise<void> {
  expectType<Equal<Awaited<ReturnType<Kong['request']['getRawBody']>>, Uint8Array | undefined>>();
  expectType<Equal<Awaited<ReturnType<Kong['request']['getHeaders']>>, MultiMap>>();
  expectType<Equal<Awaited<ReturnType<Kong['service']['response']['getHeaders']>>, Record<string, string[]>>>();
  const first: string | undefined = await kong.request.getHeader('x');
  // @ts-expect-error: Kong ≥ 3.0 delivers only the first return value, never a [value, err] tuple
  const [value, err] = await kong.request.getHeader('x');
  // @ts-expect-error: every PDK method is asynchronous
  const sync: string = kong.client.getIp();
  // @ts-expect-error: kong-js-pdk's snake_case names are not the API
  await kong.request.get_header('x');
  await kong.response.exit(403, { message: 'no' }, { 'x-a': ['1', '2'] });
  await kong.nginx.getTls1VersionStr();
  void [first, value, err, sync];
}
void pdkShapes;

// (the server builds the sandbox section with the SDK's own SandboxMemoryStats type: one definition)

// ---- the example plugin ------------------------------------------------------------------------

expectType<Equal<ConfigOf<typeof greeting.Schema>, { header: string; greeting: string; shout?: boolean | null }>>();
// @ts-expect-error: the example's config needs its required header
new greeting.Plugin({ greeting: 'Hi' });
