/**
 * The customers' IdPs of the metadata refresh benchmark: one local HTTPS server answering
 * `/idp/{i}.xml` with customer i's IdP metadata (entity ID, SSO URL, signing certificate), as
 * 10,000 IdPs would. Every 100th customer's IdP has rolled its signing key, so a refresh updates
 * 1 % of the connections and finds the rest unchanged. Prints
 * `METADATA_IDPS_READY {"port", "caFile", "certificate"}` (the current key's certificate); SIGTERM closes it.
 */
import { parseCertificate } from '../src/saml/certificates.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
import { idpMetadataXml } from '../test/helpers/idp-metadata-xml.js';
import { startLocalHttpsServer, type Handler } from '../test/helpers/local-https.js';
import { runBench } from './lib/script.js';

const rolledKey = (i: number) => i % 100 === 0;

/** Routes every `/idp/{i}.xml` path to customer i's metadata (local-https.ts looks routes up by exact path). */
function idpRoutes(current: string, rolled: string): Record<string, Handler> {
  const serve = (i: number): Handler => (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
    // Customer i's IdP, as bench/metadata-refresh-server.ts stores it (with the current key).
    res.end(idpMetadataXml(`https://idp.customer${i}.example/saml`, [rolledKey(i) ? rolled : current], `https://idp.customer${i}.example/sso`));
  };
  return new Proxy<Record<string, Handler>>({}, { get: (_routes, path) => (typeof path === 'string' && /^\/idp\/\d+\.xml$/.test(path) ? serve(Number(path.slice(5, -4))) : undefined) });
}

async function main(): Promise<void> {
  const current = (await generateSigningKeyPair('idp.bench', Date.now())).certificatePem;
  const rolled = (await generateSigningKeyPair('idp.bench rolled', Date.now())).certificatePem;
  const server = await startLocalHttpsServer(idpRoutes(current, rolled));
  process.stdout.write(`METADATA_IDPS_READY ${JSON.stringify({ port: server.port, caFile: server.caFile, certificate: parseCertificate(current) })}\n`);
  process.once('SIGTERM', () => {
    void server.close().then(() => process.exit(0));
  });
}

runBench(main);
