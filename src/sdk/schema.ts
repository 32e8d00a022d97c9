// A plugin's config schema in Kong's own format (`[{ name: { type, required, default, … } }, …]`,
// the `Schema` export of a kong-js-pdk plugin), and the config type Kong delivers for it.
//
// Runs inside the sandbox too (plugins import it and esbuild bundles it): no Node APIs, no imports
// from the rest of src/.

/** Attributes every Kong field may carry (Kong's metaschema; validators Kong enforces itself). */
interface FieldBase {
  readonly required?: boolean;
  readonly description?: string;
  /** the value may be a vault reference (`{vault://env/NAME}`) that Kong resolves */
  readonly referenceable?: boolean;
  readonly encrypted?: boolean;
  readonly immutable?: boolean;
  readonly auto?: boolean;
  readonly unique?: boolean;
}

export interface StringField extends FieldBase {
  readonly type: 'string';
  readonly default?: string;
  readonly one_of?: readonly string[];
  readonly not_one_of?: readonly string[];
  readonly len_eq?: number;
  readonly len_min?: number;
  readonly len_max?: number;
  readonly match?: string;
  readonly match_none?: readonly { readonly pattern: string; readonly err: string }[];
  readonly match_all?: readonly { readonly pattern: string; readonly err: string }[];
  readonly match_any?: { readonly patterns: readonly string[]; readonly err: string };
  readonly starts_with?: string;
  readonly uuid?: boolean;
  readonly is_regex?: boolean;
}

export interface NumberField extends FieldBase {
  readonly type: 'number' | 'integer';
  readonly default?: number;
  readonly one_of?: readonly number[];
  readonly not_one_of?: readonly number[];
  readonly between?: readonly [number, number];
  readonly gt?: number;
  readonly eq?: number;
  readonly ne?: number;
  readonly timestamp?: boolean;
}

export interface BooleanField extends FieldBase {
  readonly type: 'boolean';
  readonly default?: boolean;
}

export interface ArrayField extends FieldBase {
  /** `set` is an array Kong deduplicates */
  readonly type: 'array' | 'set';
  readonly elements: Field;
  readonly default?: readonly unknown[];
  readonly len_eq?: number;
  readonly len_min?: number;
  readonly len_max?: number;
}

export interface MapField extends FieldBase {
  readonly type: 'map';
  readonly keys: Field;
  readonly values: Field;
  readonly default?: Readonly<Record<string, unknown>>;
  readonly len_eq?: number;
  readonly len_min?: number;
  readonly len_max?: number;
}

export interface RecordField extends FieldBase {
  readonly type: 'record';
  readonly fields: Schema;
  readonly default?: Readonly<Record<string, unknown>>;
}

/** Kong ≥ 3.x: any JSON value, optionally checked against a JSON schema */
export interface JsonField extends FieldBase {
  readonly type: 'json';
  readonly json_schema?: Readonly<Record<string, unknown>>;
  readonly default?: unknown;
}

export type Field = StringField | NumberField | BooleanField | ArrayField | MapField | RecordField | JsonField;

/** One entry of a schema: a single field name and its declaration. */
export type SchemaEntry = { readonly [name: string]: Field };

export type Schema = readonly SchemaEntry[];

/** The value Kong delivers for a field. */
export type ValueOf<F> = F extends { readonly type: 'string'; readonly one_of: readonly (infer L)[] }
  ? L
  : F extends { readonly type: 'string' }
    ? string
    : F extends { readonly type: 'number' | 'integer'; readonly one_of: readonly (infer L)[] }
      ? L
      : F extends { readonly type: 'number' | 'integer' }
        ? number
        : F extends { readonly type: 'boolean' }
          ? boolean
          : F extends { readonly type: 'array' | 'set'; readonly elements: infer E }
            ? ValueOf<E>[]
            : F extends { readonly type: 'map'; readonly values: infer V }
              ? Record<string, ValueOf<V>>
              : F extends { readonly type: 'record'; readonly fields: infer S extends Schema }
                ? ConfigOf<S>
                : unknown; // json: any JSON value

/**
 * Whether Kong always delivers a value. A required field must be given; a default fills a missing
 * one; a record that is not given becomes a record of its own fields' defaults (Kong's
 * process_auto_fields). Every other field that was not set arrives as null.
 */
type IsPresent<F> = F extends { readonly required: true }
  ? true
  : F extends { readonly default: unknown }
    ? true
    : F extends { readonly type: 'record' }
      ? true
      : false;

type FieldNames<S extends Schema> = S[number] extends infer E ? (E extends unknown ? keyof E & string : never) : never;

type FieldOf<S extends Schema, K extends string> =
  S[number] extends infer E ? (E extends unknown ? (K extends keyof E ? E[K] : never) : never) : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The config a plugin instance receives for schema S. Fields Kong may leave unset are optional and
 * nullable: Kong sends JSON null for them (and the plugin server passes that on).
 */
export type ConfigOf<S extends Schema> = Simplify<
  { [K in FieldNames<S> as IsPresent<FieldOf<S, K>> extends true ? K : never]: ValueOf<FieldOf<S, K>> } & {
    [K in FieldNames<S> as IsPresent<FieldOf<S, K>> extends true ? never : K]?: ValueOf<FieldOf<S, K>> | null;
  }
>;

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'set', 'map', 'record', 'json']);

/**
 * Declares a schema and keeps its literal type, so that `ConfigOf<typeof schema>` (and
 * definePlugin) know the config. Checks the shape at once: a malformed schema fails when the plugin
 * module loads, naming the field, instead of when Kong refuses it at boot.
 */
export function defineSchema<const S extends Schema>(schema: S): S {
  checkSchema(schema, 'config');
  return schema;
}

function checkSchema(schema: unknown, path: string): void {
  if (!Array.isArray(schema)) throw new TypeError(`${path}: a schema is an array of { name: { type: … } } entries`);
  for (const [i, entry] of schema.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new TypeError(`${path}[${i}]: expected { name: { type: … } }`);
    const names = Object.keys(entry);
    if (names.length !== 1) throw new TypeError(`${path}[${i}]: each entry declares exactly one field, found ${names.length} (${names.join(', ')})`);
    const name = names[0]!;
    checkField((entry as Record<string, unknown>)[name], `${path}.${name}`);
  }
}

function checkField(field: unknown, path: string): void {
  if (typeof field !== 'object' || field === null) throw new TypeError(`${path}: expected a field declaration { type: … }`);
  const f = field as Record<string, unknown>;
  if (typeof f.type !== 'string' || !TYPES.has(f.type)) {
    throw new TypeError(`${path}: type must be one of ${[...TYPES].join(', ')} (got ${JSON.stringify(f.type)})`);
  }
  if (f.type === 'array' || f.type === 'set') checkField(f.elements, `${path}.elements`);
  if (f.type === 'map') {
    checkField(f.keys, `${path}.keys`);
    checkField(f.values, `${path}.values`);
  }
  if (f.type === 'record') checkSchema(f.fields, path);
}
