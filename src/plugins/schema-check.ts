// The plugin's exported Schema, checked the way Kong's MetaSubSchema will: every entry is
// { name: { type: … } } with a type Kong knows, and the parts that type needs.
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'set', 'map', 'record', 'json']);

export function schemaProblems(fields: unknown, where = 'Schema'): string[] {
  if (!Array.isArray(fields)) return [`${where} must be an array of { field: { type: … } } entries`];
  const problems: string[] = [];
  fields.forEach((entry, i) => {
    const keys = entry && typeof entry === 'object' ? Object.keys(entry) : [];
    if (keys.length !== 1) {
      problems.push(`${where}[${i}] must be an object with exactly one field name`);
      return;
    }
    const name = keys[0]!;
    problems.push(...fieldProblems((entry as Record<string, unknown>)[name], `${where}.${name}`));
  });
  return problems;
}

function fieldProblems(decl: unknown, where: string): string[] {
  if (!decl || typeof decl !== 'object') return [`${where} must be a { type: … } declaration`];
  const d = decl as Record<string, unknown>;
  if (typeof d.type !== 'string' || !TYPES.has(d.type)) {
    return [`${where} has type ${JSON.stringify(d.type)}; Kong knows ${[...TYPES].join(', ')}`];
  }
  switch (d.type) {
    case 'array':
    case 'set':
      return d.elements === undefined ? [`${where} (${d.type}) needs "elements"`] : fieldProblems(d.elements, `${where}.elements`);
    case 'map':
      if (d.keys === undefined || d.values === undefined) return [`${where} (map) needs "keys" and "values"`];
      return [...fieldProblems(d.keys, `${where}.keys`), ...fieldProblems(d.values, `${where}.values`)];
    case 'record':
      return d.fields === undefined ? [`${where} (record) needs "fields"`] : schemaProblems(d.fields, `${where}.fields`);
    default:
      return [];
  }
}
