/**
 * The SAML checks table (src/saml/saml-checks.ts) is the validator, the list in docs/sso.md and the
 * vocabulary of the attack matrix (test/helpers/saml-attack-table.ts): these tests keep the three
 * from drifting apart.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SAML_CHECK_STAGES, samlChecks } from '../../src/saml/saml-checks.js';
import { ATTACKS } from '../helpers/saml-attack-table.js';

const DOC = 'docs/sso.md';
const START = '<!-- The rows below are src/saml/saml-checks.ts (test/saml/saml-checks.test.ts keeps them equal). -->';
const END = '<!-- End of the checks table. -->';

/** The "What is validated" table as docs/sso.md must show it: one row per check, in the order they run. */
function checksTableMarkdown(): string {
  const rows = samlChecks.map((check, i) => `| ${i + 1} | ${SAML_CHECK_STAGES[check.stage]} | ${check.holds} | \`${check.reason}\` | ${check.rule} |`);
  return ['| # | on | check | reason | rule |', '|---|---|---|---|---|', ...rows].join('\n');
}

describe('the SAML checks table', () => {
  it('has one row per reason and rule, each with its own id', () => {
    const ids = samlChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const reasonAndRule = samlChecks.map((c) => `${c.reason} ${c.rule}`);
    expect(reasonAndRule.filter((pair, i) => reasonAndRule.indexOf(pair) !== i)).toEqual([]);
  });

  it('is the list of checks docs/sso.md shows under "What is validated"', () => {
    const markdown = fs.readFileSync(DOC, 'utf8');
    const start = markdown.indexOf(START);
    const end = markdown.indexOf(END);
    expect(start, `${DOC} lacks the marker ${START}`).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const documented = markdown.slice(start + START.length, end).trim();
    expect(documented, `replace the table in ${DOC} with:\n${checksTableMarkdown()}`).toBe(checksTableMarkdown());
  });

  it('gives every reason that at least one attack of the attack matrix must produce', () => {
    const attacked = new Set(ATTACKS.map((row) => row.expected));
    expect([...new Set(samlChecks.map((c) => c.reason))].filter((reason) => !attacked.has(reason))).toEqual([]);
  });

  it('gives every reason the attack matrix expects', () => {
    const reasons = new Set<string>(samlChecks.map((c) => c.reason));
    expect(ATTACKS.filter((row) => row.expected !== 'ACCEPTED' && !reasons.has(row.expected)).map((row) => `${row.attack.name}: ${row.expected}`)).toEqual([]);
  });
});
