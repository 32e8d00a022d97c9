// Bundle positions → the plugin author's file, line and column, in error texts and stack traces.
import path from 'node:path';
import { SourceMapConsumer, type RawSourceMap } from 'source-map-js';
import type { CompiledPlugin } from './compiler.ts';

// by the map's text: the supervisor and each shard map with the bundle's map, sent with its code
const consumers = new Map<string, SourceMapConsumer>();
const MAX_CONSUMERS = 64;

function consumerOf(map: string): SourceMapConsumer {
  let c = consumers.get(map);
  if (!c) {
    if (consumers.size >= MAX_CONSUMERS) consumers.delete(consumers.keys().next().value!);
    consumers.set(map, (c = new SourceMapConsumer(JSON.parse(map) as RawSourceMap)));
  }
  return c;
}

/** Rewrites every `<bundle filename>:line:col` in `text` to the original source position. */
export function mapPositions(text: string, compiled: CompiledPlugin): string {
  return mapBundlePositions(text, compiled.source.entry, compiled.map);
}

/** mapPositions for a bundle known by its filename and source map. */
export function mapBundlePositions(text: string, filename: string, map: string): string {
  if (!text.includes(`${filename}:`)) return text;
  const pattern = new RegExp(`${filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`, 'g');
  const dir = path.dirname(filename);
  return text.replace(pattern, (whole, line: string, col: string) => {
    const pos = consumerOf(map).originalPositionFor({ line: Number(line), column: Number(col) - 1 });
    if (pos.source === null || pos.line === null) return whole;
    return `${path.resolve(dir, pos.source)}:${pos.line}:${(pos.column ?? 0) + 1}`;
  });
}
