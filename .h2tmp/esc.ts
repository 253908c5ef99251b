const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const a = (t: string) => t.replace(/[&<>"']/g, (c) => escapes[c]!);
const b = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const c = (t: string) => {
  let out = ''; let last = 0;
  for (let i = 0; i < t.length; i++) {
    const ch = t.charCodeAt(i);
    let e: string | undefined;
    if (ch === 38) e = '&amp;'; else if (ch === 60) e = '&lt;'; else if (ch === 62) e = '&gt;'; else if (ch === 34) e = '&quot;'; else if (ch === 39) e = '&#39;';
    if (e) { if (i > last) out += t.slice(last, i); out += e; last = i + 1; }
  }
  return last === 0 ? t : out + t.slice(last);
};
const s = '<e/>'.repeat(262144);
for (const [n, f] of [['callback', a], ['chained', b], ['loop', c]] as const) {
  f(s); const t = process.cpuUsage(); for (let i = 0; i < 5; i++) f(s).length; const u = process.cpuUsage(t); console.log(n, ((u.user + u.system) / 5000).toFixed(1), 'ms');
}
