/**
 * What hostile XML costs the server: for each XML input (a SAMLResponse posted to the ACS, IdP
 * metadata through the API and the console, SP metadata through the console) at its maximum
 * size, each hostile shape, and the most expensive document the pre-scan lets through, the
 * longest the event loop was blocked, the CPU time, and the heap and RSS growth. Runs the real
 * application in this process through app.inject on a temporary SQLite database. Prints one JSON
 * line per case; with --append, also appends the section "Hostile XML" to docs/benchmarks.md (or
 * BENCH_OUTPUT), as scripts/bench.sh does after bench/run.ts has written that file.
 *
 *   node --import tsx bench/xml-limits.ts [--append]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { buildApp, type App } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { acsUrlFor } from '../src/domain/connections/sp-identity.js';
import { buildSignedResponse } from '../src/saml/response-builder.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
import { XML_LIMITS, type XmlInputKind } from '../src/saml/xml-limits.js';
import { prescanXml } from '../src/saml/xml-prescan.js';
import { HOSTILE_SHAPES, hostileXml, insideRoot, xmlAtLimits, FILL_HERE, type RootElement } from '../test/helpers/hostile-xml.js';
import { silentLogger } from '../test/helpers/databases.js';
import { curlBasic, operatorActor, restAppInput, SP_MANAGED } from '../test/helpers/test-app.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export interface XmlCostRun {
  kind: XmlInputKind;
  route: string;
  input: string;
  bytes: number;
  /** What the server answered: HTTP status and code (or SSO reason). */
  outcome: string;
  repetitions: number;
  stallMs: { min: number; median: number; max: number };
  cpuMs: { median: number };
  heapGrowthMb: { max: number };
  rssGrowthMb: { max: number };
}

const REPETITIONS = Number(process.env.XML_BENCH_REPETITIONS ?? 15);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Runs `work` while a setImmediate chain timestamps every turn of the event loop: the longest gap
 * between two turns is the longest the loop was blocked (a request's synchronous stretches).
 */
async function measureOnce(work: () => Promise<string>): Promise<{ stallMs: number; cpuMs: number; heapMb: number; rssMb: number; outcome: string }> {
  gc();
  const before = process.memoryUsage();
  let last = performance.now();
  let longest = 0;
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const cpu = process.cpuUsage();
  const outcome = await work();
  const used = process.cpuUsage(cpu);
  await new Promise((resolve) => setImmediate(resolve));
  ticking = false;
  const after = process.memoryUsage();
  return { stallMs: longest, cpuMs: (used.user + used.system) / 1000, heapMb: (after.heapUsed - before.heapUsed) / 1e6, rssMb: (after.rss - before.rss) / 1e6, outcome };
}

async function measure(kind: XmlInputKind, route: string, input: string, bytes: number, work: () => Promise<string>): Promise<XmlCostRun> {
  for (let i = 0; i < 2; i++) await work(); // warm up the code paths
  const runs = [];
  for (let i = 0; i < REPETITIONS; i++) runs.push(await measureOnce(work));
  const outcomes = [...new Set(runs.map((r) => r.outcome))];
  const run: XmlCostRun = {
    kind,
    route,
    input,
    bytes,
    outcome: outcomes.join(' / '),
    repetitions: REPETITIONS,
    stallMs: { min: Math.min(...runs.map((r) => r.stallMs)), median: median(runs.map((r) => r.stallMs)), max: Math.max(...runs.map((r) => r.stallMs)) },
    cpuMs: { median: median(runs.map((r) => r.cpuMs)) },
    heapGrowthMb: { max: Math.max(...runs.map((r) => r.heapMb)) },
    rssGrowthMb: { max: Math.max(...runs.map((r) => r.rssMb)) },
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
  return run;
}

const ssoReason = (body: string) => /Reason: <code>([A-Z0-9_]+)<\/code>/.exec(body)?.[1] ?? '?';
const apiCode = (body: string) => {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? '';
  } catch {
    return '';
  }
};

async function setUp(dataDir: string) {
  const config = loadConfig({
    PUBLIC_URL: 'http://localhost:8080',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    // The per-address limit would refuse the repetitions; it is measured by its own tests.
    SSO_REQUESTS_PER_MINUTE: '1000000',
    SSO_REQUESTS_BURST: '1000000',
  });
  const database = await openDatabase({ dataDir, logger: silentLogger });
  const app = await buildApp({ config, database, clock: systemClock, logger: silentLogger });
  const { account } = await app.services.accounts.createAccount(operatorActor, 'Bench');
  const actor = operatorActor(account.id);
  const credential = await app.services.credentials.createConnectionApiCredential(actor, { description: 'bench' });
  // Two applications: one whose customer pins one certificate, one whose customer pins ten (the most allowed).
  const one = await app.services.applications.createApplication(actor, restAppInput('One certificate'));
  const ten = await app.services.applications.createApplication(actor, restAppInput('Ten certificates', { hostname: 'ten.example.com', defaultAppUrl: 'https://ten.example.com/', errorUrl: 'https://ten.example.com/error' }));
  const keys = await Promise.all(Array.from({ length: 10 }, (_, i) => generateSigningKeyPair(`idp${i}.bench.example`, Date.now())));
  await app.services.customers.putCustomer(actor, 'one.bench', { entityId: 'https://idp.one.bench/saml', ssoUrl: 'https://idp.one.bench/sso', certificates: [keys[0]!.certificatePem], applications: [one.saasid] });
  await app.services.customers.putCustomer(actor, 'ten.bench', { entityId: 'https://idp.ten.bench/saml', ssoUrl: 'https://idp.ten.bench/sso', certificates: keys.map((k) => k.certificatePem), applications: [ten.saasid] });
  const admin = await consoleSession(app);
  const attacker = await generateSigningKeyPair('attacker.example', Date.now());
  return { app, database, config, authorization: curlBasic(credential.credential.clientId, credential.clientSecret), one, ten, admin, attacker };
}

/**
 * A console session driven by hand rather than with the tests' ConsoleClient, so that a measured
 * request sends a body encoded beforehand: encoding 1 MiB is the browser's work, not the server's.
 */
async function consoleSession(app: App) {
  const { account } = await app.services.accounts.createAccount(operatorActor, 'Bench console');
  const email = 'bench-admin@example.com';
  const password = 'correct horse battery staple';
  await app.services.admins.createAdmin(operatorActor(account.id), account.id, { email, password });
  const jar = new Map<string, string>();
  const remember = (setCookie: string | string[] | undefined) => {
    for (const line of [setCookie ?? []].flat()) {
      const pair = line.split(';')[0]!;
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
  };
  const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { cookie: cookie() } });
    remember(res.headers['set-cookie']);
    return res;
  };
  const post = async (url: string, body: string) => {
    const res = await app.inject({ method: 'POST', url, headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
    remember(res.headers['set-cookie']);
    return res;
  };
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const signIn = await get('/console/sign-in');
  const signedIn = await post('/console/sign-in', new URLSearchParams({ email, password, _csrf: csrfOf(signIn.body) }).toString());
  if (signedIn.statusCode !== 303) throw new Error(`console sign-in failed: ${signedIn.statusCode}`);
  return { get, post, csrfOf };
}

/** A samlp:Response addressed to us answering a request that was never made: any sender can post it. */
const responseRoot: RootElement = {
  open: '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_hostile" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" InResponseTo="_never-requested">',
  close: '</samlp:Response>',
};
const idpMetadataRoot: RootElement = {
  open: "<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata' entityID='https://idp.hostile.example'>",
  close: '</md:EntityDescriptor>',
};
const spMetadataRoot: RootElement = {
  open: "<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata' entityID='https://sp.hostile.example'>",
  close: '</md:EntityDescriptor>',
};

async function main(): Promise<XmlCostRun[]> {
  const runs: XmlCostRun[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-xml-bench-'));
  const { app, database, config, authorization, one, ten, admin, attacker } = await setUp(dataDir);
  try {
    // Each body is encoded before it is measured: that is the sender's work.
    const acs = (samlResponse: string, query = '') => {
      const payload = new URLSearchParams({ SAMLResponse: samlResponse }).toString();
      return async () => {
        const res = await app.inject({ method: 'POST', url: `/sso/sp/ACS.saml2${query}`, payload, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        // A REST application's error URL receives the reason when the application is known.
        const location = res.headers.location;
        return `${res.statusCode} ${typeof location === 'string' ? `(error URL) ${new URL(location).searchParams.get('error')}` : ssoReason(res.body)}`;
      };
    };
    const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
    const responseBytes = XML_LIMITS.samlResponse.maxBytes;

    // The pre-scan alone, per shape, at each kind's maximum size.
    for (const kind of Object.keys(XML_LIMITS) as XmlInputKind[]) {
      const limits = XML_LIMITS[kind];
      const root = kind === 'samlResponse' ? responseRoot : kind === 'idpMetadata' ? idpMetadataRoot : spMetadataRoot;
      for (const shape of HOSTILE_SHAPES) {
        const xml = hostileXml(shape, limits.maxBytes, root);
        runs.push(
          await measure(kind, 'prescanXml() alone', shape, limits.maxBytes, async () => {
            const scan = prescanXml(xml, limits);
            return scan.ok ? 'passes' : 'refused';
          }),
        );
      }
    }

    // ACS: every shape at 256 KiB, the worst document within the limits, and one byte over.
    for (const shape of HOSTILE_SHAPES) {
      runs.push(await measure('samlResponse', 'POST /sso/sp/ACS.saml2', shape, responseBytes, acs(b64(hostileXml(shape, responseBytes, responseRoot)))));
    }
    runs.push(await measure('samlResponse', 'POST /sso/sp/ACS.saml2', 'at the limits, unknown InResponseTo', responseBytes, acs(b64(xmlAtLimits(XML_LIMITS.samlResponse, responseBytes, insideRoot(responseRoot))))));
    // IdP-initiated, from a connected IdP's entity ID, signed by an attacker: reaches the signature checks.
    for (const [label, app_, entityId] of [['1 pinned certificate', one, 'https://idp.one.bench/saml'], ['10 pinned certificates', ten, 'https://idp.ten.bench/saml']] as const) {
      const signed = buildSignedResponse(
        {
          issuer: entityId,
          destination: acsUrlFor(config.publicUrl, null),
          inResponseTo: null,
          audience: 'https://bench.example/sp',
          nameId: 'victim@customer.example',
          nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
          sessionIndex: '_s',
          authnInstant: new Date().toISOString(),
          authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
          attributes: { email: ['victim@customer.example'] },
          now: Date.now(),
          lifetimeMs: 5 * 60_000,
        },
        attacker,
        { signResponse: false },
      );
      // The filler goes into samlp:Extensions, outside the signed assertion.
      const template = signed.replace(/(<saml:Issuer>[^<]*<\/saml:Issuer>)/, `$1<samlp:Extensions>${FILL_HERE}</samlp:Extensions>`);
      const xml = xmlAtLimits(XML_LIMITS.samlResponse, responseBytes, template);
      runs.push(await measure('samlResponse', 'POST /sso/sp/ACS.saml2', `at the limits, IdP-initiated, forged signature, ${label}`, responseBytes, acs(b64(xml), `?saasid=${app_.saasid}`)));
    }
    runs.push(await measure('samlResponse', 'POST /sso/sp/ACS.saml2', 'text, 1 byte over', responseBytes + 1, acs(b64(hostileXml('text', responseBytes + 1, responseRoot)))));

    // Twenty hostile responses at once (the flood of the outside review).
    const wide = b64(hostileXml('wide', responseBytes, responseRoot));
    runs.push(
      await measure('samlResponse', 'POST /sso/sp/ACS.saml2 ×20 concurrently', 'wide', responseBytes, async () => {
        const outcomes = await Promise.all(Array.from({ length: 20 }, () => acs(wide)()));
        return [...new Set(outcomes)].join(', ');
      }),
    );

    // IdP metadata through the API (PUT a customer with metadataXml).
    const idpBytes = XML_LIMITS.idpMetadata.maxBytes;
    const putMetadata = (xml: string) => {
      const payload = JSON.stringify({ metadataXml: xml });
      return async () => {
        const res = await app.inject({ method: 'PUT', url: `${SP_MANAGED}/hostile.example`, headers: { authorization, 'content-type': 'application/json' }, payload });
        return `${res.statusCode} ${apiCode(res.body)}`;
      };
    };
    for (const shape of HOSTILE_SHAPES) runs.push(await measure('idpMetadata', `PUT ${SP_MANAGED}/{idpId}`, shape, idpBytes, putMetadata(hostileXml(shape, idpBytes, idpMetadataRoot))));
    runs.push(await measure('idpMetadata', `PUT ${SP_MANAGED}/{idpId}`, 'at the limits', idpBytes, putMetadata(xmlAtLimits(XML_LIMITS.idpMetadata, idpBytes, insideRoot(idpMetadataRoot)))));

    // IdP metadata through the console's customer connection form.
    const csrf = admin.csrfOf((await admin.get('/console/customer-connections/new')).body);
    const consoleIdp = (xml: string) => {
      const payload = new URLSearchParams({ idpId: 'hostile.example', source: 'metadataXml', metadataXml: xml, emailDomains: '', enabled: 'true', _csrf: csrf }).toString();
      return async () => {
        const res = await admin.post('/console/customer-connections/new', payload);
        return `${res.statusCode} ${/id="customer-metadataXml-error"[^>]*>The metadata ([^<(]+)/.exec(res.body)?.[1]?.trim() ?? ''}`;
      };
    };
    for (const shape of HOSTILE_SHAPES) runs.push(await measure('idpMetadata', 'POST /console/customer-connections/new', shape, idpBytes, consoleIdp(hostileXml(shape, idpBytes, idpMetadataRoot))));
    runs.push(await measure('idpMetadata', 'POST /console/customer-connections/new', 'at the limits', idpBytes, consoleIdp(xmlAtLimits(XML_LIMITS.idpMetadata, idpBytes, insideRoot(idpMetadataRoot)))));

    // SP metadata through the console's "Fill from metadata".
    const spBytes = XML_LIMITS.spMetadata.maxBytes;
    const spCsrf = admin.csrfOf((await admin.get('/console/applications/new/saml')).body);
    const fill = (xml: string) => {
      const payload = new URLSearchParams({ spMetadata: xml, _csrf: spCsrf }).toString();
      return async () => {
        const res = await admin.post('/console/applications/new/saml/metadata', payload);
        return `${res.statusCode} ${/id="spMetadata-error"[^>]*>The metadata ([^<(]+)/.exec(res.body)?.[1]?.trim() ?? ''}`;
      };
    };
    for (const shape of HOSTILE_SHAPES) runs.push(await measure('spMetadata', 'POST /console/applications/new/saml/metadata', shape, spBytes, fill(hostileXml(shape, spBytes, spMetadataRoot))));
    runs.push(await measure('spMetadata', 'POST /console/applications/new/saml/metadata', 'at the limits', spBytes, fill(xmlAtLimits(XML_LIMITS.spMetadata, spBytes, insideRoot(spMetadataRoot)))));
  } finally {
    await app.close();
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return runs;
}

const ms = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));
const mb = (value: number) => Math.max(0, value).toFixed(1);

/** The "Hostile XML" section of docs/benchmarks.md. */
function renderSection(runs: XmlCostRun[], startedAt: Date, loadAtStart: number, elapsedS: number): string {
  const row = (r: XmlCostRun) =>
    `| ${r.route} | ${r.input} | ${(r.bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 3 })} KiB | ${r.outcome} | ${ms(r.stallMs.min)} · ${ms(r.stallMs.median)} · ${ms(r.stallMs.max)} | ${ms(r.cpuMs.median)} | ${mb(r.heapGrowthMb.max)} | ${mb(r.rssGrowthMb.max)} |`;
  const header = ['| route | input | size | answer | longest event-loop block, ms (min · median · max) | CPU ms (median) | heap growth MB (max) | RSS growth MB (max) |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  const overHttp = runs.filter((r) => !r.route.includes('alone') && !r.route.includes('×20'));
  const worst = (list: XmlCostRun[]) => list.reduce((a, b) => (b.stallMs.median > a.stallMs.median ? b : a));
  const summary = (label: string, r: XmlCostRun) =>
    `**${label}**: ${r.route}, \`${r.input}\`: ${ms(r.stallMs.median)} ms of event loop (median; min ${ms(r.stallMs.min)}, max ${ms(r.stallMs.max)}), ${ms(r.cpuMs.median)} ms CPU, heap +${mb(r.heapGrowthMb.max)} MB, RSS +${mb(r.rssGrowthMb.max)} MB.`;
  const refused = overHttp.filter((r) => r.input !== 'text' && (HOSTILE_SHAPES as readonly string[]).includes(r.input));
  const withinLimits = overHttp.filter((r) => r.input.startsWith('at the limits'));
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return [
    '',
    '## Hostile XML',
    '',
    `Measured ${startedAt.toISOString().replace('T', ' ').slice(0, 19)} UTC by \`bench/xml-limits.ts\` (${elapsedS.toFixed(0)} s) on ${os.cpus().length} cores (${cpuModel}), Node.js ${process.version}; load average when it started: ${loadAtStart.toFixed(2)}.`,
    '',
    '**What**: the cost of each XML input at its maximum size, for each hostile shape (`deep`: one chain',
    'of nested elements; `wide`: empty sibling elements; `attributes`: one element with as many',
    'attributes as fit; `doctype`: a DTD declaring an entity; `references`: `&amp;` repeated;',
    '`text`: one text node, which passes the pre-scan), and for the most expensive document the',
    'pre-scan lets through (exactly at the node, attribute and reference limits of',
    '[limits](limits.md#xml-documents), padded to the maximum size). The SAMLResponse answers a sign-in',
    'that was never started (what anyone can post), or, for the signature rows, is an unsolicited',
    "response naming a connected IdP as issuer, signed by an attacker's key, with the filler in",
    '`samlp:Extensions`: it reaches xml-crypto, which verifies once per pinned certificate.',
    '',
    '**How**: the real application in-process on a temporary SQLite database, requests through',
    '`app.inject` (so the HTTP body parsing is included, the socket is not). The longest event-loop',
    'block is the longest gap between two turns of a `setImmediate` chain running during the request',
    '(each request is synchronous work between short awaits, so this is its longest synchronous',
    `stretch); CPU is \`process.cpuUsage\`; heap and RSS growth are measured after the request against`,
    `a garbage-collected start. Each row: 2 warm-up requests, then ${runs[0]?.repetitions ?? 0} measured. When other processes`,
    'run on the machine, the OS can give them the CPU in the middle of a request, which lengthens',
    'the block: the minimum is closest to the request alone, the median is the typical figure, and',
    'the maximum includes such pauses (and garbage collections).',
    '',
    ...header,
    ...runs.filter((r) => !r.route.includes('alone')).map(row),
    '',
    'The pre-scan alone (`prescanXml`) on the same documents, without HTTP:',
    '',
    ...header,
    ...runs.filter((r) => r.route.includes('alone')).map(row),
    '',
    summary('Worst hostile input refused by the pre-scan', worst(refused)),
    '',
    summary('Worst input within the limits', worst(withinLimits)),
    '',
    summary('Worst unauthenticated input within the limits that is not signed', worst(withinLimits.filter((r) => r.route.includes('ACS') && !r.input.includes('signature')))),
    '',
  ].join('\n');
}

const startedAt = new Date();
const loadAtStart = os.loadavg()[0] ?? 0;
const runs = await main();
if (process.argv.includes('--append')) {
  const output = process.env.BENCH_OUTPUT ?? path.join('docs', 'benchmarks.md');
  fs.appendFileSync(output, renderSection(runs, startedAt, loadAtStart, (Date.now() - startedAt.getTime()) / 1000));
  process.stderr.write(`[bench] appended the hostile XML section to ${output}\n`);
}
