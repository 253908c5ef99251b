import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOMParser, type Element } from '@xmldom/xmldom';

/**
 * Real third-party SAML peers for the interop tests: Lasso (python3-lasso) as a customer's IdP
 * and as a SaaS app's SP, xmlsec1 and openssl as signature verifiers. They are system packages;
 * a missing one is a test failure that names the package, never a skip.
 */

/** Debian installs python3-lasso for the system interpreter only (not a pyenv `python3` on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const LASSO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lasso');

function missing(pkg: string, detail: string): Error {
  return new Error(`The interop tests need the Debian package "${pkg}" (${detail}). Install it with: sudo apt-get install -y ${pkg}`);
}

/** Throws naming python3-lasso when Lasso cannot be imported by /usr/bin/python3. */
export function requireLasso(): void {
  if (!fs.existsSync(SYSTEM_PYTHON)) throw missing('python3-lasso', `${SYSTEM_PYTHON} does not exist`);
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import lasso'], { stdio: 'pipe' });
  } catch (error) {
    throw missing('python3-lasso', `${SYSTEM_PYTHON} cannot import lasso: ${String((error as { stderr?: Buffer }).stderr ?? error).trim().split('\n').pop()}`);
  }
}

/** Throws naming the package when a command-line tool is not installed. */
export function requireTool(command: 'xmlsec1' | 'openssl'): void {
  try {
    execFileSync(command, [command === 'openssl' ? 'version' : '--version'], { stdio: 'pipe' });
  } catch {
    throw missing(command, `the "${command}" command is not available`);
  }
}

export interface KeyPairFiles {
  keyFile: string;
  certFile: string;
  keyPem: string;
  certPem: string;
}

/** A temporary folder, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** An RSA-2048 key and self-signed SHA-256 certificate made by openssl, as a peer's admin would. */
export function opensslKeyPair(dir: string, name: string, commonName: string): KeyPairFiles {
  requireTool('openssl');
  const keyFile = path.join(dir, `${name}-key.pem`);
  const certFile = path.join(dir, `${name}-cert.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-sha256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${commonName}`], { stdio: 'pipe' });
  return { keyFile, certFile, keyPem: fs.readFileSync(keyFile, 'utf8'), certPem: fs.readFileSync(certFile, 'utf8') };
}

/** A Lasso error (the Python exception's class name, e.g. DsInvalidSignatureError). */
export class LassoError extends Error {
  constructor(
    readonly lassoError: string,
    message: string,
    readonly trace: string,
  ) {
    super(`Lasso refused: ${lassoError}: ${message}\n${trace}`);
    this.name = 'LassoError';
  }
}

function runPython<T>(script: string, args: string[], input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(SYSTEM_PYTHON, ['-B', path.join(LASSO_DIR, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      let result: { ok: boolean; error?: string; message?: string; trace?: string } & Record<string, unknown>;
      try {
        result = JSON.parse(stdout) as typeof result;
      } catch {
        reject(new Error(`${script} exited with ${code} and no JSON result.\nstdout: ${stdout}\nstderr: ${stderr}`));
        return;
      }
      if (result.error === 'LassoNotInstalled') reject(missing('python3-lasso', result.message ?? ''));
      else if (!result.ok) reject(new LassoError(result.error ?? 'Error', result.message ?? '', `${result.trace ?? ''}${stderr}`));
      else resolve(result as T);
    });
    child.stdin.end(JSON.stringify(input));
  });
}

// --- Lasso as the customer's IdP ----------------------------------------------------------------

export interface LassoIdpIdentity {
  entityId: string;
  ssoUrl: string;
  keyFile: string;
  certFile: string;
  /** rsa-sha256 unless told otherwise; rsa-sha1 is Lasso's own default. */
  signatureMethod?: 'rsa-sha256' | 'rsa-sha1';
}

export interface LassoUser {
  /** Omitted: Lasso's own transient NameID. */
  nameId?: string;
  nameIdFormat?: string;
  attributes?: Record<string, string[]>;
}

export type SignMode = 'both' | 'assertion' | 'response' | 'none';

export interface LassoTimes {
  /** null: none given to Lasso, which then writes an AuthnStatement without AuthnInstant. */
  authnInstant?: string | null;
  notBefore?: string;
  notOnOrAfter?: string;
}

export type AuthnRequestMessage = { binding: 'redirect'; url: string } | { binding: 'post'; SAMLRequest: string; RelayState?: string };

/** What Lasso read from our AuthnRequest (after verifying its signature). */
export interface LassoRequestSummary {
  id: string;
  issuer: string | null;
  destination: string | null;
  assertionConsumerServiceUrl: string | null;
  protocolBinding: string | null;
  forceAuthn: boolean;
  nameIdPolicyFormat: string | null;
  remoteProviderId: string | null;
  relayState: string | null;
}

export interface LassoIdpResponse {
  /** Where Lasso posts the response: the ACS URL from our AuthnRequest or SP metadata. */
  acsUrl: string;
  SAMLResponse: string;
  RelayState: string | null;
  responseXml: string;
}

/** Lasso processes our AuthnRequest (signature verification forced) and answers it. */
export function lassoRespond(input: {
  idp: LassoIdpIdentity;
  spMetadata: string[];
  request: AuthnRequestMessage;
  user: LassoUser;
  sign: SignMode;
  times?: LassoTimes;
}): Promise<LassoIdpResponse & { request: LassoRequestSummary }> {
  return runPython('idp.py', ['cli'], { op: 'respond', ...input });
}

/** An IdP-initiated (unsolicited) response from Lasso to the SP's default ACS. */
export function lassoUnsolicited(input: {
  idp: LassoIdpIdentity;
  spMetadata: string[];
  spEntityId: string;
  relayState?: string;
  user: LassoUser;
  sign: SignMode;
  times?: LassoTimes;
}): Promise<LassoIdpResponse> {
  return runPython('idp.py', ['cli'], { op: 'unsolicited', ...input });
}

export interface LassoIdpServer {
  port: number;
  ssoUrl: string;
  configure(update: { spMetadata?: string[]; users?: Record<string, LassoUser>; sign?: SignMode }): Promise<void>;
  close(): Promise<void>;
}

/** Lasso as an HTTP IdP on 127.0.0.1 (a sign-in form, then an auto-post to the ACS). */
export async function startLassoIdpServer(idp: Omit<LassoIdpIdentity, 'ssoUrl'>): Promise<LassoIdpServer> {
  const child = spawn(SYSTEM_PYTHON, ['-B', path.join(LASSO_DIR, 'idp.py'), 'serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const first = await new Promise<{ ok: boolean; port: number; ssoUrl: string; error?: string; message?: string }>((resolve, reject) => {
    let stdout = '';
    const onData = (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline >= 0 || stdout.startsWith('{"ok": false')) {
        child.stdout.off('data', onData);
        try {
          resolve(JSON.parse(newline >= 0 ? stdout.slice(0, newline) : stdout));
        } catch (error) {
          reject(error);
        }
      }
    };
    child.stdout.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`The Lasso IdP server exited with ${code}: ${stdout}${stderr}`)));
    child.stdin.write(`${JSON.stringify({ idp })}\n`);
  });
  if (!first.ok) throw first.error === 'LassoNotInstalled' ? missing('python3-lasso', first.message ?? '') : new Error(`The Lasso IdP server did not start: ${JSON.stringify(first)}`);
  const base = `http://127.0.0.1:${first.port}`;
  return {
    port: first.port,
    ssoUrl: first.ssoUrl,
    async configure(update) {
      const res = await fetch(`${base}/_config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(update) });
      if (res.status !== 204) throw new Error(`Lasso IdP /_config answered ${res.status}: ${await res.text()}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
        setTimeout(() => child.kill(), 2000).unref();
      }),
  };
}

// --- Lasso as a SaaS app's SP -------------------------------------------------------------------

export interface LassoSpResult {
  remoteProviderId: string;
  responseIssuer: string | null;
  assertionIssuer: string | null;
  destination: string | null;
  recipient: string | null;
  assertionId: string;
  nameId: string;
  nameIdFormat: string | null;
  attributes: Record<string, string[]>;
  conditions: 'valid' | 'invalid' | 'indeterminate' | 'unknown';
  audience: 'valid' | 'invalid' | 'indeterminate' | 'unknown';
  timeChecks: 'valid' | 'invalid' | 'indeterminate' | 'unknown';
}

/** Lasso as the app's SP: verifies the signatures (forced), accepts the SSO, checks conditions. */
export function lassoSpAccept(input: {
  sp: { entityId: string; acsUrl: string; keyFile: string; certFile: string };
  idpMetadata: string;
  SAMLResponse: string;
  toleranceSeconds?: number;
  /** force (default): the Response must be signed, the Assertion signature is checked too; maybe: the Response may be unsigned. */
  verify?: 'force' | 'maybe';
}): Promise<LassoSpResult> {
  return runPython('sp.py', ['cli'], { op: 'accept', ...input });
}

// --- XML helpers --------------------------------------------------------------------------------

const DS = 'http://www.w3.org/2000/09/xmldsig#';

/** Local names of the elements that directly contain a ds:Signature, in document order. */
export function signedElements(xml: string): string[] {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  return Array.from(document.getElementsByTagNameNS(DS, 'Signature')).map((s) => (s.parentNode as Element).localName ?? '');
}

/** ISO 8601 without milliseconds, as SAML peers write times. */
export const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
