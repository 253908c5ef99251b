/**
 * Every SAML Response attack of test/helpers/saml-attack-table.ts, through ssobridge's validator
 * (its verdict and what reaching it costs) and through @node-saml/node-saml configured as strictly
 * as it goes, written as a table to docs/saml-comparison.md (or $BENCH_SAML_OUTPUT). This is a
 * report, not a test: node-saml's answers are facts about another library, and timings depend on
 * the machine. The test of ssobridge's verdicts is test/saml/response-attacks.test.ts.
 *
 *   node --import tsx bench/saml-attack-comparison.ts      (also run by `npm run bench`)
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SAML, ValidateInResponseTo, type CacheProvider } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import { validateSamlResponse, type ValidatedAssertion } from '../src/saml/response-validation.js';
import { SsoFailure } from '../src/errors.js';
import { ATTACKS, type Expected } from '../test/helpers/saml-attack-table.js';
import { ACS_URL, createAttackKit, IDP_ENTITY_ID, manyElementsCpuExhaustion, SP_ENTITY_ID, type AttackCase } from '../test/helpers/saml-attacks.js';
import { runBench } from './lib/script.js';

const output = process.env.BENCH_SAML_OUTPUT ?? path.join('docs', 'saml-comparison.md');
const nodeSamlVersion = (createRequire(import.meta.url)('@node-saml/node-saml/package.json') as { version: string }).version;

function ours(c: AttackCase): ValidatedAssertion | Error {
  try {
    return validateSamlResponse(c.samlResponse, c.expectations);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function verdict(result: ValidatedAssertion | Error): string {
  if (result instanceof SsoFailure) return result.reason;
  if (result instanceof Error) return `crashed (${result.name}: ${result.message.slice(0, 60)})`;
  return `ACCEPTED (${result.nameId})`;
}

/**
 * CPU µs per run of `run` (user + system of this process, over repeated runs totalling about 100 ms
 * of CPU, at least 5 and at most 500): on a shared machine, CPU time moves far less than wall time.
 */
function cpuMicros(run: () => unknown): number {
  run();
  const before = process.cpuUsage();
  let runs = 0;
  let spent = 0;
  while (runs < 5 || (runs < 500 && spent < 100_000)) {
    run();
    runs += 1;
    const used = process.cpuUsage(before);
    spent = used.user + used.system;
  }
  return spent / runs;
}

/** node-saml configured as strictly as it goes: certificate pinned, audience, signed assertions, InResponseTo checked when SP-initiated. */
async function nodeSamlVerdict(c: AttackCase): Promise<string> {
  const cache = new Map<string, string>();
  const cacheProvider: CacheProvider = {
    saveAsync: async (key, value) => {
      cache.set(key, value);
      return { value, createdAt: Date.now() };
    },
    getAsync: async (key) => cache.get(key) ?? null,
    removeAsync: async (key) => {
      if (key === null) return null;
      const value = cache.get(key) ?? null;
      cache.delete(key);
      return value;
    },
  };
  const inResponseTo = c.expectations.inResponseTo;
  if (inResponseTo !== null) await cacheProvider.saveAsync(inResponseTo, new Date().toISOString());
  const saml = new SAML({
    idpCert: c.expectations.idpCertificatesPem[0]!,
    issuer: SP_ENTITY_ID,
    callbackUrl: ACS_URL,
    audience: SP_ENTITY_ID,
    idpIssuer: IDP_ENTITY_ID,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: inResponseTo !== null ? ValidateInResponseTo.always : ValidateInResponseTo.never,
    acceptedClockSkewMs: c.expectations.clockSkewMs,
    cacheProvider,
  });
  try {
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: c.samlResponse });
    return profile ? `ACCEPTED (${profile.nameID})` : 'no profile';
  } catch (error) {
    return `refused: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 70)}`;
  }
}

interface Row {
  attack: string;
  what: string;
  expected: Expected;
  ours: string;
  oursMicros: number;
  nodeSaml: string;
  impersonated: boolean;
}

async function main(): Promise<void> {
  const kit = await createAttackKit();
  const rows: Row[] = [];
  for (const row of ATTACKS) {
    const c = row.attack(kit);
    const nodeSaml = await nodeSamlVerdict(c);
    rows.push({
      attack: row.attack.name,
      what: row.what,
      expected: row.expected,
      ours: verdict(ours(c)),
      oursMicros: cpuMicros(() => ours(c)),
      nodeSaml,
      impersonated: c.attackerIdentity !== undefined && nodeSaml === `ACCEPTED (${c.attackerIdentity})`,
    });
    process.stderr.write('.');
  }
  process.stderr.write('\n');

  // The work an element flood costs, against the floor any refusal pays: parsing it once.
  const flood = manyElementsCpuExhaustion(kit);
  const floodRefusalMicros = cpuMicros(() => ours(flood));
  const floodParseMicros = cpuMicros(() => new DOMParser({ onError: () => undefined }).parseFromString(flood.xml!, 'text/xml'));

  const escape = (text: string) => text.replaceAll('|', '\\|');
  const n = (value: number) => Math.round(value).toLocaleString('en-US');
  const attacks = rows.filter((r) => r.expected !== 'ACCEPTED');
  const acceptedByNodeSaml = attacks.filter((r) => r.nodeSaml.startsWith('ACCEPTED'));
  const wrong = rows.filter((r) => (r.expected === 'ACCEPTED' ? !r.ours.startsWith('ACCEPTED') : r.ours !== r.expected));
  const flag = (r: Row) => (r.expected !== 'ACCEPTED' && r.nodeSaml.startsWith('ACCEPTED') ? (r.impersonated ? " **accepted, as the attacker's identity**" : ' **accepted**') : '');
  const lines = [
    '# SAML Response attacks: ssobridge and @node-saml/node-saml',
    '',
    `Generated by \`npm run bench\` (bench/saml-attack-comparison.ts) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}; do not edit by hand.`,
    '',
    'Every attack document is generated from a valid signed response with fresh keys',
    '(test/helpers/saml-attacks.ts; the catalogue is test/fixtures/saml/attacks/README.md). The verdict',
    "ssobridge must give each is asserted by test/saml/response-attacks.test.ts; this page adds what",
    'reaching it costs (CPU µs per validation, averaged over repeated runs on the bench machine) and how',
    `@node-saml/node-saml ${nodeSamlVersion} answers the same document, configured as strictly as it allows:`,
    '`idpCert` pinned, `audience` and `idpIssuer` set, `wantAssertionsSigned: true`,',
    '`wantAuthnResponseSigned: false`, `validateInResponseTo: always` (with our request ID in its cache)',
    'for SP-initiated cases and `never` for IdP-initiated ones, the same clock skew. "accepted" means',
    "node-saml returned a profile; the identity it returned is shown, flagged when it is the attacker's target.",
    '',
    `**node-saml accepts ${acceptedByNodeSaml.length} of ${attacks.length} attacks**${acceptedByNodeSaml.length ? `: ${acceptedByNodeSaml.map((r) => r.attack).join(', ')}` : ''}.`,
    '',
    ...(wrong.length ? [`**ssobridge gave an unexpected verdict for: ${wrong.map((r) => `${r.attack} (${r.ours}, expected ${r.expected})`).join(', ')}.**`, ''] : []),
    `An element flood (\`manyElementsCpuExhaustion\`, ${n(Buffer.byteLength(flood.xml!) / 1024)} KiB) is refused in ${n(floodRefusalMicros)} µs of CPU; parsing the same document once with @xmldom/xmldom takes ${n(floodParseMicros)} µs.`,
    '',
    `| attack | what | ssobridge | ssobridge CPU µs | @node-saml/node-saml ${nodeSamlVersion} (strict) |`,
    '|---|---|---|---:|---|',
    ...rows.map((r) => `| ${r.attack} | ${escape(r.what)} | ${escape(r.ours)} | ${n(r.oursMicros)} | ${escape(r.nodeSaml)}${flag(r)} |`),
    '',
  ];
  fs.writeFileSync(output, lines.join('\n'));
  process.stderr.write(`[bench] wrote ${output}\n`);
}

runBench(main);
