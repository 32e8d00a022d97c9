// The typed plugin SDK (`kong-sandbox-pluginserver/pdk`): the `kong` object's types, and helpers
// that give a plugin's handlers a typed `this.config` from its schema literal.
//
//   import { definePlugin, defineSchema } from 'kong-sandbox-pluginserver/pdk';
//   const schema = defineSchema([{ header: { type: 'string', required: true } }] as const);
//   export default definePlugin({
//     version: '1.0.0',
//     schema,
//     async access(kong) { await kong.response.setHeader(this.config.header, 'hi'); },
//   });
//
// Plugins bundle this file into their isolate: it stays free of Node APIs and of imports from the
// rest of src/.
export { defineSchema } from './schema.ts';
export type { Schema, SchemaEntry, Field, StringField, NumberField, BooleanField, ArrayField, MapField, RecordField, JsonField, ConfigOf, ValueOf } from './schema.ts';
export { definePlugin, PHASES } from './plugin.ts';
export type { Phase, PluginSpec, PluginModule, PluginInstance, PluginContext, Handler } from './plugin.ts';
export type * from './kong.ts';
