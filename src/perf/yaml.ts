// A small reader for the block-style YAML of AIC's database files (system specs, reuse.yaml,
// collection_meta.yaml): nested mappings by indentation, `- ` sequences (of scalars or mappings),
// comments, plain/quoted scalars, numbers, booleans and null. Flow collections other than `[]`
// and `{}`, anchors, tags and multi-line scalars are not part of those files and are rejected.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  no: number;
}

export class YamlError extends Error {
  override readonly name = 'YamlError';
}

function stripComment(raw: string): string {
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:\-\[,]/.test(raw[i - 1]!)) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]!))) {
      return raw.slice(0, i);
    }
  }
  return raw;
}

function scalar(text: string, no: number): YamlValue {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null' || t === 'Null' || t === 'NULL') return null;
  if (t === '[]') return [];
  if (t === '{}') return {};
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) throw new YamlError(`line ${no}: unterminated string`);
    return JSON.parse(t) as string;
  }
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) throw new YamlError(`line ${no}: unterminated string`);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (/^(true|True|TRUE)$/.test(t)) return true;
  if (/^(false|False|FALSE)$/.test(t)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  // A one-line flow sequence of plain scalars (AIC's kernel-source manifest lists systems so).
  if (/^\[[^\[\]{}"']*\]$/.test(t))
    return t
      .slice(1, -1)
      .split(',')
      .map((item) => scalar(item, no));
  if (/^[\[{&*!|>]/.test(t)) throw new YamlError(`line ${no}: unsupported YAML construct '${t}'`);
  return t;
}

/** Splits `key: rest` (key may be quoted); undefined when the line is not a mapping entry. */
function splitKey(text: string): [string, string] | undefined {
  let key: string;
  let rest: string;
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = text.indexOf(text[0]!, 1);
    if (end < 0 || text[end + 1] !== ':') return undefined;
    key = text.slice(1, end);
    rest = text.slice(end + 2);
  } else {
    const m = /^([^:]+?):(\s|$)/.exec(text);
    if (!m) return undefined;
    key = m[1]!.trim();
    rest = text.slice(m[0].length - (m[2] === '' ? 0 : 1));
  }
  if (rest !== '' && !/^\s/.test(rest)) return undefined;
  return [key, rest.trim()];
}

class Parser {
  private i = 0;
  constructor(private readonly lines: Line[]) {}

  parse(): YamlValue {
    if (this.lines.length === 0) return null;
    const value = this.block(this.lines[0]!.indent);
    if (this.i < this.lines.length) throw new YamlError(`line ${this.lines[this.i]!.no}: unexpected indentation`);
    return value;
  }

  private block(indent: number): YamlValue {
    const first = this.lines[this.i]!;
    if (first.text === '-' || first.text.startsWith('- ')) return this.sequence(indent);
    return this.mapping(indent);
  }

  private sequence(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!;
      if (line.indent < indent) break;
      if (line.indent > indent) throw new YamlError(`line ${line.no}: unexpected indentation`);
      if (!(line.text === '-' || line.text.startsWith('- '))) break;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        this.i++;
        out.push(this.i < this.lines.length && this.lines[this.i]!.indent > indent ? this.block(this.lines[this.i]!.indent) : null);
        continue;
      }
      // "- key: value" opens a mapping whose further keys sit at the item's content column.
      const itemIndent = indent + (line.text.length - rest.length);
      if (splitKey(rest)) {
        this.lines[this.i] = { indent: itemIndent, text: rest, no: line.no };
        out.push(this.mapping(itemIndent));
      } else {
        this.i++;
        out.push(scalar(rest, line.no));
      }
    }
    return out;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const out: { [key: string]: YamlValue } = {};
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!;
      if (line.indent < indent) break;
      if (line.indent > indent) throw new YamlError(`line ${line.no}: unexpected indentation`);
      const kv = splitKey(line.text);
      if (!kv) {
        if (line.text.startsWith('- ') || line.text === '-') break;
        throw new YamlError(`line ${line.no}: expected 'key: value'`);
      }
      const [key, rest] = kv;
      this.i++;
      if (rest !== '') {
        out[key] = scalar(rest, line.no);
        continue;
      }
      const next = this.lines[this.i];
      if (next && (next.indent > indent || (next.indent === indent && (next.text.startsWith('- ') || next.text === '-')))) {
        out[key] = this.block(next.indent);
      } else {
        out[key] = null;
      }
    }
    return out;
  }
}

/** Parses a block-style YAML document. Throws YamlError with a line number on anything else. */
export function parseYaml(text: string): YamlValue {
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((raw, idx) => {
    if (/^\s*(---|\.\.\.)\s*$/.test(raw)) return;
    if (raw.includes('\t') && /^\s*\t/.test(raw)) throw new YamlError(`line ${idx + 1}: tab indentation`);
    const body = stripComment(raw).replace(/\s+$/, '');
    if (body.trim() === '') return;
    const indent = body.length - body.trimStart().length;
    lines.push({ indent, text: body.trim(), no: idx + 1 });
  });
  return new Parser(lines).parse();
}
