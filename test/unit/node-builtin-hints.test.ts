// A plugin that imports a Node built-in is told which Web API of the sandbox does the job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeBuiltinMessage } from '../../src/plugins/node-builtin-hints.ts';

test('the hint names the Web API the sandbox offers instead', () => {
  assert.match(nodeBuiltinMessage('node:crypto'), /crypto\.subtle/);
  assert.match(nodeBuiltinMessage('https'), /use fetch, to the origins the operator allows this plugin \(--allow-fetch NAME=ORIGIN\)/);
  assert.match(nodeBuiltinMessage('node:net'), /no sockets: use fetch/);
  assert.match(nodeBuiltinMessage('timers'), /setTimeout \/ setInterval globals, inside a handler/);
  assert.match(nodeBuiltinMessage('node:timers/promises'), /setTimeout\(resolve, ms\)/);
  assert.match(nodeBuiltinMessage('node:buffer'), /TextEncoder/);
  assert.match(nodeBuiltinMessage('left-pad-native'), /is not available: plugins run in a V8 isolate without Node\.js APIs \(use the kong PDK instead\)$/);
});
