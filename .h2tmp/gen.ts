function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random well-formed tree with the constructs that trip lexical counters: quoted values holding
 * `>`, `/>`, `<`-free markup look-alikes, both quote styles, white space inside tags, comments,
 * CDATA and processing instructions holding tags, character and entity references, prefixes.
 */
function randomTree(seed: number): string {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const space = () => pick([' ', '  ', '\n', '\t', ' \r\n ']);
  const values = ['x', '/>', '>', 'a > b', "it's", 'a=b', '&amp;', '&lt;x/&gt;', '&#x41;', ' = ', '--', ']]>', '?>'];
  const texts = ['hello', ' ', '\n  ', 'a > b', '&amp;', '&lt;e/&gt;', '&#65;&#x42;', ']]&gt;', '/>', "'\"", '='];
  let budget = 20 + Math.floor(next() * 200);
  const element = (level: number): string => {
    budget--;
    const name = pick(['a', 'b', 'p:c', 'q:d', 'element-name', 'x.y']);
    const attributes: string[] = [];
    const used = new Set<string>();
    if (name.startsWith('p:')) attributes.push('xmlns:p="urn:p"');
    if (name.startsWith('q:')) attributes.push("xmlns:q='urn:q'");
    for (let i = Math.floor(next() * 4); i > 0; i--) {
      const attribute = pick(['k', 'id', 'ID', 'Version', 'xml:lang', 'other']);
      if (used.has(attribute)) continue;
      used.add(attribute);
      const value = pick(values);
      const quote = value.includes("'") ? '"' : pick(["'", '"']);
      attributes.push(`${attribute}${pick(['=', ' = '])}${quote}${value}${quote}`);
    }
    const open = `<${name}${attributes.map((a) => `${space()}${a}`).join('')}${next() < 0.3 ? space() : ''}`;
    if (level > 12 || budget <= 0 || (level > 1 && next() < 0.2)) return `${open}/>`;
    const children: string[] = [];
    for (let i = Math.floor(next() * 6) + (level < 4 ? 2 : 0); i > 0 && budget > 0; i--) {
      const kind = next();
      if (kind < 0.45) children.push(element(level + 1));
      else if (kind < 0.7) children.push(pick(texts));
      else if (kind < 0.8) children.push(`<!--${pick([' <e/> ', ' a > b ', ' x-y ', ' <![CDATA[ '])}-->`);
      else if (kind < 0.9) children.push(`<![CDATA[${pick(['<e a="1"/>', ']]', '<!-- -->', '>', ''])}]]>`);
      else children.push(`<?pi ${pick(['<e/>', 'a="b"', '> >'])}?>`);
    }
    return `${open}>${children.join('')}</${name}${next() < 0.2 ? space() : ''}>`;
  };
  const prolog = next() < 0.5 ? `<?xml version="1.0" encoding="UTF-8"?>${pick(['', '\n'])}` : '';
  const comment = next() < 0.3 ? '<!-- before the root -->\n' : '';
  return `${prolog}${comment}${element(1)}${next() < 0.3 ? '\n<!-- after -->\n' : ''}`;
}

let total=0, max=0; for (let seed=1; seed<=400; seed++) { const x = randomTree(seed); total += x.length; max = Math.max(max, x.length); } console.log(total/400, max); console.log(randomTree(5).slice(0,900));
