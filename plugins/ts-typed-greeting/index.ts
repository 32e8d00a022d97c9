// A TypeScript plugin written with the typed SDK: the schema literal gives `this.config` its type,
// so `this.config.header` is a string (required) and a misspelt field is a compile error.
// It greets the caller named by the x-name request header in a response header the config names.
import { definePlugin, defineSchema } from '../../src/sdk/index.ts';

const schema = defineSchema([
  { header: { type: 'string', required: true } },
  { greeting: { type: 'string', default: 'Hello' } },
  { shout: { type: 'boolean' } },
] as const);

export default definePlugin({
  version: '1.0.0',
  priority: 10,
  schema,
  async access(kong) {
    const name = (await kong.request.getHeader('x-name')) ?? 'world';
    const text = `${this.config.greeting}, ${name}!`;
    // `shout` is optional: Kong sends null when it is not set
    await kong.response.setHeader(this.config.header, this.config.shout === true ? text.toUpperCase() : text);
  },
});
