/**
 * A YAML file kept together with its syntax tree, so any problem found later in the parsed value —
 * by the schema, a rule or a reference — can be reported at the line and column a person edits.
 * Paths are JSON Pointers (RFC 6901), the form TypeBox reports errors in.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';

export interface Position {
  line: number;
  col: number;
}

export type Severity = 'error' | 'warning';

/** One problem in a file, where a person would fix it. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  /** Dotted key path as written in the file, e.g. `sensors.radar.baudRate`, `beacons[2].eid`; '' for the whole document. */
  key: string;
  message: string;
  severity: Severity;
}

/** `gateway.yaml:12:5 sensors.radar.baudRate: expected one of …, got "fast"` */
export function formatIssue(i: ConfigIssue): string {
  const where = `${i.file}:${i.line}:${i.col}`;
  const what = i.severity === 'warning' ? `warning: ${i.message}` : i.message;
  return i.key === '' ? `${where} ${what}` : `${where} ${i.key}: ${what}`;
}

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The document as plain JS (maps → objects with string keys); undefined when it did not parse. */
  value: unknown;
  /** Syntax errors (duplicate keys included); when non-empty, `value` is undefined. */
  errors: ConfigIssue[];
}

/** Aliases expand; a billion-laughs document is refused rather than expanded (yaml's maxAliasCount). */
const MAX_ALIAS_COUNT = 100;

export function parseYamlSource(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // After the first syntax error the parser's view of the structure is a guess, and the errors
  // that follow mostly restate it: report the first one only.
  const errors: ConfigIssue[] = doc.errors.slice(0, 1).map((e) => {
    const p = lines.linePos(e.pos[0]);
    // yaml's messages can run over several lines (context snippets); the first says what is wrong.
    const more = doc.errors.length > 1 ? ` (${doc.errors.length - 1} more YAML errors may follow from it)` : '';
    const message = `YAML: ${e.message.split('\n')[0]}${more}`;
    return { file, line: p.line, col: p.col, key: '', message, severity: 'error' as const };
  });
  let value: unknown;
  if (errors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      errors.push({ file, line: 1, col: 1, key: '', message: `YAML: ${e instanceof Error ? e.message : String(e)}`, severity: 'error' });
    }
  }
  const src: YamlSource = { file, doc, lines, value, errors };
  if (errors.length === 0) {
    const bad = notPlainData(value);
    if (bad) {
      src.errors.push(issueAt(src, bad.pointer, `YAML: ${bad.message}`));
      src.value = undefined;
    }
  }
  return src;
}

/**
 * Config files hold strings, numbers, booleans, null, lists and mappings. An alias that contains
 * itself (`a: &x [*x]`) would make every later walk recurse forever, and tagged values such as
 * !!binary are not settings; both are refused here, once, with their position.
 */
function notPlainData(value: unknown): { pointer: string; message: string } | undefined {
  const inProgress = new Set<object>();
  const walk = (v: unknown, path: (string | number)[]): { pointer: string; message: string } | undefined => {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return undefined;
    if (typeof v !== 'object') return { pointer: pointerOf(path), message: `unsupported value of type ${typeof v}` };
    if (inProgress.has(v)) return { pointer: pointerOf(path), message: 'an alias that contains itself' };
    const isArray = Array.isArray(v);
    if (!isArray && Object.getPrototypeOf(v) !== Object.prototype) {
      return { pointer: pointerOf(path), message: `unsupported value (${v.constructor?.name ?? 'object'}); use a string, number, list or mapping` };
    }
    inProgress.add(v);
    const entries: [string | number, unknown][] = isArray ? (v as unknown[]).map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, x] of entries) {
      const bad = walk(x, [...path, k]);
      if (bad) return bad;
    }
    inProgress.delete(v);
    return undefined;
  };
  return walk(value, []);
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function pointerOf(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** `/sensors/radar/baudRate` → `sensors.radar.baudRate`; list indexes as `[2]`. */
export function dottedKey(pointer: string, value: unknown): string {
  let out = '';
  let v: unknown = value;
  for (const seg of pointerSegments(pointer)) {
    if (Array.isArray(v)) {
      out += `[${seg}]`;
      v = v[Number(seg)];
    } else {
      out += out === '' ? seg : `.${seg}`;
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

/**
 * Where the value at `pointer` is written: the start of its key (`baudRate:`), or the start of the
 * list item. For a path that is not in the file (a missing required key) it is the deepest part
 * that is — the key of the mapping the missing key belongs in.
 */
export function locate(src: YamlSource, pointer: string): Position {
  let node: unknown = src.doc.contents;
  let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
  for (const seg of pointerSegments(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === seg);
      if (!pair) break;
      const keyNode = pair.key as YamlNode | null;
      offset = keyNode?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as YamlNode | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return src.lines.linePos(offset);
}

/** An issue at a JSON Pointer of the source's value. */
export function issueAt(src: YamlSource, pointer: string, message: string, severity: Severity = 'error', value: unknown = src.value): ConfigIssue {
  const { line, col } = locate(src, pointer);
  return { file: src.file, line, col, key: dottedKey(pointer, value), message, severity };
}
