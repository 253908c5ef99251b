/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): every line must be
 * a HELP, a TYPE or a sample of a family declared before it, with valid names, quoted and escaped
 * label values, a number, and no series twice. Throws on anything else, naming the line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
  /** The value of the series with exactly these labels, or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every series of a metric name. */
  series(name: string): Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count', ''], counter: [''], gauge: [''], untyped: [''] };

function parseValue(text: string, line: string): number {
  // Prometheus reads values with Go's strconv.ParseFloat, which takes these in any case (prom-client writes "Nan").
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a number: ${text} in "${line}"`);
  return Number(text);
}

function parseLabels(text: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 0;
  while (true) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const nameMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
    if (!nameMatch) throw new Error(`bad label at "${text.slice(i)}" in "${line}"`);
    const name = nameMatch[1]!;
    if (name in labels) throw new Error(`label ${name} twice in "${line}"`);
    i += nameMatch[0].length;
    let value = '';
    for (; ; i++) {
      const c = text[i];
      if (c === undefined || c === '\n') throw new Error(`unterminated label value in "${line}"`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[++i];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape \\${next ?? ''} in "${line}"`);
      } else value += c;
    }
    labels[name] = value;
    i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`expected , or } in "${line}"`);
  }
}

export function parsePrometheusText(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  const familyOf = (name: string) => {
    for (const [family, type] of types) {
      if ((SUFFIXES[type] ?? ['']).some((suffix) => name === family + suffix)) return family;
    }
    return undefined;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const parts = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!parts) continue; // a plain comment
      const [, keyword, name, rest] = parts;
      if (!METRIC_NAME.test(name!)) throw new Error(`bad metric name in "${line}"`);
      if (keyword === 'TYPE') {
        if (!TYPES.has(rest!)) throw new Error(`unknown type in "${line}"`);
        if (types.has(name!)) throw new Error(`TYPE twice for ${name}`);
        if (samples.some((s) => familyOf(s.name) === name)) throw new Error(`TYPE after samples of ${name}`);
        types.set(name!, rest!);
      } else {
        if (helps.has(name!)) throw new Error(`HELP twice for ${name}`);
        helps.add(name!);
      }
      continue;
    }
    const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!nameMatch) throw new Error(`bad sample line "${line}"`);
    const name = nameMatch[1]!;
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest.slice(1), line));
    const fields = rest.trim().split(' ');
    if (!rest.startsWith(' ') || fields.length < 1 || fields.length > 2) throw new Error(`bad value part in "${line}"`);
    const value = parseValue(fields[0]!, line);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error(`bad timestamp in "${line}"`);
    const family = familyOf(name);
    if (family === undefined) throw new Error(`sample of an undeclared family: "${line}"`);
    if (types.get(family) === 'histogram' && name.endsWith('_bucket') && !('le' in labels)) throw new Error(`bucket without le: "${line}"`);
    for (const label of Object.keys(labels)) if (!LABEL_NAME.test(label)) throw new Error(`bad label name in "${line}"`);
    const key = `${name}{${Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (seen.has(key)) throw new Error(`series twice: ${key}`);
    seen.add(key);
    samples.push({ name, labels, value });
  }
  const same = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
  return {
    types,
    samples,
    value: (name, labels = {}) => samples.find((s) => s.name === name && same(s.labels, labels))?.value,
    series: (name) => samples.filter((s) => s.name === name),
  };
}
