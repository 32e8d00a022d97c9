// The typed SDK at run time: definePlugin builds exactly the kong-js-pdk module format the server
// reads (phases off the prototype, config on the instance), and defineSchema refuses malformed
// schemas when the module loads, naming the field.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { definePlugin, defineSchema, PHASES, type Kong } from '../../src/sdk/index.ts';

const schema = defineSchema([{ header: { type: 'string', required: true } }, { count: { type: 'integer' } }] as const);

/** Just the two PDK calls the handlers below make, recorded. */
function fakeKong(calls: unknown[][]): Kong {
  return {
    request: { getHeader: async (name: string) => (calls.push(['getHeader', name]), 'v') },
    response: { setHeader: async (name: string, value: unknown) => void calls.push(['setHeader', name, value]) },
  } as unknown as Kong;
}

describe('definePlugin', () => {
  test('exports Plugin, Schema, Version, Priority (and Name only when given)', () => {
    const mod = definePlugin({ version: '1.2.3', priority: 7, schema, async access() {} });
    assert.deepEqual(Object.keys(mod).sort(), ['Plugin', 'Priority', 'Schema', 'Version']);
    assert.equal(mod.Version, '1.2.3');
    assert.equal(mod.Priority, 7);
    assert.equal(mod.Schema, schema);
    assert.equal(definePlugin({ name: 'Greeter', version: '1.0.0', schema }).Name, 'Greeter');
    assert.equal(definePlugin({ version: '1.0.0', schema }).Priority, 0);
  });

  test('only the phases given are methods of the class, as the server detects phases', () => {
    const mod = definePlugin({ version: '1.0.0', schema, async rewrite() {}, log() {} });
    const proto = mod.Plugin.prototype as unknown as Record<string, unknown>;
    assert.deepEqual(PHASES.filter((p) => typeof proto[p] === 'function'), ['rewrite', 'log']);
  });

  test('handlers run with this.config set to the config the instance was built with', async () => {
    const mod = definePlugin({
      version: '1.0.0',
      schema,
      async access(kong) {
        const v = await kong.request.getHeader('x-in');
        await kong.response.setHeader(this.config.header, `${v}:${this.config.count ?? 'none'}`);
      },
    });
    const calls: unknown[][] = [];
    const instance = new mod.Plugin({ header: 'x-out', count: null });
    await instance.access?.(fakeKong(calls));
    assert.deepEqual(calls, [['getHeader', 'x-in'], ['setHeader', 'x-out', 'v:none']]);
    assert.deepEqual(instance.config, { header: 'x-out', count: null });
  });

  test('instances do not share config', () => {
    const mod = definePlugin({ version: '1.0.0', schema, access() {} });
    const a = new mod.Plugin({ header: 'a' });
    const b = new mod.Plugin({ header: 'b' });
    assert.equal(a.config.header, 'a');
    assert.equal(b.config.header, 'b');
  });

  test('a misspelt phase or a non-function handler is refused, not silently ignored', () => {
    assert.throws(() => definePlugin({ version: '1.0.0', schema, acess() {} } as never), /unknown key "acess"/);
    assert.throws(() => definePlugin({ version: '1.0.0', schema, access: 'yes' } as never), /access must be a function/);
  });
});

describe('defineSchema', () => {
  test('returns the schema itself (Kong reads it as is)', () => {
    const s = [{ a: { type: 'string' } }] as const;
    assert.equal(defineSchema(s), s);
  });

  test('accepts every field type, nested', () => {
    assert.doesNotThrow(() =>
      defineSchema([
        { s: { type: 'string', one_of: ['a'] } },
        { n: { type: 'number' } },
        { i: { type: 'integer', between: [1, 5] } },
        { b: { type: 'boolean' } },
        { xs: { type: 'array', elements: { type: 'string' } } },
        { set: { type: 'set', elements: { type: 'integer' } } },
        { m: { type: 'map', keys: { type: 'string' }, values: { type: 'record', fields: [{ x: { type: 'string' } }] } } },
        { r: { type: 'record', fields: [{ inner: { type: 'array', elements: { type: 'boolean' } } }] } },
        { j: { type: 'json' } },
      ] as const),
    );
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['not an array', { a: { type: 'string' } }, /config: a schema is an array/],
    ['two fields in one entry', [{ a: { type: 'string' }, b: { type: 'string' } }], /config\[0\]: each entry declares exactly one field, found 2/],
    ['an unknown type', [{ a: { type: 'text' } }], /config\.a: type must be one of .* \(got "text"\)/],
    ['a missing type', [{ a: { required: true } }], /config\.a: type must be one of/],
    ['an array without elements', [{ xs: { type: 'array' } }], /config\.xs\.elements: expected a field declaration/],
    ['a bad map value', [{ m: { type: 'map', keys: { type: 'string' }, values: { type: 'nope' } } }], /config\.m\.values: type must be/],
    ['a bad nested record field', [{ r: { type: 'record', fields: [{ deep: { type: 'x' } }] } }], /config\.r\.deep: type must be/],
  ];
  for (const [what, value, message] of bad) {
    test(`refuses ${what}`, () => {
      assert.throws(() => defineSchema(value as never), (err: unknown) => err instanceof TypeError && message.test(err.message));
    });
  }
});
