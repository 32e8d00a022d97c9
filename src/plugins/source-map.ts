// Bundle positions → the plugin author's file, line and column, in error texts and stack traces.
//
// The map is as large as the plugin makes its bundle, and the texts are the plugin's own, so every
// step is bounded: a general source-map consumer decodes every mapping of a map at once (for a 7 MB
// bundle, over a second of CPU and hundreds of MB outside any budget, on the supervisor or on a shard's
// thread; measured, see docs/performance.md).
// Here one pass over the `mappings` string, which allocates nothing per mapping, keeps only where
// each generated line starts and the running source state there; a lookup then decodes one line,
// and at most MAX_LINE_SCAN characters of it. Past any bound a position is left as it was.
import path from 'node:path';
import type { CompiledPlugin } from './compiler.ts';

/** `mappings` longer than this are not indexed (a 16 MB bundle maps to well under it) */
const MAX_MAPPINGS = 32 * 1024 * 1024;
/** characters of one generated line's mappings a lookup decodes (minified lines can be megabytes) */
const MAX_LINE_SCAN = 64 * 1024;
/** positions rewritten in one text */
const MAX_POSITIONS = 8;
/** indexes kept (by map text), newest last */
const MAX_INDEXES = 16;

interface LineIndex {
  mappings: string;
  sources: string[];
  /** offset in `mappings` where generated line i (0-based) starts; one more entry for the end */
  starts: Int32Array;
  /** source index, source line and source column in force at the start of line i */
  state: Int32Array;
}

const BASE64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** A cursor over base64 VLQ: `read` decodes one value at `pos` and moves past it. */
class Vlq {
  pos = 0;
  readonly #s: string;
  constructor(s: string) {
    this.#s = s;
  }

  read(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const c = this.#s.charCodeAt(this.pos++);
      const digit = c < 128 ? BASE64[c]! : -1;
      if (digit < 0) throw new Error('bad source map');
      result += (digit & 31) * 2 ** shift;
      if ((digit & 32) === 0) break;
      shift += 5;
      if (shift > 30) throw new Error('bad source map');
    }
    return result % 2 === 1 ? -(result - 1) / 2 : result / 2;
  }

  /** true when the segment goes on (a ',' or ';' or the end is not next) */
  more(): boolean {
    const c = this.#s.charCodeAt(this.pos);
    return this.pos < this.#s.length && c !== 44 && c !== 59;
  }
}

function buildIndex(mapText: string): LineIndex | null {
  try {
    const map = JSON.parse(mapText) as { mappings?: unknown; sources?: unknown };
    const mappings = map.mappings;
    const sources = map.sources;
    if (typeof mappings !== 'string' || mappings.length > MAX_MAPPINGS || !Array.isArray(sources)) return null;
    let lines = 1;
    for (let i = mappings.indexOf(';'); i >= 0; i = mappings.indexOf(';', i + 1)) lines++;
    const starts = new Int32Array(lines + 1);
    const state = new Int32Array(3 * (lines + 1));
    const v = new Vlq(mappings);
    let src = 0;
    let srcLine = 0;
    let srcCol = 0;
    let line = 0;
    while (v.pos < mappings.length) {
      const c = mappings.charCodeAt(v.pos);
      if (c === 59) { // ';': the next generated line starts with the state so far
        v.pos++;
        line++;
        starts[line] = v.pos;
        state[3 * line] = src;
        state[3 * line + 1] = srcLine;
        state[3 * line + 2] = srcCol;
      } else if (c === 44) {
        v.pos++;
      } else {
        v.read(); // generated column: relative within the line only
        if (v.more()) {
          src += v.read();
          srcLine += v.read();
          srcCol += v.read();
          if (v.more()) v.read(); // name
        }
      }
    }
    starts[lines] = mappings.length + 1;
    return { mappings, sources: sources.map(String), starts, state };
  } catch {
    return null;
  }
}

const indexes = new Map<string, LineIndex | null>();

function indexOf(mapText: string): LineIndex | null {
  let idx = indexes.get(mapText);
  if (idx === undefined) {
    idx = buildIndex(mapText);
    if (indexes.size >= MAX_INDEXES) indexes.delete(indexes.keys().next().value!);
    indexes.set(mapText, idx);
  }
  return idx;
}

/** The original position of a generated one (line 1-based, column 0-based), or null. */
function originalPosition(idx: LineIndex, line: number, column: number): { source: string; line: number; column: number } | null {
  const i = line - 1;
  if (i < 0 || i >= idx.starts.length - 1) return null;
  const start = idx.starts[i]!;
  const end = Math.min(idx.starts[i + 1]! - 1, start + MAX_LINE_SCAN);
  const v = new Vlq(idx.mappings);
  v.pos = start;
  let src = idx.state[3 * i]!;
  let srcLine = idx.state[3 * i + 1]!;
  let srcCol = idx.state[3 * i + 2]!;
  let genCol = 0;
  let found: { source: string; line: number; column: number } | null = null;
  try {
    while (v.pos < end) {
      if (idx.mappings.charCodeAt(v.pos) === 44) {
        v.pos++;
        continue;
      }
      genCol += v.read();
      if (genCol > column) break;
      if (v.more()) {
        src += v.read();
        srcLine += v.read();
        srcCol += v.read();
        if (v.more()) v.read();
        const source = idx.sources[src];
        found = source === undefined ? null : { source, line: srcLine + 1, column: srcCol + 1 };
      } else {
        found = null; // a segment with no source: generated code of no file
      }
    }
  } catch {
    return null;
  }
  return found;
}

/** Rewrites every `<bundle filename>:line:col` in `text` to the original source position. */
export function mapPositions(text: string, compiled: CompiledPlugin): string {
  return mapBundlePositions(text, compiled.source.entry, compiled.map);
}

/** mapPositions for a bundle known by its filename and source map (the first MAX_POSITIONS of them). */
export function mapBundlePositions(text: string, filename: string, map: string): string {
  if (!text.includes(`${filename}:`)) return text;
  const idx = indexOf(map);
  if (idx === null) return text;
  const pattern = new RegExp(`${filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`, 'g');
  const dir = path.dirname(filename);
  let mapped = 0;
  return text.replace(pattern, (whole, line: string, col: string) => {
    if (mapped++ >= MAX_POSITIONS) return whole;
    const pos = originalPosition(idx, Number(line), Number(col) - 1);
    return pos === null ? whole : `${path.resolve(dir, pos.source)}:${pos.line}:${pos.column}`;
  });
}
