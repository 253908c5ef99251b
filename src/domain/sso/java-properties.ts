/** java.util.Properties text format: `key=value` lines with its escaping rules (non-ASCII as \uXXXX). */
export function toJavaProperties(values: Record<string, string>): string {
  const escape = (s: string, isKey: boolean) =>
    Array.from(s)
      .map((ch, i) => {
        if (ch === '\\') return '\\\\';
        if (ch === '\n') return '\\n';
        if (ch === '\r') return '\\r';
        if (ch === '\t') return '\\t';
        if (ch === '\f') return '\\f';
        if ('=:#!'.includes(ch)) return `\\${ch}`;
        if (ch === ' ' && (isKey || i === 0)) return '\\ ';
        const code = ch.codePointAt(0)!;
        if (code < 0x20 || code > 0x7e) {
          return (code > 0xffff ? ch.split('') : [ch]).map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
        }
        return ch;
      })
      .join('');
  return Object.entries(values)
    .map(([k, v]) => `${escape(k, true)}=${escape(v, false)}\n`)
    .join('');
}
