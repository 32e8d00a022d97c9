// Bundle positions → the plugin author's file, line and column, in error texts and stack traces.
import path from 'node:path';
import { SourceMapConsumer, type RawSourceMap } from 'source-map-js';
import type { CompiledPlugin } from './compiler.ts';

const consumers = new WeakMap<CompiledPlugin, SourceMapConsumer>();

function consumerOf(compiled: CompiledPlugin): SourceMapConsumer {
  let c = consumers.get(compiled);
  if (!c) consumers.set(compiled, (c = new SourceMapConsumer(JSON.parse(compiled.map) as RawSourceMap)));
  return c;
}

/** Rewrites every `<bundle filename>:line:col` in `text` to the original source position. */
export function mapPositions(text: string, compiled: CompiledPlugin): string {
  const filename = compiled.source.entry;
  const pattern = new RegExp(`${filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`, 'g');
  const dir = path.dirname(filename);
  return text.replace(pattern, (whole, line: string, col: string) => {
    const pos = consumerOf(compiled).originalPositionFor({ line: Number(line), column: Number(col) - 1 });
    if (pos.source === null || pos.line === null) return whole;
    return `${path.resolve(dir, pos.source)}:${pos.line}:${(pos.column ?? 0) + 1}`;
  });
}
