// --max-metadata-size: a plugin whose exported metadata, as Kong will read it, is over the limit is
// refused at load with the limit named; a smaller one beside it is served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerProcess } from '../../kong-driver/server-process.ts';

const plugin = (fields: number) => `
const Schema = [];
for (let i = 0; i < ${fields}; i++) Schema.push({ ['field_' + i]: { type: 'string', default: 'a default value of some length' } });
class Plugin { async access(kong) { await kong.response.setHeader('x-fields', String(Schema.length)); } }
module.exports = { Plugin, Schema, Version: '1.0.0', Priority: 1 };
`;

test('--max-metadata-size 4096 refuses a Schema of about 8 KB at load and serves one of about 1 KB', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-meta-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}');
  fs.writeFileSync(path.join(dir, 'small-schema.js'), plugin(15));
  fs.writeFileSync(path.join(dir, 'large-schema.js'), plugin(120));
  const server = await ServerProcess.start({ pluginsDir: dir, args: ['--max-metadata-size', '4096'] });
  const kong = server.client();
  try {
    const failed = await server.waitForLog('plugin.load_failed', (l) => l.plugin === 'large-schema');
    assert.match(failed.msg, /larger than 4096 bytes \(--max-metadata-size\)/);
    await assert.rejects(kong.call('plugin.GetPluginInfo', 'large-schema'), /is not loaded/);
    const info = await kong.call('plugin.GetPluginInfo', 'small-schema');
    assert.equal(info.Schema.fields[0].config.fields.length, 15);
  } finally {
    kong.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
